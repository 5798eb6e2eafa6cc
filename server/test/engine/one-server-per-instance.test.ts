// A second server for an instance already served refuses at once, naming the running one, and touches
// nothing: the first server's sessions and its warm pool are as they were and still work.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { createRuntime } from '../../src/app.js';
import { hostPaths } from '../../src/host/host-services.js';
import { instanceLeftovers } from '../../src/runtime/instance-leftovers.js';
import { createSession, eventually, runBerth, ServerProcess, TerminalClient, testServerPorts } from '../helpers.js';

const repo = path.resolve(import.meta.dirname, '..', '..', '..');

function runUntilExit(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string; ms: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, ms: Date.now() - started });
    }),
  );
}

test('a second server for a served instance exits non-zero naming the first (pid, port); the first one\'s sessions and pool are untouched', async () => {
  const first = new ServerProcess({ BERTH_POOL_SIZE: '1', BERTH_READY_TIMEOUT_MS: '120000' });
  await first.start();
  const config = loadConfig(first.env);
  const runtime = createRuntime(config);
  try {
    const s = await createSession(first);
    const term = await TerminalClient.connect(first, s);
    await term.ready(120_000);
    assert.equal((await term.run('echo still-mine > ~/note')).exit, 0);
    // The pool has made its sandbox: the instance now holds the session's and the pooled one.
    const before = await eventually(async () => {
      const ids = await runtime.listSandboxes();
      assert.equal(ids.length, 2);
      assert.ok(await runtime.isReady(ids.find((id) => id !== s.id)!), 'the pooled sandbox is ready');
      return ids.sort();
    }, 180_000);

    const port = String(testServerPorts().port);
    const firstPort = new URL(first.url).port;
    const env = { ...first.env, BERTH_PORT: port };
    // Both ways an operator starts one: the server itself, and `berth start` (which would prepare the host first).
    for (const args of [[path.join(repo, 'server', 'src', 'server.ts')], [path.join(repo, 'server', 'src', 'cli.ts'), 'start']]) {
      const second = await runUntilExit(args, env);
      assert.notEqual(second.code, 0, second.output);
      assert.match(second.output, new RegExp(`Berth instance "${config.instance}" is already served by pid ${first.pid} on port ${firstPort}`));
      assert.doesNotMatch(second.output, /\[host\]|\[images\]|\[web\]/); // refused before preparing anything
      assert.equal((await fetch(`http://127.0.0.1:${port}/api/health`).catch(() => null))?.status, undefined);
    }

    assert.deepEqual((await runtime.listSandboxes()).sort(), before);
    for (const id of before) assert.equal(await runtime.isReady(id), true);
    const r = await term.run('cat ~/note');
    assert.equal(r.exit, 0, r.output);
    assert.match(r.output, /^still-mine$/m);
    assert.equal((await fetch(`${first.url}/api/sessions/${s.id}`, { headers: { authorization: `Bearer ${s.token}` } })).status, 200);
    // berth stop still reaches the first server.
    const who = await runBerth(['stop', '--end-sessions'], first.env);
    assert.match(who.output, new RegExp(`pid ${first.pid}, port ${firstPort}`));
  } finally {
    await first.stop('end-sessions');
  }
  assert.deepEqual(await instanceLeftovers({ engineSocket: config.engineSocket, sessionsDir: hostPaths(config).sessions, instance: config.instance }), []);
});
