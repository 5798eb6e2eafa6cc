// TTL, idle timeout and the start-up sweep, with the real engine.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { createSession, eventually, startTestServer, TerminalClient, type TestServer } from '../helpers.js';

describe('session lifetime', () => {
  const servers: TestServer[] = [];
  after(async () => {
    for (const s of servers) await s.close();
  });

  test('an idle session ends with reason idle and its sandbox is removed', async () => {
    const server = await startTestServer({ BERTH_IDLE_TIMEOUT_MIN: '1', BERTH_REAP_INTERVAL_MS: '200' });
    servers.push(server);
    const s = await createSession(server);
    const term = await TerminalClient.connect(server, s);
    await term.ready();
    // Pretend the visitor's last keystroke was over a minute ago.
    server.berth.sessions.get(s.id)!.lastActivityAt -= 61_000;
    const ended = await term.waitForEvent((e) => e.type === 'status' && e.state === 'ended', 10_000, 'ended');
    assert.equal(ended.type === 'status' && ended.reason, 'idle');
    assert.match((ended.type === 'status' && ended.message) || '', /idle/);
    await eventually(async () => assert.deepEqual(await server.berth.runtime.listSandboxes(), []));
  });

  test('a session past its TTL ends with reason expired', async () => {
    const server = await startTestServer({ BERTH_REAP_INTERVAL_MS: '200' });
    servers.push(server);
    const s = await createSession(server);
    const term = await TerminalClient.connect(server, s);
    await term.ready();
    server.berth.sessions.get(s.id)!.expiresAt = Date.now();
    const ended = await term.waitForEvent((e) => e.type === 'status' && e.state === 'ended', 10_000, 'ended');
    assert.equal(ended.type === 'status' && ended.reason, 'expired');
    await eventually(async () => assert.deepEqual(await server.berth.runtime.listSandboxes(), []));
  });

  test('at start, sandboxes that no live session owns are swept away', async () => {
    const first = await startTestServer();
    const s = await createSession(first);
    assert.equal(await first.berth.sessions.get(s.id)!.ready, true);
    // A second server of the same instance (as after a crash) finds the sandbox orphaned.
    const { sweepOrphans } = await import('../../src/reaper/sweep-orphans.js');
    const second = await startTestServer({ BERTH_INSTANCE: first.config.instance });
    servers.push(second);
    const removed = await sweepOrphans(second.berth.runtime, second.berth.sessions, second.berth.app.log);
    assert.deepEqual(removed, [s.id]);
    assert.deepEqual(await second.berth.runtime.listSandboxes(), []);
    // The first server's own record of it is now stale; ending it must not fail.
    await first.close();
  });
});
