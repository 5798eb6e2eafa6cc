// The rules behind Berth's lines for a build that needs the network while the host allows no downloads, and
// for a published port that is taken: which output means which, what the line says, where it goes, and
// that a visitor's output cannot make them cost more than a line's read. server/test/engine/egress.test.ts
// runs them in a real session.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NetworkNeededNotes } from '../../src/error-notes/network-needed-note.js';
import { OutputLines } from '../../src/terminal/output-lines.js';
import { PortTakenNotes } from '../../src/error-notes/port-taken-note.js';
import { containerName, publishedPorts } from '../../src/error-notes/published-ports.js';
import { ObserverChain } from '../../src/terminal/observer-chain.js';
import type { CommandOutputObserver } from '../../src/terminal/shell-integration.js';

function runCommand(o: CommandOutputObserver, line: string, output: string, exit: number): string | undefined {
  o.started(line);
  o.text(Buffer.from(output));
  return o.ended({ line, exit, at: 0 })?.toString().replace(/\x1b\[[0-9;]*m/g, '');
}

const NPM_OFFLINE = 'npm ERR! code ENOTFOUND\r\nnpm ERR! syscall getaddrinfo\r\nnpm ERR! errno ENOTFOUND\r\nnpm ERR! network request to https://pkgs.example/is-number failed, reason: getaddrinfo ENOTFOUND pkgs.example\r\n';
const LEGACY_BUILD_FAIL = "The command '/bin/sh -c npm install is-number' returned a non-zero code: 1\r\n";

test('a build whose RUN could not resolve a registry gets one line saying the host allows no downloads, and what works', () => {
  const notes = new NetworkNeededNotes(() => 'en');
  const line = runCommand(notes, 'docker build -t app .', `Step 3/3 : RUN npm install is-number\r\n ---> Running in 0a1b\r\n${NPM_OFFLINE}${LEGACY_BUILD_FAIL}`, 1);
  assert.equal(line, "Berth: A RUN step of this build tried to download from the internet, and this host allows no downloads (your network is fine). apt-get install works (through Berth's package cache); put other files in your folder and COPY them in instead.\r\n");
  for (const [tool, output] of [
    ['pip', "WARNING: Retrying ... NewConnectionError('<pip._vendor.urllib3.connection.HTTPSConnection>: Failed to establish a new connection: [Errno -3] Temporary failure in name resolution')\r\n"],
    ['git', "fatal: unable to access 'https://code.example/x/y/': Could not resolve host: code.example\r\n"],
    ['go', 'go: example.org/m@v1: Get "https://proxy.example/example.org/m/@v/v1.info": dial tcp: lookup proxy.example on 10.199.0.1:53: no such host\r\n'],
    ['apt', "W: Failed to fetch http://deb.example/debian/dists/bookworm/InRelease  Temporary failure resolving 'deb.example'\r\n"],
  ]) {
    assert.match(runCommand(notes, 'docker build .', output!, 1) ?? '', /^Berth: A RUN step/, tool);
  }
  const zh = runCommand(new NetworkNeededNotes(() => 'zh'), 'docker run --rm debian curl https://x.example', 'curl: (6) Could not resolve host: x.example\r\n', 6);
  assert.match(zh ?? '', /^Berth：容器里的命令想从互联网下载，但这台主机不允许任何下载/);
});

test('no network line for a success, a command that is not Docker\'s, or a pull of an image the mirror lacks (that note is another\'s)', () => {
  const notes = new NetworkNeededNotes(() => 'en');
  assert.equal(runCommand(notes, 'docker build .', NPM_OFFLINE, 0), undefined);
  assert.equal(runCommand(notes, 'cat npm-debug.log', NPM_OFFLINE, 1), undefined);
  assert.equal(runCommand(notes, 'docker pull alpine', 'Error response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 127.0.0.1:53: no such host\r\n', 1), undefined);
});

test('docker run -p to a taken port: the line names the container this shell published it with, and another port to use', () => {
  const notes = new PortTakenNotes(() => 'en');
  assert.equal(runCommand(notes, 'docker run -d -p 8080:80 --name web nginx', 'aea318daff22\r\n', 0), undefined);
  const taken = 'docker: Error response from daemon: driver failed programming external connectivity on endpoint jolly_hermann (9bec): Bind for 0.0.0.0:8080 failed: port is already allocated.\r\n';
  assert.equal(runCommand(notes, 'docker run -d -p 8080:80 nginx', `3fd0e895871c\r\n${taken}`, 125), 'Berth: port 8080 of this sandbox is already taken: container web holds it. Publish on another port, e.g. -p 8081:80, or remove that one first: docker rm -f web.\r\n');
  assert.equal(runCommand(notes, 'docker rm -f web', 'web\r\n', 0), undefined);
  assert.match(runCommand(notes, 'docker run -p 8080:80 httpd', taken, 125) ?? '', /another container or program holds it \(docker ps shows which container publishes it\)\. Publish on another port, e\.g\. -p 8081:80\.\r\n$/);
  runCommand(notes, 'docker run -d --publish=127.0.0.1:9000:5000/tcp registry', 'abc\r\n', 0);
  assert.match(
    runCommand(new ObserverChain([notes]), 'docker run -d -p9000:80 nginx', 'docker: Error response from daemon: listen tcp4 0.0.0.0:9000: bind: address already in use.', 125) ?? '',
    /^\r\nBerth: port 9000 of this sandbox is already taken: the container you started with docker run -d --publish=127\.0\.0\.1:9000:5000\/tcp registry holds it\. Publish on another port, e\.g\. -p 9001:80\.\r\n$/,
  );
  const zh = runCommand(new PortTakenNotes(() => 'zh'), 'docker run -p 8080:80 nginx', taken, 125);
  assert.match(zh ?? '', /^Berth：此沙盒的端口 8080 已被占用：另一个容器或程序占用了它/);
});

test('port lines are read only from Docker\'s commands and failures', () => {
  const notes = new PortTakenNotes(() => 'en');
  assert.equal(runCommand(notes, 'cat log', 'Bind for 0.0.0.0:8080 failed: port is already allocated\r\n', 1), undefined);
  assert.equal(runCommand(notes, 'docker logs web', 'Bind for 0.0.0.0:8080 failed: port is already allocated\r\n', 0), undefined);
});

test('published ports and names are read from what was typed', () => {
  assert.deepEqual(publishedPorts('docker run -p 8080:80 -p8443:443 --publish 127.0.0.1:5432:5432/tcp --publish=9000-9001:90-91 -p 80 x'), [
    { hostPort: 8080, containerPort: '80' },
    { hostPort: 8443, containerPort: '443' },
    { hostPort: 5432, containerPort: '5432/tcp' },
    { hostPort: 9000, containerPort: '90-91' },
  ]);
  assert.equal(containerName('docker run --name=web -d nginx'), 'web');
  assert.equal(containerName('docker run -d --name db postgres'), 'db');
  assert.equal(containerName('docker run -d nginx'), undefined);
});

test('attack: output crafted to hit the words in every line is read once per line, each line cut at its limit', () => {
  let calls = 0;
  let longest = 0;
  const lines = new OutputLines(['ENOTFOUND'], (l) => {
    calls++;
    longest = Math.max(longest, l.length);
  });
  const flood = `${'ENOTFOUND '.repeat(10_000)}\n`.repeat(20);
  lines.push(Buffer.from(flood));
  lines.finish();
  assert.equal(calls, 20);
  assert.ok(longest <= 2048, `a line is read up to 2 KiB, not ${longest}`);
});

test('two notes for one command come one under the other, with one line break before the first', () => {
  const a: CommandOutputObserver = { started() {}, text() {}, ended: () => Buffer.from('\r\nfirst\r\n') };
  const b: CommandOutputObserver = { started() {}, text() {}, ended: () => Buffer.from('\r\nsecond\r\n') };
  assert.equal(new ObserverChain([a, b]).ended({ line: 'x', exit: 1, at: 0 })?.toString(), '\r\nfirst\r\nsecond\r\n');
});
