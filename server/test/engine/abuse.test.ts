// Resource abuse inside one session is stopped by its limits, the learner is told which limit, and the
// session goes on.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createSession, startTestServer, TerminalClient, type TestServer } from '../helpers.js';

describe('abuse inside a session', () => {
  let server: TestServer;
  let term: TerminalClient;
  before(async () => {
    server = await startTestServer({ BERTH_SESSION_MEMORY: '512m' });
    term = await TerminalClient.connect(server, await createSession(server));
    await term.ready();
  });
  after(async () => {
    await term?.close();
    await server?.close();
  });

  test('a memory hog is killed at the session\'s limit, the learner is told, the shell lives on', async () => {
    const r = await term.run('tail /dev/zero', 60_000);
    assert.notEqual(r.exit, 0);
    const told = await term.waitForEvent((e) => e.type === 'error' && /memory limit \(512 MB\)/.test(e.message), 10_000, 'the memory message');
    assert.ok(told);
    assert.match((await term.run('echo still-here')).output, /^still-here$/m);
  });

  test('a memory hog in a nested container is stopped the same way', async () => {
    const before = term.events.length;
    await term.run('docker run --rm busybox tail /dev/zero; true', 90_000);
    await term.waitForEvent((e) => term.events.indexOf(e) >= before && e.type === 'error' && /memory limit/.test(e.message), 10_000, 'the memory message');
    assert.match((await term.run('docker run --rm busybox echo engine-fine')).output, /^engine-fine$/m);
  });
});
