// `berth stop` asks the instance's running server to stop and keep its sessions; `berth stop
// --end-sessions` ends them, through the running server or, with none running, by itself. Either way
// nothing labelled by Berth is left of the instance.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { hostPaths } from '../../src/host/host-services.js';
import { instanceLeftovers } from '../../src/runtime/instance-leftovers.js';
import { createSession, ServerProcess, TerminalClient } from '../helpers.js';

function leftovers(server: ServerProcess) {
  const config = loadConfig(server.env);
  return instanceLeftovers({ engineSocket: config.engineSocket, sessionsDir: hostPaths(config).sessions, instance: config.instance });
}

test('berth stop --end-sessions asks the running server to end every session and stop: nothing of the instance is left', async () => {
  const server = new ServerProcess({ BERTH_POOL_SIZE: '1', BERTH_READY_TIMEOUT_MS: '120000' });
  await server.start();
  try {
    const a = await createSession(server);
    const b = await createSession(server);
    const term = await TerminalClient.connect(server, a);
    await term.ready(120_000);
    const stopped = await server.berth(['stop', '--end-sessions']);
    assert.equal(stopped.code, 0, stopped.output);
    assert.match(stopped.output, new RegExp(`pid ${server.pid}, port ${new URL(server.url).port}\\) stopped and ended every session`));
    await term.waitFor(() => term.closeInfo, 5000, 'the socket to close');
    assert.ok(term.events.some((e) => e.type === 'status' && e.state === 'ended' && e.reason === 'host-restart'), JSON.stringify(term.events));
    await server.stop('SIGKILL'); // already gone: only reaps the process
    assert.deepEqual(await leftovers(server), []);

    await server.start();
    for (const s of [a, b]) assert.equal((await fetch(`${server.url}/api/sessions/${s.id}`, { headers: { authorization: `Bearer ${s.token}` } })).status, 404);
  } finally {
    await server.stop('end-sessions');
  }
  assert.deepEqual(await leftovers(server), []);
});

test('berth stop keeps the sessions for the next start; with no server running, berth stop --end-sessions ends them itself', async () => {
  const server = new ServerProcess({ BERTH_READY_TIMEOUT_MS: '120000' });
  await server.start();
  try {
    const s = await createSession(server);
    const term = await TerminalClient.connect(server, s);
    await term.ready(120_000);
    const stopped = await server.berth(['stop']);
    assert.equal(stopped.code, 0, stopped.output);
    assert.match(stopped.output, /stopped; the next start takes its sessions back/);
    await server.stop('SIGKILL'); // already gone: only reaps the process
    assert.ok((await leftovers(server)).some((l) => l.includes(s.id) && l.includes('(running)')));

    const again = await server.berth(['stop']);
    assert.equal(again.code, 0, again.output);
    assert.match(again.output, /no Berth server runs for instance "t-[0-9a-f]{6}": nothing to stop/);

    const ended = await server.berth(['stop', '--end-sessions']);
    assert.equal(ended.code, 0, ended.output);
    assert.match(ended.output, /no server was running for instance "t-[0-9a-f]{6}": removed 1 sandbox\(es\) and 1 stored session\(s\)/);
    assert.deepEqual(await leftovers(server), []);

    // The store forgot it too: the next start has nothing to take back.
    await server.start();
    assert.equal((await fetch(`${server.url}/api/sessions/${s.id}`, { headers: { authorization: `Bearer ${s.token}` } })).status, 404);
  } finally {
    await server.stop('end-sessions');
  }
  assert.deepEqual(await leftovers(server), []);
});

test('with BERTH_ON_STOP=end-sessions (for harnesses that can only signal, like Playwright) SIGTERM ends every session', async () => {
  const server = new ServerProcess({ BERTH_ON_STOP: 'end-sessions', BERTH_READY_TIMEOUT_MS: '120000' });
  await server.start();
  try {
    const s = await createSession(server);
    const term = await TerminalClient.connect(server, s);
    await term.ready(120_000);
    await server.stop('SIGTERM');
    assert.equal(server.exitCode, 0);
    assert.ok(term.events.some((e) => e.type === 'status' && e.state === 'ended' && e.reason === 'host-restart'), JSON.stringify(term.events));
    assert.deepEqual(await leftovers(server), []);
  } finally {
    await server.stop('end-sessions');
  }
});
