// `npm run soak`: a Berth server of its own (a child process, instance soak-…) serves a few visitors at
// a time who start sessions, type commands and leave, for a bounded time. Then: nothing of the instance
// may be left on the host, and the server's heap after a full GC must be back within 10% of where it
// was after warm-up (heap, not RSS: V8 and malloc keep freed pages, which is not a leak).
import { fork, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { hostPaths } from '../host/host-services.js';
import type { Config } from '../config.js';
import { instanceLeftovers } from '../runtime/instance-leftovers.js';
import { seededRandom, type Random } from '../tools/seeded-random.js';
import { fetchMetrics, TOOLS_METRICS_TOKEN } from '../tools/terminal-client.js';
import type { SoakServerMessage, SoakServerRequest } from './soak-server.js';
import { at, endByDelete, visit, type Abandoned, type Leaving, type VisitTally } from './soak-visitor.js';

export interface SoakOptions {
  durationMs: number;
  visitors: number;
  seed?: number;
}

const IDLE_TIMEOUT_MIN = 1;
const MEMORY_GROWTH_LIMIT = 0.1;
const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;

class SoakServer {
  private readonly inbox: SoakServerMessage[] = [];
  private wake = () => {};
  private constructor(readonly child: ChildProcess) {
    child.on('message', (m: SoakServerMessage) => {
      this.inbox.push(m);
      this.wake();
    });
    child.on('exit', () => this.wake());
  }

  static async start(env: NodeJS.ProcessEnv): Promise<{ server: SoakServer; url: string }> {
    const child = fork(path.join(import.meta.dirname, 'soak-server.ts'), [], { execArgv: ['--expose-gc', '--import', 'tsx'], env, stdio: 'inherit' });
    const server = new SoakServer(child);
    const m = await server.next('listening', 120_000);
    return { server, url: m.url };
  }

  async next<T extends SoakServerMessage['type']>(type: T, timeoutMs: number): Promise<Extract<SoakServerMessage, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.inbox.findIndex((m) => m.type === type);
      if (i >= 0) return this.inbox.splice(i, 1)[0] as Extract<SoakServerMessage, { type: T }>;
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`the soak server exited (${this.child.exitCode ?? this.child.signalCode}) before "${type}"`);
      if (Date.now() > deadline) throw new Error(`the soak server did not answer "${type}" within ${timeoutMs / 1000} s`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 500);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  async memory(): Promise<{ heapUsed: number; rss: number }> {
    this.child.send({ type: 'memory' } satisfies SoakServerRequest);
    return this.next('memory', 30_000);
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    this.child.send({ type: 'close' } satisfies SoakServerRequest);
    await this.next('closed', 120_000);
    // Everything is ended and closed by now: a process that still does not exit holds a stray handle.
    const exited = new Promise((r) => (this.child.exitCode !== null ? r(true) : this.child.once('exit', () => r(true))));
    if (!(await Promise.race([exited, new Promise((r) => setTimeout(() => r(false), 10_000).unref())]))) {
      this.child.kill('SIGKILL');
      throw new Error('the soak server closed but did not exit within 10 s (a timer or socket still open)');
    }
  }
}

