// isMounted reads /proc/self/mountinfo: the session disks and the package cache's disk ask it whether to
// mount or unmount, with no helper process a signal to the server could end first.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { isMounted } from '../../src/host/mount-table.js';

test('a mount point is told from a folder by the mount table', async () => {
  assert.equal(await isMounted('/proc'), true);
  assert.equal(await isMounted('/proc/self'), false);
  assert.equal(await isMounted('/no/such/folder'), false);
});

test('a mount point reached through a symlink is one, as `mountpoint` says of it', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-mounts-'));
  try {
    fs.symlinkSync('/proc', path.join(dir, 'proc-link'));
    fs.mkdirSync(path.join(dir, 'plain'));
    assert.equal(await isMounted(path.join(dir, 'proc-link')), true);
    assert.equal(await isMounted(path.join(dir, 'plain')), false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
