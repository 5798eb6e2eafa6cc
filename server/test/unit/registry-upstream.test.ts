// BERTH_REGISTRY_UPSTREAM: validated at boot without ever echoing its credentials; the sessions' mirror list
// (offline first), the firewall's ports and the cache's configuration follow from it; and the missing-image
// line tells "the upstream has no such image" from "the upstream is out of reach", probing only fixed URLs.
import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { test } from 'node:test';
import { registryMirrors } from '../../src/app.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { firewallOptions } from '../../src/host/host-services.js';
import { registryCacheConfigText, registryCacheModeOf, upstreamAnswers } from '../../src/host/registry-cache.js';
import { noteText } from '../../src/missing-images/missing-image-note.js';
import { UpstreamStatus, upstreamName } from '../../src/missing-images/upstream-status.js';

const SECRET = 'hunter2-s3cr3t';

test('BERTH_REGISTRY_UPSTREAM: the origin of a registry, credentials apart (both or neither), off by default', () => {
  assert.equal(loadConfig({}).registryUpstream, null);
  assert.deepEqual(loadConfig({ BERTH_REGISTRY_UPSTREAM: 'https://registry-1.docker.io' }).registryUpstream, { url: 'https://registry-1.docker.io' });
  assert.deepEqual(loadConfig({ BERTH_REGISTRY_UPSTREAM: 'https://registry-1.docker.io/', BERTH_REGISTRY_UPSTREAM_USER: 'ann', BERTH_REGISTRY_UPSTREAM_PASSWORD: SECRET }).registryUpstream, {
    url: 'https://registry-1.docker.io',
    username: 'ann',
    password: SECRET,
  });
  const c = loadConfig({ BERTH_REGISTRY_UPSTREAM: 'http://127.0.0.1:6000', BERTH_REGISTRY_CACHE_SIZE: '1g' });
  assert.equal(c.registryCachePort, 5002);
  assert.equal(c.registryCacheBytes, 2 ** 30);
});

test('a wrong upstream setting stops Berth with a message that never holds the password', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ BERTH_REGISTRY_UPSTREAM: 'registry-1.docker.io' }, /must be a registry URL like https:\/\/registry-1\.docker\.io/],
    [{ BERTH_REGISTRY_UPSTREAM: 'ftp://example.org' }, /must be a registry URL/],
    [{ BERTH_REGISTRY_UPSTREAM: `https://ann:${SECRET}@registry.example.org` }, /must not hold credentials: put them in BERTH_REGISTRY_UPSTREAM_USER/],
    [{ BERTH_REGISTRY_UPSTREAM: 'https://registry.example.org/v2/library' }, /must be the registry's origin only/],
    [{ BERTH_REGISTRY_UPSTREAM: 'https://registry.example.org', BERTH_REGISTRY_UPSTREAM_PASSWORD: SECRET }, /go together: set both or neither/],
    [{ BERTH_REGISTRY_UPSTREAM_USER: 'ann', BERTH_REGISTRY_UPSTREAM_PASSWORD: SECRET }, /need BERTH_REGISTRY_UPSTREAM/],
    [{ BERTH_REGISTRY_UPSTREAM: 'https://registry.example.org', BERTH_REGISTRY_UPSTREAM_USER: 'ann', BERTH_REGISTRY_UPSTREAM_PASSWORD: `${SECRET}\nproxy:` }, /one line each/],
    [{ BERTH_REGISTRY_UPSTREAM: 'https://registry.example.org', BERTH_REGISTRY_CACHE_SIZE: '100m' }, /BERTH_REGISTRY_CACHE_SIZE must be at least 256m/],
    [{ BERTH_REGISTRY_UPSTREAM: 'https://registry.example.org', BERTH_REGISTRY_CACHE_PORT: '5000' }, /BERTH_REGISTRY_CACHE_PORT=5000 is taken/],
  ];
  for (const [env, message] of cases) {
    assert.throws(
      () => loadConfig(env),
      (err: Error) => err instanceof ConfigError && message.test(err.message) && !err.message.includes(SECRET),
      JSON.stringify(Object.keys(env)),
    );
  }
});

test('sessions pull from the offline mirror first, then the cache; the firewall opens the cache\'s port only with an upstream', () => {
  const offline = loadConfig({});
  assert.deepEqual(registryMirrors(offline), ['198.18.0.1:5000']);
  assert.deepEqual(firewallOptions(offline).allowedPorts, [5000, 3142]);
  const online = loadConfig({ BERTH_REGISTRY_UPSTREAM: 'https://registry-1.docker.io' });
  assert.deepEqual(registryMirrors(online), ['198.18.0.1:5000', '198.18.0.1:5002']);
  assert.deepEqual(firewallOptions(online).allowedPorts, [5000, 3142, 5002]);
});

