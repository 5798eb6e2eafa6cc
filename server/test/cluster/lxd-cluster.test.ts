// The lxd runtime on a real 3-member LXD cluster (native/lxd/lxd-cluster.sh up: three daemons on this machine,
// each in network and mount namespaces of its own). Berth's server reaches the cluster only by the first
// member's socket, as a server on a machine of its own would: placement is LXD's, and no sandbox's address
// is dialled from here (every member gives its sandboxes addresses on the same subnet).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { registryMirrors } from '../../src/app.js';
import { LxdRuntime } from '../../src/runtime/lxd/lxd-runtime.js';
import { lxdRuntimeOptions } from '../../src/runtime/lxd/lxd-config.js';
import { eventually, readUntil as read } from '../helpers.js';

const cluster = new URL('../../../native/lxd/lxd-cluster.sh', import.meta.url).pathname;
const socket = execFileSync(cluster, ['socket'], { encoding: 'utf8' }).trim();
const config = loadConfig({ ...process.env, BERTH_RUNTIME: 'lxd', BERTH_LXD_SOCKET: socket, BERTH_INSTANCE: `t-${crypto.randomBytes(3).toString('hex')}` });
const runtime = new LxdRuntime({ ...lxdRuntimeOptions(config), registryMirrors: registryMirrors(config), readyTimeoutMs: 120_000 });
const ids = ['p1', 'p2', 'p3'];
const where = new Map<string, string>();

async function location(id: string): Promise<string> {
  return (await runtime.api.request<{ location: string }>('GET', `/1.0/instances/${runtime.name(id)}`)).location;
}

describe('the lxd runtime on a 3-member LXD cluster', { timeout: 900_000 }, () => {
  before(async () => {
    assert.equal(await runtime.ping(), true, `the cluster does not answer at ${socket} (native/lxd/lxd-cluster.sh up)`);
    // A member another test file killed and started again may not be Online yet (its first heartbeat).
    await eventually(async () => {
      const members = await runtime.api.request<{ server_name: string; status: string }[]>('GET', '/1.0/cluster/members?recursion=1');
      assert.deepEqual(members.map((m) => `${m.server_name} ${m.status}`).sort(), ['m1 Online', 'm2 Online', 'm3 Online']);
    }, 120_000);
  });
  after(async () => {
    await runtime.sweep(new Set());
    assert.deepEqual(await runtime.listSandboxes(), []);
    runtime.api.close();
  });

  test('LXD places three sandboxes, started one after another, on the three members', async () => {
    for (const id of ids) {
      await runtime.createSandbox(id);
      where.set(id, await location(id));
    }
    assert.deepEqual([...where.values()].sort(), ['m1', 'm2', 'm3'], `placed: ${JSON.stringify(Object.fromEntries(where))}`);
  });

  test('berth cluster status, as an operator runs it, shows the three members Online and one sandbox of this Berth on each', () => {
    const berth = new URL('../../../scripts/berth.mjs', import.meta.url).pathname;
    const out = execFileSync('node', [berth, 'cluster', 'status'], { encoding: 'utf8', env: { ...process.env, BERTH_RUNTIME: 'lxd', BERTH_LXD_SOCKET: socket, BERTH_INSTANCE: config.instance, BERTH_LXD_MEMBER: 'm1' } });
    const rows = out.trim().split('\n').slice(1).map((line) => line.split(/\s{2,}/));
    assert.deepEqual(rows.map((r) => [r[0], r[2], r[4]]), [['m1 (this machine)', 'Online', '1/1'], ['m2', 'Online', '1/1'], ['m3', 'Online', '1/1']], out);
    assert.match(out, /https:\/\/10\.218\.0\.12:8443/);
  });

  test('on every member the visitor pulls through the mirror and runs a container', async () => {
    await Promise.all(ids.map(async (id) => {
      const r = await runtime.exec(id, ['docker', 'run', '--rm', 'hello-world'], { timeoutMs: 180_000 });
      assert.equal(r.exitCode, 0, `${id} on ${where.get(id)}: ${r.output}`);
      assert.match(r.output, /Hello from Docker!/);
    }));
  });

  test('docker run -m 64m is enforced in a sandbox on another member', async () => {
    const id = ids.find((i) => where.get(i) === 'm3')!;
    const r = await runtime.exec(id, ['sh', '-c', 'docker run --name memtest -m 64m --memory-swap 64m busybox sh -c "head -c 300m /dev/zero | tail > /dev/null"; echo "exit=$?"; docker inspect -f "oom={{.State.OOMKilled}}" memtest; docker rm memtest > /dev/null'], { timeoutMs: 120_000 });
    assert.match(r.output, /exit=137\noom=true\n$/, `a 300 MB tail in a 64 MB container: ${r.output}`);
  });

  test('a sandbox reaches the mirror, but neither the LXD of any member nor the host beyond the mirror', async () => {
    for (const id of ids) {
      const probe = async (url: string) => (await runtime.exec(id, ['curl', '-sk', '-m', '5', '-o', '/dev/null', '-w', '%{http_code}', url])).output;
      assert.equal(await probe(`http://${config.serviceIp}:${config.mirrorPort}/v2/`), '200', `${id}: the mirror`);
      for (const target of ['10.218.0.11:8443', '10.218.0.12:8443', '10.218.0.13:8443', '10.218.0.1:22', `${config.serviceIp}:${config.port}`]) {
        const got = await probe(`https://${target}/`);
        assert.equal(got, '000', `${id} on ${where.get(id)} reached ${target}: ${got}`);
      }
    }
  });

  test('no sandbox address is dialled from here: shells and lesson checks go through LXD', async () => {
    const id = ids[1]!;
    await assert.rejects(runtime.address(id), /another LXD cluster member/);
    const check = await runtime.exec(id, ['sh', '-c', 'id -u; pwd'], { served: true });
    assert.deepEqual(check, { exitCode: 0, output: '1000\n/home/user\n', timedOut: false });
    const shell = await runtime.openShell(id, { cols: 100, rows: 30 });
    assert.equal(shell.via, 'exec');
    try {
      const seen = read(shell.stream, /answer=42/);
      shell.stream.write('echo answer=$((6*7))\n');
      await seen;
    } finally {
      await shell.kill();
    }
  });
});
