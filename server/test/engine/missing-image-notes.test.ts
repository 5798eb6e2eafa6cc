// A learner follows a tutorial that asks for an image the offline mirror lacks: the terminal shows Docker's
// own error, then one Berth line in their language naming the nearest image the mirror has; the command's
// exit status is Docker's. Commands that fail for other reasons, or images that exist, get no Berth line.
// Which images the mirror has is asked of the mirror here too (it is shared, and grows as images are added),
// so each expectation names what a learner would be offered on this host.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ServerEvent } from '@berth/shared';
import { createSession, startTestServer, TerminalClient, type CreatedSession, type TestServer } from '../helpers.js';

const MIRROR = `http://${process.env.BERTH_SERVICE_IP || '198.18.0.1'}:5000`;
const HUB_UNREACHABLE = /Error response from daemon: Get "https:\/\/registry-1\.docker\.io\/v2\/": .*no such host/;

async function mirrorTags(name: string): Promise<string[]> {
  const res = await fetch(`${MIRROR}/v2/${name.includes('/') ? name : `library/${name}`}/tags/list`);
  if (res.status === 404) return [];
  assert.equal(res.status, 200);
  return ((await res.json()) as { tags: string[] }).tags;
}

async function mirrorImages(): Promise<string> {
  const { repositories } = (await (await fetch(`${MIRROR}/v2/_catalog`)).json()) as { repositories: string[] };
  return repositories.map((r) => r.replace(/^library\//, '')).sort().join(', ');
}

/** Types a command as a learner does; resolves once the next prompt is up, with what the screen shows for it. */
async function learnerRuns(term: TerminalClient, command: string, timeoutMs = 60_000): Promise<{ screen: string; exit: number }> {
  const seen = term.events.length;
  const start = term.text.length;
  term.type(`${command}\r`);
  const event = (await term.waitFor(
    () => term.events.slice(seen).find((e): e is Extract<ServerEvent, { type: 'command' }> => e.type === 'command' && e.line === command),
    timeoutMs,
    `${command} to end`,
  ));
  await term.waitFor(() => /\$ $/.test(term.text), 10_000, 'the next prompt');
  const screen = term.text.slice(start);
  return { screen: screen.slice(screen.indexOf('\n') + 1), exit: event.exit };
}

/** Docker's error, then exactly one Berth line, then the prompt. */
function assertErrorThenOneBerthLine(screen: string, berthLine: RegExp): string {
  const lines = screen.split(/\r?\n/);
  const berth = lines.filter((l) => /^Berth[:：]/.test(l));
  assert.equal(berth.length, 1, `one Berth line:\n${screen}`);
  assert.match(berth[0]!, berthLine);
  const errorAt = lines.findIndex((l) => HUB_UNREACHABLE.test(l) || /no such host/.test(l));
  const berthAt = lines.indexOf(berth[0]!);
  assert.ok(errorAt >= 0 && errorAt < berthAt, `Docker's error comes first:\n${screen}`);
  assert.match(lines.slice(berthAt + 1).join('\n'), /^user@berth:.*\$ $/, `the prompt follows the Berth line:\n${screen}`);
  return berth[0]!;
}

function assertNoBerthLine(screen: string): void {
  assert.doesNotMatch(screen, /^Berth[:：]/m, `no Berth line:\n${screen}`);
}

describe('an image the offline mirror lacks', () => {
  let server: TestServer;
  let term: TerminalClient;
  let s: CreatedSession;
  before(async () => {
    server = await startTestServer();
    s = await createSession(server, { lang: 'en' });
    term = await TerminalClient.connect(server, s);
    await term.ready();
  });
  after(async () => {
    await term?.close();
    await server?.close();
  });

  test('docker pull alpine: Docker\'s error, then one Berth line offering debian; exit status 1 as Docker gives it', async () => {
    assert.ok((await mirrorTags('debian')).includes('latest'), 'the mirror has debian');
    const { screen, exit } = await learnerRuns(term, 'docker pull alpine');
    assert.match(screen, HUB_UNREACHABLE);
    assertErrorThenOneBerthLine(screen, /^Berth: alpine is not in this sandbox's offline image mirror, so Docker tried Docker Hub, which is out of reach here \(your network is fine\)\. Use debian instead \(a small Linux too; apt-get instead of apk\)\.$/);
    assert.equal(exit, 1);
  });

  test('docker run nginx:alpine: Docker\'s error, then one Berth line offering nginx; exit status 125', async () => {
    const { screen, exit } = await learnerRuns(term, 'docker run nginx:alpine');
    assert.match(screen, /Unable to find image 'nginx:alpine' locally/);
    assertErrorThenOneBerthLine(screen, /^Berth: nginx:alpine is not in .*\. Use nginx instead \(its Debian-based tag; apt-get instead of apk\)\.$/);
    assert.equal(exit, 125);
  });

  test('docker run -it ubuntu bash: Docker\'s error, then one Berth line offering debian; exit status 125', async () => {
    const { screen, exit } = await learnerRuns(term, 'docker run -it ubuntu bash');
    assertErrorThenOneBerthLine(screen, /^Berth: ubuntu is not in .*\. Use debian instead \(Ubuntu is built from Debian; apt-get works the same\)\.$/);
    assert.equal(exit, 125);
  });

  test('docker pull mysql:8: Docker\'s error, then one Berth line naming mariadb:10.11 (or saying the mirror lacks it too)', async () => {
    const mariadb = await mirrorTags('mariadb');
    const { screen, exit } = await learnerRuns(term, 'docker pull mysql:8');
    if (mariadb.includes('10.11')) {
      assertErrorThenOneBerthLine(screen, /^Berth: mysql:8 is not in .*\. Use mariadb:10\.11 instead \(a drop-in for MySQL: same client, port 3306 and MYSQL_\* settings\)\.$/);
    } else {
      const line = assertErrorThenOneBerthLine(screen, /^Berth: mysql:8 is not in .*\. Its stand-in, mariadb:10\.11, is not here either\. Images here: (.*) \(yours: docker images\)\.$/);
      assert.equal(/Images here: (.*) \(yours/.exec(line)![1], await mirrorImages());
    }
    assert.equal(exit, 1);
  });

  test('docker build of a Dockerfile FROM node:18-alpine: Docker\'s error, then one Berth line naming the nearest node image', async () => {
    assert.equal((await learnerRuns(term, `mkdir -p app && printf 'FROM node:18-alpine\\nCMD ["node"]\\n' > app/Dockerfile`)).exit, 0);
    const node = await mirrorTags('node');
    const { screen, exit } = await learnerRuns(term, 'docker build -t app app');
    // BuildKit, the session's default builder, names the image in its failed metadata step.
    assert.match(screen, /ERROR \[internal\] load metadata for docker\.io\/library\/node:18-alpine/);
    if (node.includes('18')) assertErrorThenOneBerthLine(screen, /^Berth: node:18-alpine is not in .*\. Use node:18 instead \(its Debian-based tag; apt-get instead of apk\)\.$/);
    else if (node.includes('latest')) assertErrorThenOneBerthLine(screen, /^Berth: node:18-alpine is not in .*\. Use node instead \(its Debian-based tag; apt-get instead of apk\)\.$/);
    else {
      const line = assertErrorThenOneBerthLine(screen, /^Berth: node:18-alpine is not in .*\. Images here: .* \(yours: docker images\)\.$/);
      assert.equal(/Images here: (.*) \(yours/.exec(line)![1], await mirrorImages());
    }
    assert.equal(exit, 1);
  });

  test('docker pull postgres:16-alpine: Docker\'s error, then one Berth line naming postgres:15, the version here', async () => {
    assert.ok((await mirrorTags('postgres')).includes('15'), 'the mirror has postgres:15');
    assert.ok(!(await mirrorTags('postgres')).includes('16'), 'and no postgres:16');
    const { screen, exit } = await learnerRuns(term, 'docker pull postgres:16-alpine');
    assertErrorThenOneBerthLine(screen, /^Berth: postgres:16-alpine is not in .*\. Use postgres:15 instead \(the nearest version here, Debian-based; apt-get instead of apk\)\.$/);
    assert.equal(exit, 1);
  });

  test('docker run -it --rm nicolaka/netshoot: Docker\'s error, then one Berth line naming berth/nettools', async () => {
    assert.ok((await mirrorTags('berth/nettools')).includes('latest'), 'the mirror has berth/nettools');
    const { screen, exit } = await learnerRuns(term, 'docker run -it --rm nicolaka/netshoot');
    assertErrorThenOneBerthLine(screen, /^Berth: nicolaka\/netshoot is not in .*\. Use berth\/nettools instead \(the same network tools: dig, curl, tcpdump, iperf3, nc, ip, ss…\)\.$/);
    assert.equal(exit, 125);
  });

  test('docker pull busybox (in the mirror) prints no Berth line', async () => {
    const { screen, exit } = await learnerRuns(term, 'docker pull busybox');
    assert.match(screen, /busybox:latest/);
    assertNoBerthLine(screen);
    assert.equal(exit, 0);
  });

  test('docker run busybox false (a container that fails) prints no Berth line; exit status 1', async () => {
    const { screen, exit } = await learnerRuns(term, 'docker run busybox false');
    assertNoBerthLine(screen);
    assert.equal(exit, 1);
  });

  test('a typo\'d flag (docker run --nme web alpine) prints Docker\'s usage error and no Berth line', async () => {
    const { screen, exit } = await learnerRuns(term, 'docker run --nme web alpine');
    assert.match(screen, /unknown flag: --nme/);
    assertNoBerthLine(screen);
    assert.equal(exit, 125);
  });

  test('docker run -it busybox sh stays interactive: typed lines reach the container, its exit status comes back', async () => {
    const seen = term.events.length;
    const start = term.text.length;
    term.type('docker run -it --rm busybox sh\r');
    await term.waitFor(() => /\/ # $/.test(term.text), 30_000, 'the container\'s prompt');
    term.type('echo inside-$((6*7)); [ -t 0 ] && echo has-a-tty\r');
    await term.waitForText(/inside-42\r?\nhas-a-tty/);
    term.type('exit 3\r');
    const event = await term.waitFor(() => term.events.slice(seen).find((e) => e.type === 'command'), 30_000, 'the command to end');
    await term.waitFor(() => /\$ $/.test(term.text), 10_000, 'the next prompt');
    assert.equal(event.type === 'command' && event.exit, 3);
    assertNoBerthLine(term.text.slice(start));
  });

  test('a learner who opens a lesson in Chinese mid-session reads the line in Chinese from then on', async () => {
    const put = await fetch(`${server.url}/api/sessions/${s.id}/lesson`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}` },
      body: JSON.stringify({ lesson: 'first-container', step: 'run-hello', lang: 'zh' }),
    });
    assert.equal(put.status, 200);
    const { screen, exit } = await learnerRuns(term, 'docker create ubuntu');
    assertErrorThenOneBerthLine(screen, /^Berth：此沙盒的离线镜像仓库里没有 ubuntu，.*请改用 debian（Ubuntu 源自 Debian，apt-get 用法相同）。$/);
    assert.equal(exit, 1);
  });
});

describe('an image the offline mirror lacks, for a learner reading Chinese', () => {
  let server: TestServer;
  let term: TerminalClient;
  before(async () => {
    server = await startTestServer();
    const s = await createSession(server, { lang: 'zh' });
    term = await TerminalClient.connect(server, s);
    await term.ready();
  });
  after(async () => {
    await term?.close();
    await server?.close();
  });

  test('docker pull alpine: Docker\'s error, then one Berth line in Chinese offering debian; exit status 1', async () => {
    const { screen, exit } = await learnerRuns(term, 'docker pull alpine');
    assertErrorThenOneBerthLine(screen, /^Berth：此沙盒的离线镜像仓库里没有 alpine，Docker 于是去找 Docker Hub，而这里不能上网（并不是你的网络坏了）。请改用 debian（同样是小型 Linux；用 apt-get 代替 apk）。$/);
    assert.equal(exit, 1);
  });
});