test('the cache\'s configuration: proxy of the upstream, read-only, credentials as quoted strings (no YAML injection)', () => {
  const text = registryCacheConfigText({ storage: '/d/cache', addr: '198.18.0.1:5002', upstream: { url: 'https://registry-1.docker.io', username: 'ann', password: 'p": x\n  remoteurl: http://evil' }, diskBytes: 2 ** 30 });
  assert.match(text, /^proxy:\n  remoteurl: "https:\/\/registry-1\.docker\.io"\n  username: "ann"\n  password: "p\\": x\\n  remoteurl: http:\/\/evil"\n$/m);
  assert.equal(text.match(/^ *remoteurl:/gm)!.length, 1, "one remoteurl key");
  assert.match(text, /maintenance:\n    readonly:\n      enabled: true/);
  assert.match(text, /delete:\n    enabled: false/);
  assert.doesNotMatch(registryCacheConfigText({ storage: '/d', addr: 'a:1', upstream: { url: 'https://r.example' }, diskBytes: 2 ** 30 }), /username|password/);
});

test('kept only (the upstream did not answer at start): the same storage, read-only, no proxy and no credentials; each mode reads back', () => {
  const o = { storage: '/d/cache', addr: '198.18.0.1:5002', upstream: { url: 'https://r.example', username: 'ann', password: 'pw' }, diskBytes: 2 ** 30 };
  const keptOnly = registryCacheConfigText({ ...o, keptOnly: true });
  assert.doesNotMatch(keptOnly, /proxy:|remoteurl|username|password/);
  assert.match(keptOnly, /rootdirectory: \/d\/cache\n/);
  assert.match(keptOnly, /maintenance:\n    readonly:\n      enabled: true/);
  assert.equal(registryCacheModeOf(keptOnly), 'kept only');
  assert.equal(registryCacheModeOf(registryCacheConfigText(o)), 'pull-through');
});

test('an upstream answers with any HTTP status (Docker Hub says 401); a closed port or a silent one does not', async () => {
  const http = await import('node:http');
  const net = await import('node:net');
  const listen = async (server: import('node:net').Server) => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}`;
  };
  const paths: string[] = [];
  const hub = http.createServer((req, res) => {
    paths.push(req.url!);
    res.writeHead(401).end();
  });
  const held: import('node:net').Socket[] = [];
  const silent = net.createServer((socket) => held.push(socket));
  try {
    const hubUrl = await listen(hub);
    assert.equal(await upstreamAnswers(`${hubUrl}/`), true);
    assert.deepEqual(paths, ['/v2/']);
    assert.equal(await upstreamAnswers(await listen(silent), 300), false);
    assert.equal(await upstreamAnswers('http://127.0.0.1:1'), false);
  } finally {
    hub.close();
    for (const socket of held) socket.destroy();
    silent.close();
  }
});

test('Docker Hub is named as learners know it; any other upstream by its host', () => {
  assert.equal(upstreamName('https://registry-1.docker.io'), 'Docker Hub');
  assert.equal(upstreamName('https://mirror.gcr.io'), 'mirror.gcr.io');
});

test('the missing-image line with an upstream: not there (check the name) versus out of reach (what is here)', () => {
  const none = { kind: 'none', images: ['debian', 'nginx'] } as const;
  const answers = noteText('en', 'nginx:alpne', true, { kind: 'image', image: 'nginx' }, { kind: 'upstream', name: 'Docker Hub', state: 'answers' });
  assert.equal(answers, `Berth: Docker Hub has no nginx:alpne (or it is private), and neither has this sandbox's offline mirror: check the name and tag. Did you mean nginx? (Docker's "no such host" is only its last try, Docker Hub itself, which sandboxes never reach.)`);
  assert.doesNotMatch(noteText('en', 'acme/tool', true, none, { kind: 'upstream', name: 'Docker Hub', state: 'answers' }), /Images here/, 'not a menu: the upstream has the rest');
  const away = noteText('en', 'acme/tool', true, none, { kind: 'upstream', name: 'Docker Hub', state: 'unreachable' });
  assert.equal(away, `Berth: acme/tool is not in this sandbox's offline mirror, and this server cannot reach Docker Hub right now, so it could not be fetched (your network is fine). Images here: debian, nginx (yours: docker images).`);
  assert.match(noteText('zh', 'acme/tool', true, none, { kind: 'upstream', name: 'Docker Hub', state: 'unreachable' }), /^Berth：此沙盒的离线镜像仓库里没有 acme\/tool，而服务器现在连不上 Docker Hub，所以取不到它（并不是你的网络坏了）。可用的镜像有：debian、nginx/);
  assert.match(noteText('zh', 'nginx:alpne', true, none, { kind: 'upstream', name: 'Docker Hub', state: 'answers' }), /^Berth：Docker Hub 上没有 nginx:alpne（或它是私有的）/);
  assert.match(noteText('en', 'acme/tool', true, none, { kind: 'upstream', name: 'Docker Hub', state: undefined }), /^Berth: acme\/tool is not in this sandbox's offline mirror, and Docker Hub did not provide it\. Images here:/);
  // Without an upstream, the offline line as before.
  assert.match(noteText('en', 'acme/tool', true, none), /^Berth: acme\/tool is not in this sandbox's offline image mirror, so Docker tried Docker Hub/);
});

test('the upstream state: fixed probes of the cache and the upstream (401 counts as answering), re-asked after 15 s', async () => {
  const asked: string[] = [];
  const serve = (status: number) =>
    new Promise<http.Server>((resolve) => {
      const s = http.createServer((req, res) => {
        asked.push(req.url!);
        res.writeHead(status).end();
      });
      s.listen(0, '127.0.0.1', () => resolve(s));
    });
  const cache = await serve(200);
  const upstream = await serve(401);
  const url = (s: http.Server) => `http://127.0.0.1:${(s.address() as net.AddressInfo).port}`;
  let now = 0;
  const status = new UpstreamStatus('Docker Hub', url(upstream), url(cache), { debug: () => {} }, () => now);
  try {
    assert.equal(status.current, undefined);
    await status.freshen();
    assert.equal(status.current, 'answers');
    await new Promise<void>((r) => upstream.close(() => r()));
    now += 14_000;
    await status.freshen();
    assert.equal(status.current, 'answers', 'not asked again within 15 s');
    now += 2_000;
    await status.freshen();
    assert.equal(status.current, 'unreachable');
    assert.deepEqual([...new Set(asked)], ['/v2/']);
  } finally {
    cache.close();
    upstream.close();
  }
});
