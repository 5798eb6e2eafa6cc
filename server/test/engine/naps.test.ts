// Naps on real sandboxes: a quiet session's sandbox is frozen (the engine says Paused, its processes use no
// CPU); one busy on its own or printing to its page is not; whatever needs it wakes it: a keystroke (through the terminal server and by exec), a port link, a
// check, the end of the session, the next Berth server after a restart. The nap time is set to seconds here
// and the naps' scan is driven by the test; what counts as quiet is measured on the real sandbox.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import fs from 'node:fs';
import { before, describe, test } from 'node:test';
import Docker from 'dockerode';
import { createSession, eventually, fetchMetrics, openPortLink, startTestServer, TerminalClient, useSessionTerminal, type CreatedSession, type TestServer } from '../helpers.js';

const NAP_AFTER_MS = 2000;

function engineOf(server: TestServer) {
  const docker = new Docker({ socketPath: server.config.engineSocket });
  const container = (id: string) => docker.getContainer(`berth-${server.config.instance}-${id}`);
  return {
    paused: async (id: string) => (await container(id).inspect()).State.Paused,
    /** CPU time the sandbox used over ms, in ms. */
    cpuDuring: async (id: string, ms: number) => {
      const file = `/sys/fs/cgroup/cpuacct/docker/${(await container(id).inspect()).Id}/cpuacct.usage`;
      const before = Number(fs.readFileSync(file, 'utf8'));
      await new Promise((r) => setTimeout(r, ms));
      return (Number(fs.readFileSync(file, 'utf8')) - before) / 1e6;
    },
    exists: async (id: string) => container(id).inspect().then(() => true, () => false),
  };
}

/** Drives the naps' scan until the session's sandbox naps (it has to be quiet for NAP_AFTER_MS first). */
async function napNow(server: TestServer, session: CreatedSession): Promise<void> {
  await eventually(async () => {
    await server.berth.naps.scan();
    assert.ok(server.berth.naps.isNapping(session.id), 'napping');
  }, 60_000);
  assert.equal(await engineOf(server).paused(session.id), true, 'the engine has the sandbox paused');
}

/** Drives the naps' scan for three nap times, long enough for any quiet sandbox to nap. */
async function scanThreeNapTimes(server: TestServer): Promise<void> {
  const until = Date.now() + 3 * NAP_AFTER_MS;
  while (Date.now() < until) {
    await server.berth.naps.scan();
    await new Promise((r) => setTimeout(r, 200));
  }
}

function useNappingServer(env: Record<string, string> = {}) {
  // 0: no timer of its own; the test sets the nap time and scans.
  const ctx = useSessionTerminal({ BERTH_NAP_AFTER_MIN: '0', ...env });
  before(() => {
    ctx.server.berth.naps.options.napAfterMs = NAP_AFTER_MS;
  });
  return ctx;
}

