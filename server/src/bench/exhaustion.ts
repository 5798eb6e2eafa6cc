// The exhaustion benchmark (issue 6): one session attacks its own limits while another session's
// terminal is timed. Each attack gets a fresh attacker session (ended after it), so one attack's
// leftovers never weigh on the next. Figures only; nothing here passes or fails.
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { input, resize } from '@berth/shared';
import type { Berth } from '../app.js';
import { createSession, TerminalClient } from '../tools/terminal-client.js';
import { hostBusyDuring, pct, type Row } from './bench-table.js';

interface Attack {
  name: string;
  /** Typed into the attacker's shell. */
  command: string;
  /** The attacker's terminal prints without end: count its output instead of keeping it. */
  flood?: boolean;
  /** A lesson step to put the attacker on first (its checks run after each command). */
  lesson?: { lesson: string; step: string };
  /** Frames the attacker's page sends while the victim is timed; returns a stop function. */
  during?: (term: TerminalClient) => () => void;
}

/**
 * Sends up to `perTick` frames every 10 ms while fewer than 4 MiB wait on the attacker's side. The attacker
 * runs in this process too: a bound per tick keeps its own loop from being what stalls the server.
 */
function sendWhileMeasured(frame: (i: number) => string, perTick: number): (term: TerminalClient) => () => void {
  return (term) => {
    let i = 0;
    const timer = setInterval(() => {
      for (let n = 0; n < perTick && term.ws.bufferedAmount < 4 * 1024 * 1024 && term.ws.readyState === term.ws.OPEN; n++) term.ws.send(frame(i++));
    }, 10);
    return () => clearInterval(timer);
  };
}

/** Forged command marks carrying the shell's own nonce (the visitor can read it). */
const FORGED_MARK = `m=$(printf '\\e]633;E;docker ps;%s\\a\\e]133;C\\a\\e]133;D;0;%s\\a' "$__berth_nonce" "$__berth_nonce")`;

const ATTACKS: Attack[] = [
  { name: 'fork bomb in the shell', command: 'bomb(){ bomb | bomb & }; bomb' },
  { name: 'fork bomb in a nested container', command: "docker run -d debian bash -c 'b(){ b | b & }; b; exec sleep infinity'" },
  { name: 'memory hog, again and again', command: 'while :; do tail /dev/zero; done' },
  { name: 'disk fill, again and again', command: 'while :; do dd if=/dev/zero of=~/fill bs=1M count=4000 2>/dev/null; rm -f ~/fill; done' },
  { name: 'CPU burn on every core', command: `for i in $(seq ${os.cpus().length * 2}); do (while :; do :; done) & done` },
  { name: 'terminal flood (yes)', command: 'yes berth-flood', flood: true },
  // Issue 11: floods aimed at the server through the terminal.
  { name: 'forged command marks (yes, with the shell\'s nonce)', command: `${FORGED_MARK}; yes "$m"`, flood: true },
  { name: 'unterminated mark starts (yes ESC]133;)', command: "yes $'\\e]133;'", flood: true },
  { name: 'input flood into a shell that does not read', command: 'stty -echo; sleep 3600', during: sendWhileMeasured(() => input('x'.repeat(60_000)), 50) },
  { name: 'resize flood', command: 'cat', during: sendWhileMeasured((i) => resize(80 + (i % 100), 20 + (i % 30)), 200) },
  {
    name: 'lesson check output flood (checks triggered by forged marks, fed from /dev/zero)',
    lesson: { lesson: 'first-container', step: 'remove-container' },
    command:
      "(while :; do for p in $(pgrep -f '^timeout -s KILL'); do [ -e /tmp/s$p ] || { : > /tmp/s$p; cat /dev/zero > /proc/$p/fd/1 & }; done; sleep 0.05; done) >/dev/null 2>&1 & " +
      `${FORGED_MARK}; while :; do printf '%s' "$m"; sleep 0.1; done`,
  },
  { name: 'a thousand nested containers', command: 'for i in $(seq 1000); do docker run -d busybox sleep 1d >/dev/null; done' },
];

/** How long each attack runs before and while the victim is timed. */
const WARM_UP_MS = 5000;
const KEYS = 300;
const KEY_GAP_MS = 50;

/** Types keys into the victim's `cat` at a steady pace and times each echo. */
async function timeEcho(term: TerminalClient): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < KEYS; i++) {
    const before = term.rawLength;
    const t0 = performance.now();
    term.type(String.fromCharCode(97 + (i % 26)));
    await term.waitFor(() => term.rawLength > before || undefined, 10_000, 'echo');
    samples.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, KEY_GAP_MS));
  }
  return samples;
}

/** The server runs in this process: its longest event-loop stall during fn tells a blocked server from a busy host. */
async function longestStall<T>(fn: () => Promise<T>): Promise<{ value: T; stallMs: number }> {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  try {
    return { value: await fn(), stallMs: loop.max / 1e6 };
  } finally {
    loop.disable();
  }
}

async function putLesson(url: string, s: { id: string; token: string }, at: { lesson: string; step: string }): Promise<void> {
  const res = await fetch(`${url}/api/sessions/${s.id}/lesson`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}` },
    body: JSON.stringify(at),
  });
  if (res.status !== 200) throw new Error(`PUT lesson: ${res.status} ${await res.text()}`);
}

export async function exhaustion(berth: Berth, url: string, rows: Row[]): Promise<void> {
  const victim = await createSession({ url });
  const term = await TerminalClient.connect({ url }, victim);
  await term.ready(60_000);
  term.type('cat\r');
  await new Promise((r) => setTimeout(r, 500));
  const measure = async () => {
    const { value: timed, busy } = await hostBusyDuring(() => longestStall(() => timeEcho(term)));
    return { p50: pct(timed.value, 50), p99: pct(timed.value, 99), cpu: busy, stall: timed.stallMs };
  };
  const base = await measure();
  const fmt = (m: { p50: number; p99: number; cpu: number; stall: number }) =>
    `${m.p50.toFixed(1)} / ${m.p99.toFixed(1)} ms, host CPU ${Math.round(m.cpu * 100)}%, server stall ≤ ${Math.round(m.stall)} ms`;
  rows.push({ what: 'second session\'s keystroke echo, p50 / p99, no attack (baseline)', figure: fmt(base), target: '-' });
  try {
    const only = process.env.BERTH_BENCH_ATTACK;
    for (const attack of ATTACKS.filter((a) => !only || a.name.includes(only))) {
      const s = await createSession({ url });
      const attacker = await TerminalClient.connect({ url }, s);
      let m: Awaited<ReturnType<typeof measure>> | undefined;
      try {
        await attacker.ready(60_000);
        if (attack.lesson) await putLesson(url, s, attack.lesson);
        attacker.keepOutput = !attack.flood;
        attacker.type(`${attack.command}\r`);
        const stop = attack.during?.(attacker);
        try {
          await new Promise((r) => setTimeout(r, WARM_UP_MS));
          m = await measure();
        } finally {
          stop?.();
        }
      } finally {
        await attacker.close();
        const ended = await longestStall(() => berth.sessions.end(s.id, 'ended-by-user'));
        if (m) {
          rows.push({
            what: `second session's keystroke echo during: ${attack.name}`,
            figure: `${fmt(m)}; p99 ${(m.p99 / base.p99).toFixed(1)}× baseline; ending it: stall ≤ ${Math.round(ended.stallMs)} ms`,
            target: 'p99 ≤ 2× baseline (issue 6)',
          });
        }
      }
    }
  } finally {
    await term.close();
    await berth.sessions.end(victim.id, 'ended-by-user');
  }
}
