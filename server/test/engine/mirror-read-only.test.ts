// The registry mirror is shared by every visitor: a session may pull from it and nothing else. Otherwise a
// visitor could replace library/nginx for everyone, delete what others need, or fill BERTH_DATA.
// - On a mirror pair of the test's own (same configuration as Berth's, other ports, a temporary storage):
//   the served side refuses uploads and deletes, and what Berth pushes through the writer on the loopback
//   is served.
// - From a real session, against the host's mirror (as prepared by this code): a push and a delete are
//   refused, and the host's loopback (where the writer runs during builds) is out of reach.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { mirrorConfigText } from '../../src/host/mirror.js';
import { createSession, eventually, startTestServer, type CreatedSession, type TestServer } from '../helpers.js';

const MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const NO_SUCH_DIGEST = `sha256:${'0'.repeat(64)}`;

async function freePort(): Promise<number> {
  const s = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('the mirror\'s served side is read-only; Berth pushes through the loopback writer', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-mirror-'));
  const daemons: ChildProcess[] = [];
  const tag = `t${crypto.randomBytes(4).toString('hex')}`;
  let served = '';
  let writer = '';
  const engine = (...args: string[]) => execFileSync('docker', ['-H', 'unix:///run/berth/engine.sock', ...args], { encoding: 'utf8', stdio: 'pipe' });

  before(async () => {
    served = `127.0.0.1:${await freePort()}`;
    writer = `127.0.0.1:${await freePort()}`;
    const storage = path.join(dir, 'storage');
    for (const [name, addr, writable] of [['served', served, false], ['writer', writer, true]] as const) {
      const file = path.join(dir, `${name}.yml`);
      fs.writeFileSync(file, mirrorConfigText({ storage, addr, writable }));
      daemons.push(spawn('docker-registry', ['serve', file], { stdio: 'ignore' }));
    }
    for (const addr of [served, writer]) await eventually(async () => assert.equal((await fetch(`http://${addr}/v2/`)).status, 200), 10_000);
    engine('tag', 'busybox:latest', `${writer}/library/busybox:${tag}`);
    engine('push', `${writer}/library/busybox:${tag}`);
  });
  after(() => {
    for (const d of daemons) d.kill();
    engine('rmi', `${writer}/library/busybox:${tag}`);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('what Berth pushed through the writer is served, by the same digest', async () => {
    const fromWriter = await fetch(`http://${writer}/v2/library/busybox/manifests/${tag}`, { headers: { Accept: MANIFEST } });
    const fromServed = await fetch(`http://${served}/v2/library/busybox/manifests/${tag}`, { headers: { Accept: MANIFEST } });
    assert.equal(fromServed.status, 200);
    assert.equal(fromServed.headers.get('docker-content-digest'), fromWriter.headers.get('docker-content-digest'));
    assert.deepEqual(await (await fetch(`http://${served}/v2/_catalog`)).json(), { repositories: ['library/busybox'] });
  });

  test('an upload, a manifest put and deletes on the served side answer 405', async () => {
    const upload = await fetch(`http://${served}/v2/library/evil/blobs/uploads/`, { method: 'POST' });
    assert.equal(upload.status, 405);
    const put = await fetch(`http://${served}/v2/library/busybox/manifests/${tag}`, { method: 'PUT', headers: { 'Content-Type': MANIFEST }, body: '{}' });
    assert.equal(put.status, 405);
    const digest = (await fetch(`http://${served}/v2/library/busybox/manifests/${tag}`, { headers: { Accept: MANIFEST } })).headers.get('docker-content-digest');
    assert.equal((await fetch(`http://${served}/v2/library/busybox/manifests/${digest}`, { method: 'DELETE' })).status, 405);
    assert.equal((await fetch(`http://${served}/v2/library/busybox/manifests/${tag}`, { headers: { Accept: MANIFEST } })).status, 200, 'still served');
  });

  test('the writer never deletes either', async () => {
    assert.equal((await fetch(`http://${writer}/v2/library/busybox/manifests/${NO_SUCH_DIGEST}`, { method: 'DELETE' })).status, 405);
  });
});

describe('from a session, the host\'s mirror can be pulled from and nothing else', () => {
  let server: TestServer;
  let s: CreatedSession;
  const visitor = async (script: string, timeoutMs = 90_000) => {
    const r = await server.berth.runtime.exec(s.id, ['bash', '-c', script], { timeoutMs });
    return { exit: r.exitCode, out: r.output };
  };

  before(async () => {
    server = await startTestServer();
    s = await createSession(server);
    assert.equal(await server.berth.sessions.get(s.id)!.ready, true);
    assert.equal((await visitor('docker pull -q busybox')).exit, 0);
  });
  after(async () => server?.close());

  test('a push to the mirror from a session is refused, and nothing it pushed is listed', async () => {
    const mirror = `${server.config.serviceIp}:${server.config.mirrorPort}`;
    const name = `library/pushed-by-visitor-${crypto.randomBytes(3).toString('hex')}`;
    const push = await visitor(`docker tag busybox ${mirror}/${name} && docker push ${mirror}/${name} 2>&1`);
    assert.notEqual(push.exit, 0, push.out);
    assert.match(push.out, /405|Method Not Allowed|unsupported/i);
    const catalog = await visitor(`curl -sS -m 5 http://${mirror}/v2/_catalog`);
    assert.match(catalog.out, /library\/busybox/);
    assert.doesNotMatch(catalog.out, new RegExp(name));
  });

  test('a delete on the mirror from a session is refused (405, not "unknown")', async () => {
    const mirror = `${server.config.serviceIp}:${server.config.mirrorPort}`;
    // A digest nothing has: a mirror that allowed deletes would answer 404, so no test run can break it.
    for (const what of ['manifests', 'blobs']) {
      const r = await visitor(`curl -s -o /dev/null -w '%{http_code}' -X DELETE http://${mirror}/v2/library/busybox/${what}/${NO_SUCH_DIGEST}`);
      assert.equal(r.out.trim(), '405', `DELETE ${what}`);
    }
    assert.equal((await visitor('docker rmi -f busybox >/dev/null && docker pull -q busybox')).exit, 0, 'still pulled');
  });

  test('a session cannot reach the host\'s loopback, where the mirror\'s writable side runs during builds', async () => {
    let reached = 0;
    const onLoopback = http.createServer((_req, res) => {
      reached++;
      res.end('writable registry\n');
    });
    await new Promise<void>((r) => onLoopback.listen(0, '127.0.0.1', r));
    const port = (onLoopback.address() as net.AddressInfo).port;
    try {
      // The kernel drops packets for 127.0.0.0/8 that come in on another interface.
      for (const conf of ['all', 'default']) assert.equal(fs.readFileSync(`/proc/sys/net/ipv4/conf/${conf}/route_localnet`, 'utf8').trim(), '0');
      const gateway = (await visitor("ip route | awk '/default/ {print $3}'")).out.trim();
      assert.match(gateway, /^\d+\.\d+\.\d+\.\d+$/);
      for (const target of [gateway, '127.0.0.1', server.config.serviceIp]) {
        const r = await visitor(`curl -sS -m 5 http://${target}:${port}/v2/ 2>&1`);
        assert.notEqual(r.exit, 0, `${target}: ${r.out}`);
        assert.match(r.out, /Could(?:n't| not) connect to server|Connection refused/);
      }
      const route = await visitor(`ip route add 127.0.0.2/32 via ${gateway} 2>&1`);
      assert.notEqual(route.exit, 0);
      assert.match(route.out, /Operation not permitted/);
      const nested = await visitor(`docker run --rm busybox sh -c 'wget -q -T 5 -O- http://${gateway}:${port}/v2/; echo "wget exit $?"' 2>&1`);
      assert.match(nested.out, /wget exit [1-9]/);
      assert.equal(reached, 0, 'the loopback server was reached');
    } finally {
      onLoopback.close();
    }
  });
});
