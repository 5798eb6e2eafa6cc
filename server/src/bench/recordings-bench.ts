// What recording terminals costs (issue 15): the Berth process's CPU while terminals type and print, with
// BERTH_RECORD=terminals beside the same work unrecorded (the baseline, same run), and the bytes a recording
// takes per terminal per minute of that work.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Berth } from '../app.js';
import type { Config } from '../config.js';
import { createSession, TerminalClient } from '../tools/terminal-client.js';
import { startBenchApp } from './bench-app.js';
import type { Row } from './bench-table.js';

const TERMINALS = 10;
const SECONDS = 30;
/** Each terminal: a key every 100 ms, and every 2 s a command that prints 200 short lines. */
const KEY_EVERY_MS = 100;
const COMMAND_EVERY_MS = 2000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function work(url: string, berth: Berth): Promise<{ cpuShare: number; minutes: number }> {
  const held = await Promise.all(
    Array.from({ length: TERMINALS }, async () => {
      const s = await createSession({ url });
      const term = await TerminalClient.connect({ url }, s);
      await term.ready(60_000);
      term.keepOutput = false;
      return { s, term };
    }),
  );
  const cpu = process.cpuUsage();
  const since = performance.now();
  await Promise.all(
    held.map(async ({ term }) => {
      const end = since + SECONDS * 1000;
      let nextCommand = performance.now() + COMMAND_EVERY_MS;
      while (performance.now() < end) {
        if (performance.now() >= nextCommand) {
          term.type('\x15seq 1 200\r');
          nextCommand += COMMAND_EVERY_MS;
        } else term.type('x');
        await sleep(KEY_EVERY_MS);
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  const wall = performance.now() - since;
  for (const { s, term } of held) {
    await term.close();
    await berth.sessions.end(s.id, 'ended-by-user');
  }
  return { cpuShare: (used.user + used.system) / 1000 / wall, minutes: wall / 60_000 };
}

export async function recordingsBench(berth: Berth, url: string, config: Config, rows: Row[]): Promise<void> {
  const baseline = await work(url, berth);
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-recordings-'));
  try {
    const recording = await startBenchApp(config, 'bench-rec', { recordTerminals: true, recordingsDir: folder });
    let recorded: Awaited<ReturnType<typeof work>>;
    try {
      recorded = await work(recording.url, recording.berth);
    } finally {
      await recording.berth.close(); // waits for every recording to be sealed
    }
    const bytes = fs.readdirSync(folder).filter((f) => f.endsWith('.cast')).reduce((sum, f) => sum + fs.statSync(path.join(folder, f)).size, 0);
    const pct1 = (x: number) => `${(x * 100).toFixed(1)}%`;
    rows.push({
      what: `recording: Berth process CPU, ${TERMINALS} terminals typing 10 keys/s and printing 200 lines every 2 s for ${SECONDS} s, recorded (baseline: not recorded)`,
      figure: `${pct1(recorded.cpuShare)} of a core (baseline ${pct1(baseline.cpuShare)})`,
      target: '- (issue 15: the cost of recording)',
    });
    rows.push({
      what: 'recording: bytes written per terminal per minute of that work',
      figure: `${(bytes / TERMINALS / recorded.minutes / 1024).toFixed(1)} KiB`,
      target: '-',
    });
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
}
