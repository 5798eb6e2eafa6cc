// berth-listeners (native/host/berth-listeners.c), built here with gcc, asked for the listening ports of
// network namespaces made here with unshare, as it is asked for sandboxes' (server/test/engine/port-links.test.ts
// watches real sandboxes' ports through it). Its answers must be what /proc/PID/net/tcp says.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { listeningPortsOf } from '../../src/runtime/engine-ports.js';
import { ListenersReader } from '../../src/runtime/listeners-reader.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-listeners-'));
const binary = path.join(dir, 'berth-listeners');
const children: ChildProcess[] = [];

before(() => execFileSync('gcc', ['-O2', '-Wall', '-Wextra', '-Werror', '-s', '-o', binary, path.join(import.meta.dirname, '../../../native/host/berth-listeners.c')]));
after(() => {
  for (const c of children) c.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A process in a network (and user) namespace of its own, listening on `ports` of 0.0.0.0 and on loopback's 9999. */
async function namespaceListeningOn(ports: number[]): Promise<number> {
  const script = `const net = require('net'); let n = 0; const all = ${JSON.stringify(ports)};
    const up = () => { if (++n === all.length + 1) console.log('up'); };
    for (const p of all) net.createServer().listen(p, '0.0.0.0', up);
    net.createServer().listen(9999, '127.0.0.1', up);`;
  const child = spawn('unshare', ['--user', '--map-root-user', '--net', process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (b: Buffer) => b.toString().includes('up') && resolve());
    child.on('exit', (code) => reject(new Error(`the namespace's process ended (${code})`)));
  });
  return child.pid!;
}

test("a namespace's listening ports, loopback left out, as /proc/PID/net/tcp says", async () => {
  const pid = await namespaceListeningOn([8080, 3000]);
  const reader = new ListenersReader(binary, async () => assert.fail('the fallback was used'));
  try {
    assert.deepEqual([...(await reader.portsOf(pid))!].sort(), [3000, 8080]);
    assert.deepEqual([...(await listeningPortsOf(pid))!].sort(), [3000, 8080]);
    // Many asked at once are answered in order, each with its own namespace's ports.
    const other = await namespaceListeningOn([5000]);
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => reader.portsOf(i % 2 ? other : pid)));
    for (const [i, a] of answers.entries()) assert.deepEqual([...a!].sort(), i % 2 ? [5000] : [3000, 8080]);
  } finally {
    reader.close();
  }
});

test('a process that is gone has no ports (null), and the helper goes on answering', async () => {
  const pid = await namespaceListeningOn([4000]);
  const reader = new ListenersReader(binary, async () => assert.fail('the fallback was used'));
  try {
    const gone = spawn('true');
    await new Promise((r) => gone.on('exit', r));
    assert.equal(await reader.portsOf(gone.pid!), null);
    assert.deepEqual([...(await reader.portsOf(pid))!], [4000]);
  } finally {
    reader.close();
  }
});

test('a visitor listening on thousands of ports: the answer stops at 4096 ports', async () => {
  const ports = Array.from({ length: 4500 }, (_, i) => 20000 + i);
  const pid = await namespaceListeningOn(ports);
  const reader = new ListenersReader(binary, async () => assert.fail('the fallback was used'));
  try {
    const got = [...(await reader.portsOf(pid))!].sort((a, b) => a - b);
    assert.equal(got.length, 4096);
    assert.deepEqual(got.slice(0, 2), [20000, 20001]);
  } finally {
    reader.close();
  }
});

test('garbage asked of the helper is answered "? -", never a namespace', () => {
  const out = execFileSync(binary, { input: `abc\n-1\n0\n${'9'.repeat(40)}\n1x\n\n` }).toString();
  assert.equal(out, '? -\n'.repeat(6));
});

test('without the helper, or with one that breaks, ports are read from /proc', async () => {
  const pid = await namespaceListeningOn([6000]);
  const missing = new ListenersReader(path.join(dir, 'not-built'), listeningPortsOf);
  assert.deepEqual([...(await missing.portsOf(pid))!], [6000]);
  const broken = path.join(dir, 'broken');
  fs.writeFileSync(broken, '#!/bin/sh\nread line; echo "$line 1 2 x"; sleep 5\n', { mode: 0o755 });
  const failures: string[] = [];
  const reader = new ListenersReader(broken, listeningPortsOf, (why) => failures.push(why));
  try {
    assert.deepEqual([...(await reader.portsOf(pid))!], [6000]);
    assert.match(failures[0] ?? '', /answered/);
    // Within its retry time the helper is not started again: /proc answers at once.
    assert.deepEqual([...(await reader.portsOf(pid))!], [6000]);
    assert.equal(failures.length, 1);
  } finally {
    reader.close();
  }
});

test('a helper that does not answer is given up after 2 s and /proc answers', async () => {
  const pid = await namespaceListeningOn([6001]);
  const silent = path.join(dir, 'silent');
  fs.writeFileSync(silent, '#!/bin/sh\nexec sleep 30\n', { mode: 0o755 });
  const failures: string[] = [];
  const reader = new ListenersReader(silent, listeningPortsOf, (why) => failures.push(why));
  try {
    assert.deepEqual([...(await reader.portsOf(pid))!], [6001]);
    assert.match(failures[0] ?? '', /no answer within 2000 ms/);
  } finally {
    reader.close();
  }
});

test('the helper answers for this very process too (the host namespace)', async () => {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
  const port = (server.address() as net.AddressInfo).port;
  const reader = new ListenersReader(binary, async () => assert.fail('the fallback was used'));
  try {
    assert.ok((await reader.portsOf(process.pid))!.has(port));
  } finally {
    reader.close();
    server.close();
  }
});

test("a helper's answers that come after it was given up on are not taken for the next helper's", async () => {
  const pid = await namespaceListeningOn([6002]);
  // The first helper answers late, from a process that outlives it (its answers still arrive on the pipe);
  // the next one is the real helper.
  const late = path.join(dir, 'late');
  const started = path.join(dir, 'late-started');
  fs.writeFileSync(late, `#!/bin/sh\nif [ -e ${started} ]; then exec ${binary}; fi\ntouch ${started}\n(read line; sleep 2.3; echo "$line 7000"; echo "$line 7001") &\nexec sleep 30\n`, { mode: 0o755 });
  const failures: string[] = [];
  let fellBack = 0;
  const reader = new ListenersReader(late, async (p) => (fellBack++, listeningPortsOf(p)), (why) => failures.push(why), 0);
  try {
    assert.deepEqual([...(await reader.portsOf(pid))!], [6002]);
    assert.deepEqual([failures, fellBack], [['no answer within 2000 ms'], 1]);
    await new Promise((r) => setTimeout(r, 800)); // the late answers come now
    assert.deepEqual([...(await reader.portsOf(pid))!], [6002]);
    assert.deepEqual([failures, fellBack], [['no answer within 2000 ms'], 1], 'the second helper answered');
  } finally {
    reader.close();
  }
});
