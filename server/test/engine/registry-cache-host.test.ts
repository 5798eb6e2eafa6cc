// The registry cache as Berth starts it (host-services.ts), on the test's own BERTH_DATA, port and pid file:
// it runs as the mirror's unprivileged user, its configuration (which holds the upstream's password) is that
// user's alone and the password appears in no log, argument or noted file; and it is bounded: on a disk of
// its own that an image larger than the disk cannot overflow. Such an image still pulls (passed through
// from the upstream, not kept), what the cache kept still pulls once the upstream is gone, the big one not.
// Started while the upstream is away it still serves what it kept, and pulls through again once it answers.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Config, loadConfig } from '../../src/config.js';
import { ensureDaemon, readPid, stopDaemon, type DaemonSpec } from '../../src/host/daemon.js';
import { hostPaths, keepRegistryCacheCurrent, registryCacheSpec, writeRegistryCacheConfig } from '../../src/host/host-services.js';
import { registryCacheModeOf } from '../../src/host/registry-cache.js';
import { ensurePackageCacheDisk, removePackageCacheDisk } from '../../src/host/package-cache.js';
import { MIRROR_USER, userIds } from '../../src/host/service-users.js';
import { warmCache } from '../../src/images/warm-cache.js';
import { eventually, runBerth } from '../helpers.js';

const SERVICE_IP = process.env.BERTH_SERVICE_IP || '198.18.0.1';
const SECRET = `pw-${crypto.randomBytes(8).toString('hex')}`;
const DISK = 40 * 2 ** 20;
const engine = (...args: string[]) => execFileSync('docker', ['-H', 'unix:///run/berth/engine.sock', ...args], { encoding: 'utf8', stdio: 'pipe' });

