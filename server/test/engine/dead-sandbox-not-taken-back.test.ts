// A sandbox that died is never given to a visitor as if it lived: a session whose sandbox stopped while
// the server was down ends with a reason its page shows, and a pooled sandbox killed from the host is
// replaced by a fresh one when a visitor starts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRuntime } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { hostPaths } from '../../src/host/host-services.js';
import { instanceLeftovers } from '../../src/runtime/instance-leftovers.js';
import { createSession, eventually, ServerProcess, startTestServer, TerminalClient } from '../helpers.js';

test('a session whose sandbox died while the server was down ends with a reason, and its sandbox is removed', async () => {
  const server = new ServerProcess({ BERTH_READY_TIMEOUT_MS: '120000' });
  await server.start();
  const config = loadConfig(server.env);
  const runtime = createRuntime(config);
  try {
    const dies = await createSession(server);
    const lives = await createSession(server);
    for (const s of [dies, lives]) await (await TerminalClient.connect(server, s)).ready(120_000);
    await server.stop('SIGTERM');
    await runtime.docker.getContainer(`berth-${config.instance}-${dies.id}`).kill();
    await server.start();

    const view = await (await fetch(`${server.url}/api/sessions/${dies.id}`, { headers: { authorization: `Bearer ${dies.token}` } })).json();
    assert.equal(view.state, 'ended');
    assert.equal(view.endReason, 'host-restart');
    assert.equal(view.endMessage, 'Your sandbox stopped while the Berth server was restarting, so this session ended. Press Start for a new one.');
    // The page reconnecting hears the same, and the socket closes as for any ended session.
    const term = await TerminalClient.connect(server, dies);
    const ended = await term.waitForEvent((e) => e.type === 'status', 5000, 'the status');
    assert.deepEqual(ended, { type: 'status', state: 'ended', reason: 'host-restart', message: view.endMessage });
    await term.waitFor(() => term.closeInfo, 5000, 'the socket to close');
    assert.deepEqual(await runtime.listSandboxes(), [lives.id]);

    const other = await TerminalClient.connect(server, lives);
    await other.ready(120_000);
    assert.equal((await other.run('true')).exit, 0);
    await other.close();
  } finally {
    await server.stop('end-sessions');
  }
  assert.deepEqual(await instanceLeftovers({ engineSocket: config.engineSocket, sessionsDir: hostPaths(config).sessions, instance: config.instance }), []);
});

test('a pooled sandbox killed from the host is not handed out: the visitor gets a fresh sandbox that works', async () => {
  const server = await startTestServer({ BERTH_POOL_SIZE: '1', BERTH_READY_TIMEOUT_MS: '120000' });
  const runtime = createRuntime(server.config);
  try {
    await server.berth.recover(); // fills the pool
    const pooled = await eventually(async () => {
      const [id] = await runtime.listSandboxes();
      assert.ok(id && (await runtime.isReady(id)), 'the pool made a ready sandbox');
      return id;
    }, 60_000);
    const name = `berth-${server.config.instance}-${pooled}`;
    const killed = await runtime.docker.getContainer(name).inspect();
    await runtime.docker.getContainer(name).kill();

    const s = await createSession(server);
    const term = await TerminalClient.connect(server, s);
    await term.ready(120_000);
    const r = await term.run('docker info --format "{{.ServerVersion}}" >/dev/null && echo engine-up');
    assert.equal(r.exit, 0, r.output);
    assert.match(r.output, /^engine-up$/m);
    // Whichever id it got, the session's sandbox is not the dead container.
    const mine = await runtime.docker.getContainer(`berth-${server.config.instance}-${s.id}`).inspect();
    assert.notEqual(mine.Id, killed.Id);
    assert.equal(mine.State.Running, true);
    await term.close();
  } finally {
    await server.close();
  }
  assert.deepEqual(await instanceLeftovers({ engineSocket: server.config.engineSocket, sessionsDir: hostPaths(server.config).sessions, instance: server.config.instance }), []);
});
