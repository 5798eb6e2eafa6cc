// Old recordings are removed after their retention; nothing else in the folder, and nothing a symlink points at.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { sweepRecordings } from '../../src/recordings/retention.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const now = Date.UTC(2025, 5, 1);

function writeAged(file: string, ageDays: number, text = 'x'): void {
  fs.writeFileSync(file, text);
  const when = new Date(now - ageDays * DAY_MS);
  fs.utimesSync(file, when, when);
}

test('only recordings older than the retention are removed, with their seals', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-retention-'));
  try {
    const folder = path.join(root, 'recordings');
    fs.mkdirSync(folder);
    const at = (name: string) => path.join(folder, name);
    writeAged(at('old-session-1.cast'), 40);
    writeAged(at('old-session-1.cast.sha256'), 40);
    writeAged(at('old-session-2.cast'), 31); // its seal is newer, and goes with it
    writeAged(at('old-session-2.cast.sha256'), 1);
    writeAged(at('orphan-seal-1.cast.sha256'), 40); // its recording is already gone
    writeAged(at('new-session-1.cast'), 29);
    writeAged(at('new-session-1.cast.sha256'), 29);
    writeAged(at('notes.txt'), 400); // not named like a recording
    writeAged(at('OLD-SESSION-9.cast'), 400);
    writeAged(at('old-session-3.cast.bak'), 400);
    fs.mkdirSync(at('dir-named-1.cast'));
    const removed = await sweepRecordings(folder, 30, now);
    assert.deepEqual(removed.sort(), [
      at('old-session-1.cast'),
      at('old-session-1.cast.sha256'),
      at('old-session-2.cast'),
      at('old-session-2.cast.sha256'),
      at('orphan-seal-1.cast.sha256'),
    ]);
    assert.deepEqual(fs.readdirSync(folder).sort(), [
      'OLD-SESSION-9.cast',
      'dir-named-1.cast',
      'new-session-1.cast',
      'new-session-1.cast.sha256',
      'notes.txt',
      'old-session-3.cast.bak',
    ]);
    assert.deepEqual(await sweepRecordings(path.join(root, 'never-made'), 30, now), [], 'no folder yet: nothing to do');
    await assert.rejects(sweepRecordings(folder, 0, now), RangeError, 'a retention of 0 would take live recordings');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('a symlink planted in the folder, named like an old recording, is never followed', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-retention-'));
  try {
    const folder = path.join(root, 'recordings');
    fs.mkdirSync(folder);
    const outside = path.join(root, 'precious.txt');
    writeAged(outside, 400, 'not a recording');
    const old = new Date(now - 400 * DAY_MS);
    for (const name of ['planted-link-1.cast', 'planted-link-2.cast.sha256']) {
      fs.symlinkSync(outside, path.join(folder, name));
      fs.lutimesSync(path.join(folder, name), old, old);
    }
    fs.symlinkSync(outside, path.join(folder, 'planted-link-3.cast.sha256'));
    writeAged(path.join(folder, 'planted-link-3.cast'), 400); // an old recording whose seal is a symlink
    const removed = await sweepRecordings(folder, 30, now);
    assert.deepEqual(removed, [path.join(folder, 'planted-link-3.cast')]);
    assert.equal(fs.readFileSync(outside, 'utf8'), 'not a recording');
    const left = ['planted-link-1.cast', 'planted-link-2.cast.sha256', 'planted-link-3.cast.sha256'];
    assert.deepEqual(fs.readdirSync(folder).sort(), left, 'the links themselves are left too');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
