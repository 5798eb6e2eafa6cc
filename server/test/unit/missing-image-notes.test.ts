// The rules behind Berth's line for an image the mirror lacks: which output means a failed pull and names
// which image, what a command line pulls, the nearest image a mirror has, and the line's place and words.
// The mirror here is a stand-in (MirrorImages); server/test/engine/missing-image-notes.test.ts runs the real one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DockerErrorScan, MAX_REFS, MAX_SCANNED_LINE } from '../../src/missing-images/docker-error-scan.js';
import { displayName, hubImage, MAX_PULLED, pulledRefs } from '../../src/missing-images/image-ref.js';
import { MissingImageNotes } from '../../src/missing-images/missing-image-note.js';
import { CATALOG_MAX_AGE_MS, MirrorCatalog, type MirrorImages } from '../../src/missing-images/mirror-catalog.js';
import { nearestImage } from '../../src/missing-images/nearest-image.js';
import { NEAREST_VERSION_NOT_DEBIAN_NOTE, NEAREST_VERSION_NOTE, NEWEST_VERSION_NOTE, STAND_INS } from '../../src/missing-images/nearest-images.js';
import { COMMAND_BURST } from '../../src/terminal/command-budget.js';
import { escapeValue, ShellIntegrationParser } from '../../src/terminal/shell-integration.js';

const HUB_DNS = 'dial tcp: lookup registry-1.docker.io on 127.0.0.1:53: no such host';

function mirror(images: Record<string, string[]>): MirrorImages {
  const tags = new Map(Object.entries(images).map(([repo, t]) => [repo.includes('/') ? repo : `library/${repo}`, t]));
  return { tags: (repo) => tags.get(repo), repos: () => [...tags.keys()].sort() };
}
const STARTERS = mirror({ busybox: ['latest'], debian: ['12', 'bookworm', 'latest'], 'hello-world': ['latest'], nginx: ['latest'], redis: ['latest'], registry: ['latest'] });

function scan(output: string): DockerErrorScan {
  const s = new DockerErrorScan();
  s.push(Buffer.from(output));
  s.finish();
  return s;
}

test('what docker pull, run, create and build print for a missing image reads as a failed pull naming it', () => {
  const pull = scan(`Using default tag: latest\r\nError response from daemon: Get "https://registry-1.docker.io/v2/": ${HUB_DNS}\r\n`);
  assert.deepEqual([pull.pullFailed, pull.hubUnreachable, pull.refs], [true, true, []]);
  const run = scan(`Unable to find image 'nginx:alpine' locally\r\ndocker: Error response from daemon: Get "https://registry-1.docker.io/v2/": ${HUB_DNS}.\r\nSee 'docker run --help'.\r\n`);
  assert.deepEqual([run.pullFailed, run.refs], [true, ['nginx:alpine']]);
  const build = scan(`Sending build context to Docker daemon  2.048kB\r\r\r\nStep 1/2 : FROM --platform=linux/amd64 node:18-alpine AS build\r\nGet "https://registry-1.docker.io/v2/": ${HUB_DNS}\r\n`);
  assert.deepEqual([build.pullFailed, build.refs], [true, ['node:18-alpine']]);
  const buildkit = scan(
    ` => ERROR [internal] load metadata for docker.io/library/ubuntu:latest     0.3s\r\n------\r\n > [internal] load metadata for docker.io/library/ubuntu:latest:\r\n------\r\n` +
      `ERROR: failed to solve: ubuntu: failed to resolve source metadata for docker.io/library/ubuntu:latest: failed to do request: Head "https://registry-1.docker.io/v2/library/ubuntu/manifests/latest": ${HUB_DNS}\r\n`,
  );
  assert.equal(buildkit.pullFailed, true);
  assert.deepEqual([...new Set(buildkit.refs.map((r) => displayName(hubImage(r)!)))], ['ubuntu']);
  const plainProgress = scan(`#3 [internal] load metadata for docker.io/library/python:3.12-alpine\r\n#3 ERROR: failed to do request: Head "https://registry-1.docker.io/v2/library/python/manifests/3.12-alpine": dial tcp: lookup registry-1.docker.io: i/o timeout\r\n`);
  assert.deepEqual([plainProgress.pullFailed, plainProgress.refs], [true, ['library/python:3.12-alpine']]);
  const upstream = scan('Error response from daemon: pull access denied for nosuch/thing, repository does not exist or may require \'docker login\'\r\n');
  assert.deepEqual([upstream.pullFailed, upstream.hubUnreachable, upstream.refs], [true, false, ['nosuch/thing']]);
});

