// Watches each ready session every second and tells its terminals what changed: a TCP port something
// started or stopped listening on (the page links to it), and the use of its own disk (the page warns,
// and says plainly when it is full).
import { PORT_PATH, type ServerEvent } from '@berth/shared';
import { formatSize } from '../config.js';
import type { SandboxRuntime } from '../runtime/runtime.js';
import type { SessionManager } from './session-manager.js';

type PortEvent = Extract<ServerEvent, { type: 'port' }>;
type DiskEvent = Extract<ServerEvent, { type: 'disk' }>;

/** Below this much free space, writes fail: the disk counts as full. */
const FULL_BELOW_BYTES = 16 * 2 ** 20;

export class SessionWatcher {
  private readonly known = new Map<string, Set<number>>();
  private readonly disks = new Map<string, DiskEvent>();
  private readonly limits = new Map<string, { oomKills: number; forksRefused: number }>();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

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

  /** What a socket that attaches late (a reload) needs first: the ports open now and the disk. */
  current(sessionId: string): ServerEvent[] {
    const ports: PortEvent[] = [...(this.known.get(sessionId) ?? [])].map((port) => ({ type: 'port', port, url: PORT_PATH(sessionId, port) }));
    const disk = this.disks.get(sessionId);
    return disk ? [...ports, disk] : ports;
  }

  async scan(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const live = this.sessions.live().filter((s) => s.state === 'ready');
      for (const id of this.known.keys()) if (!live.some((s) => s.id === id)) this.known.delete(id);
      for (const map of [this.disks, this.limits]) for (const id of map.keys()) if (!live.some((s) => s.id === id)) map.delete(id);
      await Promise.all(live.map((s) => Promise.all([this.scanPorts(s.id), this.scanDisk(s.id), this.scanLimits(s.id)])));
    } finally {
      this.busy = false;
    }
  }

  /** A process killed for memory, or forks refused: the learner hears which limit and what it means. */
  private async scanLimits(id: string): Promise<void> {
    let now: { oomKills: number; forksRefused: number };
    try {
      now = await this.runtime.limitHits(id);
    } catch {
      return;
    }
    // A sandbox starts with no hits: one that happens before the first scan still counts.
    const before = this.limits.get(id) ?? { oomKills: 0, forksRefused: 0 };
    this.limits.set(id, now);
    if (now.oomKills > before.oomKills) {
      this.sessions.emit('event', id, {
        type: 'error',
        message: `This session hit its memory limit (${formatSize(this.sessionLimits.memoryBytes)}): the kernel stopped its largest process. Your session goes on.`,
      });
    }
    if (now.forksRefused > before.forksRefused) {
      this.sessions.emit('event', id, {
        type: 'error',
        message: `This session hit its limit of ${this.sessionLimits.pids} processes: new processes are refused until some end (Ctrl-C, or docker rm -f a container).`,
      });
    }
  }

  private async scanDisk(id: string): Promise<void> {
    let d: { usedBytes: number; totalBytes: number };
    try {
      d = await this.runtime.diskUsage(id);
    } catch {
      return;
    }
    const full = d.totalBytes - d.usedBytes < FULL_BELOW_BYTES;
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
    for (const port of now) if (!before.has(port)) this.sessions.emit('event', id, { type: 'port', port, url: PORT_PATH(id, port) });
    for (const port of before) if (!now.has(port)) this.sessions.emit('event', id, { type: 'port', port, url: PORT_PATH(id, port), closed: true });
    this.known.set(id, now);
  }
}
