// Probes the parts sessions depend on (the session engine, the registry mirror, the package cache) every
// second, and says when one goes down or comes back: sessions are told, the supervisor revives it at once.
import { EventEmitter } from 'node:events';
import type { HostPart } from '@berth/shared';

export type HostParts = Record<HostPart, boolean>;
export type HostProbes = { [K in HostPart]: () => Promise<boolean> };

type HostWatchEvents = { change: [now: HostParts, before: HostParts] };

export class HostWatch extends EventEmitter<HostWatchEvents> {
  /** Until the first probe: assumed up, so a server starting on a healthy host says nothing. */
  private last: HostParts = { engine: true, mirror: true, packageCache: true };
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<HostParts> | undefined;
  private readonly answers: Record<HostPart, number> = { engine: 0, mirror: 0, packageCache: 0 };

  constructor(
    private readonly probes: HostProbes,
    private readonly intervalMs = 1000,
  ) {
    super();
    this.setMaxListeners(0);
  }

  get current(): HostParts {
    return this.last;
  }

  start(): void {
    this.timer = setInterval(() => void this.check(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Probes every part now (one probe at a time in flight); listeners hear of any change. */
  check(): Promise<HostParts> {
    this.checking ??= this.probe().finally(() => (this.checking = undefined));
    return this.checking;
  }

  private async probe(): Promise<HostParts> {
    const [engine = false, mirror = false, packageCache = false] = await Promise.all([this.probes.engine, this.probes.mirror, this.probes.packageCache].map((p) => answersWithin(p)));
    const answered: HostParts = { engine, mirror, packageCache };
    const before = this.last;
    // A part that was down counts as back only after two answers in a row: an engine that is shutting
    // down still answers for a moment after its containers are stopped.
    const now = { ...answered };
    for (const part of Object.keys(now) as HostPart[]) {
      this.answers[part] = answered[part] ? this.answers[part] + 1 : 0;
      if (!before[part] && answered[part] && this.answers[part] < 2) now[part] = false;
    }
    this.last = now;
    if (now.engine !== before.engine || now.mirror !== before.mirror || now.packageCache !== before.packageCache) this.emit('change', now, before);
    return now;
  }
}

/** A probe that hangs (an engine that accepts but never answers) counts as down, and never stalls the watch. */
function answersWithin(probe: () => Promise<boolean>, ms = PROBE_TIMEOUT_MS): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    probe().then(
      (ok) => resolve(ok),
      () => resolve(false),
    ).finally(() => clearTimeout(timer));
  });
}

const PROBE_TIMEOUT_MS = 3000;