test('colours, cursor moves and a line split across chunks do not hide the error', () => {
  const s = new DockerErrorScan();
  const text = `\x1b[31mUnable to find image 'ubu\x1b[0mntu:22.04' locally\r\ndocker: Error response from daemon: Get "https://registry-1.docker.io/v2/": ${HUB_DNS}.`;
  for (const ch of text) s.push(Buffer.from(ch));
  s.finish();
  assert.deepEqual([s.pullFailed, s.refs, s.atLineStart], [true, ['ubuntu:22.04'], false]);
});

test('a name split between two chunks of plain lines is still read (the fast path for chunks without Docker\'s words)', () => {
  const s = new DockerErrorScan();
  for (const chunk of ['log line\nlog line\nUnable to find im', "age 'alpine:3.19' locally\nlog line\nlog line\ndocker: Error response from daemon: Get \"https://registry-1.do", `cker.io/v2/": ${HUB_DNS}\nlog line\n`]) {
    s.push(Buffer.from(chunk));
  }
  s.finish();
  assert.deepEqual([s.pullFailed, s.hubUnreachable, s.refs, s.atLineStart], [true, true, ['alpine:3.19'], true]);
});

test('failures that are not a missing image are not read as one', () => {
  for (const output of [
    "unknown flag: --nme\r\nSee 'docker run --help'.\r\n",
    'docker: Error response from daemon: driver failed programming external connectivity on endpoint web: Bind for 0.0.0.0:8080 failed: port is already allocated.\r\n',
    'Step 2/2 : RUN apt-get install -y curl\r\nE: Unable to locate package curl\r\nThe command \'/bin/sh -c apt-get install -y curl\' returned a non-zero code: 100\r\n',
    'Get "https://gcr.io/v2/": dial tcp: lookup gcr.io on 127.0.0.1:53: no such host\r\n',
  ]) {
    assert.equal(scan(output).pullFailed, false, output);
  }
});

test('what a command line pulls: docker pull and docker image pull, past options, in every simple command', () => {
  assert.deepEqual(pulledRefs('docker pull alpine'), ['alpine']);
  assert.deepEqual(pulledRefs('docker pull --platform linux/amd64 -q nginx:alpine && docker run -d -p 80:80 nginx:alpine'), ['nginx:alpine']);
  assert.deepEqual(pulledRefs('DOCKER_CONTENT_TRUST=0 docker -H unix:///run/user/1000/docker.sock image pull "mysql:8"; docker pull ubuntu | cat'), ['mysql:8', 'ubuntu']);
  assert.deepEqual(pulledRefs('echo docker pull alpine; docker ps; docker run alpine'), []);
  assert.equal(pulledRefs('docker pull x;'.repeat(1000)).length, MAX_PULLED);
});

test('Docker Hub names are read as Docker reads them; other registries are none of the mirror\'s business', () => {
  assert.deepEqual(hubImage('alpine'), { repo: 'library/alpine', tag: 'latest' });
  assert.deepEqual(hubImage('docker.io/library/node:18-alpine'), { repo: 'library/node', tag: '18-alpine' });
  assert.deepEqual(hubImage('bitnami/redis:7.2'), { repo: 'bitnami/redis', tag: '7.2' });
  assert.deepEqual(hubImage(`alpine@sha256:${'a'.repeat(64)}`), { repo: 'library/alpine', tag: undefined });
  for (const other of ['gcr.io/distroless/base', 'localhost:5000/app', '198.18.0.1:5000/x', 'Alpine', '', 'a'.repeat(300)]) {
    assert.equal(hubImage(other), undefined, other);
  }
});

