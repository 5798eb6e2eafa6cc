// Two Berth servers that share nothing but the LXD cluster and a PostgreSQL database (started here), behind a
// real nginx running docs/deploy/nginx-servers.conf: one visitor is served by one, then the other, then the
// first again, each stopped in turn as `berth stop` does (keeping sessions), and the session never ends: the
// same sandbox, its files, and the visitor's token work on whichever server answers. Neither server has a
// SQLite file.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { CloseCode } from '@berth/shared';
import { createSandboxRuntime } from '../../src/app.js';
import type { LxdRuntime } from '../../src/runtime/lxd/lxd-runtime.js';
import { spawnNginx, writeNginxMain } from '../../../e2e/fixtures/behind-nginx.js';
import { createSession, startTestServer, TerminalClient, type TestServer } from '../helpers.js';
import { freePort, startPostgres } from '../postgres-server.js';

const repo = path.resolve(import.meta.dirname, '..', '..', '..');
const deploySnippet = path.join(repo, 'docs', 'deploy', 'nginx-servers.conf');

test('two Berth servers on one PostgreSQL behind nginx serve one visitor in turn; either stops without ending the session', { timeout: 900_000 }, async () => {
  const postgres = await startPostgres();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-two-servers-'));
  const env = {
    BERTH_INSTANCE: `t-${crypto.randomBytes(3).toString('hex')}`,
    BERTH_DATABASE_URL: await postgres.database(),
    BERTH_DATA: dataDir,
    BERTH_READY_TIMEOUT_MS: '120000',
  };
  const servers: TestServer[] = [];
  const stopped = new Set<TestServer>();
  const stop = async (s: TestServer) => {
    stopped.add(s);
    await s.berth.detach();
  };
  const start = async () => {
    const s = await startTestServer(env);
    servers.push(s);
    return s;
  };
  let nginx: Nginx | undefined;
  let runtime: LxdRuntime | undefined;
  try {
    const a = await start();
    const b = await start();
    assert.equal(a.config.sharedSessions, true);
    runtime = createSandboxRuntime(a.config) as LxdRuntime;
    nginx = await Nginx.start([a, b]);
    const site = { url: nginx.url };

    const s = await createSession(site);
    const serving = (x: TestServer) => x.berth.sessions.get(s.id)?.state;
    let term = await TerminalClient.connect(site, s);
    await term.ready(120_000);
    assert.equal((await term.run('echo kept > ~/note && echo written')).output.trim(), 'written');
    const first = serving(a) === 'ready' ? a : b;
    const second = first === a ? b : a;
    console.log(`# the visitor's requests went to server ${first === a ? 'A' : 'B'} first`);

    // The first stops as `berth stop` does: its pages are told to reconnect, and nginx passes them to the other.
    await stop(first);
    await closedForRestart(term);
    term = await TerminalClient.connect(site, s);
    await term.ready(60_000);
    assert.equal(serving(second), 'ready', 'the other server serves the session now');
    assert.equal((await term.run('cat ~/note')).output.trim(), 'kept', 'the same sandbox');

    // The first comes back, the second stops: the visitor is served by the first again.
    const back = await start();
    nginx.replace(first, back);
    await nginx.reload();
    await stop(second);
    await closedForRestart(term);
    term = await TerminalClient.connect(site, s);
    await term.ready(60_000);
    assert.equal(serving(back), 'ready', 'the restarted server serves it');
    assert.equal((await term.run('cat ~/note')).output.trim(), 'kept');
    assert.equal(term.events.some((e) => e.type === 'status' && e.state === 'ended'), false, 'the session never ended');
    await term.close();

    // Ended through nginx: the sandbox is gone from the cluster and the row from the database.
    const ended = await fetch(`${nginx.url}/api/sessions/${s.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${s.token}` } });
    assert.equal(ended.status, 204, await ended.text());
    assert.deepEqual(await runtime.listSandboxes(), []);
    assert.equal(fs.existsSync(path.join(dataDir, 'berth.db')), false, 'no SQLite file: everything shared is in PostgreSQL');
  } finally {
    for (const s of servers.filter((x) => !stopped.has(x))) await s.close();
    await nginx?.stop();
    if (runtime) {
      await runtime.sweep(new Set());
      runtime.api.close();
    }
    await postgres.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

/** Debian's nginx running docs/deploy/nginx-servers.conf before a plain server block (no TLS here). */
class Nginx {
  private constructor(
    readonly url: string,
    private readonly dir: string,
    private readonly port: number,
    private upstreams: TestServer[],
    private readonly child: ChildProcess,
  ) {}

  static async start(upstreams: TestServer[]): Promise<Nginx> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-nginx-'));
    // nginx's workers drop root: they must reach their temporary folders below this one.
    fs.chmodSync(dir, 0o755);
    const port = await freePort();
    writeConfig(dir, port, upstreams);
    const child = spawnNginx(dir);
    for (let i = 0; i < 150 && !(await connects(port)); i++) await new Promise((r) => setTimeout(r, 100));
    return new Nginx(`http://127.0.0.1:${port}`, dir, port, upstreams, child);
  }

  replace(old: TestServer, now: TestServer): void {
    this.upstreams = this.upstreams.map((u) => (u === old ? now : u));
    writeConfig(this.dir, this.port, this.upstreams);
  }

  async reload(): Promise<void> {
    this.child.kill('SIGHUP');
    // The new workers take the new upstreams; the old ones finish what they hold.
    await new Promise((r) => setTimeout(r, 1000));
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function writeConfig(dir: string, port: number, upstreams: TestServer[]): void {
  const hostPort = (url: string) => new URL(url).host;
  let snippet = fs.readFileSync(deploySnippet, 'utf8');
  const swaps: [string, string][] = [
    ['10.0.0.11:8080', hostPort(upstreams[0]!.url)],
    ['10.0.0.12:8080', hostPort(upstreams[1]!.url)],
    ['10.0.0.11:8081', hostPort(upstreams[0]!.portsUrl)],
    ['10.0.0.12:8081', hostPort(upstreams[1]!.portsUrl)],
  ];
  for (const [from, to] of swaps) {
    assert.equal(snippet.split(from).length, 2, `${deploySnippet} must hold ${from} once (this test replaces it)`);
    snippet = snippet.replace(from, to);
  }
  writeNginxMain(
    dir,
    `${snippet}
  map $http_upgrade $berth_connection { default upgrade; '' close; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://berth_servers;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $berth_connection;
      proxy_set_header Host $host;
      proxy_read_timeout 1h;
      proxy_buffering off;
    }
  }`,
  );
}

/** The server behind it stopped as `berth stop` does: the page is told to reconnect. */
async function closedForRestart(term: TerminalClient): Promise<void> {
  for (let i = 0; i < 100 && !term.closeInfo; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(term.closeInfo?.code, CloseCode.serverRestarting);
}

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
