// A machine of the runtime's lost (an LXD member gone away): its sessions end host-lost, once, in words that say
// which machine; the watcher does not end them first as "stopped unexpectedly"; pooled sandboxes there are
// replaced. The runtime and sessions are fakes; server/test/cluster evacuates a real member.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LostHosts } from '../../src/sessions/lost-hosts.js';
import { SandboxPool } from '../../src/sessions/sandbox-pool.js';
import type { SessionManager } from '../../src/sessions/session-manager.js';
import { SessionWatcher } from '../../src/sessions/session-watcher.js';
import { StartOutcomes } from '../../src/sessions/start-outcomes.js';
import { ClusterFake } from '../fake-runtime.js';

const quiet = { warn: () => {}, info: () => {}, error: () => {} };

function fakeSessions(ids: string[], langs: Record<string, string> = {}) {
  const ended: { id: string; reason: string; message: string }[] = [];
  const renewed: { id: string; notice: string }[] = [];
  const live = new Set(ids);
  const sessions = {
    live: () => [...live].map((id) => ({ id, state: 'ready', lastActivityAt: Date.now(), lang: langs[id] })),
    emit: () => {},
    end: async (id: string, reason: string, message: string) => {
      if (live.delete(id)) ended.push({ id, reason, message });
    },
    isRenewing: (id: string) => renewed.some((r) => r.id === id),
    renewSandbox: async (id: string, notice: string) => void renewed.push({ id, notice }),
  } as unknown as SessionManager;
  return { sessions, ended, renewed };
}

test('sessions on a machine that stopped answering end host-lost, once; those on one emptied for maintenance get a new sandbox, once', async () => {
  const runtime = new ClusterFake();
  for (const id of ['a', 'b', 'c']) await runtime.createSandbox(id);
  runtime.lost.set('a', { host: 'm2', evacuated: false });
  runtime.lost.set('b', { host: 'm3', evacuated: true });
  const { sessions, ended, renewed } = fakeSessions(['a', 'b', 'c']);
  const lostHosts = new LostHosts(sessions, runtime, quiet as never);
  await lostHosts.scan();
  await lostHosts.scan();
  assert.deepEqual(ended.map((e) => [e.id, e.reason]), [['a', 'host-lost']]);
  assert.match(ended[0]!.message, /machine that ran your sandbox \(m2\) stopped answering/);
  assert.deepEqual(renewed.map((r) => r.id), ['b']);
  assert.match(renewed[0]!.notice, /\(m3\) is being taken out of service for maintenance, so a new sandbox is starting on another machine; your session and lesson progress are kept/);
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
  runtime.lost.set('p1', { host: 'm3', evacuated: true });
  runtime.lost.set('p3', { host: 'm2', evacuated: false });
  const { sessions } = fakeSessions([]);
  await new LostHosts(sessions, runtime, quiet as never, pool).scan();
  assert.equal(runtime.sandboxes.has('p1'), false, 'the one on the evacuated member was removed');
  while (pool.readyCount < 3) await new Promise((r) => setTimeout(r, 10));
  // The one on the member that stopped answering cannot be removed yet (the runtime does it once it is back).
  assert.deepEqual([...runtime.sandboxes].sort(), ['p2', 'p3', 'p4', 'p5']);
  assert.equal(await pool.takeLive(), 'p2');
  assert.equal(await pool.takeLive(), 'p4');
  assert.equal(await pool.takeLive(), 'p5');
  await pool.drain();
});

test('what is left of a lost sandbox is removed by LostHosts once its machine is back, and the watcher\'s look removes nothing', async () => {
  const runtime = new ClusterFake();
  await runtime.createSandbox('a');
  runtime.lost.set('a', { host: 'm2', evacuated: false });
  const { sessions, ended } = fakeSessions(['a']);
  const watcher = new SessionWatcher(sessions, runtime, 1 << 30, { memoryBytes: 1 << 30, pids: 1000 });
  runtime.back.add('a');
  for (let i = 0; i < 8; i++) await watcher.scan();
  assert.equal(runtime.leftoverSweeps, 0);
  const logged: string[] = [];
  await new LostHosts(sessions, runtime, { ...quiet, info: (_: unknown, msg: string) => logged.push(msg) } as never).scan();
  assert.deepEqual(ended.map((e) => [e.id, e.reason]), [['a', 'host-lost']]);
  assert.deepEqual(await runtime.listSandboxes(), []);
  assert.deepEqual(logged, ['removed 1 lost sandbox(es) from a machine that is back']);
});

test('a visitor who reads Chinese is told in Chinese that their sandbox\'s machine was lost, or is being renewed elsewhere', async () => {
  const runtime = new ClusterFake();
  for (const id of ['a', 'b']) await runtime.createSandbox(id);
  runtime.lost.set('a', { host: 'm2', evacuated: false });
  runtime.lost.set('b', { host: 'm3', evacuated: true });
  const { sessions, ended, renewed } = fakeSessions(['a', 'b'], { a: 'zh', b: 'zh' });
  await new LostHosts(sessions, runtime, quiet as never).scan();
  assert.equal(ended[0]!.message, '运行你沙箱的机器（m2）失去了响应，那里的容器和文件已无法访问；新的会话会在另一台机器上启动');
  assert.match(renewed[0]!.notice, /^运行你沙箱的机器（m3）正在停机维护/);
});
