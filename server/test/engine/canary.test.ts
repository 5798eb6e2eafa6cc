// The canary that ends set-up (and is `berth check`): a real sandbox runs hello-world, or the operator gets
// one paragraph (what failed, the likely cause, the fix) and the full output in a log file.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { runCanary } from '../../src/host/canary.js';
import { freshHostTunNode } from '../helpers.js';

const config = loadConfig(process.env);
const repo = path.resolve(import.meta.dirname, '..', '..', '..');

test('the canary passes on this host: a sandbox starts and runs hello-world', async () => {
  const result = await runCanary(config);
  if (!result.ok) fs.rmSync(result.logFile, { force: true });
  assert.ok(result.ok, result.ok ? '' : result.paragraph);
});

test("a fresh host's tun node (0600, root) fails the canary with one readable paragraph naming the tun device and the fix", async () => {
  const tun = freshHostTunNode(config);
  try {
    const result = await runCanary(config, { tunDevice: tun.file });
    assert.equal(result.ok, false);
    if (result.ok) return;
    try {
      assert.match(result.paragraph, /^A test sandbox could not start, so visitors would not get working sandboxes either: the tun device cannot be opened by the sessions\./);
      assert.ok(result.paragraph.includes(tun.file), `names the node: ${result.paragraph}`);
      assert.match(result.paragraph, /Fix: run "npx berth prepare" as root/);
      assert.ok(result.paragraph.includes(result.logFile), 'names the log file');
      assert.doesNotMatch(result.paragraph, /rootlesskit|\n/, 'no log lines');
      // The engine's and the sandbox's own words are in the log file instead.
      assert.match(fs.readFileSync(result.logFile, 'utf8'), /tun/);
    } finally {
      fs.rmSync(result.logFile, { force: true });
    }
  } finally {
    tun.remove();
  }
});

test('`berth check` with the session image missing exits non-zero with the paragraph and no stack trace', async () => {
  const env = { ...process.env, BERTH_SESSION_IMAGE: 'berth/not-built' };
  const child = spawn(process.execPath, [path.join(repo, 'scripts', 'berth.mjs'), 'check'], { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (out += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const logFile = /The full output is in (\S+)\.$/m.exec(out)?.[1];
  if (logFile) fs.rmSync(logFile, { force: true });
  assert.notEqual(code, 0, out);
  assert.match(out, /berth: A test sandbox could not start, so visitors would not get working sandboxes either: the session image berth\/not-built is missing\. .*Fix: run "npx berth prepare" as root: it builds the images\./);
  assert.ok(logFile, `names a log file: ${out}`);
  assert.doesNotMatch(out, /^\s+at /m, 'no stack trace');
});
