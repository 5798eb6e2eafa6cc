// Online when the host is: with BERTH_REGISTRY_UPSTREAM, sessions pull through a pull-through cache of a
// real registry, after the offline mirror (which stays first). Everything here is the test's own, so the
// host's mirror on :5000/:5001 is never stopped, replaced or written: a second real docker-registry on the
// loopback is the upstream (it has images nobody else has), the cache and an offline mirror pair run on the
// service address at free ports (the firewall opened for them while the test runs), and the sessions run a
// session image with this worktree's entrypoint, which writes the mirror list the server gives it.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createRuntime } from '../../src/app.js';
import { mirrorConfigText } from '../../src/host/mirror.js';
import { registryCacheConfigText } from '../../src/host/registry-cache.js';
import { MIRROR_USER, userIds } from '../../src/host/service-users.js';
import { importArchive } from '../../src/images/import-archive.js';
import { listCached, listOffline } from '../../src/images/image-list.js';
import { startMirrorWriter } from '../../src/images/mirror-writer.js';
import { warmCache } from '../../src/images/warm-cache.js';
import type { ServerEvent } from '@berth/shared';
import { createSession, eventually, startTestServer, TerminalClient, type CreatedSession, type TestServer } from '../helpers.js';

const SERVICE_IP = process.env.BERTH_SERVICE_IP || '198.18.0.1';
const engine = (...args: string[]) => execFileSync('docker', ['-H', 'unix:///run/berth/engine.sock', ...args], { encoding: 'utf8', stdio: 'pipe' });
const repoRoot = path.resolve(import.meta.dirname, '..', '..', '..');

