// Naps: a session nobody typed in, whose terminals printed nothing to a page, whose port links nobody used
// and whose sandbox used almost no CPU for a while (BERTH_NAP_AFTER_MIN) has every process of its sandbox
// frozen. An idle sandbox's own engine costs the host ~0.2% of a core for nothing, a hundred of them a fifth
// of a core. Whatever needs the sandbox wakes it first (waking-runtime.ts): a keystroke, a shell, a check, the
// file or engine view, a port link. Memory, files and connections stay; what was typed meanwhile waits in the
// socket; a timer in it fires late.

export interface NapRuntime {
  cpuUsedNs(id: string): Promise<number>;
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
}

export interface NapOptions {
  /** Quiet for this long: the sandbox naps. 0: never. */
  napAfterMs: number;
  /** Using less than this share of one core over that time counts as quiet (an idle sandbox uses ~0.002). */
  quietCpuShare?: number;
  /** How often sessions are looked at (default a tenth of napAfterMs, from 1 to 30 s). */
  intervalMs?: number;
}

/** What naps need to know of a session. */
export interface NapCandidate {
  id: string;
  state: string;
  /** The last keystroke (or other activity the session manager hears of). */
  lastActivityAt: number;
}

interface Logger {
  warn(obj: object, msg?: string): void;
}

const QUIET_CPU_SHARE = 0.01;

export class SandboxNaps {
  private readonly napping = new Set<string>();
  /** When something last needed each sandbox (wake()). */
  private readonly usedAt = new Map<string, number>();
  /** Since when each awake session has looked quiet, and its CPU time then. */
  private readonly quiet = new Map<string, { since: number; cpuNs: number }>();
  /** A pause or a thaw in flight, per sandbox: the next waits for it. */
  private readonly ops = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private scanning = false;
  /** Whether something keeps a session in use without typing (an open port tunnel): it does not nap. */
  inUse: (id: string) => boolean = () => false;

  constructor(
    private readonly runtime: NapRuntime,
    private readonly sessions: () => NapCandidate[],
    readonly options: NapOptions,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (!this.options.napAfterMs) return;
    const every = this.options.intervalMs ?? Math.min(30_000, Math.max(1000, this.options.napAfterMs / 10));
    this.timer = setInterval(() => void this.scan(), every);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Sandboxes napping now. */
  get count(): number {
    return this.napping.size;
  }

  isNapping(id: string): boolean {
    return this.napping.has(id);
  }

  /** Looks at every ready session once: a quiet one naps. */
  async scan(now = Date.now()): Promise<void> {
    const napAfter = this.options.napAfterMs;
    if (!napAfter || this.scanning) return;
    this.scanning = true;
    try {
      const ready = this.sessions().filter((s) => s.state === 'ready');
      const readyIds = new Set(ready.map((s) => s.id));
      for (const map of [this.quiet, this.usedAt]) for (const id of map.keys()) if (!readyIds.has(id)) map.delete(id);
      for (const s of ready) {
        if (this.napping.has(s.id) || this.ops.has(s.id)) continue;
        let cpuNs: number;
        try {
          cpuNs = await this.runtime.cpuUsedNs(s.id);
        } catch {
          continue; // ending or not running: the watcher says so
        }
        const lastUse = Math.max(s.lastActivityAt, this.usedAt.get(s.id) ?? 0);
        const q = this.quiet.get(s.id);
        if (!q || q.since < lastUse || this.inUse(s.id)) {
          this.quiet.set(s.id, { since: now, cpuNs });
          continue;
        }
        if (now - q.since < napAfter) continue;
        const share = (cpuNs - q.cpuNs) / 1e6 / (now - q.since);
        if (share >= (this.options.quietCpuShare ?? QUIET_CPU_SHARE)) {
          this.quiet.set(s.id, { since: now, cpuNs }); // busy on its own: looked at again after another while
          continue;
        }
        // One at a time: a hundred sessions going quiet together are not a hundred engine calls at once.
        await this.nap(s.id);
      }
    } finally {
      this.scanning = false;
    }
  }

  private nap(id: string): Promise<void> {
    this.napping.add(id);
    this.quiet.delete(id);
    return this.chain(id, () => this.runtime.pause(id)).catch((err: Error) => {
      this.napping.delete(id);
      this.log.warn({ session: id, err: err.message }, 'could not pause a quiet sandbox; it stays awake');
    });
  }

  /** Before anything uses the sandbox: thaws it if it naps. Counts as use: no nap for another napAfterMs. */
  async wake(id: string): Promise<void> {
    this.usedAt.set(id, Date.now());
    if (this.napping.delete(id)) {
      await this.chain(id, () => this.runtime.resume(id)).catch((err: Error) => this.log.warn({ session: id, err: err.message }, 'could not wake a napping sandbox'));
    } else {
      await this.ops.get(id)?.catch(() => {});
    }
  }

  /** Something used the sandbox without needing a wake (its terminal printed while a page watched): no nap for another napAfterMs. */
  used(id: string): void {
    this.usedAt.set(id, Date.now());
  }

  /** After a Berth restart: sandboxes left napping by the last run are thawed (this one knows nothing of them). */
  async wakeAll(ids: string[]): Promise<void> {
    await Promise.all(ids.map((id) => this.runtime.resume(id).catch((err: Error) => this.log.warn({ session: id, err: err.message }, 'could not wake a sandbox taken back'))));
  }

  /** The sandbox is going: nothing of it is kept. A pause in flight is waited for. */
  async forget(id: string): Promise<void> {
    this.napping.delete(id);
    this.quiet.delete(id);
    this.usedAt.delete(id);
    await this.ops.get(id)?.catch(() => {});
  }

  private chain(id: string, op: () => Promise<void>): Promise<void> {
    const next = (this.ops.get(id) ?? Promise.resolve()).catch(() => {}).then(op);
    const settled = next.catch(() => {}).finally(() => {
      if (this.ops.get(id) === settled) this.ops.delete(id);
    });
    this.ops.set(id, settled);
    return next;
  }
}
