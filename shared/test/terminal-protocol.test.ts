import assert from 'node:assert/strict';
import { test } from 'node:test';
import { input, parseClientMessage, parseServerEvent, present, resize, visible } from '../src/index.js';

test('valid input and resize frames parse', () => {
  assert.deepEqual(parseClientMessage(input('ls\r')), { ok: true, message: { type: 'input', data: 'ls\r' } });
  assert.deepEqual(parseClientMessage(resize(80, 24)), { ok: true, message: { type: 'resize', cols: 80, rows: 24 } });
  assert.deepEqual(parseClientMessage(visible()), { ok: true, message: { type: 'visible' } });
  assert.deepEqual(parseClientMessage(present()), { ok: true, message: { type: 'present' } });
});

test('garbage frames are refused with a reason, never thrown', () => {
  const cases: [string, RegExp][] = [
    ['', /not valid JSON/],
    ['{', /not valid JSON/],
    ['null', /JSON object/],
    ['[1]', /JSON object/],
    ['"input"', /JSON object/],
    ['{"type":"input"}', /data must be a string/],
    ['{"type":"input","data":{"x":1}}', /data must be a string/],
    ['{"type":"resize","cols":0,"rows":24}', /cols/],
    ['{"type":"resize","cols":100000,"rows":24}', /cols/],
    ['{"type":"resize","cols":80.5,"rows":24}', /cols/],
    ['{"type":"resize","cols":80,"rows":-1}', /rows/],
    ['{"type":"resize","cols":"80","rows":24}', /cols/],
    ['{"type":"exec","cmd":"rm -rf /"}', /unknown message type "exec"/],
    ['{"__proto__":{"type":"input"}}', /unknown message type/],
    ['{"type":"visible","visible":false}', /visible takes no other fields/],
    ['{"type":"Visible"}', /unknown message type "Visible"/],
    ['{"type":"visibility","state":"visible"}', /unknown message type "visibility"/],
    ['"visible"', /JSON object/],
    ['{"type":"present","at":1}', /present takes no other fields/],
  ];
  for (const [frame, reason] of cases) {
    const r = parseClientMessage(frame);
    assert.equal(r.ok, false, frame);
    if (!r.ok) assert.match(r.reason, reason, frame);
  }
});

test('random bytes never throw', () => {
  for (let i = 0; i < 2000; i++) {
    const len = Math.floor(Math.random() * 40);
    const s = Array.from({ length: len }, () => String.fromCharCode(Math.floor(Math.random() * 128))).join('');
    const r = parseClientMessage(s);
    assert.equal(typeof r.ok, 'boolean');
  }
});

test('server events parse; anything else is null', () => {
  assert.deepEqual(parseServerEvent('{"type":"status","state":"ready"}'), { type: 'status', state: 'ready' });
  assert.equal(parseServerEvent('nope'), null);
  assert.equal(parseServerEvent('{"state":"ready"}'), null);
});
