// `npm run bench`: measures against the real engine and prints a table. Targets are printed beside
// the figures; nothing here fails a build (speed is never asserted in tests).
import fs from 'node:fs';
import { buildApp, type Berth } from '../app.js';
import type { Config } from '../config.js';
import { createSession, fetchMetrics, TerminalClient, TOOLS_METRICS_TOKEN } from '../tools/terminal-client.js';
import { playLesson } from '../lessons/lesson-player.js';

import { pct, type Row } from './bench-table.js';
import { exhaustion } from './exhaustion.js';
import { imagesBench } from './images-bench.js';
import { commandCost } from './command-cost.js';
import { echoInBrowser } from './echo-browser.js';
import { firstLoadInBrowser } from './first-load-browser.js';
import { firstLoadBench } from './first-load.js';
import { engineViewBench } from './engine-view-bench.js';
import { recordingsBench } from './recordings-bench.js';
import { classBench } from './class-bench.js';
import { startBenchApp, startPhases, startSession } from './bench-app.js';
import { manySessions } from './many-sessions.js';
import { runtimesBench } from './runtimes-bench.js';
import { lxdIdleBench } from './lxd-idle-bench.js';
import { clusterBench } from './cluster-bench.js';
const ms = (n: number) => `${Math.round(n)} ms`;
const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;

/** Start to prompt with no pool; `inner`: also times what a visitor's first commands inside cost (once). */
async function coldStart(berth: Berth, url: string, rows: Row[], path: string, inner: boolean) {
  const firstDocker: number[] = [];
  const prompt: number[] = [];
  const pull: number[] = [];
  const hello: number[] = [];
  const phasesBefore = await startPhases(url);
  for (let i = 0; i < 10; i++) {
    const r = await startSession(url);
    prompt.push(r.prompt);
    // Typed at the first prompt: it waits for the inner engine if that is still starting.
    const typed = performance.now();
    await r.term.run('docker ps -q', 60_000);
    firstDocker.push(r.prompt + performance.now() - typed);
    if (inner && i < 3) {
      // Inside the session, images absent: the built-in mirror and the DNS fix make these quick.
      const timed = async (cmd: string) => {
        const out = await r.term.run(`s=$(date +%s%N); ${cmd} >/dev/null 2>&1; echo "took $(( ($(date +%s%N) - s) / 1000000 ))"`, 120_000);
        return Number(/took (\d+)/.exec(out.output)?.[1] ?? NaN);
      };
      hello.push(await timed('docker run --rm hello-world'));
      pull.push(await timed('docker pull debian'));
    }
    await r.term.close();
    await berth.sessions.end(r.s.id, 'ended-by-user');
  }
  rows.push({ what: `cold start: Start to shell prompt, p50 / max (10 sessions one by one), ${path}`, figure: `${ms(pct(prompt, 50))} / ${ms(Math.max(...prompt))}`, target: 'p50 ≤ 500 ms (issue 16)' });
  rows.push({ what: `cold start: Start to the answer of a docker ps typed at that prompt, p50 / p95, ${path}`, figure: `${ms(pct(firstDocker, 50))} / ${ms(pct(firstDocker, 95))}`, target: 'p50 ≤ 1200 ms (issues 2, 5)' });
  const phases = await startPhases(url);
  const starts = phases.count - phasesBefore.count;
  const mean = (k: string) => ms(((phases.ms[k] ?? 0) - (phasesBefore.ms[k] ?? 0)) / Math.max(1, starts));
  rows.push({
    what: `  where the sandbox's start goes, mean of ${starts}: its disk; its network; its container made and started; the engine's namespaces (the prompt may come); its inner engine answering after that, ${path}`,
    figure: `${mean('disk')}; ${mean('network')}; ${mean('container')}; ${mean('shell')}; ${mean('engine')}`,
    target: '-',
  });
  if (!inner) return;
  rows.push({ what: 'docker run --rm hello-world, image absent, inside a session (3 sessions), p50 / max', figure: `${ms(pct(hello, 50))} / ${ms(Math.max(...hello))}`, target: '≤ 600 ms (issue 2)' });
  rows.push({ what: 'docker pull debian (74 MB) inside a session (3 sessions), p50 / max', figure: `${ms(pct(pull, 50))} / ${ms(Math.max(...pull))}`, target: '≤ 3000 ms (issue 2)' });

  const t0 = performance.now();
  const parallel = await Promise.all(Array.from({ length: 5 }, () => startSession(url)));
  rows.push({ what: '5 sessions started at once: all prompts shown', figure: ms(performance.now() - t0), target: '-' });
  await new Promise((r) => setTimeout(r, 5000));
  const mem = await Promise.all(parallel.map((p) => berth.runtime.usage(p.s.id)));
  const memory = mem.map((m) => m.memoryBytes);
  rows.push({ what: 'idle memory per session (5 idle sessions, page cache excluded), p50 / max', figure: `${mib(pct(memory, 50))} / ${mib(Math.max(...memory))}`, target: '≤ 45 MiB (issue 5)' });
  for (const p of parallel) {
    await p.term.close();
    await berth.sessions.end(p.s.id, 'ended-by-user');
  }
}