test('the nearest image: a stand-in for what Debian cannot be, the Debian-based tag of an -alpine one, else what is there', () => {
  const near = (ref: string, m = STARTERS) => nearestImage(hubImage(ref)!, m);
  assert.deepEqual(near('alpine:3.19'), { kind: 'image', image: 'debian', note: STAND_INS['library/alpine']!.note });
  assert.equal((near('alpine', mirror({ busybox: ['latest'] })) as { image: string }).image, 'busybox');
  assert.equal((near('ubuntu:22.04') as { image: string }).image, 'debian');
  assert.equal((near('nginx:alpine') as { image: string }).image, 'nginx');
  assert.equal((near('nginx:1.25') as { image: string }).image, 'nginx');
  assert.deepEqual(near('mysql:8'), { kind: 'no-stand-in', standIn: 'mariadb:10.11', images: ['busybox', 'debian', 'hello-world', 'nginx', 'redis', 'registry'] });
  assert.equal((near('mysql:8', mirror({ mariadb: ['10.11', 'latest'] })) as { image: string }).image, 'mariadb:10.11');
  assert.equal((near('mysql', mirror({ mariadb: ['latest'] })) as { image: string }).image, 'mariadb');
  const langs = mirror({ node: ['18', '20', 'latest'], python: ['3', '3.11', 'latest'], golang: ['1.22'] });
  assert.equal((near('node:18-alpine', langs) as { image: string }).image, 'node:18');
  assert.equal((near('node:16-alpine3.17', langs) as { image: string }).image, 'node');
  assert.equal((near('python:3.11.4-alpine3.18', langs) as { image: string }).image, 'python:3.11');
  assert.equal((near('python:3.12-alpine', langs) as { image: string }).image, 'python:3');
  assert.deepEqual(near('golang:1.21-alpine', langs), { kind: 'image', image: 'golang:1.22', note: NEAREST_VERSION_NOT_DEBIAN_NOTE });
  assert.deepEqual(near('node:18-alpine'), { kind: 'none', images: ['busybox', 'debian', 'hello-world', 'nginx', 'redis', 'registry'] });
});

test('a version the mirror lacks, of an image it has without latest: the nearest version, as precise as the one asked for', () => {
  const near = (ref: string, m: MirrorImages) => nearestImage(hubImage(ref)!, m);
  // As this mirror has them: node and postgres from Debian's packages, no latest (Docker Hub's is newer).
  const here = mirror({
    node: ['18', '18-bookworm', '18.20', '18.20.4', '18-slim', '20', '20-trixie', '20.19', '20.19.2'],
    postgres: ['15', '15-bookworm', '15.20', '15.20-bookworm'],
    golang: ['1.24', '1.24-trixie', '1.24.4', '1.24.4-trixie'],
    'berth/nettools': ['latest'],
    debian: ['bookworm', 'trixie'],
  });
  assert.deepEqual(near('postgres:16-alpine', here), { kind: 'image', image: 'postgres:15', note: NEAREST_VERSION_NOT_DEBIAN_NOTE });
  assert.deepEqual(near('postgres:13', here), { kind: 'image', image: 'postgres:15', note: NEAREST_VERSION_NOTE });
  assert.deepEqual(near('postgres', here), { kind: 'image', image: 'postgres:15', note: NEWEST_VERSION_NOTE });
  assert.deepEqual(near('node', here), { kind: 'image', image: 'node:20', note: NEWEST_VERSION_NOTE });
  assert.equal((near('node:18-alpine', here) as { image: string }).image, 'node:18');
  assert.equal((near('node:20.11-alpine3.19', here) as { image: string }).image, 'node:20', 'its major line first');
  assert.equal((near('node:16', here) as { image: string }).image, 'node:18');
  assert.equal((near('node:19', here) as { image: string }).image, 'node:20', 'between two: the newer');
  assert.equal((near('node:22-bookworm-slim', here) as { image: string }).image, 'node:20');
  assert.equal((near('golang:1.21-alpine', here) as { image: string }).image, 'golang:1.24');
  assert.equal((near('golang:1', here) as { image: string }).image, 'golang:1.24', 'no major-only tag: the major.minor one');
  assert.equal((near('golang:alpine', here) as { image: string }).image, 'golang:1.24');
  assert.deepEqual(near('debian:12', mirror({ debian: ['bookworm'] })), { kind: 'tags', repo: 'debian', tags: ['bookworm'] });
  assert.deepEqual(near('nicolaka/netshoot', here), { kind: 'image', image: 'berth/nettools', note: STAND_INS['nicolaka/netshoot']!.note });
  assert.equal(near('nicolaka/netshoot:v0.13', STARTERS).kind, 'no-stand-in');
});

