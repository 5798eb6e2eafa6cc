// Killing the server with SIGKILL loses nothing: the next start re-adopts the live sessions, whose
// tokens and sandboxes still work, and their terminals reconnect.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { test } from 'node:test';
import { createSession, eventually, TerminalClient } from '../helpers.js';

const repo = path.resolve(import.meta.dirname, '..', '..', '..');
const port = 20_000 + crypto.randomInt(20_000);
const url = `http://127.0.0.1:${port}`;
const env = {
  ...process.env,
  BERTH_PORT: String(port),
  BERTH_HOST: '127.0.0.1',
  BERTH_INSTANCE: `t-restart-${crypto.randomBytes(2).toString('hex')}`,
  BERTH_POOL_SIZE: '0',
  BERTH_LOG_LEVEL: 'warn',
};

async function startServer(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repo, 'server', 'src', 'server.ts')], { cwd: repo, env, stdio: ['ignore', 'inherit', 'inherit'] });
  await eventually(async () => assert.equal((await fetch(`${url}/api/health`)).status, 200), 60_000);
  return child;
}

const exited = (child: ChildProcess) => new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', resolve)));

test('after SIGKILL and a restart, a session is still reachable with its token and its terminal works', async () => {
  let server = await startServer();
  try {
    const s = await createSession({ url });
    const term = await TerminalClient.connect({ url }, s);
    await term.ready();
    assert.equal((await term.run('touch ~/made-before-the-crash && docker run -d --name survivor busybox sleep 600 >/dev/null')).exit, 0);

    server.kill('SIGKILL');
    await exited(server);
    await term.waitFor(() => term.closeInfo, 5000, 'the socket to drop');
    server = await startServer();

    const view = await fetch(`${url}/api/sessions/${s.id}`, { headers: { authorization: `Bearer ${s.token}` } });
    assert.equal(view.status, 200);
    assert.equal((await view.json()).state, 'ready');
    assert.equal((await fetch(`${url}/api/sessions/${s.id}`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
    const again = await TerminalClient.connect({ url }, s);
    await again.ready();
    const r = await again.run('ls ~/made-before-the-crash && docker ps --format "{{.Names}}"');
    assert.equal(r.exit, 0, r.output);
    assert.match(r.output, /^survivor$/m);
    await again.close();
    assert.equal((await fetch(`${url}/api/sessions/${s.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${s.token}` } })).status, 204);
  } finally {
    server.kill('SIGTERM');
    await exited(server);
  }
});
