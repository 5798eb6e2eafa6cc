// A host command the server runs must not be cut short by a signal sent to the server's whole process group
// (Ctrl-C on `npm start`, Playwright or a supervisor stopping it) when the server finishes that work as it
// stops: a session disk's unmount ended halfway leaves the disk mounted. Real processes and signals.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const runCommand = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/host/run-command.ts');

/** A server-like process that keeps running on SIGTERM, runs a 0.5 s command and prints how it ended. */
async function signalledWhileRunning(ownGroup: boolean): Promise<{ code: number; stdout: string }> {
  // The command says it is running by making this file: the signal comes once it has started, however loaded the host.
  const mark = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'berth-own-group-')), 'running');
  const script = `
    import { run } from ${JSON.stringify(runCommand)};
    process.on('SIGTERM', () => {});
    const done = run('sh', ['-c', 'echo started; : > "$1"; sleep 0.5; echo finished', 'sh', ${JSON.stringify(mark)}], { allowFailure: true, ownGroup: ${ownGroup} });
    console.log(JSON.stringify(await done));`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  const closed = new Promise((resolve) => child.on('close', resolve));
  for (let waited = 0; !fs.existsSync(mark); waited += 10) {
    if (waited > 30_000) throw new Error('the command did not start within 30 s');
    await sleep(10);
  }
  process.kill(-child.pid!, 'SIGTERM'); // the whole group, as Ctrl-C or a supervisor does
  await closed;
  fs.rmSync(path.dirname(mark), { recursive: true, force: true });
  return JSON.parse(out.trim().split('\n').at(-1)!) as { code: number; stdout: string };
}

test('a command run in a group of its own finishes when the server\'s process group is sent SIGTERM', async () => {
  const result = await signalledWhileRunning(true);
  assert.equal(result.code, 0);
  assert.equal(result.stdout, 'started\nfinished\n');
});

test('the same command in the server\'s own group is ended by that SIGTERM halfway (what ownGroup is for)', async () => {
  const result = await signalledWhileRunning(false);
  assert.notEqual(result.code, 0);
  assert.equal(result.stdout, 'started\n');
});