async function freePort(host: string): Promise<number> {
  const s = net.createServer().listen(0, host);
  await new Promise((r) => s.once('listening', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('the registry cache runs unprivileged, keeps its password private, and stays on its own disk', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cache-host-'));
  const id = crypto.randomBytes(4).toString('hex');
  const small = `berthtest/small-${id}:v1`;
  const big = `berthtest/big-${id}:v1`;
  const localTags: string[] = [];
  let upstream: ChildProcess | undefined;
  let spec: DaemonSpec;
  let cacheUrl = '';
  let data = '';
  let operatorEnv: NodeJS.ProcessEnv = {};
  let config: Config;
  let upstreamAddr = '';
  const startUpstream = async () => {
    upstream = spawn('docker-registry', ['serve', path.join(dir, 'upstream.yml')], { stdio: 'ignore' });
    await eventually(async () => assert.equal((await fetch(`http://${upstreamAddr}/v2/`)).status, 200), 10_000);
  };
  const pushUpstream = (name: string, bytes: number) => {
    fs.writeFileSync(path.join(dir, 'image', 'payload'), crypto.randomBytes(bytes));
    const ref = `${upstreamAddr}/${name}`;
    engine('build', '-q', '-t', ref, path.join(dir, 'image'));
    localTags.push(ref);
    engine('push', ref);
  };

  before(async () => {
    fs.chmodSync(dir, 0o755);
    upstreamAddr = `127.0.0.1:${await freePort('127.0.0.1')}`;
    fs.writeFileSync(path.join(dir, 'upstream.yml'), ['version: 0.1', 'log:', '  level: warn', 'storage:', '  filesystem:', `    rootdirectory: ${path.join(dir, 'upstream')}`, 'http:', `  addr: ${upstreamAddr}`, ''].join('\n'));
    await startUpstream();
    // A small image, and one larger than the cache's disk (random bytes: compression cannot shrink it).
    fs.mkdirSync(path.join(dir, 'image'));
    fs.writeFileSync(path.join(dir, 'image', 'Dockerfile'), 'FROM hello-world:latest\nCOPY payload /payload\n');
    pushUpstream(small, 1024);
    pushUpstream(big, 60 * 2 ** 20);
    operatorEnv = {
      BERTH_DATA: path.join(dir, 'data'),
      BERTH_REGISTRY_UPSTREAM: `http://${upstreamAddr}`,
      BERTH_REGISTRY_UPSTREAM_USER: 'workshop',
      BERTH_REGISTRY_UPSTREAM_PASSWORD: SECRET,
      BERTH_REGISTRY_CACHE_PORT: String(await freePort(SERVICE_IP)),
    };
    config = loadConfig(operatorEnv);
    cacheUrl = `http://${SERVICE_IP}:${config.registryCachePort}`;
    const p = hostPaths(config);
    data = p.registryCacheData;
    fs.mkdirSync(p.logs, { recursive: true });
    // Berth's own spec, with the pid and noted-arguments files in the test's folder (not /run/berth's).
    spec = { ...registryCacheSpec(config), pidFile: path.join(dir, 'cache.pid'), argsFile: path.join(dir, 'cache.args') };
    await writeRegistryCacheConfig(config);
    assert.equal(await ensurePackageCacheDisk(p.registryCacheData, p.registryCacheDisk, DISK), 'made');
    assert.equal(await ensureDaemon(spec, () => {}), 'started');
  });

  after(async () => {
    if (spec) await stopDaemon(spec);
    if (data) await removePackageCacheDisk(data);
    upstream?.kill();
    for (const tag of localTags) engine('rmi', '-f', tag);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('it runs as the mirror\'s user; its configuration is 0600 and that user\'s; the password is in no log, argument or noted file', async () => {
    const ids = await userIds(MIRROR_USER.name);
    const pid = readPid(spec.pidFile)!;
    assert.match(fs.readFileSync(`/proc/${pid}/status`, 'utf8'), new RegExp(`^Uid:\\t${ids.uid}\\t${ids.uid}\\t${ids.uid}\\t${ids.uid}$`, 'm'));
    const configFile = spec.args[1]!;
    const st = fs.statSync(configFile);
    assert.equal(st.mode & 0o777, 0o600);
    assert.equal(st.uid, ids.uid);
    assert.match(fs.readFileSync(configFile, 'utf8'), new RegExp(`password: "${SECRET}"`));
    await warmCache({ cacheUrl, refs: [small], say: () => {} });
    for (const file of [spec.argsFile!, spec.logFile, `/proc/${pid}/cmdline`, `/proc/${pid}/environ`]) {
      assert.doesNotMatch(fs.readFileSync(file, 'latin1'), new RegExp(SECRET), file);
    }
  });

  test('npx berth images pull warms it with progress; npx berth images list shows what it keeps', async () => {
    const pull = await runBerth(['images', 'pull', small, `berthtest/absent-${id}:v1`], { ...process.env, ...operatorEnv });
    assert.equal(pull.code, 1, pull.output);
    assert.match(pull.output, new RegExp(`^\\[images\\] ${small}: [0-9.]+ MB of [0-9.]+ MB \\(\\d/\\d\\)$`, 'm'), 'progress');
    assert.match(pull.output, new RegExp(`^\\[images\\] ${small}: cached, [0-9.]+ MB, sha256:[0-9a-f]{64}$`, 'm'));
    assert.match(pull.output, new RegExp(`^\\[images\\] berthtest/absent-${id}:v1: not cached: the upstream registry has no such image \\(or it is private\\)$`, 'm'));
    const list = await runBerth(['images', 'list'], { ...process.env, ...operatorEnv });
    assert.equal(list.code, 0, list.output);
    assert.match(list.output, /^Offline mirror \(http:\/\/[0-9.]+:5000\), served first:\n(?:  .*\n)*  busybox +[0-9.]+ [kM]B  .*latest/m);
    assert.match(list.output, new RegExp(`Registry cache of http://127\\.0\\.0\\.1:\\d+ \\(any image it serves; kept here now\\):\\n  berthtest/small-${id} +[0-9.]+ kB  v1`));
    assert.doesNotMatch(pull.output + list.output, new RegExp(SECRET));
  });

  test('started while the upstream is away (the Wi-Fi is down), it serves what it kept; once the upstream answers, the host check has it pull through again', async () => {
    upstream!.kill();
    await new Promise((r) => (upstream!.exitCode !== null ? r(null) : upstream!.once('exit', r)));
    await stopDaemon(spec);
    const said: string[] = [];
    await keepRegistryCacheCurrent(config, spec, (l) => said.push(l));
    assert.deepEqual(said, [`registry cache is not answering; starting it again (serving only what it keeps: http://${upstreamAddr} does not answer)`]);
    assert.equal(registryCacheModeOf(fs.readFileSync(spec.args[1]!, 'utf8')), 'kept only');
    const pulled: string[] = [];
    assert.deepEqual(await warmCache({ cacheUrl, refs: [small], say: (l) => pulled.push(l) }), [], pulled.join('\n'));
    const env = { ...process.env, ...operatorEnv };
    const list = await runBerth(['images', 'list'], env);
    assert.match(list.output, new RegExp(`Registry cache of http://${upstreamAddr} \\(serving only what it keeps: the upstream did not answer when it started\\):\\n(?:  .*\\n)*  berthtest/small-${id} `));
    const pull = await runBerth(['images', 'pull', `berthtest/later-${id}:v1`], env);
    assert.equal(pull.code, 1, pull.output);
    assert.match(pull.output, new RegExp(`the registry cache serves only what it keeps now: http://${upstreamAddr} did not answer when it started`));

    await startUpstream();
    pushUpstream(`berthtest/later-${id}:v1`, 512);
    said.length = 0;
    await keepRegistryCacheCurrent(config, spec, (l) => said.push(l));
    assert.equal(said[0], `registry cache: http://${upstreamAddr} answers again; restarting it to pull through`, said.join('\n'));
    assert.equal(registryCacheModeOf(fs.readFileSync(spec.args[1]!, 'utf8')), 'pull-through');
    pulled.length = 0;
    const failed = await warmCache({ cacheUrl, refs: [`berthtest/later-${id}:v1`, small], say: (l) => pulled.push(l) });
    assert.deepEqual(failed, [], `${pulled.join('\n')}\nthe cache's log:\n${fs.readFileSync(spec.logFile, 'utf8').slice(-3000)}`);
    said.length = 0;
    await keepRegistryCacheCurrent(config, spec, (l) => said.push(l));
    assert.deepEqual(said, [], 'pulling through and answering: left alone');
  });

  test('an image larger than its disk still pulls (passed through), and the disk holds no more than its size', async () => {
    const said: string[] = [];
    assert.deepEqual(await warmCache({ cacheUrl, refs: [small, big], say: (l) => said.push(l) }), [], said.join('\n'));
    const disk = fs.statfsSync(data);
    assert.ok((disk.blocks - disk.bfree) * disk.bsize <= DISK, 'used on the cache disk');
    const file = hostPaths(loadConfig({ BERTH_DATA: path.join(dir, 'data') })).registryCacheDisk;
    assert.ok(fs.statSync(file).blocks * 512 <= DISK, "the disk file's blocks on BERTH_DATA");
  });

  test('with the upstream gone, what it kept still pulls; what did not fit says the upstream has it no more', async () => {
    upstream!.kill();
    await new Promise((r) => (upstream!.exitCode !== null ? r(null) : upstream!.once('exit', r)));
    const said: string[] = [];
    const failed = await warmCache({ cacheUrl, refs: [small, big], say: (l) => said.push(l) });
    assert.deepEqual(failed, [big], said.join('\n'));
    assert.ok(said.some((l) => l.startsWith(`${small}: cached,`)), said.join('\n'));
  });

});
