// Watches each ready session every second and tells its terminals what changed: a TCP port something
// started or stopped listening on (the page links to it; a session nobody typed in for two minutes is looked
// at every 10 s), and the use of its own disk (the page warns, and says plainly when it is full).
import type { ServerEvent } from '@berth/shared';
import { formatSize } from '../config.js';
import { DISK_FULL_BELOW_BYTES, processBudget, type LimitHits, type SandboxRuntime } from '../runtime/runtime.js';
import type { SessionManager } from './session-manager.js';

type PortEvent = Extract<ServerEvent, { type: 'port' }>;
type DiskEvent = Extract<ServerEvent, { type: 'disk' }>;

/** Scans in a row a sandbox must be seen stopped, with the engine up, before its session ends. More
 * than the host watch needs to call an engine restart (then the session ends as 'host-restart'). */
const STOPPED_SCANS = 5;

/** A scan still running after this long is left behind: the next one starts. */
const SCAN_GIVE_UP_MS = 5000;

/**
 * A session typed in within this long has its ports looked at every scan; a quiet one every QUIET_PORTS_MS.
 * Without berth-listeners (runtime/listeners-reader.ts), reading a namespace's TCP table costs the kernel a
 * walk of the host's whole connection hash (0.8 ms a read here, whatever the namespace holds): four reads a
 * session a second was a third of a core for 100 sessions sitting idle.
 */
const ACTIVE_MS = 2 * 60_000;
const QUIET_PORTS_MS = 10_000;


export class SessionWatcher {
  private readonly known = new Map<string, Set<number>>();
  private readonly disks = new Map<string, DiskEvent>();
  private readonly limits = new Map<string, LimitHits & { crowded: boolean }>();
  private readonly stopped = new Map<string, number>();
  private readonly portsLookedAt = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  /** A napping sandbox (naps/) changes nothing: only whether it still runs is looked at. */
  isNapping: (id: string) => boolean = () => false;

