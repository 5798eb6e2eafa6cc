// The docker and lxd runtimes side by side, in one run (issue 17): a cold start (no pool), a warm start (a
// pool of 1), the idle memory of a session, and a crowd (100 sessions: how many are held, echo while all
// type; BERTH_BENCH_SESSIONS sizes it). The lxd rows need LXD set up on this host (native/lxd/lxd-host.sh up);
// without it they say so.
import fs from 'node:fs';
import type { Config } from '../config.js';
import { fetchMetrics } from '../tools/terminal-client.js';
import { pct, type Row } from './bench-table.js';
import { startBenchApp, startSession } from './bench-app.js';
import { manySessions } from './many-sessions.js';

const ms = (n: number) => `${Math.round(n)} ms`;
const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;

export async function runtimesBench(config: Config, rows: Row[]): Promise<void> {
  const runtimes: Config['runtime'][] = ['docker', 'lxd'];
  const results = new Map<string, Record<string, string>>();
  for (const runtime of runtimes) {
    if (runtime === 'lxd' && !fs.existsSync(config.lxd.socket)) {
      results.set(runtime, { cold: 'no LXD here (native/lxd/lxd-host.sh up)', warm: '-', memory: '-' });
      continue;
    }
    results.set(runtime, await measure({ ...config, runtime }));
  }
  const row = (what: string, key: string, target: string) =>
    rows.push({ what, figure: runtimes.map((r) => `${r} ${results.get(r)![key]}`).join(' | '), target });
  row('runtimes: cold start, Start to shell prompt, p50 / max (5 sessions one by one)', 'cold', '-');
  row('runtimes: warm start (pool of 1), Start to shell prompt, p50 / max (3 sessions)', 'warm', 'p50 ≤ 100 ms (issue 16)');
  row('runtimes: idle memory per session (3 idle sessions, page cache excluded), p50 / max', 'memory', '≤ 45 MiB (issue 5)');
  // The crowd rows (sessions held, echo while all of them type) for each runtime, one after the other.
  const sizes = (process.env.BERTH_BENCH_SESSIONS ?? '100').split(',').map(Number).filter((n) => n > 0);
  for (const runtime of runtimes) {
    if (runtime === 'lxd' && !fs.existsSync(config.lxd.socket)) continue;
    const { berth, url } = await startBenchApp({ ...config, runtime }, `bench-crowd-${runtime}`);
    try {
      await manySessions(berth, url, sizes, rows, `${runtime} runtime`);
    } finally {
      await berth.close();
    }
  }
}

async function measure(config: Config): Promise<Record<string, string>> {
  const { berth, url } = await startBenchApp(config, `bench-${config.runtime}`);
  const out: Record<string, string> = {};
  try {
    const cold: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await startSession(url);
      cold.push(r.prompt);
      await r.term.close();
      await berth.sessions.end(r.s.id, 'ended-by-user');
    }
    out.cold = `${ms(pct(cold, 50))} / ${ms(Math.max(...cold))}`;
    const idle = await Promise.all(Array.from({ length: 3 }, () => startSession(url)));
    await new Promise((r) => setTimeout(r, 5000));
    const memory = (await Promise.all(idle.map((p) => berth.runtime.usage(p.s.id)))).map((u) => u.memoryBytes);
    out.memory = `${mib(pct(memory, 50))} / ${mib(Math.max(...memory))}`;
    for (const p of idle) {
      await p.term.close();
      await berth.sessions.end(p.s.id, 'ended-by-user');
    }
  } finally {
    await berth.close();
  }
  out.warm = await warm(config);
  return out;
}

async function warm(config: Config): Promise<string> {
  const { berth, url } = await startBenchApp(config, `bench-warm-${config.runtime}`, { poolSize: 1 });
  const prompts: number[] = [];
  try {
    await berth.recover();
    for (let i = 0; i < 3; i++) {
      const deadline = Date.now() + 90_000;
      while (!/^berth_pool_ready 1$/m.test(await fetchMetrics(url)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const r = await startSession(url);
      prompts.push(r.prompt);
      await r.term.close();
      await berth.sessions.end(r.s.id, 'ended-by-user');
    }
  } finally {
    await berth.close();
  }
  return `${ms(pct(prompts, 50))} / ${ms(Math.max(...prompts))}`;
}
