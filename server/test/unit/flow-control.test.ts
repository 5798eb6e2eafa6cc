import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FlowControl } from '../../src/terminal/flow-control.js';

test('pauses at the high watermark and resumes at the low one', () => {
  const calls: string[] = [];
  const flow = new FlowControl(() => calls.push('pause'), () => calls.push('resume'), 100, 20);
  const done = [flow.sent(50), flow.sent(40)];
  assert.deepEqual(calls, []);
  done.push(flow.sent(30));
  assert.deepEqual(calls, ['pause']);
  assert.equal(flow.isPaused, true);
  done[0]!();
  assert.deepEqual(calls, ['pause'], 'still above the low watermark');
  done[1]!();
  assert.deepEqual(calls, ['pause']);
  done[2]!();
  assert.deepEqual(calls, ['pause', 'resume']);
  assert.equal(flow.bytesInFlight, 0);
});

test('a completion called twice counts once', () => {
  const flow = new FlowControl(() => {}, () => {}, 100, 20);
  const done = flow.sent(10);
  done();
  done();
  assert.equal(flow.bytesInFlight, 0);
});
