import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { OutputRate } from '../../src/terminal/output-rate.js';

test('output under the rate is never held', () => {
  const calls: string[] = [];
  const rate = new OutputRate(() => calls.push('hold'), () => calls.push('release'), 10_000, 100);
  rate.took(500);
  rate.took(499);
  assert.deepEqual(calls, []);
  assert.equal(rate.holding, false);
  rate.dispose();
});

test('a window\'s budget spent holds the reader once, and the next window releases it', async () => {
  const calls: string[] = [];
  const rate = new OutputRate(() => calls.push('hold'), () => calls.push('release'), 10_000, 50);
  rate.took(600);
  rate.took(600); // 1000 bytes is a 50 ms window's budget at 10 000 B/s
  rate.took(600);
  assert.deepEqual(calls, ['hold']);
  assert.equal(rate.holding, true);
  await sleep(80);
  assert.deepEqual(calls, ['hold', 'release']);
  assert.equal(rate.holding, false);
  rate.took(10);
  assert.deepEqual(calls, ['hold', 'release'], 'a new window starts with a full budget');
  rate.dispose();
});

test('dispose cancels a pending release', async () => {
  const calls: string[] = [];
  const rate = new OutputRate(() => calls.push('hold'), () => calls.push('release'), 1000, 20);
  rate.took(5000);
  rate.dispose();
  await sleep(40);
  assert.deepEqual(calls, ['hold']);
});