/** Which path a bench app's shells take, for the rows' names: the terminal server, or exec (the baseline). */
const SERVED = 'terminal server';
const BY_EXEC = 'exec (baseline)';

async function keystrokeEcho(berth: Berth, url: string, rows: Row[], path: string) {
  const { s, term } = await startSession(url);
  term.type('cat\r');
  await new Promise((r) => setTimeout(r, 500));
  const samples: number[] = [];
  for (let i = 0; i < 200; i++) {
    const ch = String.fromCharCode(97 + (i % 26));
    const before = term.rawLength;
    const t0 = performance.now();
    term.type(ch);
    await term.waitFor(() => term.rawLength > before || undefined, 5000, 'echo');
    samples.push(performance.now() - t0);
  }
  rows.push({ what: `keystroke echo through the websocket, one terminal, p50 / p99 (200 keys), ${path}`, figure: `${samples.length ? pct(samples, 50).toFixed(1) : '-'} / ${pct(samples, 99).toFixed(1)} ms`, target: 'keep: 0.4 / 2.4 ms on a fresh machine (issue 16)' });
  await term.close();
  await berth.sessions.end(s.id, 'ended-by-user');
}

async function warmStart(config: Config, rows: Row[], path: string) {
  const warm = await buildApp({ ...config, instance: `bench-warm-${config.terminal}`, port: 0, host: '127.0.0.1', logLevel: 'warn', poolSize: 1, maxPerClient: 1000, maxPerAddress: 1000, startsPerAddressPerMin: 1000, metricsToken: TOOLS_METRICS_TOKEN });
  await warm.app.listen({ port: 0, host: '127.0.0.1' });
  const address = warm.app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const poolReady = async () => /^berth_pool_ready 1$/m.test(await fetchMetrics(url));
  const ready: number[] = [];
  const parts: { created: number; ready: number; prompt: number }[] = [];
  try {
    await warm.recover();
    for (let i = 0; i < 5; i++) {
      const deadline = Date.now() + 60_000;
      while (!(await poolReady()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const r = await startSession(url);
      ready.push(r.prompt);
      parts.push(r);
      await r.term.close();
      await warm.sessions.end(r.s.id, 'ended-by-user');
    }
  } finally {
    await warm.close();
  }
  rows.push({ what: `warm start (pool of 1): Start to shell prompt, p50 / max (5 sessions), ${path}`, figure: `${ms(pct(ready, 50))} / ${ms(Math.max(...ready))}`, target: 'p50 ≤ 100 ms (issue 16)' });
  const p50 = (f: (x: (typeof parts)[number]) => number) => ms(pct(parts.map(f), 50));
  rows.push({
    what: `  where it goes, p50: Start answered (sandbox handed over); terminal connected and told ready; its shell opened to the first prompt, ${path}`,
    figure: `${p50((x) => x.created)}; ${p50((x) => x.ready - x.created)}; ${p50((x) => x.prompt - x.ready)}`,
    target: '-',
  });
}

async function verdictLatency(berth: Berth, url: string, rows: Row[], path: string) {
  const latencies: number[] = [];
  const steps: { name: string; ms: number }[] = [];
  for (const lesson of berth.lessons.lessons) {
    const r = await playLesson(berth, url, lesson, (step, msLatency) => {
      latencies.push(msLatency);
      steps.push({ name: `${lesson.id}/${step}`, ms: msLatency });
    });
    if (!r.ok) rows.push({ what: `lesson ${lesson.id} could not be played`, figure: r.failure ?? '', target: '-' });
  }
  if (latencies.length) {
    rows.push({
      what: `command end to step verdict (${latencies.length} steps of every lesson), p50 / p95, ${path}`,
      figure: `${ms(pct(latencies, 50))} / ${ms(pct(latencies, 95))}`,
      target: 'p95 ≤ 100 ms (issue 16)',
    });
    const slowest = steps.sort((a, b) => b.ms - a.ms).slice(0, 8);
    rows.push({ what: `  the slowest steps, ${path}`, figure: slowest.map((x) => `${x.name} ${Math.round(x.ms)} ms`).join(', '), target: '-' });
  }
}

/** parts: names of the parts to run (load, cold, warm, echo, verdict, images, engine-view, recordings, class, many, exhaustion, runtimes, lxd-idle, cluster); none = all. */
export async function runBench(config: Config, parts: string[] = []): Promise<number> {
  const want = (part: string) => parts.length === 0 || parts.includes(part);
  const { berth, url } = await startBenchApp(config, 'bench');
  // The same figures with every shell and lesson check by Engine API exec, measured in the same run: the baseline.
  const baseline = ['cold', 'echo', 'many', 'verdict'].some(want) ? await startBenchApp(config, 'bench-exec', { terminal: 'exec' }) : undefined;
  const rows: Row[] = [];
  let failed = 0;
  // A part that fails is a row saying so: the rows measured before and after it are still printed.
  const part = async (names: string[], run: () => Promise<unknown>) => {
    if (!names.some(want)) return;
    try {
      await run();
    } catch (err) {
      failed++;
      rows.push({ what: `${names.join(' / ')}: FAILED`, figure: (err as Error).message.split('\n')[0]!.slice(0, 200), target: '-' });
      console.error(`bench part ${names.join('/')} failed:`, err);
    }
  };
  try {
    await part(['load'], async () => {
      await firstLoadBench(url, rows);
      await firstLoadInBrowser(url, rows);
    });
    await part(['cold'], async () => {
      await coldStart(berth, url, rows, config.terminal === 'exec' ? BY_EXEC : SERVED, true);
      await coldStart(baseline!.berth, baseline!.url, rows, BY_EXEC, false);
    });
    await part(['warm'], async () => {
      await warmStart(config, rows, config.terminal === 'exec' ? BY_EXEC : SERVED);
      await warmStart({ ...config, terminal: 'exec' }, rows, BY_EXEC);
    });
    await part(['echo'], async () => {
      await keystrokeEcho(berth, url, rows, config.terminal === 'exec' ? BY_EXEC : SERVED);
      await keystrokeEcho(baseline!.berth, baseline!.url, rows, BY_EXEC);
      await echoInBrowser(url, rows, config.terminal === 'exec' ? BY_EXEC : SERVED);
      await echoInBrowser(baseline!.url, rows, BY_EXEC);
    });
    await part(['echo', 'command'], async () => {
      await commandCost(berth, url, rows, config.terminal === 'exec' ? BY_EXEC : SERVED);
      if (baseline) await commandCost(baseline.berth, baseline.url, rows, BY_EXEC);
    });
    await part(['verdict'], async () => {
      await verdictLatency(berth, url, rows, config.terminal === 'exec' ? BY_EXEC : SERVED);
      await verdictLatency(baseline!.berth, baseline!.url, rows, BY_EXEC);
    });
    await part(['images'], () => imagesBench(berth, config, url, rows));
    await part(['engine-view'], () => engineViewBench(berth, url, rows));
    await part(['recordings'], () => recordingsBench(berth, url, config, rows));
    await part(['class'], () => classBench(berth, url, config.startsAtOnce, rows));
    await part(['exhaustion'], () => exhaustion(berth, url, rows));
    await part(['runtimes'], () => runtimesBench(config, rows));
    await part(['lxd-idle'], () => lxdIdleBench(config, rows));
    await part(['cluster'], () => clusterBench(config, rows));
    await part(['many'], async () => {
      // BERTH_BENCH_SESSIONS: the crowd sizes, e.g. `30` or `100,200` (the default: the two rows).
      const sizes = (process.env.BERTH_BENCH_SESSIONS ?? '100,200').split(',').map(Number).filter((n) => n > 0);
      await manySessions(berth, url, sizes, rows, config.terminal === 'exec' ? BY_EXEC : SERVED);
      await manySessions(baseline!.berth, baseline!.url, sizes, rows, BY_EXEC);
    });
  } finally {
    await baseline?.berth.close();
    await berth.close();
  }
  const w = [Math.max(...rows.map((r) => r.what.length)), Math.max(...rows.map((r) => r.figure.length)), 6];
  const line = (a: string, b: string, c: string) => `| ${a.padEnd(w[0]!)} | ${b.padEnd(w[1]!)} | ${c} |`;
  console.log(`\nBerth benchmark (${new Date().toISOString()}, ${process.platform}, engine ${config.engineSocket})\n`);
  console.log(line('what', 'measured', 'target'));
  console.log(line('-'.repeat(w[0]!), '-'.repeat(w[1]!), '------'));
  for (const r of rows) console.log(line(r.what, r.figure, r.target));
  return failed ? 1 : 0;
}
