// The registry mirror and the package cache run as their own unprivileged users, own their data and nothing
// else. Proven on a second instance of each (its own data folder, address and ports, pid files under /tmp):
// the live mirror and package cache on the service address, which other tests use, are never touched.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { type DaemonSpec, ensureDaemon, readPid, stopDaemon } from '../../src/host/daemon.js';
import { aptCacheSpec, hostPaths, mirrorSpec, writeServiceConfigs } from '../../src/host/host-services.js';
import { httpAnswers } from '../../src/host/health-probes.js';
import { MIRROR_PUSH_ADDR } from '../../src/host/mirror.js';
import { run } from '../../src/host/run-command.js';
import { APT_CACHE_USER, MIRROR_USER, ensureServiceUser, userIds } from '../../src/host/service-users.js';

const TEST_IP = '198.18.0.9';

test('the mirror and the package cache run as their own users, answer, and write only their own data', async () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-services-'));
  fs.chmodSync(base, 0o711); // as BERTH_DATA: the services' users may pass through, not list or write
  const config = { ...loadConfig({ BERTH_DATA: path.join(base, 'data'), BERTH_SERVICE_IP: TEST_IP }), mirrorPort: 5099, aptCachePort: 3199 };
  const own = (spec: DaemonSpec, name: string): DaemonSpec => ({ ...spec, pidFile: path.join(base, `${name}.pid`), argsFile: path.join(base, `${name}.args`) });
  const mirror = own(mirrorSpec(config), 'mirror');
  const cache = own(aptCacheSpec(config), 'apt-cache');
  const p = hostPaths(config);
  const stopAfter: DaemonSpec[] = [];
  await run('ip', ['addr', 'add', `${TEST_IP}/32`, 'dev', 'lo']);
  try {
    for (const user of [MIRROR_USER, APT_CACHE_USER]) await ensureServiceUser(user);
    const registryIds = await userIds(MIRROR_USER.name);
    const cacheIds = await userIds(APT_CACHE_USER.name);
    writeServiceConfigs(config);

    // What a mirror run as root (every Berth before this one) left: root's files, handed over at the start.
    const oldBlob = path.join(p.mirrorData, 'docker/registry/v2/blobs/sha256/ab/old/data');
    fs.mkdirSync(path.dirname(oldBlob), { recursive: true });
    fs.writeFileSync(oldBlob, 'pushed when the mirror ran as root');
    // Links a hostile service user might have planted there: the hand-over must not follow them.
    const hostFile = path.join(base, 'host-file');
    fs.writeFileSync(hostFile, 'root only', { mode: 0o600 });
    fs.symlinkSync(hostFile, path.join(p.mirrorData, 'symlink-to-host-file'));
    fs.linkSync(hostFile, path.join(p.mirrorData, 'hardlink-to-host-file'));

    assert.equal(await ensureDaemon(mirror, () => {}), 'started');
    assert.equal(await ensureDaemon(cache, () => {}), 'started');
    assert.deepEqual(processIds(readPid(mirror.pidFile)!), { uid: registryIds.uid, gid: registryIds.gid, groups: '' });
    assert.deepEqual(processIds(readPid(cache.pidFile)!), { uid: cacheIds.uid, gid: cacheIds.gid, groups: '' });
    assert.equal(fs.statSync(oldBlob).uid, registryIds.uid, "the root-run mirror's data is the mirror user's now");
    assert.equal(fs.statSync(hostFile).uid, 0, 'the host file stays root-owned');
    assert.equal(fs.readFileSync(hostFile, 'utf8'), 'root only');

    // The served mirror is read-only; Berth's builds push through the writable one on the host's loopback,
    // run as the same user: the data stays that user's.
    const refused = await fetch(`http://${TEST_IP}:${config.mirrorPort}/v2/berth-test/hello/blobs/uploads/`, { method: 'POST' });
    assert.equal(refused.status, 405);
    const writer = own({ ...mirror, name: 'writable mirror', args: ['serve', p.mirrorPushConfig], configFiles: [p.mirrorPushConfig], healthy: () => httpAnswers({ url: `http://${MIRROR_PUSH_ADDR}/v2/` }) }, 'mirror-push');
    assert.equal(await ensureDaemon(writer, () => {}), 'started');
    stopAfter.push(writer);
    assert.deepEqual(processIds(readPid(writer.pidFile)!), { uid: registryIds.uid, gid: registryIds.gid, groups: '' });
    const image = await pushImage(`http://${MIRROR_PUSH_ADDR}`, 'berth-test/hello');
    const pulled = await fetch(`http://${TEST_IP}:${config.mirrorPort}/v2/berth-test/hello/manifests/latest`, {
      headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
    });
    assert.equal(pulled.status, 200);
    assert.equal(pulled.headers.get('docker-content-digest'), image.digest);
    const manifestLink = path.join(p.mirrorData, 'docker/registry/v2/repositories/berth-test/hello/_manifests/revisions/sha256', image.digest.slice(7), 'link');
    assert.equal(fs.statSync(manifestLink).uid, registryIds.uid);

    // A fetch through the package cache from the host's Debian mirror: cached and logged as its user.
    const codename = /^VERSION_CODENAME=(\S+)/m.exec(fs.readFileSync('/etc/os-release', 'utf8'))![1]!;
    const release = await fetch(`http://${TEST_IP}:${config.aptCachePort}/debian/dists/${codename}/Release`);
    assert.equal(release.status, 200);
    assert.match(await release.text(), new RegExp(`^Codename: ${codename}$`, 'm'));
    const cached = path.join(p.aptCacheDir, 'cache/debrep/dists', codename, 'Release');
    assert.equal(fs.statSync(cached).uid, cacheIds.uid);
    const transferLog = path.join(p.aptCacheDir, 'log/apt-cacher.log');
    assert.equal(fs.statSync(transferLog).uid, cacheIds.uid);
    await eventually(() => assert.match(fs.readFileSync(transferLog, 'utf8'), new RegExp(`dists/${codename}/Release`)));

    // Each user may write its own data, and nothing else of Berth's.
    const configFiles = [config.dataDir, p.logs, p.mirrorConfig, p.aptCacheDir, path.join(p.aptCacheDir, 'conf'), p.sessions, base];
    for (const f of [...fs.readdirSync(p.logs).map((n) => path.join(p.logs, n)), ...fs.readdirSync(path.join(p.aptCacheDir, 'conf')).map((n) => path.join(p.aptCacheDir, 'conf', n))]) configFiles.push(f);
    for (const [user, ids, mine, theirs] of [
      [MIRROR_USER.name, registryIds, [p.mirrorData], [path.join(p.aptCacheDir, 'cache'), path.join(p.aptCacheDir, 'log')]],
      [APT_CACHE_USER.name, cacheIds, [path.join(p.aptCacheDir, 'cache'), path.join(p.aptCacheDir, 'log')], [p.mirrorData]],
    ] as const) {
      for (const dir of mine) assert.equal(writableBy(ids, dir), true, `${user} may write ${dir}`);
      for (const f of [...configFiles, ...theirs, hostFile]) assert.equal(writableBy(ids, f), false, `${user} may not write ${f}`);
    }
    // The daemons' output goes to Berth's logs folder through the descriptor Berth opened (root's files).
    assert.equal(fs.statSync(path.join(p.logs, 'mirror.log')).uid, 0);
  } finally {
    for (const spec of [...stopAfter, cache, mirror]) await stopDaemon(spec);
    await run('ip', ['addr', 'del', `${TEST_IP}/32`, 'dev', 'lo'], { allowFailure: true });
    fs.rmSync(base, { recursive: true, force: true });
  }
});

