// `npm run bench`: measures against the real engine and prints a table. Targets are printed beside
// the figures; nothing here fails a build (speed is never asserted in tests).
import { buildApp, type Berth } from '../app.js';
import type { Config } from '../config.js';
import { createSession, TerminalClient } from '../tools/terminal-client.js';
import { playLesson } from '../lessons/lesson-player.js';

interface Row {
  what: string;
  figure: string;
  target: string;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};
const ms = (n: number) => `${Math.round(n)} ms`;
const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;

async function startSession(url: string) {
  const t0 = performance.now();
  const s = await createSession({ url });
  const term = await TerminalClient.connect({ url }, s);
  await term.waitForEvent((e) => e.type === 'status' && e.state === 'ready', 60_000, 'ready');
  const ready = performance.now() - t0;
  await term.waitForText(/\$ $/m, 30_000);
  return { s, term, ready, prompt: performance.now() - t0 };
}

async function coldStart(berth: Berth, url: string, rows: Row[]) {
  const ready: number[] = [];
  const prompt: number[] = [];
  for (let i = 0; i < 5; i++) {
    const r = await startSession(url);
    ready.push(r.ready);
    prompt.push(r.prompt);
    await r.term.close();
    await berth.sessions.end(r.s.id, 'ended-by-user');
  }
  rows.push({ what: 'cold start: Start to engine ready, p50 (5 sessions one by one)', figure: ms(pct(ready, 50)), target: '≤ 1200 ms (issue 5)' });
  rows.push({ what: 'cold start: Start to shell prompt, p50 / max', figure: `${ms(pct(prompt, 50))} / ${ms(Math.max(...prompt))}`, target: 'a second or two' });

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

async function keystrokeEcho(berth: Berth, url: string, rows: Row[]) {
  const { s, term } = await startSession(url);
  term.type('cat\r');
  await new Promise((r) => setTimeout(r, 500));
  const samples: number[] = [];
  for (let i = 0; i < 200; i++) {
    const ch = String.fromCharCode(97 + (i % 26));
    const before = term.text.length;
    const t0 = performance.now();
    term.type(ch);
    await term.waitFor(() => term.text.length > before || undefined, 5000, 'echo');
    samples.push(performance.now() - t0);
  }
  rows.push({ what: 'keystroke echo through the websocket, one terminal, p50 / p99 (200 keys)', figure: `${samples.length ? pct(samples, 50).toFixed(1) : '-'} / ${pct(samples, 99).toFixed(1)} ms`, target: 'p99 ≤ 15 ms (issue 5, with 100 terminals)' });
  await term.close();
  await berth.sessions.end(s.id, 'ended-by-user');
}

async function verdictLatency(berth: Berth, url: string, rows: Row[]) {
  const latencies: number[] = [];
  const slowest: string[] = [];
  for (const lesson of berth.lessons.lessons) {
    const r = await playLesson(berth, url, lesson, (step, msLatency) => {
      latencies.push(msLatency);
      slowest.push(`${lesson.id}/${step} ${Math.round(msLatency)} ms`);
    });
    if (!r.ok) rows.push({ what: `lesson ${lesson.id} could not be played`, figure: r.failure ?? '', target: '-' });
  }
  if (latencies.length) {
    rows.push({
      what: `command end to step verdict (${latencies.length} steps of every lesson), p50 / p95`,
      figure: `${ms(pct(latencies, 50))} / ${ms(pct(latencies, 95))}`,
      target: 'p95 ≤ 250 ms (issue 3)',
    });
  }
}

export async function runBench(config: Config): Promise<number> {
  const berth = await buildApp({ ...config, instance: 'bench', port: 0, host: '127.0.0.1', logLevel: 'warn', poolSize: 0, maxPerClient: 1000 });
  await berth.app.listen({ port: 0, host: '127.0.0.1' });
  const address = berth.app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const rows: Row[] = [];
  try {
    await coldStart(berth, url, rows);
    await keystrokeEcho(berth, url, rows);
    await verdictLatency(berth, url, rows);
  } finally {
    await berth.close();
  }
  const w = [Math.max(...rows.map((r) => r.what.length)), Math.max(...rows.map((r) => r.figure.length)), 6];
  const line = (a: string, b: string, c: string) => `| ${a.padEnd(w[0]!)} | ${b.padEnd(w[1]!)} | ${c} |`;
  console.log(`\nBerth benchmark (${new Date().toISOString()}, ${process.platform}, engine ${config.engineSocket})\n`);
  console.log(line('what', 'measured', 'target'));
  console.log(line('-'.repeat(w[0]!), '-'.repeat(w[1]!), '------'));
  for (const r of rows) console.log(line(r.what, r.figure, r.target));
  return 0;
}
