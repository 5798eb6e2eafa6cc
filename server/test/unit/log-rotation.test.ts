import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { rotateLog, rotateLogsIn } from '../../src/host/log-rotation.js';

function inTempDir(fn: (dir: string) => Promise<void> | void) {
  return async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-logs-'));
    try {
      await fn(dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
}

const lineNumbers = (text: string) =>
  text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const m = /^line (\d+) x+$/.exec(line);
      assert.ok(m, `a whole line: ${JSON.stringify(line.slice(0, 80))}`);
      return Number(m[1]);
    });

test(
  "a daemon's log that keeps being written is rotated by size: bounded files, lines in order, no hole after the truncation",
  inTempDir(async (dir) => {
    const file = path.join(dir, 'mirror.log');
    // The daemon's output as daemon.ts gives it: a file opened for appending, inherited by a detached writer.
    const out = fs.openSync(file, 'a');
    const writer = spawn(
      process.execPath,
      ['-e', "let n = 0; setInterval(() => { for (let i = 0; i < 20; i++) process.stdout.write(`line ${++n} ${'x'.repeat(90)}\\n`); }, 1);"],
      { stdio: ['ignore', out, 'ignore'] },
    );
    fs.closeSync(out);
    const limits = { maxBytes: 64 * 1024, keep: 2 };
    let rotations = 0;
    try {
      while (rotations < 6) {
        await sleep(20);
        if (rotateLog(file, limits)) rotations++;
        assert.deepEqual(fs.readdirSync(dir).sort(), ['mirror.log', 'mirror.log.1', 'mirror.log.2'].slice(0, 1 + Math.min(rotations, 2)));
      }
      await sleep(100); // the writer goes on into the truncated file
    } finally {
      writer.kill();
      await new Promise((r) => writer.once('exit', r));
    }

    const [older, newer, live] = ['mirror.log.2', 'mirror.log.1', 'mirror.log'].map((n) => fs.readFileSync(path.join(dir, n)));
    for (const [name, buf] of [['older', older!], ['newer', newer!], ['live', live!]] as const) {
      assert.equal(buf.indexOf(0), -1, `no NUL bytes in the ${name} file (the writer appends at the new end)`);
    }
    assert.ok(older!.length >= limits.maxBytes && newer!.length >= limits.maxBytes, 'a file is rotated only once it is full');
    const numbers = [...lineNumbers(older!.toString()), ...lineNumbers(newer!.toString()), ...lineNumbers(live!.toString())];
    assert.ok(lineNumbers(live!.toString()).length > 0, 'the writer goes on in the live file');
    for (let i = 1; i < numbers.length; i++) assert.ok(numbers[i]! > numbers[i - 1]!, `lines in order at ${i}: ${numbers[i - 1]} then ${numbers[i]}`);
  }),
);

test(
  'a log under its limit, or missing, is left alone',
  inTempDir((dir) => {
    fs.writeFileSync(path.join(dir, 'engine.log'), 'small\n');
    assert.deepEqual(rotateLogsIn([dir, path.join(dir, 'absent')], { maxBytes: 1024, keep: 2 }), { rotated: [], failed: [] });
    assert.equal(fs.readFileSync(path.join(dir, 'engine.log'), 'utf8'), 'small\n');
    assert.deepEqual(fs.readdirSync(dir), ['engine.log']);
  }),
);

test(
  "a log replaced by a symlink or a hard link to a host file never gets that file copied or truncated",
  inTempDir((dir) => {
    // The service's own user owns its log folder (apt-cacher-ng's LogDir) and may plant links there.
    const secret = path.join(dir, 'shadow');
    const secretText = 'root:$y$secret\n'.repeat(200);
    fs.writeFileSync(secret, secretText, { mode: 0o600 });
    const logs = path.join(dir, 'log');
    fs.mkdirSync(logs);
    const limits = { maxBytes: 100, keep: 2 };

    fs.symlinkSync(secret, path.join(logs, 'apt-cacher.log'));
    fs.linkSync(secret, path.join(logs, 'apt-cacher.err'));
    assert.deepEqual(rotateLogsIn([logs], limits), { rotated: [], failed: [] });
    assert.equal(fs.readFileSync(secret, 'utf8'), secretText);
    assert.deepEqual(fs.readdirSync(logs).sort(), ['apt-cacher.err', 'apt-cacher.log']);

    // A rotated name that is a link: the rotation moves or removes the link, never writes through it.
    fs.rmSync(path.join(logs, 'apt-cacher.log'));
    fs.writeFileSync(path.join(logs, 'apt-cacher.log'), 'a real log line\n'.repeat(20));
    fs.symlinkSync(secret, path.join(logs, 'apt-cacher.log.1'));
    assert.equal(rotateLog(path.join(logs, 'apt-cacher.log'), limits), true);
    assert.equal(fs.lstatSync(path.join(logs, 'apt-cacher.log.2')).isSymbolicLink(), true);
    assert.equal(fs.readFileSync(path.join(logs, 'apt-cacher.log.1'), 'utf8'), 'a real log line\n'.repeat(20));
    fs.writeFileSync(path.join(logs, 'apt-cacher.log'), 'x'.repeat(200));
    fs.rmSync(path.join(logs, 'apt-cacher.log.1'));
    fs.symlinkSync(secret, path.join(logs, 'apt-cacher.log.1'));
    assert.equal(rotateLog(path.join(logs, 'apt-cacher.log'), { maxBytes: 100, keep: 1 }), true);
    assert.equal(fs.lstatSync(path.join(logs, 'apt-cacher.log.1')).isFile(), true);
    assert.equal(fs.readFileSync(secret, 'utf8'), secretText, 'the host file is unchanged');
    assert.equal(fs.statSync(path.join(logs, 'apt-cacher.log')).size, 0);
  }),
);

test(
  'a log that cannot be rotated is reported, not thrown, and the other logs are still rotated',
  inTempDir((dir) => {
    fs.writeFileSync(path.join(dir, 'engine.log'), 'e'.repeat(200));
    fs.writeFileSync(path.join(dir, 'mirror.log'), 'm'.repeat(200));
    fs.mkdirSync(path.join(dir, 'engine.log.1')); // in the way of the copy
    const result = rotateLogsIn([dir], { maxBytes: 100, keep: 1 });
    assert.deepEqual(result.rotated, [path.join(dir, 'mirror.log')]);
    assert.equal(result.failed.length, 1);
    assert.match(result.failed[0]!, new RegExp(`^${path.join(dir, 'engine.log')}: `));
    assert.equal(fs.statSync(path.join(dir, 'engine.log')).size, 200, 'not truncated without its copy');
    assert.equal(fs.readFileSync(path.join(dir, 'mirror.log.1'), 'utf8'), 'm'.repeat(200));
  }),
);