function processIds(pid: number): { uid: number; gid: number; groups: string } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => new RegExp(`^${name}:[ \\t]*(.*)$`, 'm').exec(status)![1]!.trim();
  const [ruid, euid, suid] = field('Uid').split(/\s+/).map(Number);
  const [rgid, egid, sgid] = field('Gid').split(/\s+/).map(Number);
  assert.ok(ruid === euid && euid === suid && rgid === egid && egid === sgid, `no other uid or gid kept: ${field('Uid')} / ${field('Gid')}`);
  return { uid: euid!, gid: egid!, groups: field('Groups') };
}

function writableBy(ids: { uid: number; gid: number }, file: string): boolean {
  return spawnSync('test', ['-w', file], { uid: ids.uid, gid: ids.gid }).status === 0;
}

/** The registry API's push: two blobs (config, layer) then the manifest naming them. */
async function pushImage(registry: string, repo: string): Promise<{ digest: string }> {
  const layer = Buffer.from('a layer pushed by the host-service-users test');
  const configBlob = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256(layer)] }, config: {} }));
  for (const blob of [configBlob, layer]) {
    const start = await fetch(`${registry}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
    assert.equal(start.status, 202, await start.text());
    const upload = new URL(start.headers.get('location')!, registry);
    upload.searchParams.set('digest', sha256(blob));
    const put = await fetch(upload, { method: 'PUT', body: blob, headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(put.status, 201, await put.text());
  }
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: configBlob.length, digest: sha256(configBlob) },
    layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: layer.length, digest: sha256(layer) }],
  });
  const res = await fetch(`${registry}/v2/${repo}/manifests/latest`, {
    method: 'PUT',
    body: manifest,
    headers: { 'content-type': 'application/vnd.docker.distribution.manifest.v2+json' },
  });
  assert.equal(res.status, 201, await res.text());
  return { digest: sha256(Buffer.from(manifest)) };
}

const sha256 = (b: Buffer) => `sha256:${crypto.createHash('sha256').update(b).digest('hex')}`;

async function eventually(check: () => void, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
