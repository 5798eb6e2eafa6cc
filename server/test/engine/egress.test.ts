// Package egress as a learner meets it. With BERTH_EGRESS=registries, the registry this machine's npm uses
// (read from `npm config get registry`, never written here) on the allow-list, and the egress proxy on a
// port of this test's own: the shell, a nested container and a build reach it through the proxy, with no
// setting of the learner's, and a real `npm install` works; any other host, through the proxy or around
// it, is refused. With egress off (the default) a build's `RUN npm install` fails and Berth's line says
// why; `docker run -p 8080:80` twice gets the port-taken line.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import dns from 'node:dns';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServerEvent } from '@berth/shared';
import type { EgressLogEntry } from '../../src/egress/egress-proxy.js';
import fs from 'node:fs';
import { createRuntime } from '../../src/app.js';
import type { Config } from '../../src/config.js';
import { sessionProxy } from '../../src/egress/session-proxy.js';
import { createSession, startTestServer, TerminalClient, type TestServer } from '../helpers.js';

const SERVICE_IP = process.env.BERTH_SERVICE_IP || '198.18.0.1';
const REGISTRY = execFileSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' }).trim().replace(/\/?$/, '/');
const REGISTRY_HOST = new URL(REGISTRY).hostname;
/** A small package without dependencies, and an npm that runs on Debian 12's node (fetched through the proxy too). */
const PACKAGE = 'is-number@7.0.0';
/** The host's certificate bundle, as the sessions of this test get it (see withHostCa). */
const CA_FILE = 'host-ca-certificates.crt';
const NPM_TARBALL = `${REGISTRY}npm/-/npm-9.9.4.tgz`;
/** Node from Debian (through the package cache), npm from the registry (through the egress proxy, in a RUN). */
const NODE_IMAGE_DOCKERFILE = [
  'FROM python',
  `COPY ${CA_FILE} /etc/ssl/${CA_FILE}`,
  `ENV SSL_CERT_FILE=/etc/ssl/${CA_FILE} NODE_EXTRA_CA_CERTS=/etc/ssl/${CA_FILE}`,
  'RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends nodejs >/dev/null',
  `RUN python3 -c "import urllib.request as u, sys; u.urlretrieve(sys.argv[1], sys.argv[2])" ${NPM_TARBALL} /tmp/npm.tgz && mkdir /opt/npm && tar -xzf /tmp/npm.tgz -C /opt/npm --strip-components=1 && ln -s /opt/npm/bin/npm-cli.js /usr/local/bin/npm && rm /tmp/npm.tgz`,
].join('\\n');

/**
 * This machine reaches the internet only through a TLS-inspecting gateway whose certificate authority the host
 * trusts (it is in the host's bundle), while the session's images trust Debian's authorities only. So the test
 * hands the host's bundle to its sessions (a file in the home, named by SSL_CERT_FILE in the shell) and to the
 * images it builds (COPY, then SSL_CERT_FILE and NODE_EXTRA_CA_CERTS). A host without such a gateway needs none
 * of this; the egress proxy never terminates TLS either way (CONNECT passes the bytes through).
 */
const HOST_CA_BUNDLE = fs.readFileSync('/etc/ssl/certs/ca-certificates.crt', 'utf8');
const withHostCa = (config: Config) => {
  const given = sessionProxy(config);
  return createRuntime(config, {
    shellEnv: [...(given?.env ?? []), `SSL_CERT_FILE=/home/user/${CA_FILE}`],
    homeFiles: { ...given?.homeFiles, [CA_FILE]: HOST_CA_BUNDLE },
  });
};

async function learnerRuns(term: TerminalClient, command: string, timeoutMs = 120_000): Promise<{ screen: string; exit: number }> {
  const seen = term.events.length;
  const start = term.text.length;
  term.type(`${command}\r`);
  const event = await term.waitFor(
    () => term.events.slice(seen).find((e): e is Extract<ServerEvent, { type: 'command' }> => e.type === 'command' && e.line === command),
    timeoutMs,
    `${command} to end`,
  );
  await term.waitFor(() => /\$ $/.test(term.text), 10_000, 'the next prompt');
  const screen = term.text.slice(start);
  return { screen: screen.slice(screen.indexOf('\n') + 1), exit: event.exit };
}

function berthLines(screen: string): string[] {
  return screen.split(/\r?\n/).filter((l) => /^Berth[:：]/.test(l));
}

/** The egress proxy as Berth runs it (egress-main.ts, as nobody), on this test's own port, with the firewall opened for that port only. */
class OwnEgressProxy {
  readonly port = 31_000 + crypto.randomInt(3000);
  readonly log: EgressLogEntry[] = [];
  private child: ChildProcess | undefined;
  private readonly rule = ['BERTH-INPUT', '-d', `${SERVICE_IP}/32`, '-p', 'tcp', '--dport', String(this.port), '-j', 'ACCEPT'];

