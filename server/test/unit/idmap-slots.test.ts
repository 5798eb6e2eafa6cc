import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IDMAP_FIRST, IDMAP_SIZE, IdmapSlots } from '../../src/runtime/lxd/idmap-slots.js';

test('sandboxes created at once get uid ranges apart: a range is held from its take to its release', () => {
  const slots = new IdmapSlots();
  const a = slots.take([]);
  const b = slots.take([]);
  assert.equal(a.base, IDMAP_FIRST + IDMAP_SIZE);
  assert.equal(b.base, a.base + IDMAP_SIZE);
  a.release();
  // Released, but an instance's config now names it: still not handed out again.
  assert.equal(slots.take([String(a.base)]).base, b.base + IDMAP_SIZE);
  // Released and not named by any instance: free again.
  assert.equal(slots.take([]).base, a.base);
});

test('ranges named by instances that LXD already has are skipped, garbage in their config ignored', () => {
  const slots = new IdmapSlots();
  const used = [String(IDMAP_FIRST + IDMAP_SIZE), undefined, 'not a number', String(IDMAP_FIRST + 2 * IDMAP_SIZE)];
  assert.equal(slots.take(used).base, IDMAP_FIRST + 3 * IDMAP_SIZE);
});
