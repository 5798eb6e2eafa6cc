// The package cache fetches from the Debian archive into the host on any visitor's request. It must serve
// what apt-get needs and nothing else, and what it stores must stay on a disk of its own of a fixed size.
// - A package cache of the test's own (Berth's configuration, on 127.0.0.1 at a free port, its cache on a
//   small disk of its own in a temporary folder): paths apt-get needs are served, others refused, and
//   asking for more than its disk holds leaves the folder around it (BERTH_DATA's disk) as it was.
// - From a real session, against the host's package cache (as prepared by this code): the same refusals.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readHostAptSources } from '../../src/host/apt-sources.js';
import { ensurePackageCacheDisk, packageCacheConfigText, removePackageCacheDisk } from '../../src/host/package-cache.js';
import { eventually, useReadySession } from '../helpers.js';

/** Paths in the Debian archive that apt-get never asks for (the built-in patterns took several of them). */
const NOT_FOR_APT = [
  '/debian/dists/bookworm/main/installer-amd64/current/images/SHA256SUMS',
  '/debian/dists/bookworm/main/Contents-amd64.gz',
  '/debian/README',
  '/debian/doc/social-contract.txt',
  '/debian/project/trace/master',
];

/** Candidate .deb files of the main archive (pool/main/...) with their sizes, from the host's apt lists. */
function debs(names: string[]): { file: string; size: number }[] {
  const text = execFileSync('apt-cache', ['show', '--no-all-versions', ...names], { encoding: 'utf8' });
  return text
    .split('\n\n')
    .map((p) => ({ file: /^Filename: (.*)$/m.exec(p)?.[1] ?? '', size: Number(/^Size: (\d+)$/m.exec(p)?.[1]) }))
    .filter((d) => d.file.startsWith('pool/main/'));
}

/** apt-cacher-ng 3.7 cannot bind a port above 32767 ("Error resolving address for binding"). */
async function freePortBelow32768(): Promise<number> {
  for (;;) {
    const port = 20_000 + crypto.randomInt(12_000);
    const s = net.createServer();
    const free = await new Promise<boolean>((r) => s.once('error', () => r(false)).listen(port, '127.0.0.1', () => r(true)));
    if (free) {
      await new Promise((r) => s.close(r));
      return port;
    }
  }
}

