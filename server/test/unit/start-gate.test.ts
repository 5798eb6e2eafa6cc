// The start gate: at most N sandbox starts at once, visitors' before the pool's, a start nobody wants any more
// dropped when its turn comes, one address's many starts taking turns with everyone else's. Plain promises
// stand in for starts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StartDropped, StartGate, startsAheadText } from '../../src/sessions/start-gate.js';

function pending() {
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  return { done, finish };
}
const settle = () => new Promise((r) => setImmediate(r));
const oneAddress = { lane: 'address:192.0.2.1' };

test('no more than N at once; the next begins when one ends', async () => {
  const gate = new StartGate(2);
  const began: number[] = [];
  const starts = [0, 1, 2, 3].map((i) => {
    const p = pending();
    const run = gate.run(oneAddress, async () => (began.push(i), p.done));
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
  const visitor = gate.run(oneAddress, async () => void order.push('visitor'));
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
  const running = gate.run(oneAddress, () => first.done.then(() => Promise.reject(new Error('engine did not come up'))));
  const left = gate.run(oneAddress, async () => void (begun = true), () => wanted);
  const after = gate.run(oneAddress, async () => 'next');
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
  await assert.rejects(gate.run(oneAddress, () => { throw new Error('bad id'); }), /bad id/);
  assert.equal(await gate.run(oneAddress, async () => 7), 7);
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
  const a = gate.run(oneAddress, () => first.done);
  const b = gate.run(oneAddress, () => second.done);
  const c = gate.run(oneAddress, async () => 'c', () => true, (ahead) => heard.push(ahead));
  assert.deepEqual(heard, [2], 'one starting, one waiting before it');
  first.finish();
  await a;
  await settle();
  assert.deepEqual(heard, [2, 1]);
  second.finish();
  assert.equal(await Promise.all([b, c]).then(([, got]) => got), 'c');
  assert.deepEqual(heard, [2, 1], 'not told again once it begins');
});

test('one address asking for its whole allowance at once delays another visitor by one start, not forty', async () => {
  const gate = new StartGate(1);
  const order: string[] = [];
  const heard: number[] = [];
  const hog = Array.from({ length: 40 }, (_, i) => gate.run({ lane: 'address:203.0.113.9' }, async () => void order.push(`hog ${i}`)));
  const other = gate.run({ lane: 'address:198.51.100.7' }, async () => void order.push('other'), () => true, (ahead) => heard.push(ahead));
  await Promise.all([...hog, other]);
  assert.deepEqual(order.slice(0, 3), ['hog 0', 'hog 1', 'other'], 'the hog had one start under way and one turn before the other visitor');
  assert.deepEqual(heard, [2, 1], 'told at once that 2 start before it, then 1: never more as the hog asks for more');
  assert.equal(order.length, 41);
});

test('lanes take turns: three addresses with three starts each begin one from each in turn', async () => {
  const gate = new StartGate(1);
  const first = pending();
  const order: string[] = [];
  const running = gate.run('pool', () => first.done);
  const heard = new Map<string, number[]>();
  const runs = ['a', 'b', 'c'].flatMap((lane) =>
    [1, 2, 3].map((n) => gate.run({ lane }, async () => void order.push(`${lane}${n}`), () => true, (ahead) => heard.set(`${lane}${n}`, [...(heard.get(`${lane}${n}`) ?? []), ahead]))),
  );
  await settle();
  assert.equal(heard.get('c3')!.at(-1), 9, "the last start of the last lane has the pool's and 8 visitors' before it");
  assert.equal(heard.get('a2')!.at(-1), 4);
  first.finish();
  await Promise.all([running, ...runs]);
  assert.deepEqual(order, ['a1', 'b1', 'c1', 'a2', 'b2', 'c2', 'a3', 'b3', 'c3']);
});
