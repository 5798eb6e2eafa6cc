import assert from 'node:assert/strict';
import { test } from 'node:test';
import { castTimeline } from '../src/cast-timeline.js';

const cast = [
  '{"version":2,"width":80,"height":24}',
  '[0.5,"o","$ "]',
  '[1.0,"i","echo hi\\r"]',
  '[1.2,"m","command `echo hi` exit 0"]',
  '[2.0,"m","paste"]',
  '[2.5,"m","command `echo \\"pasted\\"` exit 0"]',
  'not an event',
  '[3.0,"m","command `false` exit 1"]',
  '[3.5,"m","step 01-first-container/run-hello done"]',
  '[4.0,"m","paste by Iris"]',
  '[5.0,"m","check A container named web answers met"]',
  '[9.25,"o","bye"]',
].join('\n');

test('a cast\'s markers become the review\'s timeline: commands with exit codes, a pasted command marked, steps ticked and an interview\'s checks met', () => {
  const t = castTimeline(cast);
  assert.deepEqual(t.entries, [
    { at: 1.2, playAt: 1.2, kind: 'command', text: 'echo hi', exit: 0 },
    { at: 2.5, playAt: 2.5, kind: 'command', text: 'echo "pasted"', exit: 0, pasted: true },
    { at: 3.0, playAt: 3.0, kind: 'command', text: 'false', exit: 1 },
    { at: 3.5, playAt: 3.5, kind: 'check', text: '01-first-container/run-hello' },
    { at: 4.0, playAt: 4.0, kind: 'paste', text: 'paste', by: 'Iris' },
    { at: 5.0, playAt: 5.0, kind: 'check', text: 'A container named web answers' },
  ]);
  assert.deepEqual({ ...t, entries: undefined }, { entries: undefined, duration: 9.25, commands: 3, failed: 1, pastes: 2, checks: 2 });
});

test('with a player that shortens pauses to an idle limit, each entry says where that player plays it', () => {
  // Pauses before 2.0 (0.8 s) and 5.0 (1.0 s) are longer than 0.5 s: the player plays 0.3 s and 0.5 s less.
  const t = castTimeline(cast, 0.5);
  const round = (n: number) => Math.round(n * 1000) / 1000;
  assert.deepEqual(
    t.entries.map((e) => [e.at, round(e.playAt)]),
    [[1.2, 1.2], [2.5, 2.2], [3.0, 2.7], [3.5, 3.2], [4.0, 3.7], [5.0, 4.2]],
  );
  assert.equal(t.duration, 9.25, 'the duration stays the recording\'s own');
});
