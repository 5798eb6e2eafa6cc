// A cluster member evacuated for maintenance (LXD's `cluster evacuate`): the pages of its sessions say their
// sandbox's machine was taken out of service, its sandboxes are removed rather than copied elsewhere, and the
// other members' sessions go on. (A member whose daemon is killed: lost-member.test.ts.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually } from '../helpers.js';
import { clusterServer, sessionsOnMembers } from './cluster-sessions.js';

test('a member evacuated for maintenance: its sessions end saying so, its sandboxes are removed, not copied', { timeout: 600_000 }, async () => {
  const { server, runtime, where } = await clusterServer();
  let evacuated: string | undefined;
  try {
    const { sessions, notFirst: moved } = await sessionsOnMembers(server, where);
    evacuated = moved.member;
    const t0 = Date.now();
    await runtime.api.run('POST', `/1.0/cluster/members/${evacuated}/state`, { action: 'evacuate' });
    const ended = await moved.term.waitForEvent((e) => e.type === 'status' && e.state === 'ended', 90_000, 'the session to end');
    assert.equal(ended.type === 'status' && ended.reason, 'host-lost');
    assert.match(ended.type === 'status' ? (ended.message ?? '') : '', new RegExp(`machine that ran your sandbox \\(${evacuated}\\) was taken out of service for maintenance`));
    console.log(`# member ${evacuated} evacuated: its session ended after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    // Removed, not copied to another member by LXD.
    await eventually(async () => assert.deepEqual(await runtime.listSandboxes().then((ids) => ids.filter((id) => id === moved.s.id)), []), 60_000);
    for (const x of sessions.filter((x) => x !== moved)) assert.equal((await x.term.run('true')).exit, 0, `the session on ${x.member}`);
    for (const x of sessions) await x.term.close();
  } finally {
    if (evacuated) await runtime.api.run('POST', `/1.0/cluster/members/${evacuated}/state`, { action: 'restore' });
    await server.close();
    runtime.api.close();
  }
});
