// The crowd rows of `npm run bench`: crowds of idle sessions (100, then 200), all of them typing at once,
// the CPU they cost idle (just started, quiet, napping) and the first key after a nap.
import fs from 'node:fs';
import type { Berth } from '../app.js';
import { hostBusyDuring, pct, type Row } from './bench-table.js';
import { startSession } from './bench-app.js';
import { processTicks, ticksByName } from './process-cpu.js';

const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;

function memAvailable(): number {
  const m = /^MemAvailable:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/meminfo', 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
}

/** The issue's echo targets by crowd size (issue 16); other sizes print the nearest larger one's. */
function echoTarget(terminals: number): string {
  return terminals <= 100 ? 'p99 ≤ 10 ms (issue 16, 100 typing)' : 'p99 ≤ 25 ms (issue 16, 200 typing)';
}

type Held = Awaited<ReturnType<typeof startSession>>;

/**
 * Grows a crowd of idle sessions to each size in `sizes` in turn (started in batches of ten, until the first
 * failure) and at each size has all of them type at once; at the largest, the CPU they cost idle (just
 * started, quiet, napping) and the first key after a nap.
 */
export async function manySessions(berth: Berth, url: string, sizes: number[], rows: Row[], path: string) {
  const before = memAvailable();
  const held: Held[] = [];
  let failure = '';
  const t0 = performance.now();
  try {
    for (const size of sizes) {
      while (held.length < size && !failure) {
        const batch = await Promise.allSettled(Array.from({ length: Math.min(10, size - held.length) }, () => startSession(url)));
        for (const b of batch) {
          if (b.status === 'fulfilled') held.push(b.value);
          else failure ||= String((b.reason as Error).message).split('\n')[0]!;
        }
      }
      const startedIn = performance.now() - t0;
      await new Promise((r) => setTimeout(r, 5_000));
      const used = before - memAvailable();
      rows.push({
        what: `idle sessions held at once (asked for ${size}${failure ? `; stopped: ${failure}` : ''}), ${path}`,
        figure: `${held.length} in ${(startedIn / 1000).toFixed(0)} s, host memory +${(used / 2 ** 30).toFixed(2)} GiB (${mib(used / Math.max(1, held.length))} each)`,
        target: '≤ 30 MiB each, ≥ 500 held (issue 16)',
      });
      await typingEcho(held, rows, path);
      if (failure) break;
    }
    // Idle twice: just started (typed in within two minutes), then as if nobody had typed for two minutes.
    await idleCpu(held.length, `just started, ${path}`, rows);
    for (const h of held) {
      const s = berth.sessions.get(h.s.id);
      if (s) s.lastActivityAt -= 2 * 60_000;
    }
    await idleCpu(held.length, `nobody typed for 2 min, ${path}`, rows);
    await napRows(berth, held, rows, path);
  } finally {
    for (let i = 0; i < held.length; i += 10) {
      await Promise.all(held.slice(i, i + 10).map(async (h) => {
        await h.term.close();
        await berth.sessions.end(h.s.id, 'ended-by-user');
      }));
    }
  }
}

/** Every terminal types 10 keys a second into `cat` for 10 seconds; each key's echo is timed. */
async function typingEcho(held: Held[], rows: Row[], path: string) {
  for (const h of held) h.term.type('\x03cat\r'); // a `cat` from the last round ends first
  await new Promise((r) => setTimeout(r, 1000));
  const samples: number[] = [];
  await Promise.all(
    held.map(async (h, n) => {
      await new Promise((r) => setTimeout(r, (n * 7) % 100));
      for (let i = 0; i < 100; i++) {
        const started = performance.now();
        const before = h.term.rawLength;
        h.term.type('x');
        try {
          await h.term.waitFor(() => h.term.rawLength > before || undefined, 5000, 'echo');
          samples.push(performance.now() - started);
        } catch {
          samples.push(5000);
        }
        await new Promise((r) => setTimeout(r, Math.max(0, 100 - (performance.now() - started))));
      }
    }),
  );
  for (const h of held) h.term.type('\x03');
  await new Promise((r) => setTimeout(r, 1000));
  rows.push({
    what: `keystroke echo with ${held.length} terminals typing 10 keys/s each, p50 / p99 (${samples.length} keys), ${path}`,
    figure: `${pct(samples, 50).toFixed(1)} / ${pct(samples, 99).toFixed(1)} ms`,
    target: echoTarget(held.length),
  });
}

async function idleCpu(sessions: number, how: string, rows: Row[]) {
  const IDLE_S = 10;
  const procs0 = processTicks();
  const idle = await hostBusyDuring(() => new Promise((r) => setTimeout(r, IDLE_S * 1000)));
  const byProcess = ticksByName(procs0, processTicks()).slice(0, 8);
  rows.push({
    what: `host CPU busy while ${sessions} sessions sit idle (${IDLE_S} s, all cores), ${how}`,
    figure: `${Math.round(100 * idle.busy)}%`,
    target: '≤ 5% (issue 16)',
  });
  rows.push({
    what: `where that idle CPU goes, % of one core by process (all sandboxes' together), ${how}`,
    figure: byProcess.map(([name, t]) => `${name} ${(t / IDLE_S).toFixed(1)}`).join(', '),
    target: '-',
  });
}

/**
 * Every session naps (the nap time cut to seconds for the run; what counts as quiet is measured on each real
 * sandbox), the CPU is measured again, then every terminal gets a key at once: its echo includes the thaw.
 */
async function napRows(berth: Berth, held: Awaited<ReturnType<typeof startSession>>[], rows: Row[], path: string) {
  const naps = berth.naps;
  const napAfter = naps.options.napAfterMs;
  naps.options.napAfterMs = 3000;
  const t0 = performance.now();
  while (naps.count < held.length && performance.now() - t0 < 120_000) {
    await naps.scan();
    await new Promise((r) => setTimeout(r, 500));
  }
  naps.options.napAfterMs = napAfter;
  await idleCpu(held.length, `napping (${naps.count} of ${held.length} sandboxes paused), ${path}`, rows);
  // One visitor coming back alone, then everyone else at once (a class back from a break).
  const firstKey = async (h: (typeof held)[number]) => {
    const started = performance.now();
    const before = h.term.rawLength;
    h.term.type('x');
    const echo = await h.term.waitFor(() => h.term.rawLength > before || undefined, 10_000, 'echo').then(() => performance.now() - started, () => 10_000);
    h.term.type('\x7f'); // the x goes again: the typing test starts on an empty line
    return echo;
  };
  const alone = await firstKey(held[0]!);
  const together = await Promise.all(held.slice(1).map(firstKey));
  rows.push({
    what: `first keystroke after a nap (the thaw included): one terminal alone; then the other ${together.length} at once, p50 / max, ${path}`,
    figure: `${Math.round(alone)} ms; ${together.length ? `${Math.round(pct(together, 50))} / ${Math.round(Math.max(...together))} ms` : '-'}`,
    target: '-',
  });
  await new Promise((r) => setTimeout(r, 500));
}
