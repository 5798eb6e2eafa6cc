// `berth cluster init` as an operator runs it on the first machine (README, "From one machine to three"): this
// host's lxd runtime set up as `berth prepare` does, then its LXD founds a cluster of one, and Berth's sandboxes
// go on working on it. Run last in the lxd suite: the host's LXD stays a cluster member until the host is
// made fresh again (.ci/fresh-host: lxd-host.sh down).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { registryMirrors } from '../../src/app.js';
import { sourceAddressTowards } from '../../src/runtime/lxd/cluster-setup.js';
import { LxdRuntime } from '../../src/runtime/lxd/lxd-runtime.js';
import { lxdRuntimeOptions } from '../../src/runtime/lxd/lxd-config.js';

const run = promisify(execFile);
const berth = new URL('../../../scripts/berth.mjs', import.meta.url).pathname;
const instance = `t-${crypto.randomBytes(3).toString('hex')}`;
// As the README says: init with BERTH_RUNTIME=lxd; Berth then runs with BERTH_LXD_MEMBER naming this machine.
const initEnv = { ...process.env, BERTH_RUNTIME: 'lxd', BERTH_INSTANCE: instance };
const env = { ...initEnv, BERTH_LXD_MEMBER: 'solo' };
const config = loadConfig(env);
const runtime = new LxdRuntime({ ...lxdRuntimeOptions(config), registryMirrors: registryMirrors(config), readyTimeoutMs: 90_000 });
// An operator who leaves BERTH_LXD_MEMBER unset.
const unnamed = new LxdRuntime({ ...lxdRuntimeOptions(loadConfig(initEnv)), registryMirrors: registryMirrors(config), readyTimeoutMs: 90_000 });

describe('berth cluster init on the first machine', { timeout: 600_000 }, () => {
  after(async () => {
    await runtime.sweep(new Set());
    assert.deepEqual(await runtime.listSandboxes(), []);
    runtime.api.close();
    unnamed.api.close();
  });

  test('init founds a cluster of this machine alone, says what to do next, and status shows it Online', async () => {
    const address = await sourceAddressTowards();
    const init = await run('node', [berth, 'cluster', 'init', '--name', 'solo'], { env: initEnv, maxBuffer: 64 * 2 ** 20 });
    assert.match(init.stdout, new RegExp(`\\[cluster\\] this machine is member solo of an LXD cluster at ${address.replace(/\./g, '\\.')}:8443\\.`));
    assert.match(init.stdout, /Start Berth here with BERTH_RUNTIME=lxd and BERTH_LXD_MEMBER=solo\./);
    assert.match(init.stdout, /here, `sudo npx berth cluster add <its name>` prints a token; there, `sudo npx berth cluster join <token>`/);
    const status = await run('node', [berth, 'cluster', 'status'], { env });
    const rows = status.stdout.trim().split('\n').slice(1).map((line) => line.split(/\s{2,}/));
    assert.deepEqual(rows, [['solo (this machine)', `https://${address}:8443`, 'Online', 'yes', '0/0']], status.stdout);
    // Without BERTH_LXD_MEMBER: this machine is the member whose socket is used.
    const unnamedStatus = await run('node', [berth, 'cluster', 'status'], { env: initEnv });
    assert.match(unnamedStatus.stdout, /^solo \(this machine\)\s/m, unnamedStatus.stdout);
    // Run again, it changes nothing and says so.
    const again = await run('bash', [new URL('../../../native/lxd/lxd-member.sh', import.meta.url).pathname, 'found', 'solo', address]);
    assert.match(again.stdout, /this LXD is a cluster member already/);
  });

  test("Berth's sandboxes start and answer on the cluster it founded, read from this machine", async () => {
    await runtime.createSandbox('i1');
    const r = await runtime.exec('i1', ['sh', '-c', 'docker info -f "{{.Driver}}"; id -u']);
    assert.equal(r.output, 'overlay2\n1000\n');
    const { location } = await runtime.api.request<{ location: string }>('GET', `/1.0/instances/${runtime.name('i1')}`);
    assert.equal(location, 'solo');
  });

  test('with BERTH_LXD_MEMBER unset, a sandbox of this machine is still read from this machine: its use and limits ask LXD nothing', async () => {
    await unnamed.createSandbox('i2');
    assert.equal((await unnamed.exec('i2', ['id', '-u'])).output, '1000\n');
    await unnamed.usage('i2'); // where it runs is learnt once
    const asked: string[] = [];
    const request = unnamed.api.request.bind(unnamed.api);
    unnamed.api.request = ((method: string, path: string, ...rest: []) => {
      asked.push(`${method} ${path}`);
      return request(method, path, ...rest);
    }) as typeof unnamed.api.request;
    const use = await unnamed.usage('i2');
    const hits = await unnamed.limitHits('i2');
    assert.ok(use.memoryBytes > 0 && use.diskUsedBytes > 0, JSON.stringify(use));
    assert.ok(hits.processes > 0, JSON.stringify(hits));
    assert.deepEqual(asked, []);
  });
});
