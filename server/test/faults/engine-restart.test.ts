// The session engine restarts under a running session (Berth's dockerd on /run/berth/engine.sock, stopped
// and started again with the same arguments, as an operator would, or a crash and then the supervisor).
// While it is down /api/health is red and names it, the page hears that the sandbox host is restarting and
// Start says so; once it is back the session goes on if its sandbox survived (an engine with live-restore):
// with the same shell through the sandbox's terminal server, with a fresh one by exec; or it ends with the
// reason "host restart" shown on the end screen. A session napping meanwhile wakes with its next keystroke.
// DISRUPTIVE: every sandbox on the shared engine is affected. Run it alone; it holds
// /tmp/berth-engine-restart.lock while the engine is down.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import Docker from 'dockerode';
import { ensureDaemon, stopDaemon } from '../../src/host/daemon.js';
import { engineSpec } from '../../src/host/host-services.js';
import { createSession, eventually, startTestServer, TerminalClient } from '../helpers.js';

const LOCK = '/tmp/berth-engine-restart.lock';

test('an engine restart: health turns red naming the engine, the page says the sandbox host is restarting, the session recovers or ends with "host restart"', async () => {
  const server = await startTestServer();
  // Restarted with the arguments it runs with now (noted by whoever started it), so that nothing else
  // restarts it afterwards for a change of configuration.
  const [, ...args] = JSON.parse(fs.readFileSync(engineSpec(server.config).argsFile!, 'utf8')) as string[];
  const spec = { ...engineSpec(server.config), args };
  const auth = (s: { token: string }) => ({ authorization: `Bearer ${s.token}` });
  try {
    const s = await createSession(server);
    const term = await TerminalClient.connect(server, s);
    await term.ready();
    const liveRestore = (await new Docker({ socketPath: server.config.engineSocket }).info()).LiveRestoreEnabled === true;
    // Something only this shell knows: whether the shell after the restart is the same one.
    assert.equal((await term.run('MARK=typed-before-the-restart')).exit, 0);
    // A second session naps through the restart (its sandbox paused when the engine goes down).
    const napper = await createSession(server);
    const napperTerm = await TerminalClient.connect(server, napper);
    await napperTerm.ready();
    server.berth.naps.options.napAfterMs = 2000;
    await eventually(async () => {
      await server.berth.naps.scan();
      assert.ok(server.berth.naps.isNapping(napper.id), 'the idle sandbox naps');
    }, 60_000);

    fs.writeFileSync(LOCK, `${process.pid} faults-engine-restart\n`);
    try {
      await stopDaemon(spec);
      const res = await fetch(`${server.url}/api/health`);
      assert.equal(res.status, 503);
      const health = await res.json();
      assert.deepEqual({ ok: health.ok, engine: health.engine, down: health.down }, { ok: false, engine: false, down: ['session engine'] });
      const down = await term.waitForEvent((e) => e.type === 'host' && e.part === 'engine' && !e.up, 10_000, 'the page to hear the engine is down');
      assert.deepEqual(down, {
        type: 'host',
        part: 'engine',
        up: false,
        message: 'The sandbox host is restarting: your terminal stops answering for a moment and comes back when it is up.',
      });
      const start = await fetch(`${server.url}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      assert.equal(start.status, 503);
      assert.equal((await start.json()).message, 'The sandbox host is restarting: try again in a moment.');
    } finally {
      await ensureDaemon(spec, () => {});
      fs.rmSync(LOCK, { force: true });
    }
    assert.equal((await eventually(async () => {
      const r = await fetch(`${server.url}/api/health`);
      assert.equal(r.status, 200);
      return r.json();
    }, 30_000)).engine, true);

    if (liveRestore && server.config.terminal === 'server') {
      // The sandbox lived on, and so did its shell: it comes through the sandbox's terminal server, not the engine.
      await term.waitForEvent((e) => e.type === 'host' && e.part === 'engine' && e.up, 30_000, 'the page to hear the engine is back');
      const r = await term.run('echo "still $MARK" && docker info --format "{{.ServerVersion}}"');
      assert.equal(r.exit, 0, r.output);
      assert.match(r.output, /still typed-before-the-restart/);
      assert.doesNotMatch(term.text, /here is a new shell/);
      assert.equal((await fetch(`${server.url}/api/sessions/${s.id}`, { method: 'DELETE', headers: auth(s) })).status, 204);
      // The engine that came back still holds the napping sandbox paused, and a keystroke thaws it.
      const woke = await napperTerm.run('echo woke after the restart', 15_000);
      assert.match(woke.output, /woke after the restart/);
      assert.equal((await new Docker({ socketPath: server.config.engineSocket }).getContainer(`berth-${server.config.instance}-${napper.id}`).inspect()).State.Paused, false);
    } else if (liveRestore) {
      // By exec the shell broke with the engine: a new one. Typed once its prompt shows, as a learner would.
      await term.waitForText(/the sandbox host restarted; here is a new shell\][^]*\$ $/, 30_000);
      await term.waitForEvent((e) => e.type === 'host' && e.part === 'engine' && e.up, 10_000, 'the page to hear the engine is back');
      const r = await term.run('echo still mine && docker info --format "{{.ServerVersion}}"');
      assert.equal(r.exit, 0, r.output);
      assert.match(r.output, /still mine/);
      assert.equal((await fetch(`${server.url}/api/sessions/${s.id}`, { method: 'DELETE', headers: auth(s) })).status, 204);
    } else {
      const ended = await term.waitForEvent((e) => e.type === 'status' && e.state === 'ended', 30_000, 'the session to end');
      assert.deepEqual(ended, { type: 'status', state: 'ended', reason: 'host-restart', message: 'the sandbox host restarted' });
      const view = await (await fetch(`${server.url}/api/sessions/${s.id}`, { headers: auth(s) })).json();
      assert.deepEqual({ state: view.state, endReason: view.endReason, endMessage: view.endMessage }, { state: 'ended', endReason: 'host-restart', endMessage: 'the sandbox host restarted' });
    }
    await term.close();
    await napperTerm.close();

    // A new session starts on the engine that came back.
    const next = await createSession(server);
    const nextTerm = await TerminalClient.connect(server, next);
    await nextTerm.ready();
    assert.equal((await nextTerm.run('docker run --rm hello-world', 60_000)).exit, 0);
    await nextTerm.close();
  } finally {
    await server.close();
  }
  assert.deepEqual(await server.berth.runtime.listSandboxes(), [], 'no sandbox of this test is left on the engine');
});
