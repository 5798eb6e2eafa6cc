// Reading an asciicast v2 file back the way a player would, and saying where it stops making sense.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkCast } from '../../src/recordings/cast-format.js';

const header = JSON.stringify({ version: 2, width: 80, height: 24, timestamp: 1735787045, env: { TERM: 'xterm-256color' } });
const cast = (...lines: unknown[]) => [header, ...lines.map((line) => JSON.stringify(line))].join('\n') + '\n';

test('a well-formed recording reads back as its header and events', () => {
  const check = checkCast(cast([0, 'o', '$ '], [0.5, 'i', 'ls\r'], [0.5, 'r', '100x30'], [2.25, 'm', 'step 1 done']));
  assert.deepEqual(check, {
    ok: true,
    header: JSON.parse(header),
    events: [
      [0, 'o', '$ '],
      [0.5, 'i', 'ls\r'],
      [0.5, 'r', '100x30'],
      [2.25, 'm', 'step 1 done'],
    ],
  });
  assert.deepEqual(checkCast(header), { ok: true, header: JSON.parse(header), events: [] }, 'no events, no final newline');
});

test('a file without a header is refused', () => {
  assert.deepEqual(checkCast(''), { ok: false, line: 1, reason: 'no header' });
  assert.deepEqual(checkCast('[0,"o","x"]\n'), { ok: false, line: 1, reason: 'no header: the first line is not an object' });
  assert.deepEqual(checkCast('hello\n'), { ok: false, line: 1, reason: 'no header: the first line is not JSON' });
  assert.deepEqual(checkCast('{"version":1,"width":80,"height":24}\n'), { ok: false, line: 1, reason: 'header: version is not 2' });
  for (const width of [0, -3, 80.5, '80']) {
    const check = checkCast(`${JSON.stringify({ version: 2, width, height: 24 })}\n`);
    assert.deepEqual(check, { ok: false, line: 1, reason: 'header: width is not a whole number above 0' }, `width ${width}`);
  }
});

test('time going backwards is refused, at the line where it happens', () => {
  assert.deepEqual(checkCast(cast([1, 'o', 'a'], [2, 'o', 'b'], [1.5, 'o', 'c'])), {
    ok: false,
    line: 4,
    reason: 'time goes backwards: 1.5 after 2',
  });
  assert.deepEqual(checkCast(cast([-1, 'o', 'a'])), { ok: false, line: 2, reason: 'event time is not a number of seconds' });
});

test('an unknown event code is refused', () => {
  assert.deepEqual(checkCast(cast([0, 'x', 'a'])), { ok: false, line: 2, reason: 'unknown event code "x"' });
  assert.deepEqual(checkCast(cast([0, 'o'])), { ok: false, line: 2, reason: 'event is not [time, code, data]' });
  assert.deepEqual(checkCast(cast([0, 'o', 42])), { ok: false, line: 2, reason: 'event data is not a string' });
});

test('resize data that is not COLSxROWS is refused', () => {
  for (const data of ['80', '80x', 'x24', '80 x 24', '-80x24', '80x24\n']) {
    const check = checkCast(cast([0, 'r', data]));
    assert.equal(check.ok, false, data);
    assert.match((check as { reason: string }).reason, /is not COLSxROWS/);
  }
});

test('a blank line in the middle and a line over 1 MiB are refused', () => {
  assert.deepEqual(checkCast(`${header}\n\n[0,"o","a"]\n`), { ok: false, line: 2, reason: 'empty line' });
  const huge = cast([0, 'o', 'a'], [1, 'o', 'x'.repeat(2 * 1024 * 1024)]);
  assert.deepEqual(checkCast(huge), { ok: false, line: 3, reason: 'line longer than 1 MiB' });
  const wide = cast([1, 'o', '中'.repeat(400 * 1024)]); // 400 Ki characters, 1.2 MiB of UTF-8
  assert.deepEqual(checkCast(wide), { ok: false, line: 2, reason: 'line longer than 1 MiB' });
});
