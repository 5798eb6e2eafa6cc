// When a quiet session's sandbox naps and what wakes it. The runtime is a fake with a CPU counter the test
// moves; server/test/engine/naps.test.ts pauses and wakes real sandboxes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SandboxNaps } from '../../src/naps/sandbox-naps.js';
import { WakingRuntime } from '../../src/naps/waking-runtime.js';
import { FakeRuntime } from '../fake-runtime.js';

const MIN = 60_000;
const silent = { warn: () => {} };

async function napper(napAfterMs = 5 * MIN) {
  const runtime = new FakeRuntime();
  await runtime.createSandbox('a');
  const session = { id: 'a', state: 'ready', lastActivityAt: 0 };
  const naps = new SandboxNaps(runtime, () => [session], { napAfterMs }, silent);
  return { runtime, session, naps, waking: new WakingRuntime(runtime, naps) };
}

test('a session nobody typed in, its sandbox nearly idle, naps once it was quiet for the nap time, not before', async () => {
  const { runtime, naps } = await napper();
  await naps.scan(1000);
  runtime.cpuNs.set('a', 0.002 * 4 * MIN * 1e6); // an idle engine: 0.2% of a core
  await naps.scan(1000 + 4 * MIN);
  assert.equal(naps.isNapping('a'), false);
  runtime.cpuNs.set('a', 0.002 * 5 * MIN * 1e6);
  await naps.scan(1000 + 5 * MIN);
  assert.equal(naps.isNapping('a'), true);
  await naps.wake('b'); // (another sandbox's wake waits for nothing of this one)
  assert.deepEqual([...runtime.paused], ['a']);
  assert.equal(naps.count, 1);
});

test('a keystroke within the nap time starts the quiet time again', async () => {
  const { runtime, session, naps } = await napper();
  await naps.scan(1000);
  session.lastActivityAt = 1000 + 3 * MIN;
  await naps.scan(1000 + 5 * MIN);
  await naps.scan(1000 + 7 * MIN);
  assert.equal(naps.isNapping('a'), false, 'quiet only 4 minutes since the keystroke');
  await naps.scan(1000 + 10 * MIN);
  assert.equal(naps.isNapping('a'), true);
  assert.ok(runtime.paused.has('a'));
});

test('a sandbox busy on its own (a build, a loop in the background) does not nap though nobody types', async () => {
  const { runtime, naps } = await napper();
  await naps.scan(0);
  runtime.cpuNs.set('a', 0.05 * 5 * MIN * 1e6); // 5% of a core
  await naps.scan(5 * MIN);
  assert.equal(naps.isNapping('a'), false);
  // It calms down: quiet for another nap time from the look that found it busy.
  runtime.cpuNs.set('a', 0.05 * 5 * MIN * 1e6 + 0.001 * 5 * MIN * 1e6);
  await naps.scan(10 * MIN);
  assert.equal(naps.isNapping('a'), true);
});

test('a session with a websocket open to one of its apps does not nap', async () => {
  const { naps } = await napper();
  naps.inUse = () => true;
  for (let m = 0; m <= 20; m += 5) await naps.scan(m * MIN);
  assert.equal(naps.isNapping('a'), false);
});

test('BERTH_NAP_AFTER_MIN=0: nothing ever naps', async () => {
  const { naps } = await napper(0);
  for (let m = 0; m <= 600; m += 60) await naps.scan(m * MIN);
  assert.equal(naps.isNapping('a'), false);
});

