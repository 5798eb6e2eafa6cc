// TTL, idle timeout and the start-up sweep, with the real engine.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { visible } from '@berth/shared';
import Docker from 'dockerode';
import { createSession, eventually, startTestServer, TerminalClient, type TestServer } from '../helpers.js';

/** Frames on one socket are handled in order: once the invalid frame sent last is answered, those before it were heard. */
async function fence(term: TerminalClient): Promise<void> {
  const errors = term.events.filter((e) => e.type === 'error').length;
  term.ws.send('fence');
  await term.waitForEvent((e) => e === term.events.filter((x) => x.type === 'error')[errors], 10_000, 'the fence frame refused');
}

describe('session lifetime', () => {
  const servers: TestServer[] = [];
  after(async () => {
    for (const s of servers) await s.close();
  });

  test('a sandbox that stops on its own ends its session with a reason the page shows', async () => {
    const server = await startTestServer();
    servers.push(server);
    const s = await createSession(server);
    const term = await TerminalClient.connect(server, s);
    await term.ready();
    // The prompt comes before the inner engine answers: this sandbox has finished starting once docker answers.
    assert.equal((await term.run('docker ps -q', 60_000)).exit, 0);
    // What a dead inner engine looks like from the host: the session's container exits.
    const runtime = server.berth.runtime;
    await new Docker({ socketPath: server.config.engineSocket }).getContainer(`berth-${server.config.instance}-${s.id}`).kill();
    const ended = await term.waitForEvent((e) => e.type === 'status' && e.state === 'ended', 30_000, 'ended');
    assert.equal(ended.type === 'status' && ended.reason, 'error');
    assert.match((ended.type === 'status' && ended.message) || '', /sandbox stopped unexpectedly/);
    await eventually(async () => assert.deepEqual(await runtime.listSandboxes(), []), 15_000);
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

  test('a tab that keeps saying it is visible outlives the keystroke idle timeout, up to its own cap; garbage "visible" frames count for nothing', async () => {
    const server = await startTestServer({ BERTH_IDLE_TIMEOUT_MIN: '1', BERTH_IDLE_VISIBLE_TIMEOUT_MIN: '3', BERTH_REAP_INTERVAL_MS: '200' });
    servers.push(server);
    const [a, b] = await Promise.all([createSession(server), createSession(server)]);
    const reader = await TerminalClient.connect(server, a);
    const garbage = await TerminalClient.connect(server, b);
    await Promise.all([reader.ready(), garbage.ready()]);

    // The reader's page reports the tab visible, as the page does on screen.
    const reporting = setInterval(() => reader.ws.readyState === reader.ws.OPEN && reader.ws.send(visible()), 500);
    try {
      reader.ws.send(visible());
      await fence(reader);
      const variants = ['{"type":"visible","visible":true}', '{"type":"Visible"}', '{"type":"visibility","state":"visible"}', '"visible"', 'visible'];
      for (const frame of variants) garbage.ws.send(frame);
      await fence(garbage);
      assert.equal(garbage.events.filter((e) => e.type === 'error').length, variants.length + 1, 'each garbage frame is refused with a reason');

      // Neither typed for over the keystroke idle timeout (1 min).
      for (const id of [a.id, b.id]) server.berth.sessions.get(id)!.lastActivityAt -= 61_000;
      const ended = await garbage.waitForEvent((e) => e.type === 'status' && e.state === 'ended', 10_000, 'the garbage sender ended');
      assert.equal(ended.type === 'status' && ended.reason, 'idle');
      // The same sweep of the reaper passed over the reader: its session is still there and usable.
      const view = await fetch(`${server.url}/api/sessions/${a.id}`, { headers: { authorization: `Bearer ${a.token}` } });
      assert.equal((await view.json()).state, 'ready');
      assert.equal(reader.events.some((e) => e.type === 'status' && e.state === 'ended'), false);
      assert.equal((await reader.run('echo still-here')).output.trim(), 'still-here');

      // A tab left visible still ends: past the visible allowance (3 min) after the last keystroke.
      server.berth.sessions.get(a.id)!.lastActivityAt -= 181_000;
      const capped = await reader.waitForEvent((e) => e.type === 'status' && e.state === 'ended', 10_000, 'the reader ended at the cap');
      assert.equal(capped.type === 'status' && capped.reason, 'idle');
    } finally {
      clearInterval(reporting);
    }
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
    const removed = await sweepOrphans(second.berth.runtime, await second.berth.sessions.heldSandboxes(), second.berth.app.log);
    assert.deepEqual(removed, [s.id]);
    assert.deepEqual(await second.berth.runtime.listSandboxes(), []);
    // The first server's own record of it is now stale; ending it must not fail.
    await first.close();
  });
});
