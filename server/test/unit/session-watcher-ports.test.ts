// How often a session's ports are read: every scan while its visitor types, every 10 s once nobody typed for
// two minutes (each read of a TCP table costs the kernel a walk of the host's connection hash). The runtime
// and the sessions are fakes; server/test/engine/port-links.test.ts watches ports of real sandboxes.
import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import type { SandboxRuntime } from '../../src/runtime/runtime.js';
import type { SessionManager } from '../../src/sessions/session-manager.js';
import { SessionWatcher } from '../../src/sessions/session-watcher.js';

function watched(lastActivityAt: () => number) {
  const reads: string[] = [];
  const events: unknown[] = [];
  let ports = [8080];
  const runtime = {
    ping: async () => true,
    isRunning: async () => true,
    listeningPorts: async (id: string) => (reads.push(id), ports),
    diskUsage: async () => ({ usedBytes: 0, totalBytes: 1 << 30 }),
    limitHits: async () => ({ oomKills: 0, forksRefused: 0, processes: 1 }),
  } as unknown as SandboxRuntime;
  const sessions = {
    live: () => [{ id: 'a', state: 'ready', lastActivityAt: lastActivityAt() }],
    emit: (_: string, _id: string, e: { type: string }) => void (e.type === 'port' && events.push(e)),
    end: async () => {},
  } as unknown as SessionManager;
  const watcher = new SessionWatcher(sessions, runtime, 1 << 30, { memoryBytes: 1 << 30, pids: 1000 });
  return { watcher, reads, events, setPorts: (p: number[]) => (ports = p) };
}

test('a session typed in has its ports read every scan', async (t) => {
  t.after(() => mock.timers.reset());
  mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
  const w = watched(() => Date.now() - 1000);
  for (let i = 0; i < 5; i++) {
    await w.watcher.scan();
    mock.timers.tick(1000);
  }
  assert.equal(w.reads.length, 5);
  assert.deepEqual(w.events, [{ type: 'port', port: 8080 }]);
});

test('a quiet session has its ports read every 10 s, and every scan again once its visitor types', async (t) => {
  t.after(() => mock.timers.reset());
  mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
  let typedAt = Date.now() - 3 * 60_000;
  const w = watched(() => typedAt);
  for (let i = 0; i < 25; i++) {
    await w.watcher.scan();
    mock.timers.tick(1000);
  }
  assert.equal(w.reads.length, 3, 'seconds 0, 10 and 20 of 25');
  // A port closed while quiet is seen at the next look, not lost.
  w.setPorts([]);
  for (let i = 0; i < 10; i++) {
    await w.watcher.scan();
    mock.timers.tick(1000);
  }
  assert.deepEqual(w.events, [{ type: 'port', port: 8080 }, { type: 'port', port: 8080, closed: true }]);
  typedAt = Date.now();
  const before = w.reads.length;
  for (let i = 0; i < 3; i++) {
    await w.watcher.scan();
    mock.timers.tick(1000);
  }
  assert.equal(w.reads.length, before + 3);
});
