// The images visitors pull: what building them cost on this host (as the last build recorded it), how much
// the mirror holds, and how long pulls of the big language images take inside a session.
import fs from 'node:fs';
import path from 'node:path';
import type { Berth } from '../app.js';
import type { Config } from '../config.js';
import { createSession, TerminalClient } from '../tools/terminal-client.js';
import { pct, type Row } from './bench-table.js';

const ms = (n: number) => (Number.isFinite(n) ? `${Math.round(n)} ms` : 'failed');

/** Bytes under dir (files only, links not followed). */
function bytesUnder(dir: string): number {
  let total = 0;
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) total += fs.statSync(p).size;
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return total;
}

/** Lines "image<TAB>seconds<TAB>bytes<TAB>when" that native/build-images.sh appends for each image it builds. */
function lastBuildTimes(file: string): Map<string, { seconds: number; bytes: number }> {
  const last = new Map<string, { seconds: number; bytes: number }>();
  if (!fs.existsSync(file)) return last;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const [image, seconds, bytes] = line.split('\t');
    if (image && Number.isFinite(Number(seconds))) last.set(image, { seconds: Number(seconds), bytes: Number(bytes) });
  }
  return last;
}

export async function imagesBench(berth: Berth, config: Config, url: string, rows: Row[]): Promise<void> {
  const times = lastBuildTimes(path.join(config.dataDir, 'build', 'build-times.tsv'));
  if (times.size) {
    const all = [...times.values()].reduce((a, t) => a + t.seconds, 0);
    const slowest = [...times].sort((a, b) => b[1].seconds - a[1].seconds).slice(0, 3);
    rows.push({
      what: `image builds as last recorded (${times.size} images; slowest: ${slowest.map(([n, t]) => `${n} ${t.seconds.toFixed(0)} s`).join(', ')})`,
      figure: `${all.toFixed(0)} s summed`,
      target: 'measured (issue 12)',
    });
  } else {
    rows.push({ what: 'image builds', figure: `no record in ${config.dataDir}/build/build-times.tsv`, target: 'measured (issue 12)' });
  }
  rows.push({ what: 'mirror storage (every image and tag visitors can pull offline)', figure: `${(bytesUnder(path.join(config.dataDir, 'mirror')) / 2 ** 20).toFixed(0)} MiB`, target: 'measured (issue 12)' });

  const samples: Record<string, number[]> = { 'python:3.11': [], 'node:20': [] };
  for (let i = 0; i < 3; i++) {
    const s = await createSession({ url });
    const term = await TerminalClient.connect({ url }, s);
    try {
      await term.waitForEvent((e) => e.type === 'status' && e.state === 'ready', 60_000, 'ready');
      await term.waitForText(/\$ $/m, 30_000);
      for (const image of Object.keys(samples)) {
        const out = await term.run(`s=$(date +%s%N); docker pull ${image} >/dev/null 2>&1 && echo "took $(( ($(date +%s%N) - s) / 1000000 ))"`, 300_000);
        samples[image]!.push(Number(/took (\d+)/.exec(out.output)?.[1] ?? NaN));
      }
    } finally {
      await term.close();
      await berth.sessions.end(s.id, 'ended-by-user');
    }
  }
  for (const [image, xs] of Object.entries(samples)) {
    rows.push({ what: `docker pull ${image} inside a session, image absent (3 sessions), p50 / max`, figure: `${ms(pct(xs, 50))} / ${ms(Math.max(...xs))}`, target: 'measured (issue 12)' });
  }
}
