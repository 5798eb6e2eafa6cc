// A recording whose file is taken away while the session still runs (an operator's rm, a disk unmounted):
// its seal fails and is logged; the server process goes on (it used to die of the unhandled rejection).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { SessionRecordings } from '../../src/recordings/session-recordings.js';

test('a recording removed under the server: its seal is logged as failed, nothing is thrown', async () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-removed-under-'));
  const errors: string[] = [];
  const log = { info: () => {}, warn: () => {}, error: (_o: object, msg?: string) => void errors.push(msg ?? '') };
  const recorders: unknown[] = [];
  const recordings = new SessionRecordings(folder, 30, { record: (_id, r) => void recorders.push(r) }, log);
  try {
    recordings.start('abcdefghi');
    while (!recorders.length) await new Promise((r) => setTimeout(r, 10));
    recordings.marker('abcdefghi', 'command `ls` exit 0');
    for (const name of fs.readdirSync(folder)) fs.rmSync(path.join(folder, name));
    await recordings.seal('abcdefghi');
    await recordings.sealAll();
    assert.deepEqual(errors, ['a recording could not be sealed']);
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
});
