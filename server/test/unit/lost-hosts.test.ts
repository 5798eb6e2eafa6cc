// A machine of the runtime's lost (an LXD member gone away): its sessions end host-lost, once, in words that say
// which machine; the watcher does not end them first as "stopped unexpectedly"; pooled sandboxes there are
// replaced. The runtime and sessions are fakes; server/test/cluster evacuates a real member.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LostHost } from '../../src/runtime/runtime.js';
import { LostHosts } from '../../src/sessions/lost-hosts.js';
import { SandboxPool } from '../../src/sessions/sandbox-pool.js';
import type { SessionManager } from '../../src/sessions/session-manager.js';
import { SessionWatcher } from '../../src/sessions/session-watcher.js';
import { StartOutcomes } from '../../src/sessions/start-outcomes.js';
import { FakeRuntime } from '../fake-runtime.js';

const quiet = { warn: () => {}, info: () => {}, error: () => {} };

/** A runtime whose sandboxes in `lost` are on a machine that went away: they do not run, as far as anyone can see. */
class ClusterFake extends FakeRuntime {
  readonly lost = new Map<string, LostHost>();
  async lostSandboxes(): Promise<Map<string, LostHost>> {
    return new Map(this.lost);
  }
  override async isRunning(id: string): Promise<boolean> {
    return !this.lost.has(id) && this.sandboxes.has(id);
  }
  override async isReady(id: string): Promise<boolean> {
    return this.isRunning(id);
  }
}

function fakeSessions(ids: string[]) {
  const ended: { id: string; reason: string; message: string }[] = [];
  const live = new Set(ids);
  const sessions = {
    live: () => [...live].map((id) => ({ id, state: 'ready', lastActivityAt: Date.now() })),
    emit: () => {},
    end: async (id: string, reason: string, message: string) => {
      if (live.delete(id)) ended.push({ id, reason, message });
    },
  } as unknown as SessionManager;
  return { sessions, ended };
}

test('sessions on a lost machine end host-lost, once, saying which machine and whether it was emptied for maintenance', async () => {
  const runtime = new ClusterFake();
  for (const id of ['a', 'b', 'c']) await runtime.createSandbox(id);
  runtime.lost.set('a', { host: 'm2', evacuated: false });
  runtime.lost.set('b', { host: 'm3', evacuated: true });
  const { sessions, ended } = fakeSessions(['a', 'b', 'c']);
  const lostHosts = new LostHosts(sessions, runtime, quiet as never);
  await lostHosts.scan();
  await lostHosts.scan();
  assert.deepEqual(ended.map((e) => [e.id, e.reason]), [['a', 'host-lost'], ['b', 'host-lost']]);
  assert.match(ended[0]!.message, /machine that ran your sandbox \(m2\) stopped answering/);
  assert.match(ended[1]!.message, /\(m3\) was taken out of service for maintenance/);
});

test('the watcher leaves a sandbox on a lost machine to LostHosts: its session does not end as "stopped unexpectedly"', async () => {
  const runtime = new ClusterFake();
  await runtime.createSandbox('a');
  await runtime.createSandbox('b');
  runtime.lost.set('a', { host: 'm2', evacuated: false });
  await runtime.destroySandbox('b'); // b really stopped
  const { sessions, ended } = fakeSessions(['a', 'b']);
  const watcher = new SessionWatcher(sessions, runtime, 1 << 30, { memoryBytes: 1 << 30, pids: 1000 });
  for (let i = 0; i < 8; i++) await watcher.scan();
  assert.deepEqual(ended.map((e) => [e.id, e.reason]), [['b', 'error']]);
  await new LostHosts(sessions, runtime, quiet as never).scan();
  assert.deepEqual(ended.map((e) => [e.id, e.reason]), [['b', 'error'], ['a', 'host-lost']]);
});

test('pooled sandboxes on a lost machine are removed and replaced, not kept until a visitor is handed one', async () => {
  const runtime = new ClusterFake();
  let n = 0;
  const starts = new StartOutcomes(() => ({ cause: 'test' }), quiet as never);
  const pool = new SandboxPool(runtime, 3, () => `p${++n}`, () => true, starts, quiet);
  pool.refill();
  while (pool.readyCount < 3) await new Promise((r) => setTimeout(r, 10));
  runtime.lost.set('p1', { host: 'm2', evacuated: false });
  runtime.lost.set('p3', { host: 'm2', evacuated: false });
  const { sessions } = fakeSessions([]);
  await new LostHosts(sessions, runtime, quiet as never, pool).scan();
  assert.equal(runtime.sandboxes.has('p1') || runtime.sandboxes.has('p3'), false, 'the lost ones were removed');
  while (pool.readyCount < 3) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual([...runtime.sandboxes].sort(), ['p2', 'p4', 'p5']);
  assert.equal(await pool.takeLive(), 'p2');
  await pool.drain();
});
