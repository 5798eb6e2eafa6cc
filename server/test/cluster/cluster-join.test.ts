// Growing the cluster as an operator does (README, "From one machine to three"): `berth cluster add m4` on a
// member prints a token; on the new machine (here a fourth network namespace with its own LXD, not yet a
// member: lxd-cluster.sh bare 4) `berth cluster join <token>` joins it and routes its sandboxes to the first
// machine's mirror and caches, and nothing else; `berth cluster leave` there takes it out again (and
// lxd-cluster.sh drop 4 the machine).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { registryMirrors } from '../../src/app.js';
import { LxdRuntime } from '../../src/runtime/lxd/lxd-runtime.js';
import { lxdRuntimeOptions } from '../../src/runtime/lxd/lxd-config.js';
import { eventually } from '../helpers.js';
import { clusterScript } from './cluster-sessions.js';

const run = promisify(execFile);
const berth = new URL('../../../scripts/berth.mjs', import.meta.url).pathname;
const socket = (await clusterScript('socket')).trim();
const m4Dir = socket.replace(/m1\/unix\.socket$/, 'm4');
const config = loadConfig({ ...process.env, BERTH_RUNTIME: 'lxd', BERTH_LXD_SOCKET: socket, BERTH_INSTANCE: `t-${crypto.randomBytes(3).toString('hex')}` });
const runtime = new LxdRuntime({ ...lxdRuntimeOptions(config), registryMirrors: registryMirrors(config), readyTimeoutMs: 120_000 });
const members = async () => (await runtime.api.request<{ server_name: string; status: string }[]>('GET', '/1.0/cluster/members?recursion=1')).map((m) => `${m.server_name} ${m.status}`).sort();

describe('berth cluster add and join: a fourth machine joins the cluster', { timeout: 900_000 }, () => {
  let onM4: string | undefined;
  before(async () => {
    await eventually(async () => assert.deepEqual(await members(), ['m1 Online', 'm2 Online', 'm3 Online']), 120_000);
    await clusterScript('bare', '4');
  });
  after(async () => {
    await runtime.sweep(new Set());
    await clusterScript('drop', '4');
    assert.deepEqual(await members(), ['m1 Online', 'm2 Online', 'm3 Online']);
    runtime.api.close();
  });

  test('a token that is not one is refused with a sentence that says where a token comes from', async () => {
    const r = await run('nsenter', ['--net=/run/netns/lxdm4', 'node', berth, 'cluster', 'join', 'bm90IGEgdG9rZW4gYXQgYWxs'], { env: { ...process.env, LXD_DIR: m4Dir } }).then(() => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => e);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /that is not a join token: `npx berth cluster add <name>` on a member of the cluster prints one/);
  });

  test('add prints a token; join, run on the new machine, makes it a member that LXD places sandboxes on', async () => {
    const token = (await run('node', [berth, 'cluster', 'add', 'm4'], { env: { ...process.env, BERTH_LXD_SOCKET: socket } })).stdout.trim();
    // Run on the new machine: its network namespace, its LXD (the join names it m4, after the token).
    const joined = await run('nsenter', ['--net=/run/netns/lxdm4', 'node', berth, 'cluster', 'join', token, '--services', '10.218.0.1'], { env: { ...process.env, LXD_DIR: m4Dir } });
    assert.match(joined.stdout, /this machine joined as m4 \(10\.218\.0\.14:8443\); its sandboxes reach the mirror through 10\.218\.0\.1\./, joined.stdout + joined.stderr);
    await eventually(async () => assert.deepEqual(await members(), ['m1 Online', 'm2 Online', 'm3 Online', 'm4 Online']), 120_000);
    // LXD puts each new sandbox on the member with the fewest instances: the fourth of four is on m4 at the latest.
    for (const id of ['j1', 'j2', 'j3', 'j4']) {
      await runtime.createSandbox(id);
      const { location } = await runtime.api.request<{ location: string }>('GET', `/1.0/instances/${runtime.name(id)}`);
      if (location === 'm4') {
        onM4 = id;
        break;
      }
    }
    assert.ok(onM4, 'no sandbox was placed on m4');
  });

  test("a sandbox on the joined machine pulls through the first machine's mirror and reaches nothing else", async () => {
    assert.ok(onM4);
    const r = await runtime.exec(onM4, ['docker', 'run', '--rm', 'hello-world'], { timeoutMs: 180_000 });
    assert.equal(r.exitCode, 0, r.output);
    assert.match(r.output, /Hello from Docker!/);
    const probe = async (url: string) => (await runtime.exec(onM4!, ['curl', '-sk', '-m', '5', '-o', '/dev/null', '-w', '%{http_code}', url])).output;
    for (const target of ['10.218.0.14:8443', '10.218.0.11:8443', '10.218.0.1:22', `${config.serviceIp}:${config.port}`]) {
      assert.equal(await probe(`https://${target}/`), '000', `the sandbox on m4 reached ${target}`);
    }
  });

  test('leave, run on the joined machine, is refused while it holds a sandbox, and takes it out once it holds none', async () => {
    assert.ok(onM4);
    const leave = () => run('nsenter', ['--net=/run/netns/lxdm4', 'node', berth, 'cluster', 'leave'], { env: { ...process.env, LXD_DIR: m4Dir } });
    const refused = await leave().then(() => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => e);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /m4 still holds 1 instance\(s\): `lxc cluster evacuate m4` moves their sessions to the other members first/);
    await runtime.destroySandbox(onM4);
    assert.match((await leave()).stdout, /m4 left the cluster/);
    assert.deepEqual(await members(), ['m1 Online', 'm2 Online', 'm3 Online']);
  });
});