const NONCE = 'n0nce';
const E = (line: string) => `\x1b]633;E;${escapeValue(line)};${NONCE}\x07\x1b]133;C\x07`;
const D = (exit: number) => `\x1b]133;D;${exit};${NONCE}\x07`;
const PROMPT = '\x1b]133;A\x07user@berth:~$ \x1b]133;B\x07';

function shell(images: MirrorImages | undefined, lang: 'en' | 'zh' = 'en') {
  const catalog = { current: images, freshen: async () => {} } as unknown as MirrorCatalog;
  const frozen = () => 1000; // the budget refills with time: none passes here
  const parser = new ShellIntegrationParser(NONCE, () => {}, frozen, undefined, new MissingImageNotes(catalog, () => lang, frozen));
  return (...chunks: string[]) => chunks.map((c) => parser.push(Buffer.from(c)).toString('utf8')).join('').replace(/\x1b\[[0-9;]*m/g, '');
}

test('the line comes after Docker\'s error and before the prompt, in the learner\'s language', () => {
  const out = shell(STARTERS)(PROMPT, 'docker pull alpine\r\n', E('docker pull alpine'), `Using default tag: latest\r\nError response from daemon: Get "https://registry-1.docker.io/v2/": ${HUB_DNS}\r\n`, D(1) + PROMPT);
  assert.equal(
    out,
    `user@berth:~$ docker pull alpine\r\nUsing default tag: latest\r\nError response from daemon: Get "https://registry-1.docker.io/v2/": ${HUB_DNS}\r\n` +
      "Berth: alpine is not in this sandbox's offline image mirror, so Docker tried Docker Hub, which is out of reach here (your network is fine). Use debian instead (a small Linux too; apt-get instead of apk).\r\n" +
      'user@berth:~$ ',
  );
  const zh = shell(STARTERS, 'zh')(E('docker run -it ubuntu bash'), `Unable to find image 'ubuntu:latest' locally\r\ndocker: Error response from daemon: Get "https://registry-1.docker.io/v2/": ${HUB_DNS}.`, D(125) + PROMPT);
  assert.match(zh, /no such host\.\r\nBerth：此沙盒的离线镜像仓库里没有 ubuntu，.*请改用 debian（Ubuntu 源自 Debian，apt-get 用法相同）。\r\nuser@berth:~\$ $/);
});

test('no line for an image the mirror has, a failure of another kind, or before the mirror was first read', () => {
  const busyboxDown = `Unable to find image 'busybox:latest' locally\r\ndocker: Error response from daemon: Get "https://registry-1.docker.io/v2/": ${HUB_DNS}.\r\n`;
  assert.doesNotMatch(shell(STARTERS)(E('docker run busybox'), busyboxDown, D(125) + PROMPT), /Berth/);
  assert.doesNotMatch(shell(STARTERS)(E('docker run --nme x alpine'), "unknown flag: --nme\r\nSee 'docker run --help'.\r\n", D(125) + PROMPT), /Berth/);
  assert.doesNotMatch(shell(undefined)(E('docker pull alpine'), `Error response from daemon: Get "https://registry-1.docker.io/v2/": ${HUB_DNS}\r\n`, D(1) + PROMPT), /Berth/);
  // The error printed while no command runs (between prompts) is not a command's.
  assert.doesNotMatch(shell(STARTERS)(`Unable to find image 'alpine:latest' locally\r\n${HUB_DNS}\r\n`, PROMPT), /Berth/);
  // Nor is a saved error printed again by another command.
  assert.doesNotMatch(shell(STARTERS)(E('cat pull.log'), `Unable to find image 'alpine:latest' locally\r\n${HUB_DNS}\r\n`, D(0) + PROMPT), /Berth/);
});

test('attack: fake errors and end marks printed in a loop get no more Berth lines than the command budget', () => {
  const run = shell(STARTERS);
  const fake = `${E('docker pull alpine')}Error response from daemon: Get "https://registry-1.docker.io/v2/": ${HUB_DNS}\r\n${D(1)}`;
  const out = run(fake.repeat(2000));
  const lines = out.split('\r\n').filter((l) => l.startsWith('Berth:')).length;
  assert.equal(lines, COMMAND_BURST);
});

test('attack: an endless line, and a flood of image names, are held and kept within fixed bounds', () => {
  const s = new DockerErrorScan();
  const chunk = Buffer.from("Unable to find image 'x' locally ".repeat(4096));
  for (let i = 0; i < 64; i++) s.push(chunk); // 8 MiB without a line break
  assert.ok((s as unknown as { lines: { line: string } }).lines.line.length <= MAX_SCANNED_LINE);
  const names = Array.from({ length: 500 }, (_, i) => `Unable to find image 'img${i}:latest' locally\n`).join('');
  s.push(Buffer.from(`\n${names}`));
  s.finish();
  assert.equal(s.refs.length, MAX_REFS);
});

test('the mirror is asked as a whole, at most once a minute however many commands start; an oversized answer is refused', async () => {
  const http = await import('node:http');
  const asked: string[] = [];
  let huge = false;
  const registry = http.createServer((req, res) => {
    asked.push(req.url!);
    res.setHeader('content-type', 'application/json');
    if (req.url!.startsWith('/v2/_catalog')) return res.end(huge ? `{"repositories":["${'x'.repeat(1024 * 1024)}"]}` : '{"repositories":["library/debian","library/nginx"]}');
    res.end(JSON.stringify({ name: 'x', tags: req.url!.includes('debian') ? ['latest', '12'] : ['latest'] }));
  });
  await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
  try {
    let now = 0;
    const catalog = new MirrorCatalog(`http://127.0.0.1:${(registry.address() as { port: number }).port}`, { debug: () => {} }, () => now);
    await Promise.all(Array.from({ length: 100 }, () => catalog.freshen()));
    for (let i = 0; i < 100; i++) await catalog.freshen();
    assert.deepEqual(asked.sort(), ['/v2/_catalog?n=1000', '/v2/library/debian/tags/list?n=1000', '/v2/library/nginx/tags/list?n=1000']);
    assert.deepEqual([catalog.current!.repos(), catalog.current!.tags('library/debian')], [['library/debian', 'library/nginx'], ['12', 'latest']]);
    huge = true;
    now += CATALOG_MAX_AGE_MS;
    await catalog.freshen();
    assert.equal(asked.length, 4);
    assert.deepEqual(catalog.current!.repos(), ['library/debian', 'library/nginx'], 'the last snapshot is kept');
  } finally {
    registry.closeAllConnections();
    registry.close();
  }
});
