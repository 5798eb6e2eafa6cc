import fs from 'node:fs';

/** CPU ticks (USER_HZ) of every live process, its reaped children's included, keyed by pid. */
export function processTicks(): Map<number, { name: string; ticks: number }> {
  const out = new Map<number, { name: string; ticks: number }>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // it ended between the listing and the read
    }
    // The name is in parentheses and may itself hold spaces or parentheses: the fields start after the last ')'.
    const close = stat.lastIndexOf(')');
    const name = stat.slice(stat.indexOf('(') + 1, close);
    const f = stat.slice(close + 2).split(' ');
    // Fields 14-17 of stat (utime, stime, cutime, cstime) are 11-14 after the name.
    const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    out.set(Number(entry), { name, ticks });
  }
  return out;
}

/**
 * The CPU ticks spent between two snapshots, summed by process name, largest first. A process that began and
 * ended in between is counted in the parent that reaped it (a shell's forks land on the shell).
 */
export function ticksByName(
  before: Map<number, { name: string; ticks: number }>,
  after: Map<number, { name: string; ticks: number }>,
): Array<[string, number]> {
  const byName = new Map<string, number>();
  for (const [pid, a] of after) {
    // By pid alone: a kernel worker's name changes with the work it does.
    const spent = a.ticks - (before.get(pid)?.ticks ?? 0);
    if (spent > 0) byName.set(a.name, (byName.get(a.name) ?? 0) + spent);
  }
  return [...byName].sort((x, y) => y[1] - x[1]);
}
