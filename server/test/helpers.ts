// Test helpers: a real Berth server on a random port (its own instance name, so it never touches a
// running Berth's sessions) and a terminal client that speaks the websocket protocol like the page.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import { buildApp, type Berth } from '../src/app.js';
import { loadConfig, type Config } from '../src/config.js';
import { remappedUid } from '../src/host/host-network.js';
import type { SandboxRuntime } from '../src/runtime/runtime.js';
import { STAFF_CHECK_HEADER, STAFF_SIGN_IN_PATH, type SignInResponse } from '@berth/shared';

import { createSession, TerminalClient, TOOLS_METRICS_TOKEN, type CreatedSession } from '../src/tools/terminal-client.js';

export { createSession, fetchMetrics, openPortLink, portTicket, stripAnsi, TerminalClient, type CreatedSession, type OpenedPortLink } from '../src/tools/terminal-client.js';

/**
 * A port for a test server and one apart for its ports listener, both below the kernel's range for the local
 * ports of outgoing connections (ip_local_port_range): there one of the host's own connections may hold the
 * port picked, and the server cannot listen (EADDRINUSE, seen once in CI).
 */
export function testServerPorts(): { port: number; portsPort: number } {
  const span = Math.floor((outgoingPortsFrom() - 10_000) / 2);
  const port = 10_000 + crypto.randomInt(span);
  return { port, portsPort: port + span };
}

function outgoingPortsFrom(): number {
  try {
    const low = Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (low > 12_000) return low;
  } catch {
    // not Linux: the kernel's usual range
  }
  return 32_768;
}

export interface TestServer {
  berth: Berth;
  config: Config;
  url: string;
  /** The ports listener (port links), an origin apart from url. */
  portsUrl: string;
  close(): Promise<void>;
}

/** build: a runtime made from the test's config (a forced fault, or a stand-in engine: fake-runtime.ts), a logger (e.g. to read its lines). */
export async function startTestServer(
  env: Record<string, string> = {},
  build: { runtime?: (config: Config) => SandboxRuntime; logger?: object } = {},
): Promise<TestServer> {
  const config = loadConfig({
    ...process.env,
    BERTH_INSTANCE: `t-${crypto.randomBytes(3).toString('hex')}`,
    BERTH_PORT: '0',
    BERTH_HOST: '127.0.0.1',
    BERTH_LOG_LEVEL: process.env.BERTH_LOG_LEVEL ?? 'warn',
    BERTH_POOL_SIZE: '0',
    BERTH_METRICS_TOKEN: TOOLS_METRICS_TOKEN,
    ...env,
  });
  const berth = await buildApp(config, { runtime: build.runtime?.(config), logger: build.logger });
  await berth.app.listen({ port: config.port, host: '127.0.0.1' });
  const address = berth.app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const portsPort = await berth.ports.listen(config.portsPort, config.portsHost);
  return { berth, config, url: `http://127.0.0.1:${port}`, portsUrl: `http://127.0.0.1:${portsPort}`, close: () => berth.close() };
}

/**
 * Berth as it runs for real (server.ts in a process of its own: it supervises the host services and can
 * be killed). start() again after a kill restarts it on the same port, instance and data.
 */
export class ServerProcess {
  readonly url: string;
  /** The ports listener (port links), an origin apart from url. */
  readonly portsUrl: string;
  readonly env: NodeJS.ProcessEnv;
  private child: ChildProcess | undefined;

  constructor(env: Record<string, string> = {}) {
    const ports = testServerPorts();
    const port = ports.port;
    this.url = `http://127.0.0.1:${port}`;
    const portsPort = env.BERTH_PORTS_PORT ?? String(ports.portsPort);
    this.portsUrl = `http://127.0.0.1:${portsPort}`;
    this.env = {
      ...process.env,
      BERTH_PORT: String(port),
      BERTH_PORTS_PORT: portsPort,
      BERTH_HOST: '127.0.0.1',
      BERTH_INSTANCE: `t-${crypto.randomBytes(3).toString('hex')}`,
      BERTH_POOL_SIZE: '0',
      BERTH_LOG_LEVEL: 'warn',
      BERTH_METRICS_TOKEN: TOOLS_METRICS_TOKEN,
      ...env,
    };
  }

  /** Resolves once /api/health answers (200, or 503 when a host part is down). */
  async start(): Promise<void> {
    const repo = path.resolve(import.meta.dirname, '..', '..');
    this.child = spawn(process.execPath, ['--import', 'tsx', path.join(repo, 'server', 'src', 'server.ts')], { cwd: repo, env: this.env, stdio: ['ignore', 'inherit', 'inherit'] });
    await eventually(async () => assert.ok([200, 503].includes((await fetch(`${this.url}/api/health`)).status)), 60_000);
  }

  /** The server's process id while it runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /**
   * SIGKILL (a crash), SIGTERM (a restart: sessions are kept for the next start), or 'end-sessions'
   * (`berth stop --end-sessions`: every session ended, nothing of the instance left); resolves once the
   * process is gone.
   */
  async stop(how: 'SIGKILL' | 'SIGTERM' | 'end-sessions'): Promise<void> {
    const child = this.child;
    if (!child) {
      if (how === 'end-sessions') await this.berth(['stop', '--end-sessions']);
      return;
    }
    this.child = undefined;
    const gone = new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.once('exit', resolve)));
    if (how !== 'end-sessions') child.kill(how);
    else if ((await this.berth(['stop', '--end-sessions'])).code !== 0) {
      // Refused (the server was still starting): kill it, then end what it left without it.
      child.kill('SIGKILL');
      await gone;
      await this.berth(['stop', '--end-sessions']);
    }
    await gone;
    this.exitCode = child.exitCode;
  }

  /** How the last stop() ended the process (null when a signal killed it). */
  exitCode: number | null = null;

  /** Runs `berth <args>` for this server's instance; resolves with its exit code and output. */
  berth(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
    return runBerth(args, { ...this.env, ...env });
  }
}