  async start(allow: string[]): Promise<void> {
    const uid = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }));
    const gid = Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' }));
    const main = path.resolve(import.meta.dirname, '..', '..', 'src', 'egress', 'egress-main.ts');
    this.child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), main, `--listen=${SERVICE_IP}:${this.port}`, `--allow=${allow.join(',')}`, `--refuse=${SERVICE_IP}`], {
      uid,
      gid,
      cwd: '/',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let pending = '';
    let listening!: () => void;
    const up = new Promise<void>((r) => (listening = r));
    this.child.stdout!.on('data', (c: Buffer) => {
      pending += c.toString();
      for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
        const entry = JSON.parse(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
        if (entry.msg?.startsWith('egress proxy listening')) listening();
        else this.log.push(entry);
      }
    });
    await up;
    execFileSync('iptables', ['-w', '-I', ...this.rule.slice(0, 1), '1', ...this.rule.slice(1)]);
  }

  async stop(): Promise<void> {
    execFileSync('iptables', ['-w', '-D', ...this.rule], { stdio: 'ignore' });
    if (this.child && this.child.exitCode === null) {
      const gone = new Promise((r) => this.child!.once('exit', r));
      this.child.kill('SIGTERM');
      await gone;
    }
  }
}

const proxy = new OwnEgressProxy();
before(() => proxy.start([REGISTRY_HOST]));
after(() => proxy.stop());

/** The image with node and npm that the builds below start from (the test's own setup: its npm comes from the registry). */
async function buildNpmBase(term: TerminalClient, buildArgs = ''): Promise<void> {
  const build = await learnerRuns(term, `mkdir -p ~/npmbase && printf '${NODE_IMAGE_DOCKERFILE}\\n' > ~/npmbase/Dockerfile && cp ~/${CA_FILE} ~/npmbase/ && docker build -q ${buildArgs}-t npmbase ~/npmbase`, 840_000);
  assert.equal(build.exit, 0, build.screen);
  assert.deepEqual(berthLines(build.screen), []);
}

