// A cluster member evacuated for maintenance (LXD's `cluster evacuate`): its sessions go on, each on a new
// sandbox on another member (not a copy: the old one is removed), their visitors told what did not come along;
// the other members' sessions go on untouched. (A member whose daemon is killed: lost-member.test.ts.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterServer, sessionsOnMembers } from './cluster-sessions.js';

test('a member evacuated for maintenance: its sessions go on in new sandboxes elsewhere, their visitors told', { timeout: 600_000 }, async () => {
  const { server, runtime, where } = await clusterServer();
  let evacuated: string | undefined;
  try {
    const { sessions, notFirst: moved } = await sessionsOnMembers(server, where);
    evacuated = moved.member;
    assert.equal((await moved.term.run('docker run -d --name before busybox sleep 1d >/dev/null 2>&1 && echo started', 120_000)).output.trim(), 'started');
    const events = moved.term.events.length;
    const t0 = Date.now();
    await runtime.api.run('POST', `/1.0/cluster/members/${evacuated}/state`, { action: 'evacuate' });
    await moved.term.waitForText(new RegExp(`\\(${evacuated}\\) is being taken out of service for maintenance, so a new sandbox is starting on another machine`), 60_000);
    await moved.term.waitForEvent((e) => moved.term.events.indexOf(e) >= events && e.type === 'status' && e.state === 'ready', 180_000, 'ready again');
    await moved.term.waitForText(/\[the new sandbox is ready; here is its shell\][^]*\$ $/, 60_000);
    console.log(`# member ${evacuated} evacuated: its session was ready on a new sandbox ${((Date.now() - t0) / 1000).toFixed(1)} s after`);
    assert.equal(moved.term.events.some((e) => e.type === 'status' && e.state === 'ended'), false, 'the session never ended');
    const now = await where(moved.s);
    assert.notEqual(now, evacuated, 'the new sandbox is on another member');
    // A new sandbox, not a copy: the container started before is not there; the engine works.
    // (Its engine may still be starting: the sandbox's docker says so on a line of its own, then runs.)
    assert.equal((await moved.term.run('docker ps -aq | wc -l', 60_000)).output.trim().split('\n').at(-1), '0');
    assert.match((await moved.term.run('docker run --rm hello-world', 120_000)).output, /Hello from Docker!/);
    // Nothing of it is left on the evacuated member.
    const onEvacuated = (await runtime.api.request<{ name: string; location: string }[]>('GET', '/1.0/instances?recursion=1')).filter((i) => i.location === evacuated && i.name === runtime.name(moved.s.id));
    assert.deepEqual(onEvacuated, []);
    for (const x of sessions.filter((x) => x !== moved)) assert.equal((await x.term.run('true')).exit, 0, `the session on ${x.member}`);
    for (const x of sessions) await x.term.close();
  } finally {
    // Restored even when the test failed half-way (a member not evacuated says so: that is no failure of its own).
    if (evacuated) await runtime.api.run('POST', `/1.0/cluster/members/${evacuated}/state`, { action: 'restore' }).catch((err: Error) => assert.match(err.message, /already restored/));
    await server.close();
    runtime.api.close();
  }
});
