// An LXD sandbox whose init runs on this machine (one host, or a cluster member here) is read from the host,
// as the docker runtime reads its containers: its network's tables, its cgroups and its ready files, with no
// exec and no API call. The session watcher asks every second for every session; an exec each time would cost
// the sandbox a process start and LXD a websocket set. Elsewhere in a cluster, the runtime falls back to LXD.
import { processStartTime, readKernelFile } from '../engine-calls.js';

export interface LocalInstance {
  pid: number;
  startTime: string;
  /** Host paths of its cgroup v1 hierarchies, by controller (memory, pids, cpuacct). */
  cgroups: Record<string, string>;
}

/** The instance's init as the host sees it, if it is this machine's process and LXD's payload of that name. */
export async function localInstance(name: string, pid: number): Promise<LocalInstance | null> {
  if (!(pid > 0)) return null;
  const cgroup = readKernelFile(`/proc/${pid}/cgroup`);
  const payload = `/lxc.payload.${name}`;
  const cgroups: Record<string, string> = {};
  for (const line of cgroup.split('\n')) {
    const [, controllers, where] = line.split(':');
    if (!controllers || !where) continue;
    // LXD makes the payload's cgroup below its own (which may itself be below the host's root).
    const at = `${where}/`.indexOf(`${payload}/`);
    if (at < 0) return null;
    for (const c of controllers.split(',')) if (['memory', 'pids', 'cpuacct'].includes(c)) cgroups[c] = `/sys/fs/cgroup/${controllers}${where.slice(0, at + payload.length)}`;
  }
  if (!cgroups.memory || !cgroups.pids || !cgroups.cpuacct) return null;
  const startTime = await processStartTime(pid);
  return startTime ? { pid, startTime, cgroups } : null;
}

export async function stillRuns(local: LocalInstance): Promise<boolean> {
  return (await processStartTime(local.pid)) === local.startTime;
}

export function localLimitText(local: LocalInstance): string {
  return [`${local.cgroups.memory}/memory.oom_control`, `${local.cgroups.pids}/pids.events`, `${local.cgroups.pids}/pids.current`].map(readKernelFile).join('');
}

/** What LXD's state says of its memory: the cgroup's usage (page cache included). */
export function localMemoryBytes(local: LocalInstance): number {
  return Number(readKernelFile(`${local.cgroups.memory}/memory.usage_in_bytes`).trim() || 0);
}

export function localCpuNs(local: LocalInstance): number {
  return Number(readKernelFile(`${local.cgroups.cpuacct}/cpuacct.usage`).trim() || 0);
}

/** The local instances of one runtime, by sandbox id: found once (LXD's state names the pid), then checked by
 * its start time alone. Only sandboxes of this machine's own LXD (`here`) are looked for: a cluster member's
 * process may share this machine's process table (the tests' cluster) while its daemon is dead, and a sandbox
 * still running there says nothing about whether LXD can reach it. */
export class LocalInstances {
  private readonly known = new Map<string, LocalInstance>();

  constructor(
    private readonly running: (id: string) => Promise<{ status: string; pid: number } | null>,
    private readonly nameOf: (id: string) => string,
    private readonly here: (id: string) => Promise<boolean>,
  ) {}

  /** The sandbox's init as this machine's process, when it runs here; null elsewhere. */
  async get(id: string): Promise<LocalInstance | null> {
    if (!(await this.here(id).catch(() => false))) return null;
    const known = this.known.get(id);
    if (known && (await stillRuns(known))) return known;
    this.known.delete(id);
    const state = await this.running(id).catch(() => null);
    if (state?.status !== 'Running') return null;
    const found = await localInstance(this.nameOf(id), state.pid);
    if (found) this.known.set(id, found);
    return found;
  }

  /** Whether a sandbox found here before still runs (no call to LXD); false when not known. */
  async knownRunning(id: string): Promise<boolean> {
    const known = this.known.get(id);
    if (known && !(await this.here(id).catch(() => false))) return false;
    return !!known && (await stillRuns(known));
  }

  forget(id: string): void {
    this.known.delete(id);
  }
}
