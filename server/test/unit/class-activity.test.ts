import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClassActivity } from '../../src/classes/class-activity.js';

test("a class's activity: each student's mistakes, the class's most common mistakes", () => {
  const a = new ClassActivity();
  a.observe('c1', 's1', { type: 'step', lesson: 'l', step: 'x', done: false, kind: 'mistake', message: 'Without -a' });
  a.observe('c1', 's2', { type: 'step', lesson: 'l', step: 'x', done: false, kind: 'mistake', message: 'Without -a' });
  a.observe('c1', 's2', { type: 'step', lesson: 'l', step: 'y', done: false, kind: 'mistake', message: 'No such image' });
  a.observe('c2', 's3', { type: 'step', lesson: 'l', step: 'y', done: false, kind: 'mistake', message: 'Other class' });
  assert.equal(a.student('s1')?.mistakes, 1);
  assert.equal(a.student('s2')?.mistakes, 2);
  assert.deepEqual(a.commonMistakes('c1'), [{ message: 'Without -a', times: 2 }, { message: 'No such image', times: 1 }]);
  a.observe('c1', 's1', { type: 'status', state: 'ended' });
  assert.equal(a.student('s1'), undefined, 'an ended session is forgotten');
});

test('a flood of made-up mistake texts is counted up to a bound', () => {
  const a = new ClassActivity();
  for (let i = 0; i < 1000; i++) a.observe('c1', 's1', { type: 'step', lesson: 'l', step: 'x', done: false, kind: 'mistake', message: `m${i}` });
  assert.equal(a.commonMistakes('c1', 10_000).length, 200);
  assert.equal(a.student('s1')?.mistakes, 1000);
});
