import assert from 'node:assert/strict';
import { test } from 'node:test';
import { idleEndsAt } from '../../src/sessions/idle-deadline.js';

const min = 60_000;
const limits = { idleTimeoutMs: 15 * min, idleVisibleTimeoutMs: 30 * min };

test('without a visible report the keystroke idle timeout decides', () => {
  assert.equal(idleEndsAt({ lastActivityAt: 100 * min, lastVisibleAt: 0 }, limits), 115 * min);
});

test('a visible tab counts as activity: the idle timeout runs from its last report', () => {
  // Typed at 100, still reading at 110: ends 15 min after the tab was last seen, not after the keystroke.
  assert.equal(idleEndsAt({ lastActivityAt: 100 * min, lastVisibleAt: 110 * min }, limits), 125 * min);
});

test('a tab left visible ends at the visible allowance after the last keystroke', () => {
  assert.equal(idleEndsAt({ lastActivityAt: 100 * min, lastVisibleAt: 129 * min }, limits), 130 * min);
  assert.equal(idleEndsAt({ lastActivityAt: 100 * min, lastVisibleAt: 500 * min }, limits), 130 * min);
});

test('an old visible report never shortens the keystroke idle timeout', () => {
  assert.equal(idleEndsAt({ lastActivityAt: 100 * min, lastVisibleAt: 90 * min }, limits), 115 * min);
  // An allowance configured shorter than the idle timeout leaves the idle timeout as it is.
  assert.equal(idleEndsAt({ lastActivityAt: 100 * min, lastVisibleAt: 110 * min }, { idleTimeoutMs: 15 * min, idleVisibleTimeoutMs: 5 * min }), 115 * min);
});