test('what reaches into a napping sandbox wakes it first; looks from the host leave it asleep', async () => {
  // Later than any real clock: a wake counts as use at Date.now().
  const napping = async () => {
    const n = await napper();
    const later = Date.now() + 3600 * MIN;
    await n.naps.scan(later);
    await n.naps.scan(later + 5 * MIN);
    assert.ok(n.runtime.paused.has('a'), 'napping');
    return n;
  };
  const reaches: [string, (n: Awaited<ReturnType<typeof napper>>) => Promise<unknown>][] = [
    ['a command (a check, the file view)', (n) => n.waking.exec('a', ['true'])],
    ['a stream (a download)', (n) => n.waking.execStream('a', ['tar'], { timeoutMs: 1000 })],
    ['a followed process (the engine view)', (n) => n.waking.follow('a', ['docker', 'events'], () => {}, { timeoutMs: 1000 })],
    ['a shell', (n) => n.waking.openShell('a', { cols: 80, rows: 24 })],
    ['its address (a port link)', (n) => n.waking.address('a')],
    ['a keystroke', (n) => n.naps.wake('a')],
  ];
  for (const [what, reach] of reaches) {
    const n = await napping();
    await reach(n);
    assert.equal(n.runtime.paused.has('a'), false, `${what} wakes it`);
    assert.equal(n.naps.isNapping('a'), false);
  }
  const n = await napping();
  await n.waking.listeningPorts('a');
  await n.waking.limitHits('a');
  await n.waking.diskUsage('a');
  await n.waking.isRunning('a');
  await n.waking.usage('a');
  assert.ok(n.runtime.paused.has('a'), 'looks from the host do not wake it');
});

test('a shell that is ended while its sandbox naps wakes it, so the end reaches the shell', async () => {
  const { runtime, naps, waking } = await napper();
  const shell = await waking.openShell('a', { cols: 80, rows: 24 });
  const later = Date.now() + 3600 * MIN;
  await naps.scan(later);
  await naps.scan(later + 5 * MIN);
  assert.ok(runtime.paused.has('a'));
  await shell.kill();
  assert.equal(runtime.paused.has('a'), false);
});

test('a wake while the pause is still on its way waits for it and then thaws: the sandbox is never left frozen', async () => {
  const { runtime, naps } = await napper();
  const order: string[] = [];
  let finishPause!: () => void;
  runtime.pause = (id) => new Promise<void>((resolve) => (finishPause = () => (order.push('pause'), runtime.paused.add(id), resolve())));
  const resume = runtime.resume.bind(runtime);
  runtime.resume = async (id) => (order.push('resume'), resume(id));
  await naps.scan(0);
  const scanned = naps.scan(1e12);
  await new Promise((r) => setTimeout(r, 10));
  assert.ok(naps.isNapping('a'), 'pausing');
  const woken = naps.wake('a');
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(order, [], 'the thaw waits for the pause');
  finishPause();
  await Promise.all([woken, scanned]);
  assert.deepEqual(order, ['pause', 'resume']);
  assert.equal(runtime.paused.has('a'), false);
});

test('a pause the engine refuses leaves the session awake, and it may nap later', async () => {
  const { runtime, naps } = await napper();
  const pause = runtime.pause.bind(runtime);
  runtime.pause = async () => Promise.reject(new Error('container is not running'));
  await naps.scan(0);
  await naps.scan(1e12);
  await naps.wake('x');
  await new Promise((r) => setImmediate(r));
  assert.equal(naps.isNapping('a'), false);
  runtime.pause = pause;
  await naps.scan(2e12);
  await naps.scan(3e12);
  assert.equal(naps.isNapping('a'), true);
});

test('a sandbox removed while it naps is forgotten', async () => {
  const { runtime, naps, waking } = await napper();
  await naps.scan(0);
  await naps.scan(1e12);
  assert.equal(naps.count, 1);
  await waking.destroySandbox('a');
  assert.equal(naps.count, 0);
  assert.equal(runtime.sandboxes.has('a'), false);
});

test('a terminal printing to a page (someone watching a ping) keeps the session awake though nobody types', async () => {
  const { naps } = await napper(50); // on the real clock: a nap time of 50 ms
  await naps.scan();
  for (let i = 0; i < 10; i++) {
    naps.used('a');
    await new Promise((r) => setTimeout(r, 20));
    await naps.scan();
  }
  assert.equal(naps.isNapping('a'), false, 'awake through four nap times of printing');
  await new Promise((r) => setTimeout(r, 60));
  await naps.scan();
  await new Promise((r) => setTimeout(r, 60));
  await naps.scan();
  assert.equal(naps.isNapping('a'), true, 'the printing stopped: it naps');
});
