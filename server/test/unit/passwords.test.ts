// The KDF runs two at a time and keeps a bounded queue: a flood of sign-ins from many addresses (each under its
// own limit) is refused with a sentence rather than queued without end.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HttpError } from '../../src/errors.js';
import { KDF_WAITING_MAX, hashPassword, verifyPassword } from '../../src/people/passwords.js';

test('kdf-queue-flood: past two running and a bounded queue, a password check is refused at once with 503; the rest still answer right', async () => {
  const stored = await hashPassword('correct horse battery');
  const flood = 2 + KDF_WAITING_MAX + 6;
  const results = await Promise.allSettled(Array.from({ length: flood }, (_, i) => verifyPassword(i === 0 ? 'correct horse battery' : `wrong ${i}`, stored)));
  const refused = results.filter((r) => r.status === 'rejected');
  assert.equal(refused.length, 6);
  for (const r of refused) {
    const err = (r as PromiseRejectedResult).reason as HttpError;
    assert.equal(err.statusCode, 503);
    assert.match(err.message, /Sign-in is busy just now/);
  }
  assert.deepEqual(results[0], { status: 'fulfilled', value: true });
  assert.equal(results.filter((r) => r.status === 'fulfilled' && r.value === false).length, flood - 1 - 6);
  assert.equal(await verifyPassword('correct horse battery', stored), true, 'the queue drained');
});