async function metrics(url: string): Promise<Map<string, number>> {
  const text = await fetchMetrics(url);
  return new Map([...text.matchAll(/^(berth_[a-z_]+(?:\{[^}]*\})?) (\S+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
}

/** Memory is compared with no session live: wait for the server to have let every one of them go. */
async function settled(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = await metrics(url);
    if (m.get('berth_sessions_live') === 0 && m.get('berth_terminals') === 0) return;
    if (Date.now() > deadline) throw new Error(`still ${m.get('berth_sessions_live')} live session(s) and ${m.get('berth_terminals')} terminal(s) after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A dropped session must end by itself once its idle time is over; ones not yet due are ended at the end. */
async function settleAbandoned(url: string, abandoned: Abandoned[], tally: VisitTally & { idleEnded: number; endedAtEnd: number }, final: boolean) {
  const due = Date.now() - (IDLE_TIMEOUT_MIN * 60_000 + 30_000);
  for (const a of [...abandoned]) {
    if (a.droppedAt > due && !final) continue;
    abandoned.splice(abandoned.indexOf(a), 1);
    const res = await fetch(`${url}/api/sessions/${a.session.id}`, { headers: { authorization: `Bearer ${a.session.token}` } });
    const view = (await res.json()) as { state?: string; endReason?: string };
    if (view.state === 'ended' && view.endReason === 'idle') tally.idleEnded++;
    else if (a.droppedAt > due) {
      const failed = await endByDelete(url, a.session);
      if (failed) tally.errors.push(`${at()} ${failed}`);
      else tally.endedAtEnd++;
    } else {
      tally.errors.push(`${at()} session ${a.session.id}: left ${Math.round((Date.now() - a.droppedAt) / 1000)} s ago, yet ${res.status} ${JSON.stringify(view)}`);
      await endByDelete(url, a.session).catch(() => {});
    }
  }
}

async function visitor(url: string, rand: Random, until: number, abandoned: Abandoned[], tally: Parameters<typeof settleAbandoned>[2]) {
  while (Date.now() < until) {
    await settleAbandoned(url, abandoned, tally, false);
    const leaving: Leaving = rand.pick(['delete', 'delete', 'resume', 'drop']);
    const left = await visit(url, rand, leaving, tally);
    if (left) abandoned.push(left);
  }
}

export async function runSoak(config: Config, o: SoakOptions): Promise<number> {
  const rand = seededRandom(o.seed);
  const instance = `soak-${crypto.randomBytes(3).toString('hex')}`;
  const started = Date.now();
  console.log(`[soak] ${o.visitors} visitors for ${Math.round(o.durationMs / 1000)} s, instance ${instance}, seed ${rand.seed} (--seed ${rand.seed} replays the same choices)`);
  const { server, url } = await SoakServer.start({
    ...process.env,
    BERTH_INSTANCE: instance,
    BERTH_LOG_LEVEL: process.env.BERTH_LOG_LEVEL ?? 'warn',
    BERTH_POOL_SIZE: '0',
    BERTH_IDLE_TIMEOUT_MIN: String(IDLE_TIMEOUT_MIN),
    BERTH_MAX_SESSIONS_PER_CLIENT: '1000',
    BERTH_METRICS_TOKEN: TOOLS_METRICS_TOKEN,
    // Every soak visitor is a client of 127.0.0.1 without a learner id: the per-address limits are not what it measures.
    BERTH_MAX_SESSIONS_PER_ADDRESS: '1000',
    BERTH_STARTS_PER_ADDRESS_PER_MIN: '1000',
  });
  const tally = { created: 0, commands: 0, errors: [] as string[], idleEnded: 0, endedAtEnd: 0 };
  const abandoned: Abandoned[] = [];
  let memory: { start: { heapUsed: number; rss: number }; end: { heapUsed: number; rss: number } } | undefined;
  let ends = new Map<string, number>();
  try {
    // Warm-up: every way of leaving once, so the code paths and caches exist before the first figure.
    const warm = await Promise.all((['delete', 'resume', 'drop'] as const).map((leaving) => visit(url, rand, leaving, tally)));
    abandoned.push(...warm.filter((a) => a !== null));
    await settleAbandoned(url, abandoned, tally, true);
    await settled(url, 120_000);
    const start = await server.memory();
    console.log(`[soak] warmed up (${tally.created} sessions); server heap after GC ${mib(start.heapUsed)}, RSS ${mib(start.rss)}`);

    const until = Date.now() + o.durationMs;
    await Promise.all(Array.from({ length: o.visitors }, () => visitor(url, rand, until, abandoned, tally)));
    await settleAbandoned(url, abandoned, tally, true);
    await settled(url, 120_000);
    memory = { start, end: await server.memory() };
    ends = new Map([...(await metrics(url))].filter(([k]) => k.startsWith('berth_session_ends_total')));
  } catch (err) {
    tally.errors.push(`${at()} soak stopped: ${(err as Error).message.split('\n')[0]}`);
  } finally {
    await server.close().catch((err: Error) => tally.errors.push(`stopping the server: ${err.message}`));
  }

  const leaks = await instanceLeftovers({ engineSocket: config.engineSocket, sessionsDir: hostPaths(config).sessions, instance });
  const growth = memory ? memory.end.heapUsed / memory.start.heapUsed - 1 : NaN;
  const memoryOk = memory !== undefined && growth <= MEMORY_GROWTH_LIMIT;
  const byReason = [...ends].map(([k, n]) => `${/reason="([^"]+)"/.exec(k)?.[1]} ${n}`).join(', ');
  console.log(`\nBerth soak (${new Date().toISOString()}), ${Math.round((Date.now() - started) / 1000)} s in all, seed ${rand.seed}`);
  console.log(`sessions created: ${tally.created} (ended, as the server counts them: ${byReason || '-'}; left open by their visitor: ${tally.idleEnded} ended by the idle timeout, ${tally.endedAtEnd} still inside it, ended by DELETE at the end)`);
  console.log(`commands run: ${tally.commands}`);
  console.log(`errors: ${tally.errors.length}`);
  for (const e of tally.errors) console.log(`  ${e}`);
  console.log(`leaks found: ${leaks.length}`);
  for (const l of leaks) console.log(`  ${l}`);
  if (memory) {
    console.log(
      `server heap after full GC: start ${mib(memory.start.heapUsed)}, end ${mib(memory.end.heapUsed)} (${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)}%, limit +${MEMORY_GROWTH_LIMIT * 100}%)`,
    );
    console.log(`server RSS (shown, not judged): start ${mib(memory.start.rss)}, end ${mib(memory.end.rss)}`);
  } else console.log('server memory: not measured (the soak stopped early)');
  const ok = tally.errors.length === 0 && leaks.length === 0 && memoryOk;
  console.log(`soak: ${ok ? 'passed' : 'FAILED'}`);
  return ok ? 0 : 1;
}
