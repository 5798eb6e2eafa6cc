import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TokenBucket } from '../../src/terminal/token-bucket.js';

test('a token bucket takes a burst at once, then its rate a second, and says how long until a frame fits', () => {
  let now = 0;
  const rate = new TokenBucket(1000, 4000, () => now);
  assert.equal(rate.take(3000), 0);
  assert.equal(rate.take(1000), 0);
  assert.equal(rate.take(500), 500, 'empty: 500 bytes at 1000 a second fit in 500 ms');
  now += 250;
  assert.equal(rate.take(500), 250, 'a frame refused takes nothing');
  now += 250;
  assert.equal(rate.take(500), 0);
  now += 60_000;
  assert.equal(rate.take(4000), 0, 'a long quiet refills the burst, no more');
  assert.equal(rate.take(1), 1);
});

test('a frame larger than the burst goes through once the whole burst is there, and spends it', () => {
  let now = 0;
  const rate = new TokenBucket(1000, 4000, () => now);
  assert.equal(rate.take(1000), 0);
  assert.equal(rate.take(10_000), 1000);
  now += 1000;
  assert.equal(rate.take(10_000), 0);
  assert.equal(rate.take(1), 1);
});
