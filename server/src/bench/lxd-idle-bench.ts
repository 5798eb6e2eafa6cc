// What idle sessions on the lxd runtime cost LXD, before and after their disk use was read from the btrfs
// pool (runtime/lxd/local-disk-usage.ts) instead of one LXD state call per session every 10 s: the same
// sessions, the same minute, both ways in one run. "Before" is made by turning the pool read off in this process.
import fs from 'node:fs';
import type { Config } from '../config.js';
import { LocalDiskUsage } from '../runtime/lxd/local-disk-usage.js';
import type { Row } from './bench-table.js';
import { startBenchApp, startSession } from './bench-app.js';
import { processTicks, ticksByName } from './process-cpu.js';

const IDLE_S = 60;

export async function lxdIdleBench(config: Config, rows: Row[]): Promise<void> {
  const what = (n: number) => `lxd runtime: ${n} idle sessions for ${IDLE_S} s, % of one core: LXD's daemon / Berth's server`;
  const n = Number(process.env.BERTH_BENCH_IDLE_SESSIONS ?? 30);
  if (!fs.existsSync(config.lxd.socket)) {
    rows.push({ what: what(n), figure: 'no LXD here (native/lxd/lxd-host.sh up)', target: '-' });
    return;
  }
  const figures: string[] = [];
  for (const fromPool of [false, true]) {
    const read = LocalDiskUsage.prototype.of;
    if (!fromPool) LocalDiskUsage.prototype.of = async () => undefined;
    const { berth, url } = await startBenchApp({ ...config, runtime: 'lxd' }, 'bench-lxd-idle');
    const started: Awaited<ReturnType<typeof startSession>>[] = [];
    try {
      // Five at a time, as a class arrives; then a quiet spell before the minute measured.
      while (started.length < n) started.push(...(await Promise.all(Array.from({ length: Math.min(5, n - started.length) }, () => startSession(url)))));
      await new Promise((r) => setTimeout(r, 15_000));
      const before = processTicks();
      await new Promise((r) => setTimeout(r, IDLE_S * 1000));
      const spent = new Map(ticksByName(before, processTicks()));
      // USER_HZ is 100: ticks a second are % of one core. LXD's btrfs runs are reaped by LXD: counted there.
      const pct = (name: string) => ((spent.get(name) ?? 0) / IDLE_S).toFixed(1);
      figures.push(`${fromPool ? 'read from the pool' : 'LXD state calls (before)'} ${pct('lxd')} / ${pct('node')}`);
    } finally {
      for (const s of started) await s.term.close().catch(() => {});
      await berth.close();
      LocalDiskUsage.prototype.of = read;
    }
  }
  rows.push({ what: what(n), figure: figures.join(' | '), target: '-' });
}
