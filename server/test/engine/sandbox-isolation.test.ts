// The sandbox holds: no root, no setuid, a disk of its own, and no view of another session.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { createSession, startTestServer, TerminalClient, type CreatedSession, type TestServer } from '../helpers.js';

describe('sandbox isolation', () => {
  let server: TestServer;
  let a: CreatedSession;
  let b: CreatedSession;
  let ta: TerminalClient;
  let tb: TerminalClient;

  before(async () => {
    server = await startTestServer({ BERTH_SESSION_DISK: '512m' });
    [a, b] = await Promise.all([createSession(server), createSession(server)]);
    [ta, tb] = await Promise.all([TerminalClient.connect(server, a), TerminalClient.connect(server, b)]);
    await Promise.all([ta.ready(), tb.ready()]);
  });
  after(async () => {
    await ta?.close();
    await tb?.close();
    await server?.close();
  });

  test('the visitor is uid 1000, sudo is absent, and no setuid or setgid file exists', async () => {
    assert.match((await ta.run('id -u')).output, /^1000$/m);
    const sudo = await ta.run('command -v sudo');
    assert.notEqual(sudo.exit, 0);
    assert.equal(sudo.output.trim(), '', JSON.stringify(sudo.output));
    const setuid = await ta.run('find / -xdev -perm /6000 -type f 2>/dev/null | wc -l');
    assert.match(setuid.output, /^0$/m);
  });

  test('even a forced root exec cannot write the host kernel core_pattern', async () => {
    const before = fs.readFileSync('/proc/sys/kernel/core_pattern', 'utf8');
    const r = await server.berth.runtime.exec(a.id, ['sh', '-c', 'id -u; echo "|/tmp/pwn" > /proc/sys/kernel/core_pattern'], { user: '0:0' });
    assert.match(r.output, /^0$/m, 'the exec ran as the sandbox root');
    assert.notEqual(r.exitCode, 0);
    assert.match(r.output, /Read-only file system|Permission denied/);
    assert.equal(fs.readFileSync('/proc/sys/kernel/core_pattern', 'utf8'), before);
  });

  test('filling the disk gives ENOSPC in that session only', async () => {
    const hostFreeBefore = fs.statfsSync(server.config.dataDir).bavail;
    const fill = await ta.run('dd if=/dev/zero of=~/fill bs=1M count=2048 2>/tmp/dd.txt; s=$?; head -1 /tmp/dd.txt; (exit $s)', 120_000);
    assert.notEqual(fill.exit, 0);
    assert.match(fill.output, /No space left on device/);
    const df = await ta.run("df --output=avail ~ | tail -1");
    assert.ok(Number(df.output.trim()) < 1024, `session disk should be full: ${df.output}`);
    // The host lost at most the session's quota, and the other session still writes and runs containers.
    const lostBytes = (hostFreeBefore - fs.statfsSync(server.config.dataDir).bavail) * fs.statfsSync(server.config.dataDir).bsize;
    assert.ok(lostBytes < 600 * 2 ** 20, `host lost ${lostBytes} bytes`);
    const other = await tb.run('dd if=/dev/zero of=~/ok bs=1M count=50 2>/dev/null && rm ~/ok && docker run --rm busybox echo still-fine');
    assert.equal(other.exit, 0, other.output);
    assert.match(other.output, /^still-fine$/m);
    await ta.run('rm -f ~/fill');
  });

  test('two sessions cannot see each other\'s containers, images or networks', async () => {
    const setup = await ta.run('docker run -d --name only-in-a busybox sleep 300 && docker tag busybox image-of-a && docker network create net-of-a');
    assert.equal(setup.exit, 0, setup.output);
    const seen = await tb.run('docker ps -a --format "{{.Names}}"; docker images --format "{{.Repository}}"; docker network ls --format "{{.Name}}"');
    assert.doesNotMatch(seen.output, /only-in-a|image-of-a|net-of-a/);
  });

  test('a session cannot reach another session\'s address or published ports', async () => {
    const started = await tb.run('docker run -d -p 8081:80 nginx >/dev/null && for i in $(seq 50); do curl -fs localhost:8081 >/dev/null && break; sleep 0.2; done');
    assert.equal(started.exit, 0, started.output);
    // B's address on Berth's network, where its published ports answer (its shell's `hostname -I` names the
    // engine's own network first, an address every session has alike).
    const bIp = await server.berth.runtime.address(b.id);
    assert.match(bIp, /^\d+\.\d+\.\d+\.\d+$/);
    const r = await ta.run(`curl -sS -m 5 http://${bIp}:8081/ 2>&1`);
    assert.notEqual(r.exit, 0);
    assert.match(r.output, /Could(?:n't| not) connect to server|Connection refused|No route to host/i);
  });
});
