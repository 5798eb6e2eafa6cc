// A stop that keeps visitors, caught mid-start: a sandbox still starting finishes and is kept for the next
// start; a visitor waiting in line hears that the line starts over (the line lives only in the process);
// no new session is let in meanwhile.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildApp, createRuntime } from '../../src/app.js';
import { hostPaths } from '../../src/host/host-services.js';
import { instanceLeftovers } from '../../src/runtime/instance-leftovers.js';
import { createSession, startTestServer, TerminalClient } from '../helpers.js';

test('detach lets a starting sandbox finish and keeps it, ends a queued session with a reason, and the next start adopts the kept one', async () => {
  const server = await startTestServer({ BERTH_MAX_SESSIONS: '1', BERTH_READY_TIMEOUT_MS: '120000' });
  const { config } = server;
  const runtime = createRuntime(config);
  let next: Awaited<ReturnType<typeof buildApp>> | undefined;
  try {
    const starting = await createSession(server);
    const queued = await createSession(server);
    const waiting = await TerminalClient.connect(server, queued);
    await waiting.waitForEvent((e) => e.type === 'queue', 10_000, 'a place in line');
    assert.equal(server.berth.sessions.get(starting.id)?.state, 'starting');

    const detached = server.berth.detach();
    const refused = await fetch(`${server.url}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(refused.status, 503);
    assert.equal((await refused.json()).message, 'The Berth server is restarting: try again in a moment.');
    const ended = await waiting.waitForEvent((e) => e.type === 'status' && e.state === 'ended', 10_000, 'the queued session to end');
    assert.deepEqual(ended, { type: 'status', state: 'ended', reason: 'host-restart', message: 'The Berth server is restarting and the waiting line starts over: press Start again in a moment.' });
    await detached;
    assert.deepEqual(await runtime.listSandboxes(), [starting.id]);
    assert.equal(await runtime.isReady(starting.id), true);

    next = await buildApp(config, { logger: false });
    await next.recover();
    await next.app.listen({ port: 0, host: '127.0.0.1' });
    const address = next.app.server.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    assert.equal((await (await fetch(`${url}/api/sessions/${starting.id}`, { headers: { authorization: `Bearer ${starting.token}` } })).json()).state, 'ready');
    assert.equal((await fetch(`${url}/api/sessions/${queued.id}`, { headers: { authorization: `Bearer ${queued.token}` } })).status, 404);
    const term = await TerminalClient.connect({ url }, starting);
    await term.ready(120_000);
    assert.equal((await term.run('true')).exit, 0);
    await term.close();
  } finally {
    await (next ?? server.berth).close().catch(() => {});
  }
  assert.deepEqual(await instanceLeftovers({ engineSocket: config.engineSocket, sessionsDir: hostPaths(config).sessions, instance: config.instance }), []);
});