/** `npx berth <args>` as an operator runs it (cli.ts in a process of its own). */
export function runBerth(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  const repo = path.resolve(import.meta.dirname, '..', '..');
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repo, 'server', 'src', 'cli.ts'), ...args], { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output })));
}

/**
 * Polls an async check until it passes or the time is up (then throws its last error). Give every assert.ok in
 * a check a message: without one, Node words the failure by parsing the test file's compiled source with acorn,
 * which took over a minute of CPU per failed try here, starving the server in the same process.
 */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * Until the session's own engine answers. A session is ready (its prompt comes) while that engine still
 * starts; its `docker` waits for it (native/session/docker-waits), but a test looking at the engine's files or
 * processes directly waits here first.
 */
export async function engineAnswers(server: TestServer, id: string): Promise<void> {
  const r = await server.berth.runtime.exec(id, ['docker', 'version', '--format', '{{.Server.Version}}'], { timeoutMs: 60_000 });
  assert.equal(r.exitCode, 0, r.output);
}

/**
 * For a describe() block: a test server with one ready session whose engine answers, both removed after the
 * tests. Read the fields inside tests (they are set by the before hook).
 */
export function useReadySession(env: Record<string, string> = {}) {
  const ctx = {} as { server: TestServer; session: CreatedSession };
  before(async () => {
    ctx.server = await startTestServer(env);
    ctx.session = await createSession(ctx.server);
    assert.equal(await ctx.server.berth.sessions.get(ctx.session.id)!.ready, true);
    await engineAnswers(ctx.server, ctx.session.id);
  });
  after(async () => ctx.server?.close());
  return ctx;
}

/** For a failure's message: what runs in the sandbox, and where each process waits (a shell that never
 * printed its prompt: CI run 56, once in 60 runs of the file). */
export async function sandboxProcesses(server: TestServer, id: string): Promise<string> {
  const ps = await server.berth.runtime
    .exec(id, ['ps', '-e', '-o', 'pid,ppid,user,stat,wchan:20,etimes,args'], { user: '0:0', timeoutMs: 10_000 })
    .then((r) => r.output, (e: Error) => `(could not list them: ${e.message})`);
  return `the sandbox's processes:\n${ps}`;
}

/**
 * For a describe() block: a test server with one session, its terminal at a prompt and its engine answering
 * before the tests, both removed after them. Read the fields inside tests (they are set by the before hook).
 */
export function useSessionTerminal(env: Record<string, string> = {}) {
  const ctx = {} as { server: TestServer; session: CreatedSession; term: TerminalClient };
  before(async () => {
    ctx.server = await startTestServer(env);
    ctx.session = await createSession(ctx.server);
    ctx.term = await TerminalClient.connect(ctx.server, ctx.session);
    await ctx.term.ready().catch(async (err: Error) => {
      throw new Error(`${err.message}\n${await sandboxProcesses(ctx.server, ctx.session.id)}`);
    });
    await engineAnswers(ctx.server, ctx.session.id);
  });
  after(async () => {
    await ctx.term?.close();
    await ctx.server?.close();
  });
  return ctx;
}

/**
 * A tun node exactly as a fresh host has /dev/net/tun (10:200, mode 0600, owned by root), in a folder of
 * its own under BERTH_DATA (a nodev mount would make any node unusable): given to a runtime as its
 * tunDevice, every sandbox start fails as it did on a fresh machine. fix() gives it to the sessions' uid.
 */
export function freshHostTunNode(config: Config) {
  const dir = fs.mkdtempSync(path.join(config.dataDir, 'test-tun-'));
  fs.chmodSync(dir, 0o711);
  const file = path.join(dir, 'tun');
  execFileSync('mknod', ['-m', '0600', file, 'c', '10', '200']);
  return {
    file,
    fix: () => fs.chownSync(file, remappedUid(1000), remappedUid(1000, '/etc/subgid')),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** Signs a staff account in over HTTP: its cookie and check, and the two as the headers a staff call sends. */
export async function signInStaff(server: { url: string }, a: { email: string; password: string }): Promise<{ cookie: string; check: string; headers: Record<string, string> }> {
  const res = await fetch(`${server.url}${STAFF_SIGN_IN_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: a.email, password: a.password }) });
  if (res.status !== 200) throw new Error(`sign-in of ${a.email}: ${res.status} ${await res.text()}`);
  const cookie = res.headers.getSetCookie()[0]!.split(';')[0]!;
  const check = ((await res.json()) as SignInResponse).check;
  return { cookie, check, headers: { cookie, [STAFF_CHECK_HEADER]: check } };
}

/** A JSON POST (an empty object when no body is given), with these headers. */
export const postJson = (server: { url: string }, url: string, headers: Record<string, string>, body: object = {}) =>
  fetch(`${server.url}${url}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** What a shell's stream shows, once it shows want (else an error with its last output after ms). */
export function readUntil(stream: NodeJS.ReadableStream, want: RegExp, ms = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no ${want} in ${ms} ms; the terminal showed: ${JSON.stringify(seen.slice(-500))}`)), ms);
    stream.on('data', (c: Buffer) => {
      seen += c.toString('utf8');
      if (want.test(seen)) {
        clearTimeout(timer);
        resolve(seen);
      }
    });
  });
}
