import fs from 'node:fs';

/** One line of the benchmark table. */
export interface Row {
  what: string;
  figure: string;
  target: string;
}

/** The p-th percentile (nearest rank) of xs. */
export const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};

/** CPU time counters of the whole host (all cores) from /proc/stat. */
export function cpuTimes(): { busy: number; total: number } {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** Share (0-1) of all cores busy while fn ran. */
export async function hostBusyDuring<T>(fn: () => Promise<T>): Promise<{ value: T; busy: number }> {
  const c0 = cpuTimes();
  const value = await fn();
  const c1 = cpuTimes();
  return { value, busy: (c1.busy - c0.busy) / Math.max(1, c1.total - c0.total) };
}
