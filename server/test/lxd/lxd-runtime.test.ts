// The lxd runtime against a real LXD (native/lxd/lxd-host.sh up: Debian's lxd, the pool, the sandboxes'
// bridge and its ACL, the session image): what a session needs of its sandbox, its limits and its isolation.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { registryMirrors } from '../../src/app.js';
import { LxdRuntime } from '../../src/runtime/lxd/lxd-runtime.js';
import { lxdRuntimeOptions } from '../../src/runtime/lxd/lxd-config.js';
import { readUntil as read } from '../helpers.js';

const config = loadConfig({ ...process.env, BERTH_INSTANCE: `t-${crypto.randomBytes(3).toString('hex')}` });
const runtime = new LxdRuntime({ ...lxdRuntimeOptions(config), registryMirrors: registryMirrors(config), readyTimeoutMs: 90_000 });
const ids = ['a1', 'b2', 'c3'];

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get(url, { timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject).on('timeout', function (this: http.ClientRequest) { this.destroy(new Error('timed out')); });
  });
}

describe('the lxd runtime', { timeout: 600_000 }, () => {
  before(async () => {
    assert.equal(await runtime.ping(), true, `LXD does not answer at ${config.lxd.socket} (native/lxd/lxd-host.sh up)`);
    // Three at once: each gets a uid range of its own without LXD's race (newuidmap: "uid range not allowed").
    await Promise.all(ids.map((id) => runtime.createSandbox(id)));
  });
  after(async () => {
    await runtime.sweep(new Set());
    assert.deepEqual(await runtime.listSandboxes(), []);
    runtime.api.close();
  });

  test('three sandboxes started at once each run their own engine, in uid ranges of their own', async () => {
    assert.deepEqual((await runtime.listSandboxes()).sort(), ids);
    const bases = new Set<string>();
    for (const id of ids) {
      assert.equal(await runtime.isReady(id), true);
      const r = await runtime.exec(id, ['docker', 'info', '--format', '{{.ServerVersion}} {{.Driver}}']);
      assert.equal(r.exitCode, 0, r.output);
      assert.match(r.output, /^\d+\.\d+\.\d+\S* overlay2\n$/, 'the inner engine keeps to overlay2 (a btrfs one would escape the disk quota)');
      const map = await runtime.exec(id, ['cat', '/proc/self/uid_map']);
      bases.add(map.output.trim().split(/\s+/)[1]!);
    }
    assert.equal(bases.size, 3, `uid ranges: ${[...bases].join(', ')}`);
  });

  test('the visitor pulls through the mirror and runs a container', async () => {
    const r = await runtime.exec('a1', ['docker', 'run', '--rm', 'hello-world'], { timeoutMs: 120_000 });
    assert.equal(r.exitCode, 0, r.output);
    assert.match(r.output, /Hello from Docker!/);
    const id = await runtime.exec('a1', ['id']);
    assert.match(id.output, /^uid=1000\(user\) gid=1000\(user\)/);
  });

  test('docker run -m 64m is enforced inside the sandbox', async () => {
    const r = await runtime.exec('b2', ['sh', '-c', 'docker run --name memtest -m 64m --memory-swap 64m busybox sh -c "head -c 300m /dev/zero | tail > /dev/null"; echo "exit=$?"; docker inspect -f "oom={{.State.OOMKilled}}" memtest; docker rm memtest > /dev/null'], { timeoutMs: 120_000 });
    assert.match(r.output, /exit=137\noom=true\n$/, `a 300 MB tail in a 64 MB container: ${r.output}`);
  });

  for (const terminal of ['server', 'exec'] as const) {
    test(`a shell with a TTY (BERTH_TERMINAL=${terminal}): the visitor types, output comes back, a resize reaches it`, async () => {
      const through = terminal === 'server' ? runtime : new LxdRuntime({ ...lxdRuntimeOptions(config), registryMirrors: [], terminal });
      const shell = await through.openShell('a1', { cols: 100, rows: 30 });
      assert.equal(shell.via, terminal === 'server' ? 'terminal-server' : 'exec');
      try {
        const seen = read(shell.stream, /answer=42/);
        shell.stream.write('echo answer=$((6*7))\n');
        await seen;
        await shell.resize(132, 41);
        const size = read(shell.stream, /41 132/);
        shell.stream.write('stty size\n');
        await size;
        const who = read(shell.stream, /who=1000 \/home\/user unix:\/\/\/run\/user\/1000\/docker.sock/);
        shell.stream.write('echo who=$(id -u) $HOME $DOCKER_HOST\n');
        await who;
        // No signal ignored in what the visitor runs (LXD starts the sandbox's init with SIGPIPE ignored).
        const signals = read(shell.stream, /SigIgn:\s+0000000000000000\r?\n[^]*pipe=141/);
        shell.stream.write('grep SigIgn /proc/self/status; yes | head -c 1 >/dev/null; echo "pipe=${PIPESTATUS[0]}"\n');
        await signals;
      } finally {
        await shell.kill();
        if (through !== runtime) through.api.close();
      }
    });
  }

  test('sudo in a shell is root of the sandbox (no host uid), and Ctrl-C stops what it runs', async () => {
    const shell = await runtime.openShell('a1', { cols: 100, rows: 30 });
    try {
      const root = read(shell.stream, /root=0 map=0 \d+ 65536/);
      shell.stream.write('echo root=$(sudo id -u) map=$(sudo cat /proc/self/uid_map | tr -s " " | sed "s/^ //")\n');
      await root;
      shell.stream.write('sudo sleep 60; echo "status=$?"\n');
      await new Promise((r) => setTimeout(r, 1000));
      const stopped = read(shell.stream, /status=130/, 5000);
      shell.stream.write('\x03');
      await stopped;
    } finally {
      await shell.kill();
    }
  });

  test('a lesson check runs through the terminal server, as the visitor', async () => {
    const r = await runtime.exec('a1', ['sh', '-c', 'id -u; pwd'], { served: true });
    assert.deepEqual(r, { exitCode: 0, output: '1000\n/home/user\n', timedOut: false });
  });

  test('an exec takes input, and its output is cut at the limit', async () => {
    const r = await runtime.exec('a1', ['wc', '-c'], { input: Buffer.alloc(100_000, 'x') });
    assert.equal(r.output.trim(), '100000');
    const big = await runtime.exec('a1', ['head', '-c', '5000000', '/dev/zero'], { maxOutputBytes: 1000 });
    assert.equal(big.cut, 'output-limit');
    assert.equal(big.output.length, 1000);
  });

  test('a server the visitor starts is a listening port the host reaches at the sandbox address', async () => {
    await runtime.exec('a1', ['sh', '-c', 'printf "HTTP/1.0 200 OK\\r\\n\\r\\nfrom-a1" > /tmp/r; (while nc -l -p 8080 -q 1 < /tmp/r; do :; done) >/dev/null 2>&1 &']);
    let ports: number[] = [];
    for (let i = 0; i < 50 && !ports.includes(8080); i++) ports = await runtime.listeningPorts('a1');
    assert.ok(ports.includes(8080), `ports: ${ports.join(', ')}`);
    const a1 = await runtime.address('a1');
    assert.deepEqual(await get(`http://${a1}:8080/`), { status: 200, body: 'from-a1' });
  });

  test('a sandbox cannot reach another sandbox, nor the host but for the mirror', async () => {
    const a1 = await runtime.address('a1');
    const other = await runtime.exec('c3', ['curl', '-sS', '-m', '5', `http://${a1}:8080/`]);
    assert.notEqual(other.exitCode, 0, `c3 reached a1: ${other.output}`);
    const mirror = await runtime.exec('c3', ['curl', '-sS', '-m', '5', '-o', '/dev/null', '-w', '%{http_code}', `http://${config.serviceIp}:${config.mirrorPort}/v2/`]);
    assert.equal(mirror.output, '200');
    // A server on every address of the host, which the host itself reaches at the bridge's address.
    // Its gateway, on the way to the mirror (it has no default route: nothing else is reachable).
    const gateway = (await runtime.exec('c3', ['sh', '-c', `ip route get ${config.serviceIp} | sed -n 's/.* via \\([0-9.]*\\) .*/\\1/p'`])).output.trim();
    assert.match(gateway, /^\d+\.\d+\.\d+\.\d+$/);
    const internet = await runtime.exec('c3', ['curl', '-sS', '-m', '5', 'http://1.1.1.1/']);
    assert.match(internet.output, /Could(?:n't| not) connect to server/, 'anything but the mirror is unreachable at once, not a wait');
    const hostServer = http.createServer((_, res) => res.end('host-only'));
    await new Promise<void>((r) => hostServer.listen(0, '0.0.0.0', r));
    try {
      const port = (hostServer.address() as { port: number }).port;
      assert.deepEqual(await get(`http://${gateway}:${port}/`), { status: 200, body: 'host-only' });
      const host = await runtime.exec('c3', ['curl', '-sS', '-m', '5', `http://${gateway}:${port}/`]);
      assert.notEqual(host.exitCode, 0, `c3 reached the host at ${gateway}:${port}: ${host.output}`);
      assert.doesNotMatch(host.output, /host-only/);
    } finally {
      hostServer.close();
    }
  });

  test('a paused sandbox runs nothing until resumed; limits and usage read', async () => {
    await runtime.pause('c3');
    const before = await runtime.cpuUsedNs('c3');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await runtime.cpuUsedNs('c3'), before);
    await runtime.resume('c3');
    assert.equal((await runtime.exec('c3', ['echo', 'awake'])).output, 'awake\n');
    const u = await runtime.usage('c3');
    assert.ok(u.memoryBytes > 10 * 2 ** 20 && u.memoryBytes < config.memoryBytes, `memory ${u.memoryBytes}`);
    assert.ok(u.diskUsedBytes > 0 && u.diskTotalBytes === config.diskBytes);
    const hits = await runtime.limitHits('c3');
    assert.ok(hits.processes > 3, `processes ${hits.processes}`);
  });

  test("a sandbox's disk use, read from the pool here, is LXD's own figure and follows what the visitor writes", async () => {
    const fromLxd = async () => (await runtime.api.request<{ disk?: { root?: { usage?: number } } }>('GET', `/1.0/instances/${runtime.name('b2')}/state`)).disk?.root?.usage;
    const mib = (n: number | undefined) => `${((n ?? NaN) / 2 ** 20).toFixed(1)} MiB`;
    await runtime.exec('b2', ['sync']);
    const [here, there] = [(await runtime.diskUsage('b2')).usedBytes, await fromLxd()];
    assert.ok(there !== undefined && Math.abs(here - there) < 2 ** 20, `read here ${mib(here)}, LXD says ${mib(there)}`);
    const write = await runtime.exec('b2', ['sh', '-c', 'head -c 64m /dev/urandom > /home/user/blob && sync && echo written']);
    assert.equal(write.output, 'written\n');
    // Another call within 3 s may be answered from the last read of the pool.
    await new Promise((r) => setTimeout(r, 3500));
    const after = (await runtime.diskUsage('b2')).usedBytes;
    assert.ok(after - here > 60 * 2 ** 20, `before ${mib(here)}, after 64 MiB written ${mib(after)}`);
    assert.ok(Math.abs(after - (await fromLxd())!) < 2 ** 20, `read here ${mib(after)}, LXD says ${mib(await fromLxd())}`);
    await runtime.exec('b2', ['rm', '/home/user/blob']);
  });

  test('a destroyed sandbox is gone from LXD, and destroying it again is no error', async () => {
    await runtime.destroySandbox('c3');
    assert.equal(await runtime.isRunning('c3'), false);
    await runtime.destroySandbox('c3');
    assert.deepEqual((await runtime.listSandboxes()).sort(), ['a1', 'b2']);
  });
});
