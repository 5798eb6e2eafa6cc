// Per-session limits of the egress proxy. A session is known by its source address on Berth's network
// (each session has a network and an address of its own; its shell, nested containers and builds all
// leave through it). Limits: connections at once, bytes a second (both directions, a token bucket), and
// bytes in a rolling hour.

export interface EgressLimits {
  /** Connections one session may hold open at once. */
  connections: number;
  /** Bytes a second, both directions together. */
  bytesPerSecond: number;
  /** Bytes an hour, both directions together. */
  bytesPerHour: number;
}

export const DEFAULT_LIMITS: EgressLimits = { connections: 16, bytesPerSecond: 4 * 2 ** 20, bytesPerHour: 2 * 2 ** 30 };
const HOUR_MS = 3600_000;
/** Addresses not seen for this long are forgotten (a session's address is reused after it ends). */
const FORGET_MS = 2 * HOUR_MS;

class SessionUse {
  open = 0;
  tokens: number;
  refilledAt: number;
  /** Bytes in this hour and the one before (a rolling hour, weighted: two counters, not a log). */
  thisHour = 0;
  lastHour = 0;
  hourStart: number;
  seenAt: number;

  constructor(limits: EgressLimits, now: number) {
    this.tokens = limits.bytesPerSecond;
    this.refilledAt = now;
    this.hourStart = now;
    this.seenAt = now;
  }
}

export class SessionLimits {
  private readonly uses = new Map<string, SessionUse>();

  constructor(
    readonly limits: EgressLimits = DEFAULT_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  private use(address: string): SessionUse {
    const now = this.now();
    let u = this.uses.get(address);
    if (!u) {
      if (this.uses.size > 4096) this.forgetIdle(now);
      u = new SessionUse(this.limits, now);
      this.uses.set(address, u);
    }
    u.seenAt = now;
    if (now - u.hourStart >= HOUR_MS) {
      u.lastHour = now - u.hourStart >= 2 * HOUR_MS ? 0 : u.thisHour;
      u.thisHour = 0;
      u.hourStart = now - ((now - u.hourStart) % HOUR_MS);
    }
    return u;
  }

  /** A connection opens: why it may not, or undefined. Call closed() once for every opened() that said yes. */
  opened(address: string): string | undefined {
    const u = this.use(address);
    if (u.open >= this.limits.connections) return `this session already holds ${this.limits.connections} connections through the proxy`;
    if (this.hourBytes(u) >= this.limits.bytesPerHour) return 'this session used its download allowance for the hour';
    u.open++;
    return undefined;
  }

  closed(address: string): void {
    const u = this.uses.get(address);
    if (u && u.open > 0) u.open--;
  }

  /** Bytes passed: how long (ms) the connection waits before reading more; Infinity once the hour's allowance is spent. */
  passed(address: string, bytes: number): number {
    const u = this.use(address);
    u.thisHour += bytes;
    if (this.hourBytes(u) > this.limits.bytesPerHour) return Infinity;
    const now = this.now();
    u.tokens = Math.min(this.limits.bytesPerSecond, u.tokens + ((now - u.refilledAt) / 1000) * this.limits.bytesPerSecond);
    u.refilledAt = now;
    u.tokens -= bytes;
    return u.tokens >= 0 ? 0 : Math.ceil((-u.tokens / this.limits.bytesPerSecond) * 1000);
  }

  private hourBytes(u: SessionUse): number {
    const into = (this.now() - u.hourStart) / HOUR_MS;
    return u.thisHour + u.lastHour * Math.max(0, 1 - into);
  }

  private forgetIdle(now: number): void {
    for (const [address, u] of this.uses) if (u.open === 0 && now - u.seenAt > FORGET_MS) this.uses.delete(address);
  }
}