  constructor(
    private readonly sessions: SessionManager,
    private readonly runtime: SandboxRuntime,
    /** The disk quota as configured, named in the message (the file system shows a little less). */
    private readonly quotaBytes: number,
    /** The session's other limits, named in messages. */
    private readonly sessionLimits: { memoryBytes: number; pids: number },
    private readonly intervalMs = 1000,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.scan(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** The session's sandbox was replaced: the ports it had are closed (the page drops their links), its counters start over. */
  sandboxReplaced(id: string): void {
    for (const port of this.known.get(id) ?? []) this.sessions.emit('event', id, { type: 'port', port, closed: true });
    for (const map of [this.known, this.disks, this.limits, this.stopped, this.portsLookedAt]) map.delete(id);
  }

  /** What a socket that attaches late (a reload) needs first: the ports open now and the disk. */
  current(sessionId: string): ServerEvent[] {
    const ports: PortEvent[] = [...(this.known.get(sessionId) ?? [])].map((port) => ({ type: 'port', port }));
    const disk = this.disks.get(sessionId);
    return disk ? [...ports, disk] : ports;
  }

  async scan(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const live = this.sessions.live().filter((s) => s.state === 'ready');
      for (const id of this.known.keys()) if (!live.some((s) => s.id === id)) this.known.delete(id);
      for (const map of [this.disks, this.limits, this.stopped, this.portsLookedAt]) for (const id of map.keys()) if (!live.some((s) => s.id === id)) map.delete(id);
      const engineUp = live.length > 0 && (await this.runtime.ping());
      const scans = (async () => {
        const started: Promise<unknown>[] = [];
        for (const [n, s] of live.entries()) {
          // The runtime reads kernel files at once: a keystroke's echo waits for at most ten sessions' reads.
          if (n > 0 && n % 10 === 0) await new Promise((r) => setImmediate(r));
          const awake = !this.isNapping(s.id);
          started.push(Promise.all([awake && this.portsDue(s) && this.scanPorts(s.id), awake && this.scanDisk(s.id), awake && this.scanLimits(s.id), engineUp && this.scanStopped(s.id)]));
        }
        await Promise.all(started);
      })();
      // An engine call that never answers must not stop the watching of every session for good.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([scans, new Promise((resolve) => (timer = setTimeout(resolve, SCAN_GIVE_UP_MS)))]);
      clearTimeout(timer);
    } finally {
      this.busy = false;
    }
  }

  /** Whether to look at a session's ports in this scan (see ACTIVE_MS); a looked-at session is noted. */
  private portsDue(s: { id: string; lastActivityAt: number }): boolean {
    const now = Date.now();
    const quiet = now - s.lastActivityAt >= ACTIVE_MS;
    if (quiet && now - (this.portsLookedAt.get(s.id) ?? 0) < QUIET_PORTS_MS) return false;
    this.portsLookedAt.set(s.id, now);
    return true;
  }

  /**
   * A process killed for memory, or forks refused: the learner hears which limit and what it means.
   * A runaway loop is usually stopped by the lower per-user ceilings (processBudget) before the session's
   * own limit, which the kernel does not count as a refusal: so a crowd of processes is reported too.
   */
  private async scanLimits(id: string): Promise<void> {
    let now: LimitHits;
    try {
      now = await this.runtime.limitHits(id);
    } catch {
      return;
    }
    // A sandbox starts with no hits: one that happens before the first scan still counts.
    const before = this.limits.get(id) ?? { oomKills: 0, forksRefused: 0, processes: 0, crowded: false };
    // The nested share counts only the engine's and containers' tasks, and a bomb that gives up at a refused
    // fork (busybox sh) swings between it and nothing several times a second: a once-a-second look needs a
    // margin below the share to see it.
    const crowdAt = processBudget(this.sessionLimits.pids).nested * 0.9;
    // Crowded from there on, calm again below ¾ of that: one message per runaway, not one a second.
    const crowded = before.crowded ? now.processes >= crowdAt * 0.75 : now.processes >= crowdAt;
    this.limits.set(id, { ...now, crowded });
    const tell = (message: string) => this.sessions.emit('event', id, { type: 'error', message });
    if (now.oomKills > before.oomKills) {
      tell(`This session hit its memory limit (${formatSize(this.sessionLimits.memoryBytes)}): the kernel stopped its largest process. Your session goes on.`);
    }
    if (now.forksRefused > before.forksRefused || (crowded && !before.crowded)) {
      tell(
        `This session hit its process limit (${now.processes} running, at most ${this.sessionLimits.pids}): new processes are refused. ` +
          'Stop a runaway loop with Ctrl-C or "Restart shell" (ends everything started in this terminal; files, images and containers stay); ' +
          'stop a container with docker rm -f.',
      );
    }
  }

  /**
   * A sandbox that stopped on its own while the engine runs (its inner engine died, say after a visitor
   * filled the process limit past its ceilings): the session cannot go on, so it ends with the reason.
   */
  private async scanStopped(id: string): Promise<void> {
    const running = await this.runtime.isRunning(id).catch(() => true);
    const count = running ? 0 : (this.stopped.get(id) ?? 0) + 1;
    this.stopped.set(id, count);
    if (count < STOPPED_SCANS) return;
    // A sandbox whose machine was lost is not stopped: LostHosts ends its session, saying so (lost-hosts.ts).
    if (this.runtime.lostSandboxes && (await this.runtime.lostSandboxes().catch(() => new Map())).has(id)) return;
    const hits = this.limits.get(id);
    const atLimit = !!hits && (hits.crowded || hits.forksRefused > 0 || hits.oomKills > 0);
    await this.sessions.end(
      id,
      atLimit ? 'limit' : 'error',
      atLimit
        ? "the session's sandbox stopped after it hit its limits (processes or memory); a new session starts clean"
        : "the session's sandbox stopped unexpectedly; a new session starts clean",
    );
  }

  private async scanDisk(id: string): Promise<void> {
    let d: { usedBytes: number; totalBytes: number };
    try {
      d = await this.runtime.diskUsage(id);
    } catch {
      return;
    }
    const full = d.totalBytes - d.usedBytes < DISK_FULL_BELOW_BYTES;
    const before = this.disks.get(id);
    // Tell the page when use moved by 1% or more, or the disk became full or not.
    if (before && before.full === full && Math.abs(before.usedBytes - d.usedBytes) < d.totalBytes / 100) return;
    const event: DiskEvent = {
      type: 'disk',
      usedBytes: d.usedBytes,
      totalBytes: d.totalBytes,
      full,
      ...(full
        ? { message: `Your session used its ${formatSize(this.quotaBytes)} of disk. Free space with "docker system prune" (unused containers, images and build cache) or by deleting files in your home.` }
        : {}),
    };
    this.disks.set(id, event);
    this.sessions.emit('event', id, event);
  }

  private async scanPorts(id: string): Promise<void> {
    let ports: number[];
    try {
      ports = await this.runtime.listeningPorts(id);
    } catch {
      return; // ending or not running: the session's own status says so
    }
    const before = this.known.get(id) ?? new Set<number>();
    const now = new Set(ports);
    for (const port of now) if (!before.has(port)) this.sessions.emit('event', id, { type: 'port', port });
    for (const port of before) if (!now.has(port)) this.sessions.emit('event', id, { type: 'port', port, closed: true });
    this.known.set(id, now);
  }
}