describe('the package cache serves only what apt-get needs, from a disk of its own', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-acng-'));
  const cacheDir = path.join(dir, 'cache');
  const diskBytes = 32 * 2 ** 20;
  let daemon: ChildProcess | undefined;
  let base = '';

  before(async () => {
    const port = await freePortBelow32768();
    base = `http://127.0.0.1:${port}`;
    for (const d of ['conf', 'log']) fs.mkdirSync(path.join(dir, d));
    const apt = readHostAptSources();
    fs.writeFileSync(path.join(dir, 'conf', 'backends_debian'), `${apt.archive}/\n`);
    fs.writeFileSync(path.join(dir, 'conf', 'backends_security'), `${apt.security || apt.archive.replace(/\/debian$/, '/debian-security')}/\n`);
    fs.writeFileSync(
      path.join(dir, 'conf', 'acng.conf'),
      packageCacheConfigText({ cacheDir, logDir: path.join(dir, 'log'), bindAddress: '127.0.0.1', port, apt, diskBytes }),
    );
    assert.equal(await ensurePackageCacheDisk(cacheDir, path.join(dir, 'cache.ext4'), diskBytes), 'made');
    daemon = spawn('apt-cacher-ng', ['-c', path.join(dir, 'conf'), 'ForeGround=1'], { stdio: 'ignore' });
    await eventually(async () => assert.ok((await fetch(`${base}/debian/dists/bookworm/InRelease`, { method: 'HEAD' })).status > 0), 10_000);
  });
  after(async () => {
    daemon?.kill();
    await new Promise((r) => (daemon?.exitCode !== null ? r(null) : daemon.once('exit', r)));
    await removePackageCacheDisk(cacheDir);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('what apt-get update and install ask for is served: Release files, Packages indexes, a package', async () => {
    for (const p of ['/debian/dists/bookworm/InRelease', '/debian/dists/bookworm/main/binary-amd64/Packages.xz', '/debian/dists/bookworm/main/i18n/Translation-en.xz']) {
      const r = await fetch(`${base}${p}`);
      assert.equal(r.status, 200, p);
      await r.arrayBuffer();
    }
    const [hello] = debs(['hello']);
    const r = await fetch(`${base}/debian/${hello!.file}`);
    assert.equal(r.status, 200);
    assert.equal((await r.arrayBuffer()).byteLength, hello!.size);
  });

  test('apt-get update and apt-get download through it work (by-hash indexes and all)', () => {
    const apt = readHostAptSources();
    const state = path.join(dir, 'apt-state');
    for (const d of ['lists/partial', 'cache/archives/partial', 'download']) fs.mkdirSync(path.join(state, d), { recursive: true });
    fs.writeFileSync(path.join(state, 'sources.list'), `deb ${apt.archive} bookworm main\n`);
    const opts = [
      '-o', `Acquire::http::Proxy=${base}`,
      '-o', `Dir::Etc::SourceList=${path.join(state, 'sources.list')}`,
      '-o', 'Dir::Etc::SourceParts=/nonexistent',
      '-o', `Dir::State::Lists=${path.join(state, 'lists')}`,
      '-o', `Dir::Cache=${path.join(state, 'cache')}`,
      '-o', 'Debug::NoLocking=1',
    ];
    const update = execFileSync('apt-get', [...opts, 'update'], { encoding: 'utf8', stdio: 'pipe' });
    assert.doesNotMatch(update, /^(Err|W):/m, update);
    execFileSync('apt-get', [...opts, 'download', 'hello'], { cwd: path.join(state, 'download'), stdio: 'pipe' });
    assert.equal(fs.readdirSync(path.join(state, 'download')).filter((f) => /^hello_.*\.deb$/.test(f)).length, 1);
    fs.rmSync(state, { recursive: true, force: true });
  });

  test('the package cache refuses a path apt does not need (403)', async () => {
    // curl, not fetch(): apt-cacher-ng's error answers upset fetch()'s connection reuse now and then.
    for (const p of [...NOT_FOR_APT, '/example.org/pool/main/x/x_1_amd64.deb']) {
      const status = execFileSync('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-m', '10', `${base}${p}`], { encoding: 'utf8' });
      assert.equal(status, '403', p);
    }
  });

  test('asking for more than its disk holds fills that disk, not the one holding BERTH_DATA', async () => {
    const total = fs.statfsSync(cacheDir);
    const capacity = total.blocks * total.bsize;
    assert.ok(capacity <= diskBytes && capacity > diskBytes * 0.7, `a disk of at most ${diskBytes} bytes (ext4 keeps some): ${capacity}`);
    const big = debs(['libllvm14', 'gcc-12', 'cpp-12']);
    assert.ok(big.reduce((n, d) => n + d.size, 0) > diskBytes * 1.2);
    for (const d of big) {
      const r = await fetch(`${base}/debian/${d.file}`).catch((err: Error) => err);
      if (!(r instanceof Error)) await r.arrayBuffer().catch(() => undefined);
    }
    const used = fs.statfsSync(cacheDir);
    assert.ok((used.blocks - used.bfree) * used.bsize > diskBytes / 2, 'the cache stored what it could');
    // Outside its disk, the folder holds only the disk file's own blocks, the configuration and logs.
    const outside = Number(execFileSync('du', ['-sxk', '--exclude=cache.ext4', dir], { encoding: 'utf8' }).split('\t')[0]) * 1024;
    assert.ok(outside < 2 * 2 ** 20, `${outside} bytes outside the cache's disk`);
    const image = Number(execFileSync('du', ['-k', path.join(dir, 'cache.ext4')], { encoding: 'utf8' }).split('\t')[0]) * 1024;
    assert.ok(image <= diskBytes, `the disk file takes ${image} bytes, at most its size`);
  });
});

describe('from a session, the host\'s package cache refuses what apt does not need', () => {
  const ctx = useReadySession();

  test('the package cache refuses a path apt does not need', async () => {
    const cache = `http://${ctx.server.config.serviceIp}:${ctx.server.config.aptCachePort}`;
    for (const p of NOT_FOR_APT) {
      const r = await ctx.server.berth.runtime.exec(ctx.session.id, ['curl', '-s', '-I', '-o', '/dev/null', '-w', '%{http_code}', '-m', '10', `${cache}${p}`], { timeoutMs: 30_000 });
      assert.equal(r.output.trim(), '403', p);
    }
    const release = await ctx.server.berth.runtime.exec(ctx.session.id, ['curl', '-s', '-I', '-o', '/dev/null', '-w', '%{http_code}', '-m', '10', `${cache}/debian/dists/bookworm/InRelease`], { timeoutMs: 30_000 });
    assert.equal(release.output.trim(), '200');
  });
});