describe('naps, terminal server', () => {
  const ctx = useNappingServer();

  test('a quiet session naps: its sandbox is paused and uses no CPU; a keystroke wakes it and the same shell answers', async () => {
    await ctx.term.run('NAPPED=before');
    await napNow(ctx.server, ctx.session);
    const engine = engineOf(ctx.server);
    assert.equal(await engine.cpuDuring(ctx.session.id, 1500), 0, 'no CPU while napping');
    assert.match(await fetchMetrics(ctx.server.url), /^berth_sessions_napping 1$/m);
    const r = await ctx.term.run('echo "$NAPPED, now awake"');
    assert.match(r.output, /before, now awake/);
    assert.equal(await engine.paused(ctx.session.id), false);
    assert.equal(ctx.server.berth.naps.isNapping(ctx.session.id), false);
  });

  test('a visitor back at the page (the pointer moves over it) thaws the napping sandbox before the first key', async () => {
    await napNow(ctx.server, ctx.session);
    ctx.term.present();
    await eventually(async () => assert.equal(await engineOf(ctx.server).paused(ctx.session.id), false, 'thawed without a key'), 10_000);
    assert.equal(ctx.server.berth.naps.isNapping(ctx.session.id), false);
    assert.match((await ctx.term.run('echo "awake"')).output, /awake/);
  });

  test('being at the page counts as use: a sandbox quiet for the nap time whose visitor is at the page does not nap', async () => {
    const naps = ctx.server.berth.naps;
    await naps.scan(); // quiet from now on
    await new Promise((r) => setTimeout(r, NAP_AFTER_MS + 500));
    const heard = once(ctx.server.berth.sessions, 'present');
    ctx.term.present();
    await heard;
    await naps.scan();
    assert.equal(naps.isNapping(ctx.session.id), false, 'the visitor is at the page');
    await napNow(ctx.server, ctx.session); // and once they are not, it naps
    assert.match((await ctx.term.run('echo "awake"')).output, /awake/);
  });

  test('thawing a sandbox that is awake is nothing (the next server thaws every session it takes back, napping or not)', async () => {
    assert.equal(ctx.server.berth.naps.isNapping(ctx.session.id), false);
    await ctx.server.berth.runtime.resume(ctx.session.id);
    assert.equal(await engineOf(ctx.server).paused(ctx.session.id), false);
  });

  test('a port link to an app in a napping sandbox wakes it and the app answers', async () => {
    const r = await ctx.term.run('docker run -d -p 8080:80 --name web nginx');
    assert.equal(r.exit, 0, r.output);
    await ctx.term.waitForEvent((e) => e.type === 'port' && e.port === 8080 && !e.closed, 10_000, 'port 8080');
    const link = await openPortLink(ctx.server, ctx.session, 8080);
    await napNow(ctx.server, ctx.session);
    const res = await fetch(link.url, { headers: { cookie: link.cookie }, signal: AbortSignal.timeout(10_000) });
    assert.equal(res.status, 200);
    assert.match(await res.text(), /Welcome to nginx/);
    assert.equal(await engineOf(ctx.server).paused(ctx.session.id), false);
  });

  test('a check (a command from the server) on a napping sandbox wakes it and gets its answer', async () => {
    await napNow(ctx.server, ctx.session);
    const r = await ctx.server.berth.runtime.exec(ctx.session.id, ['docker', 'ps', '--format', '{{.Names}}'], { served: true, timeoutMs: 10_000 });
    assert.equal(r.exitCode, 0, r.output);
    assert.match(r.output, /^web$/m, 'the container started before the nap still runs');
  });

  test('a sandbox busy in the background does not nap though nobody types', async () => {
    await ctx.term.run('(while :; do :; done) & echo started');
    await scanThreeNapTimes(ctx.server);
    assert.equal(ctx.server.berth.naps.isNapping(ctx.session.id), false);
    assert.equal(await engineOf(ctx.server).paused(ctx.session.id), false);
    await ctx.term.run('kill %1; wait');
  });

  test('a terminal printing to its page (a loop echoing twice a second, nobody typing) keeps the session awake', async () => {
    ctx.term.type('while :; do echo tick; sleep 0.5; done\r');
    await ctx.term.waitForText(/tick/);
    await scanThreeNapTimes(ctx.server);
    assert.equal(ctx.server.berth.naps.isNapping(ctx.session.id), false);
    ctx.term.type('\x03');
    assert.equal((await ctx.term.run('true')).exit, 0);
  });

  test('a session that ends while it naps leaves nothing behind', async () => {
    const other = await createSession(ctx.server);
    assert.equal(await ctx.server.berth.sessions.get(other.id)!.ready, true);
    await napNow(ctx.server, other);
    await ctx.server.berth.sessions.end(other.id, 'ended-by-user');
    assert.equal(await engineOf(ctx.server).exists(other.id), false);
    assert.equal(ctx.server.berth.naps.isNapping(other.id), false);
  });
});

describe('naps, shells by exec (the fallback)', () => {
  const ctx = useNappingServer({ BERTH_TERMINAL: 'exec' });

  test('a keystroke into a shell by exec wakes the napping sandbox, and the shell answers', async () => {
    await napNow(ctx.server, ctx.session);
    const r = await ctx.term.run('echo awake-by-exec');
    assert.match(r.output, /awake-by-exec/);
    assert.equal(await engineOf(ctx.server).paused(ctx.session.id), false);
  });
});

describe('naps across a restart', () => {
  test('a sandbox left napping by a stopped server is thawed by the next, and its shell works', async () => {
    const first = await startTestServer({ BERTH_NAP_AFTER_MIN: '0' });
    first.berth.naps.options.napAfterMs = NAP_AFTER_MS;
    let second: TestServer | undefined;
    try {
      const session = await createSession(first);
      assert.equal(await first.berth.sessions.get(session.id)!.ready, true);
      await napNow(first, session);
      await first.berth.detach();
      second = await startTestServer({ BERTH_NAP_AFTER_MIN: '0', BERTH_INSTANCE: first.config.instance });
      await second.berth.recover();
      assert.equal(await engineOf(second).paused(session.id), false);
      const term = await TerminalClient.connect(second, session);
      await term.ready();
      assert.match((await term.run('echo after-restart')).output, /after-restart/);
      await term.close();
    } finally {
      await (second ?? first).close();
    }
  });
});
