// A cluster member whose LXD daemon dies (native/lxd/lxd-cluster.sh kill N: its sandboxes keep running on that
// machine, out of LXD's reach, as when a machine's LXD crashes): the pages of its sessions say their sandbox's
// machine was lost, new sessions start on the members still there, the others' sessions go on, and once the
// member is back nothing of the lost sandbox is left.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { createSession, eventually, TerminalClient } from '../helpers.js';
import { clusterScript, clusterServer, sessionsOnMembers } from './cluster-sessions.js';

function processesOf(instance: string): string[] {
  const found: string[] = [];
  for (const p of fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const cmd = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.startsWith('[lxc monitor]') && cmd.includes(` ${instance}`)) found.push(`${p} ${cmd}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

test('a member lost: its sessions end saying so, new sessions start elsewhere, the others go on', { timeout: 600_000 }, async () => {
  const { server, runtime, where } = await clusterServer();
  let killed: string | undefined;
  try {
    const { sessions, notFirst: lost } = await sessionsOnMembers(server, where);
    const name = runtime.name(lost.s.id);
    killed = lost.member.slice(1);
    const t0 = Date.now();
    await clusterScript('kill', killed);
    console.log(`# killed the daemon of ${lost.member}, which runs ${name}`);

    // Its shell breaks first (LXD cannot reach the member): the terminal says the sandbox's host is away and
    // waits, its socket open, until the session ends; the page hears why on that same socket.
    const ended = await lost.term.waitForEvent((e) => e.type === 'status' && e.state === 'ended', 90_000, 'the session to end');
    const seconds = ((Date.now() - t0) / 1000).toFixed(1);
    assert.equal(ended.type === 'status' && ended.reason, 'host-lost');
    assert.match(ended.type === 'status' ? (ended.message ?? '') : '', new RegExp(`machine that ran your sandbox \\(${lost.member}\\) stopped answering.*new session starts on another machine`));
    const view = (await (await fetch(`${server.url}/api/sessions/${lost.s.id}`, { headers: { authorization: `Bearer ${lost.s.token}` } })).json()) as { state: string; endReason?: string };
    assert.deepEqual([view.state, view.endReason], ['ended', 'host-lost']);
    console.log(`# member ${lost.member} killed: its session ended "host-lost" after ${seconds} s`);

    // The others go on.
    for (const x of sessions.filter((x) => x !== lost)) assert.equal((await x.term.run('docker ps -q | wc -l')).exit, 0, `the session on ${x.member}`);
    // A new session is placed on a member still there, and works.
    const fresh = await createSession(server);
    const term = await TerminalClient.connect(server, fresh);
    await term.ready(120_000);
    assert.notEqual(await where(fresh), lost.member);
    assert.match((await term.run('docker run --rm hello-world', 120_000)).output, /Hello from Docker!/);
    await term.close();

    // The member comes back: the server removes what is left of the lost sandbox (LXD could not while it was away).
    const t1 = Date.now();
    await clusterScript('start', killed);
    killed = undefined;
    await eventually(async () => {
      const gone = await runtime.api.request('GET', `/1.0/instances/${name}`).then(() => false, (err: Error) => /not found/i.test(err.message));
      assert.ok(gone, `${name} still on LXD`);
    }, 180_000);
    assert.deepEqual(processesOf(name), [], 'no process of the lost sandbox left on its machine');
    console.log(`# member ${lost.member} back: the lost sandbox removed ${((Date.now() - t1) / 1000).toFixed(1)} s after its daemon started`);
    for (const x of sessions) await x.term.close();
  } finally {
    if (killed) await clusterScript('start', killed);
    await server.close();
    runtime.api.close();
  }
});

