// The start gate: at most N sandbox starts at once, visitors' before the pool's, a start nobody wants any more
// dropped when its turn comes. Plain promises stand in for starts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StartDropped, StartGate, startsAheadText } from '../../src/sessions/start-gate.js';

function pending() {
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  return { done, finish };
}
const settle = () => new Promise((r) => setImmediate(r));

test('no more than N at once; the next begins when one ends', async () => {
  const gate = new StartGate(2);
  const began: number[] = [];
  const starts = [0, 1, 2, 3].map((i) => {
    const p = pending();
    const run = gate.run('visitor', async () => (began.push(i), p.done));
    return { ...p, run };
  });
  await settle();
  assert.deepEqual(began, [0, 1]);
  assert.equal(gate.full, true);
  assert.equal(gate.visitorsWaiting, 2);
  starts[1]!.finish();
  await starts[1]!.run;
  await settle();
  assert.deepEqual(began, [0, 1, 2]);
  for (const s of starts) s.finish();
  await Promise.all(starts.map((s) => s.run));
  assert.deepEqual(began, [0, 1, 2, 3]);
  assert.equal(gate.running, 0);
});

test("a visitor's start goes before the pool's refills that waited longer", async () => {
  const gate = new StartGate(1);
  const order: string[] = [];
  const first = pending();
  const running = gate.run('pool', async () => (order.push('pool 1'), first.done));
  const pool2 = gate.run('pool', async () => void order.push('pool 2'));
  const visitor = gate.run('visitor', async () => void order.push('visitor'));
  await settle();
  first.finish();
  await Promise.all([running, pool2, visitor]);
  assert.deepEqual(order, ['pool 1', 'visitor', 'pool 2']);
});

test('a start whose visitor left while it waited is dropped, never begun; a failed start frees its slot', async () => {
  const gate = new StartGate(1);
  const first = pending();
  let wanted = true;
  let begun = false;
  const running = gate.run('visitor', () => first.done.then(() => Promise.reject(new Error('engine did not come up'))));
  const left = gate.run('visitor', async () => void (begun = true), () => wanted);
  const after = gate.run('visitor', async () => 'next');
  wanted = false;
  first.finish();
  await assert.rejects(running, /engine did not come up/);
  await assert.rejects(left, StartDropped);
  assert.equal(begun, false);
  assert.equal(await after, 'next');
  assert.equal(gate.running, 0);
});

test('a start that throws at once is a rejection, not a lost slot', async () => {
  const gate = new StartGate(1);
  await assert.rejects(gate.run('visitor', () => { throw new Error('bad id'); }), /bad id/);
  assert.equal(await gate.run('visitor', async () => 7), 7);
});

test('what a waiting visitor reads', () => {
  assert.equal(startsAheadText(1), 'waiting to start: 1 sandbox is starting before yours (a few at a time, so that each comes up)');
  assert.equal(startsAheadText(5), 'waiting to start: 5 sandboxes are starting before yours (a few at a time, so that each comes up)');
  assert.match(startsAheadText(3, 'zh'), /前面还有 3 个沙箱/);
});

test('a waiting visitor hears how many starts are ahead, each time the line moves', async () => {
  const gate = new StartGate(1);
  const first = pending();
  const second = pending();
  const heard: number[] = [];
  const a = gate.run('visitor', () => first.done);
  const b = gate.run('visitor', () => second.done);
  const c = gate.run('visitor', async () => 'c', () => true, (ahead) => heard.push(ahead));
  assert.deepEqual(heard, [2], 'one starting, one waiting before it');
  first.finish();
  await a;
  await settle();
  assert.deepEqual(heard, [2, 1]);
  second.finish();
  assert.equal(await Promise.all([b, c]).then(([, got]) => got), 'c');
  assert.deepEqual(heard, [2, 1], 'not told again once it begins');
});