async function freePort(host: string): Promise<number> {
  const s = net.createServer().listen(0, host);
  await new Promise((r) => s.once('listening', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/**
 * Lets sessions reach these service ports while the test runs. Another test's Berth may rebuild the
 * firewall meanwhile (to its own rules): the opening is put back at once, and taken out at the end.
 */
function openServicePorts(ports: number[]): () => void {
  const rule = (port: number) => ['-d', `${SERVICE_IP}/32`, '-p', 'tcp', '--dport', String(port), '-j', 'ACCEPT'];
  const ensure = () => {
    for (const port of ports) {
      try {
        execFileSync('iptables', ['-w', '-C', 'BERTH-INPUT', ...rule(port)], { stdio: 'ignore' });
      } catch {
        execFileSync('iptables', ['-w', '-I', 'BERTH-INPUT', '1', ...rule(port)], { stdio: 'ignore' });
      }
    }
  };
  ensure();
  const timer = setInterval(ensure, 250);
  return () => {
    clearInterval(timer);
    for (const port of ports) {
      try {
        for (;;) execFileSync('iptables', ['-w', '-D', 'BERTH-INPUT', ...rule(port)], { stdio: 'ignore' });
      } catch {
        // no copy left
      }
    }
  };
}

/** A docker-registry of the test's own; what it prints goes to `<file>.log`, which a failed start quotes. */
function registry(file: string, text: string, opts: { asMirrorUser?: { uid: number; gid: number } } = {}): ChildProcess {
  fs.writeFileSync(file, text);
  const log = fs.openSync(`${file}.log`, 'w');
  const child = spawn('docker-registry', ['serve', file], { stdio: ['ignore', log, log], ...(opts.asMirrorUser ?? {}) });
  fs.closeSync(log);
  return child;
}

async function answers(url: string, configFile: string): Promise<void> {
  try {
    await eventually(async () => assert.equal((await fetch(`${url}/v2/`)).status, 200), 10_000);
  } catch (err) {
    const log = fs.existsSync(`${configFile}.log`) ? fs.readFileSync(`${configFile}.log`, 'utf8').slice(-2000) : '(no log)';
    throw new Error(`the registry of ${path.basename(configFile)} never answered on ${url} (${(err as Error).message}); it printed:\n${log}`);
  }
}

/** Types a command as a learner does; resolves once the next prompt is up, with the Berth lines it got. */
async function berthLinesAfter(term: TerminalClient, command: string): Promise<string[]> {
  const seen = term.events.length;
  const start = term.text.length;
  term.type(`${command}\r`);
  await term.waitFor(() => term.events.slice(seen).find((e: ServerEvent) => e.type === 'command' && e.line === command), 60_000, `${command} to end`);
  await term.waitFor(() => /\$ $/.test(term.text), 10_000, 'the next prompt');
  return term.text.slice(start).split(/\r?\n/).filter((l) => /^Berth[:：]/.test(l));
}

describe('a session pulls through the registry cache of an upstream, after the offline mirror', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-upstream-'));
  const id = crypto.randomBytes(4).toString('hex');
  const onlyUpstream = `berthtest/only-upstream-${id}`;
  const warmed = `berthtest/warmed-${id}`;
  const carried = `berthtest/carried-${id}`;
  const sessionImage = `berth/session:t-upstream-${id}`;
  const localTags: string[] = [];
  let upstream: ChildProcess | undefined;
  const daemons: ChildProcess[] = [];
  let closeFirewall = () => {};
  let upstreamUrl = '';
  let cacheUrl = '';
  let mirrorUrl = '';
  let writerAddr = '';
  let cacheStorage = '';
  let server: TestServer;
  let s: CreatedSession;
  let term: TerminalClient;
  const digests: Record<string, string> = {};
  const visitor = async (script: string, timeoutMs = 120_000) => {
    const r = await server.berth.runtime.exec(s.id, ['bash', '-c', script], { timeoutMs });
    return { exit: r.exitCode, out: r.output };
  };
  const pushUpstream = (from: string, name: string) => {
    const ref = `${upstreamUrl.replace('http://', '')}/${name}`;
    engine('tag', from, ref);
    localTags.push(ref);
    const out = engine('push', ref);
    digests[name] = /digest: (sha256:[0-9a-f]{64})/.exec(out)![1]!;
  };

  before(async () => {
    fs.chmodSync(dir, 0o755);
    const ids = await userIds(MIRROR_USER.name);
    upstreamUrl = `http://127.0.0.1:${await freePort('127.0.0.1')}`;
    const cachePort = await freePort(SERVICE_IP);
    const mirrorPort = await freePort(SERVICE_IP);
    cacheUrl = `http://${SERVICE_IP}:${cachePort}`;
    mirrorUrl = `http://${SERVICE_IP}:${mirrorPort}`;
    writerAddr = `127.0.0.1:${await freePort('127.0.0.1')}`;
    cacheStorage = path.join(dir, 'cache');
    const mirrorStorage = path.join(dir, 'mirror');
    for (const d of [cacheStorage, mirrorStorage]) {
      fs.mkdirSync(d);
      fs.chownSync(d, ids.uid, ids.gid);
    }
    const upstreamConfig = ['version: 0.1', 'log:', '  level: warn', 'storage:', '  filesystem:', `    rootdirectory: ${path.join(dir, 'upstream')}`, 'http:', `  addr: ${upstreamUrl.slice(7)}`, ''].join('\n');
    upstream = registry(path.join(dir, 'upstream.yml'), upstreamConfig);
    // A cache starts pulling through only once its upstream answers (docker-registry exits otherwise).
    await answers(upstreamUrl, path.join(dir, 'upstream.yml'));
    // The cache and the served mirror as Berth runs them: as the mirror's user, with Berth's configuration.
    const asMirrorUser = { uid: ids.uid, gid: ids.gid, cwd: '/' } as { uid: number; gid: number };
    daemons.push(registry(path.join(dir, 'cache.yml'), registryCacheConfigText({ storage: cacheStorage, addr: cacheUrl.slice(7), upstream: { url: upstreamUrl }, diskBytes: 0 }), { asMirrorUser }));
    daemons.push(registry(path.join(dir, 'mirror.yml'), mirrorConfigText({ storage: mirrorStorage, addr: mirrorUrl.slice(7), writable: false }), { asMirrorUser }));
    fs.writeFileSync(path.join(dir, 'mirror-push.yml'), mirrorConfigText({ storage: mirrorStorage, addr: writerAddr, writable: true }));
    await answers(cacheUrl, path.join(dir, 'cache.yml'));
    await answers(mirrorUrl, path.join(dir, 'mirror.yml'));
    closeFirewall = openServicePorts([cachePort, mirrorPort]);

    // Images only the upstream has: each a tiny image of its own (hello-world plus a file nobody else has).
    const ctx = path.join(dir, 'image');
    fs.mkdirSync(ctx);
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM hello-world:latest\nCOPY marker /marker\n');
    for (const name of [onlyUpstream, warmed, 'library/hello-world']) {
      fs.writeFileSync(path.join(ctx, 'marker'), `${name} ${crypto.randomBytes(16).toString('hex')}\n`);
      const local = `berth-test-upstream-${id}:${name.replace(/\W/g, '-')}`;
      engine('build', '-q', '-t', local, ctx);
      localTags.push(local);
      pushUpstream(local, `${name}:v1`);
      if (name === 'library/hello-world') pushUpstream(local, `${name}:latest`);
    }

    // The session image with this worktree's entrypoint (it reads BERTH_REGISTRY_MIRRORS).
    const sessionCtx = path.join(dir, 'session');
    fs.mkdirSync(sessionCtx);
    fs.copyFileSync(path.join(repoRoot, 'native', 'session', 'berth-entrypoint'), path.join(sessionCtx, 'berth-entrypoint'));
    fs.chmodSync(path.join(sessionCtx, 'berth-entrypoint'), 0o755);
    fs.writeFileSync(path.join(sessionCtx, 'Dockerfile'), 'FROM berth/session:latest\nCOPY berth-entrypoint /usr/local/bin/berth-entrypoint\n');
    engine('build', '-q', '-t', sessionImage, sessionCtx);

    server = await startTestServer(
      { BERTH_SESSION_IMAGE: sessionImage, BERTH_REGISTRY_UPSTREAM: upstreamUrl, BERTH_REGISTRY_CACHE_PORT: String(cachePort) },
      { runtime: (config) => createRuntime(config, { registryMirrors: [`${SERVICE_IP}:${mirrorPort}`, `${SERVICE_IP}:${cachePort}`] }) },
    );
    s = await createSession(server);
    assert.equal(await server.berth.sessions.get(s.id)!.ready, true);
    term = await TerminalClient.connect(server, s);
    await term.ready();
  });

  after(async () => {
    await term?.close();
    await server?.close();
    closeFirewall();
    for (const d of [upstream, ...daemons]) d?.kill();
    for (const tag of localTags) engine('rmi', '-f', tag);
    try {
      engine('rmi', sessionImage);
    } catch {
      // never built
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the session engine lists the offline mirror first, then the cache', async () => {
    const info = await visitor("docker info --format '{{json .RegistryConfig.Mirrors}}'");
    assert.equal(info.out.trim(), JSON.stringify([`${mirrorUrl}/`, `${cacheUrl}/`]));
  });

  test('berth images import of a docker save archive: the session pulls it, images list shows it', async () => {
    const archive = path.join(dir, 'carried.tar');
    engine('tag', 'hello-world:latest', `${carried}:v1`);
    localTags.push(`${carried}:v1`);
    engine('save', '-o', archive, `${carried}:v1`, 'hello-world:latest');
    const said: string[] = [];
    const pushed = await importArchive({
      archive,
      workDir: dir,
      say: (l) => said.push(l),
      openWriter: () => startMirrorWriter({ config: path.join(dir, 'mirror-push.yml'), addr: writerAddr, lockFile: path.join(dir, 'build', '.lock'), logFile: path.join(dir, 'writer.log'), say: (l) => said.push(l) }),
    });
    assert.deepEqual(pushed.sort(), [`${carried}:v1`, 'hello-world'].sort());
    assert.equal((await fetch(`http://${writerAddr}/v2/`).catch(() => null))?.status, undefined, 'the writer was stopped');
    const listed = await listOffline(mirrorUrl);
    assert.deepEqual(listed.find((r) => r.name === carried)?.tags, ['v1']);
    assert.ok(listed.find((r) => r.name === carried)!.bytes > 0);
    const pull = await visitor(`docker pull ${carried}:v1 2>&1 && docker run --rm ${carried}:v1`);
    assert.equal(pull.exit, 0, pull.out);
    assert.match(pull.out, /Hello from Docker!/);
  });

  test('an image only the upstream has is pulled through the cache, by tag and by digest, the upstream\'s very image', async () => {
    const pull = await visitor(`docker pull ${onlyUpstream}:v1 2>&1`);
    assert.equal(pull.exit, 0, pull.out);
    const repoDigest = await visitor(`docker image inspect --format '{{join .RepoDigests " "}}' ${onlyUpstream}:v1`);
    assert.match(repoDigest.out, new RegExp(`${onlyUpstream}@${digests[`${onlyUpstream}:v1`]}`));
    const byDigest = await visitor(`docker rmi ${onlyUpstream}:v1 >/dev/null && docker pull ${onlyUpstream}@${digests[`${onlyUpstream}:v1`]} 2>&1 && docker run --rm ${onlyUpstream}@${digests[`${onlyUpstream}:v1`]} 2>&1`);
    assert.equal(byDigest.exit, 0, byDigest.out);
    assert.match(byDigest.out, /Hello from Docker!/);
  });

  test('the offline mirror stays first: hello-world is the offline one, not the upstream\'s', async () => {
    const pull = await visitor('docker pull hello-world 2>&1 && docker image inspect --format \'{{join .RepoDigests " "}}\' hello-world');
    assert.equal(pull.exit, 0, pull.out);
    assert.doesNotMatch(pull.out, new RegExp(digests['library/hello-world:latest']!));
    const offline = (await fetch(`${mirrorUrl}/v2/library/hello-world/manifests/latest`, { headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' } })).headers.get('docker-content-digest');
    assert.match(pull.out, new RegExp(`hello-world@${offline}`));
  });

  test('berth images pull warms the cache (with progress), and images list shows what it keeps', async () => {
    const said: string[] = [];
    const failed = await warmCache({ cacheUrl, refs: [`${warmed}:v1`, `berthtest/never-${id}:v1`], say: (l) => said.push(l) });
    assert.deepEqual(failed, [`berthtest/never-${id}:v1`]);
    assert.ok(said.some((l) => l.startsWith(`${warmed}:v1: cached,`)), said.join('\n'));
    assert.ok(said.some((l) => l === `berthtest/never-${id}:v1: not cached: the upstream registry has no such image (or it is private)`), said.join('\n'));
    const cached = await eventually(async () => {
      const rows = await listCached(cacheStorage);
      assert.deepEqual(rows.find((r) => r.name === warmed)?.tags, ['v1']);
      return rows;
    });
    assert.deepEqual(cached.find((r) => r.name === onlyUpstream)?.tags, ['v1']);
  });

  test('a pull of an image the upstream does not have: Berth\'s line says the upstream has none (not that the network is down)', async () => {
    const lines = await berthLinesAfter(term, `docker pull berthtest/never-${id}:v1`);
    assert.deepEqual(lines, [`Berth: 127.0.0.1 has no berthtest/never-${id}:v1 (or it is private), and neither has this sandbox's offline mirror: check the name and tag. (Docker's "no such host" is only its last try, Docker Hub itself, which sandboxes never reach.)`]);
  });

  test('with the upstream stopped, what the cache keeps still pulls', async () => {
    upstream!.kill();
    await new Promise((r) => (upstream!.exitCode !== null ? r(null) : upstream!.once('exit', r)));
    assert.equal(await fetch(`${upstreamUrl}/v2/`).then(() => 'answers', () => 'gone'), 'gone');
    const pull = await visitor(`docker rmi -f ${onlyUpstream}@${digests[`${onlyUpstream}:v1`]} >/dev/null 2>&1; docker pull ${onlyUpstream}:v1 2>&1 && docker pull ${warmed}:v1 2>&1 && docker run --rm ${warmed}:v1`);
    assert.equal(pull.exit, 0, pull.out);
    assert.match(pull.out, /Hello from Docker!/);
  });

  test('with the upstream stopped, a pull of an image the cache lacks: Berth\'s line says the upstream is out of reach', async () => {
    // The server asks the upstream again at most every 15 s: the first pulls may still hear the old answer.
    const lines = await eventually(async () => {
      const got = await berthLinesAfter(term, `docker pull berthtest/never-${id}:v2`);
      assert.match(got.join('\n'), /cannot reach/);
      return got;
    }, 40_000);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, new RegExp(`^Berth: berthtest/never-${id}:v2 is not in this sandbox's offline mirror, and this server cannot reach 127\\.0\\.0\\.1 right now, so it could not be fetched \\(your network is fine\\)\\. Images here: `));
  });

  test('a push to the cache from a session is refused, and nothing it pushed is kept', async () => {
    const name = `library/pushed-by-visitor-${id}`;
    const target = `${cacheUrl.slice(7)}/${name}`;
    const push = await visitor(`docker tag hello-world ${target} && docker push ${target} 2>&1`);
    assert.notEqual(push.exit, 0, push.out);
    assert.match(push.out, /405|Method Not Allowed|unsupported/i);
    for (const [method, p] of [['POST', `/v2/${name}/blobs/uploads/`], ['PUT', `/v2/${name}/manifests/latest`], ['DELETE', `/v2/${onlyUpstream}/manifests/${digests[`${onlyUpstream}:v1`]}`]]) {
      const r = await visitor(`curl -s -o /dev/null -w '%{http_code}' -X ${method} ${cacheUrl}${p}`);
      assert.equal(r.out.trim(), '405', `${method} ${p}`);
    }
    assert.equal((await listCached(cacheStorage)).find((r) => r.name === name.slice('library/'.length)), undefined);
  });
});
