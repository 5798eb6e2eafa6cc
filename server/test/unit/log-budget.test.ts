// A visitor who requests a failing port link in a loop cannot flood the operator's log: one line a period,
// with the count of lines held back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LogBudget } from '../../src/ports/log-budget.js';

test('a port link relay failure requested 10,000 times in a second writes one log line; the next period says how many were held back', () => {
  let now = 1_000_000;
  const budget = new LogBudget(10_000, () => now);
  const written = Array.from({ length: 10_000 }, () => budget.take()).filter((held) => held !== null);
  assert.deepEqual(written, [0]);
  now += 10_000;
  assert.equal(budget.take(), 9_999);
  assert.equal(budget.take(), null);
});
