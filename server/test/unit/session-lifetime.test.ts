import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dueAt, lifetimeEvent } from '../../src/sessions/session-lifetime.js';
import { fromStoredSession, parseTerms, toStoredSession, type Session } from '../../src/sessions/session.js';

const min = 60_000;
const limits = { idleTimeoutMs: 15 * min, idleVisibleTimeoutMs: 30 * min, maxExtensions: 2, warnBeforeMs: 5 * min };
/** A ready session started at 0 with a 60-minute limit, last typed into at `typedAt` minutes. */
const session = (typedAt: number, over: Partial<Session> = {}): Session => ({
  id: 's1',
  tokenHash: '',
  learner: 'l',
  client: 'c',
  state: 'ready',
  createdAt: 0,
  expiresAt: 60 * min,
  lastActivityAt: typedAt * min,
  lastVisibleAt: 0,
  extensionsUsed: 0,
  warned: { expiring: false, idleAt: null },
  ready: Promise.resolve(true),
  ...over,
});

test('nothing is due while the session is young and typed into', () => {
  assert.equal(dueAt(session(15), limits, 20 * min), undefined);
});

test('the time-limit warning comes once, 5 minutes before the end, then the end', () => {
  const s = session(54);
  const due = dueAt(s, limits, 56 * min);
  assert.ok(due && 'warning' in due);
  assert.equal(due.warning.kind, 'expiring');
  assert.equal(due.warning.secondsLeft, 240);
  assert.match(due.warning.message, /ends in 4 min/);
  s.warned.expiring = true;
  assert.equal(dueAt(s, limits, 57 * min), undefined);
  assert.deepEqual(dueAt(s, limits, 60 * min), { end: 'expired' });
});

test('a session nobody typed into is warned, then ends as idle', () => {
  const s = session(10);
  const due = dueAt(s, limits, 21 * min);
  assert.ok(due && 'warning' in due);
  assert.equal(due.warning.kind, 'idle');
  assert.match(due.warning.message, /unless you press a key/);
  s.warned.idleAt = 21 * min;
  assert.equal(dueAt(s, limits, 22 * min), undefined);
  assert.deepEqual(dueAt(s, limits, 25 * min), { end: 'idle' });
});

test('an extension is offered only in the last 10 minutes and while some are left', () => {
  assert.equal(lifetimeEvent(session(40), limits, 45 * min).canExtend, false);
  assert.equal(lifetimeEvent(session(40), limits, 51 * min).canExtend, true);
  const used = lifetimeEvent(session(40, { extensionsUsed: 2 }), limits, 51 * min);
  assert.equal(used.canExtend, false);
  assert.equal(used.extensionsLeft, 0);
});

test("an interview's session has no idle end and no extension: it ends at its time limit, warned once before", () => {
  const s = session(0, { terms: { kind: 'interview', ref: 'abc123abc123', durationMs: 60 * min } });
  assert.equal(dueAt(s, limits, 50 * min), undefined, 'fifty minutes without a keystroke: still on');
  assert.equal(lifetimeEvent(s, limits, 58 * min).extensionsLeft, 0);
  assert.equal(lifetimeEvent(s, limits, 58 * min).canExtend, false);
  assert.equal(lifetimeEvent(s, limits, 58 * min).idleExpiresAt, lifetimeEvent(s, limits, 58 * min).expiresAt);
  const warned = dueAt(s, limits, 56 * min);
  assert.ok(warned && 'warning' in warned && warned.warning.kind === 'expiring');
  assert.deepEqual(dueAt(s, limits, 60 * min), { end: 'expired' });
});

test('terms read back from the store as written; a row no Berth wrote has none', () => {
  const terms = { kind: 'interview', ref: 'abc123abc123', durationMs: 45 * min } as const;
  const stored = toStoredSession(session(0, { terms }), 'main');
  assert.deepEqual(fromStoredSession(stored).terms, terms);
  for (const bad of ['{', '"x"', 'null', '{"kind":"workshop","ref":"a","durationMs":1}', '{"kind":"interview","ref":"a","durationMs":-5}']) {
    assert.equal(parseTerms(bad), undefined, bad);
  }
  assert.equal(fromStoredSession({ ...stored, terms: null }).terms, undefined);
  assert.deepEqual(parseTerms('{"kind":"class","ref":"c1","durationMs":60000}'), { kind: 'class', ref: 'c1', durationMs: 60_000 });
});
