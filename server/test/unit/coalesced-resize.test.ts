import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoalescedResize } from '../../src/terminal/coalesced-resize.js';

type Size = { cols: number; rows: number };

/** A resizer whose Engine API call takes `callMs`, recording the sizes it was asked for. */
function resizer(callMs = 10, delayMs = 50) {
  const calls: Size[] = [];
  const r = new CoalescedResize(async (size) => {
    calls.push(size);
    await sleep(callMs);
  }, delayMs);
  r.reset({ cols: 80, rows: 24 });
  return { r, calls };
}

test('a flood of sizes makes one call, with the last size', async () => {
  const { r, calls } = resizer();
  for (let i = 0; i < 1000; i++) r.request({ cols: 100 + (i % 50), rows: 30 });
  r.request({ cols: 123, rows: 45 });
  await sleep(120);
  assert.deepEqual(calls, [{ cols: 123, rows: 45 }]);
  assert.equal(r.pending, false);
});

test('input typed after a resize: settle applies the waiting size at once, not after the delay', async () => {
  const { r, calls } = resizer(10, 10_000);
  r.request({ cols: 100, rows: 40 });
  assert.equal(r.pending, true);
  const t0 = Date.now();
  await r.settle();
  assert.deepEqual(calls, [{ cols: 100, rows: 40 }]);
  assert.ok(Date.now() - t0 < 5_000, 'settled long before the 10 s delay');
  assert.equal(r.pending, false);
});

test('a size that comes while a call is on its way is applied next, and settle waits for it', async () => {
  const { r, calls } = resizer(30, 10_000);
  r.request({ cols: 100, rows: 40 });
  const first = r.settle();
  r.request({ cols: 120, rows: 50 });
  const second = r.settle();
  await Promise.all([first, second]);
  assert.deepEqual(calls, [{ cols: 100, rows: 40 }, { cols: 120, rows: 50 }]);
});

test('settle with nothing waiting resolves at once; the size already applied makes no call', async () => {
  const { r, calls } = resizer();
  await r.settle();
  r.request({ cols: 80, rows: 24 });
  await r.settle();
  assert.deepEqual(calls, []);
});

test('a failed call does not keep input waiting', async () => {
  const r = new CoalescedResize(async () => {
    throw new Error('no such exec');
  }, 10_000);
  r.request({ cols: 90, rows: 30 });
  await r.settle();
  assert.equal(r.pending, false);
});

test('dispose lets waiting input go', async () => {
  const { r } = resizer(10, 10_000);
  r.request({ cols: 90, rows: 30 });
  const waiting = r.settle();
  r.dispose();
  await waiting;
});

test('an Engine API call that hangs does not keep input waiting for more than a second', async () => {
  const r = new CoalescedResize(() => new Promise<void>(() => {}), 10_000);
  r.request({ cols: 90, rows: 30 });
  const t0 = Date.now();
  await r.settle();
  const waited = Date.now() - t0;
  assert.ok(waited >= 900 && waited < 5_000, `input waited ${waited} ms`);
});
