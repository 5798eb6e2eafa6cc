// The disk use of this machine's LXD sandboxes, read from the btrfs pool itself: one `btrfs subvolume list` and
// one `btrfs qgroup show` for all of them, at most every few seconds. LXD's answer to the same question (an
// instance's state) runs btrfs once per instance and walks its processes too: with a hundred idle sessions
// asked every 10 s, that kept the daemon near a core busy (docs/benchmarks.md, 2026-12-05).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const FRESH_MS = 3000;
/** btrfs output is bounded: a pool of many thousand subvolumes stays within this. */
const MAX_OUTPUT = 16 * 1024 * 1024;

type Runner = (cmd: string, args: string[]) => Promise<string>;
const runBtrfs: Runner = async (cmd, args) => (await run(cmd, args, { encoding: 'utf8', maxBuffer: MAX_OUTPUT, timeout: 10_000 })).stdout;

/** `btrfs subvolume list`: "ID 261 gen 90 top level 5 path containers/berth-a1" → path by subvolume id. */
export function parseSubvolumes(text: string): Map<string, string> {
  const byId = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^ID (\d+) gen \d+ (?:cgen \d+ )?top level \d+ (?:otime \S+ \S+ )?path (.+)$/.exec(line);
    if (m) byId.set(m[1]!, m[2]!);
  }
  return byId;
}

/** `btrfs qgroup show --raw`: "0/261   1234   567 …" → exclusive bytes by subvolume id (level-0 qgroups): the
 * column LXD reports as an instance's disk use (what its btrfs driver reads, per instance). */
export function parseQgroups(text: string): Map<string, number> {
  const excl = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^0\/(\d+)\s+\d+\s+(\d+)/.exec(line);
    if (m) excl.set(m[1]!, Number(m[2]));
  }
  return excl;
}

export class LocalDiskUsage {
  private batch?: { at: number; usage: Promise<Map<string, number>> };

  constructor(
    /** Where this machine's LXD mounts the pool: $LXD_DIR/storage-pools/<pool>. */
    private readonly poolDir: string,
    private readonly runner: Runner = runBtrfs,
  ) {}

  /** The instance's exclusive bytes, or undefined when the pool cannot be read here (LXD then answers). */
  async of(instanceName: string): Promise<number | undefined> {
    if (!this.batch || Date.now() - this.batch.at > FRESH_MS) this.batch = { at: Date.now(), usage: this.read() };
    const usage = await this.batch.usage.catch(() => undefined);
    return usage?.get(instanceName);
  }

  private async read(): Promise<Map<string, number>> {
    const [subvolumes, qgroups] = await Promise.all([this.runner('btrfs', ['subvolume', 'list', this.poolDir]), this.runner('btrfs', ['qgroup', 'show', '--raw', this.poolDir])]);
    const excl = parseQgroups(qgroups);
    const byName = new Map<string, number>();
    for (const [id, path] of parseSubvolumes(subvolumes)) {
      const m = /^containers\/([^/]+)$/.exec(path);
      const bytes = excl.get(id);
      if (m && bytes !== undefined) byName.set(m[1]!, bytes);
    }
    return byName;
  }
}
