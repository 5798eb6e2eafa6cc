// Failed staff sign-ins counted per address and per account name, in bounded memory.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SignInLimits } from '../../src/people/sign-in-limits.js';

test('five failures for one account make it wait out the window; another account from another address does not wait', () => {
  const limits = new SignInLimits({ windowMs: 60_000, perAddress: 20, perEmail: 5, maxKeys: 100 });
  for (let i = 0; i < 5; i++) limits.attempted('10.0.0.1', 'ada@x', 1000 + i);
  assert.equal(limits.waitFor('10.0.0.9', 'ada@x', 2000), 60_000 + 1000 - 2000, 'from any address');
  assert.equal(limits.waitFor('10.0.0.9', 'bob@x', 2000), 0);
  assert.equal(limits.waitFor('10.0.0.9', 'ada@x', 61_001), 0, 'the window passed');
});

test('one address guessing many accounts waits after twenty; a flood of made-up names keeps the table bounded', () => {
  const limits = new SignInLimits({ windowMs: 60_000, perAddress: 20, perEmail: 5, maxKeys: 100 });
  for (let i = 0; i < 20; i++) limits.attempted('10.0.0.2', `guess${i}@x`, 1000);
  assert.ok(limits.waitFor('10.0.0.2', 'new@x', 1001) > 0);
  for (let i = 0; i < 10_000; i++) limits.attempted(`10.1.${i >> 8}.${i & 255}`, `flood${i}@x`, 2000);
  assert.ok((limits as unknown as { failures: Map<string, number[]> }).failures.size <= 100);
});

test('an attempt counts from its start; a right one is given back, so staff signing in all day from one school address are not locked out', () => {
  const limits = new SignInLimits({ windowMs: 60_000, perAddress: 3, perEmail: 5, maxKeys: 100 });
  for (let i = 0; i < 10; i++) {
    limits.attempted('10.0.0.3', `teacher${i}@x`, 1000 + i);
    limits.succeeded('10.0.0.3', `teacher${i}@x`, 1000 + i);
  }
  assert.equal(limits.waitFor('10.0.0.3', 'teacher0@x', 2000), 0);
  for (let i = 0; i < 3; i++) limits.attempted('10.0.0.3', `guess${i}@x`, 3000);
  assert.ok(limits.waitFor('10.0.0.3', 'teacher0@x', 3001) > 0, 'three attempts still open (or failed) count');
});