describe('BERTH_EGRESS=registries', () => {
  let server: TestServer;
  let term: TerminalClient;
  let sessionAddress: string;

  before(async () => {
    server = await startTestServer({ BERTH_EGRESS: 'registries', BERTH_EGRESS_PORT: String(proxy.port), BERTH_EGRESS_HOSTS: REGISTRY_HOST }, { runtime: withHostCa });
    const session = await createSession(server);
    term = await TerminalClient.connect(server, session);
    await term.ready();
    // Its address on Berth's network, the one the proxy sees (the shell's own `hostname -I` names the engine's network).
    sessionAddress = await server.berth.runtime.address(session.id);
    assert.match(sessionAddress, /^\d+\.\d+\.\d+\.\d+$/);
  });
  after(async () => {
    await term?.close();
    await server?.close();
  });

  test('the shell reaches the allowed registry with no setting of the learner\'s, and the proxy logs the session, host, bytes and verdict', async () => {
    const { screen, exit } = await learnerRuns(term, `curl -sS -o /dev/null -w 'status %{http_code}\\n' ${REGISTRY}${PACKAGE.split('@')[0]}`);
    assert.equal(exit, 0, screen);
    assert.match(screen, /^status 200\r?$/m);
    // The proxy writes a tunnel's line when it closes, which can be just after curl has exited.
    const passed = () => proxy.log.find((e) => e.host === REGISTRY_HOST && e.verdict === 'passed');
    for (let i = 0; i < 100 && !passed(); i++) await sleep(100);
    const entry = passed();
    assert.ok(entry, JSON.stringify(proxy.log));
    assert.deepEqual([entry.session, entry.method, entry.port], [sessionAddress, 'CONNECT', 443]);
    assert.ok(entry.down > 1000 && entry.up > 100, JSON.stringify(entry));
  });

  test('any other address is refused: a host not on the list and an address through the proxy, and the registry itself around it', async () => {
    const other = await learnerRuns(term, 'curl -sS -o /dev/null https://example.com/');
    assert.notEqual(other.exit, 0);
    assert.match(other.screen, /CONNECT tunnel failed, response 403/);
    const literal = await learnerRuns(term, 'curl -sS -o /dev/null https://169.254.169.254/latest/meta-data/');
    assert.match(literal.screen, /CONNECT tunnel failed, response 403/);
    assert.deepEqual(
      proxy.log.filter((e) => e.verdict === 'refused').map((e) => [e.session, e.host, e.reason]),
      [
        [sessionAddress, 'example.com', "example.com is not on this host's egress allow-list"],
        [sessionAddress, '169.254.169.254', '169.254.169.254 is an IP address, not a host name: the proxy reaches only allowed host names'],
      ],
    );
    const address = (await dns.promises.lookup(REGISTRY_HOST, { family: 4 })).address;
    const direct = await learnerRuns(term, `curl -sS --noproxy '*' --connect-timeout 10 --resolve ${REGISTRY_HOST}:443:${address} -o /dev/null ${REGISTRY}`);
    assert.equal(direct.exit, 7, direct.screen);
    assert.match(direct.screen, /Failed to connect .*Connection refused|Could(?:n't| not) connect to server/);
    const byName = await learnerRuns(term, `curl -sS --noproxy '*' -o /dev/null ${REGISTRY}`);
    assert.equal(byName.exit, 6, byName.screen);
  });

  test('a build and a nested container npm install a package through the proxy', { timeout: 900_000 }, async () => {
    // The RUN that fetches npm reached the registry through the proxy on its own (the CLI's proxies config).
    await buildNpmBase(term);
    const run = await learnerRuns(
      term,
      `docker run --rm -w /tmp npmbase sh -c 'npm install --no-audit --no-fund --registry=${REGISTRY} ${PACKAGE} && node -e "console.log(\\"is-number says\\", require(\\"is-number\\")(42))"'`,
      300_000,
    );
    assert.equal(run.exit, 0, run.screen);
    assert.match(run.screen, /added 1 package/);
    assert.match(run.screen, /^is-number says true\r?$/m);
    assert.ok(proxy.log.filter((e) => e.host === REGISTRY_HOST && e.verdict === 'passed' && e.session === sessionAddress).length >= 3, JSON.stringify(proxy.log));
    assert.deepEqual(berthLines(run.screen), []);
    const build = await learnerRuns(term, `mkdir -p ~/app && printf 'FROM npmbase\\nWORKDIR /app\\nRUN npm install --no-audit --no-fund --registry=${REGISTRY} ${PACKAGE}\\nRUN node -e "require(\\\\"is-number\\\\")"\\n' > ~/app/Dockerfile && docker build --progress=plain -t app ~/app`, 300_000);
    assert.equal(build.exit, 0, build.screen);
    // Plain progress: the terminal's redrawing display shows a step's log only if a redraw falls while it runs,
    // and a quick npm install may finish between two (CI run 22: the build passed, the line never drawn).
    assert.match(build.screen, /added 1 package/);
  });
});

describe('BERTH_EGRESS=off (the default)', () => {
  let server: TestServer;
  let term: TerminalClient;

  before(async () => {
    server = await startTestServer({}, { runtime: withHostCa });
    const session = await createSession(server);
    term = await TerminalClient.connect(server, session);
    await term.ready();
  });
  after(async () => {
    await term?.close();
    await server?.close();
  });

  test('a build whose RUN npm install needs the network fails, and one Berth line says the host allows no downloads', { timeout: 900_000 }, async () => {
    // Setup, not the learner's: the base image's npm comes from the registry through this test's proxy, named
    // explicitly (the session itself has no proxy: egress is off).
    await buildNpmBase(term, `--build-arg https_proxy=http://${SERVICE_IP}:${proxy.port} `);
    const { screen, exit } = await learnerRuns(term, `mkdir -p ~/app && printf 'FROM npmbase\\nWORKDIR /app\\nRUN npm install ${PACKAGE}\\n' > ~/app/Dockerfile && docker build -t app ~/app`, 300_000);
    assert.notEqual(exit, 0);
    assert.match(screen, /ENOTFOUND|EAI_AGAIN/);
    const lines = berthLines(screen);
    assert.deepEqual(lines, [
      "Berth: A RUN step of this build tried to download from the internet, and this host allows no downloads (your network is fine). apt-get install works (through Berth's package cache); put other files in your folder and COPY them in instead.",
    ]);
    assert.match(screen.slice(screen.indexOf(lines[0]!) + lines[0]!.length), /^\r?\nuser@berth:.*\$ $/, 'the prompt follows it');
  });

  test('docker run -p 8080:80 twice: the second says the port is taken, by which container, and which port to use', async () => {
    const first = await learnerRuns(term, 'docker run -d -p 8080:80 nginx');
    assert.equal(first.exit, 0, first.screen);
    assert.deepEqual(berthLines(first.screen), []);
    const second = await learnerRuns(term, 'docker run -d -p 8080:80 nginx');
    assert.notEqual(second.exit, 0);
    assert.match(second.screen, /port is already allocated|address already in use/);
    assert.deepEqual(berthLines(second.screen), [
      'Berth: port 8080 of this sandbox is already taken: the container you started with docker run -d -p 8080:80 nginx holds it. Publish on another port, e.g. -p 8081:80.',
    ]);
  });
});
