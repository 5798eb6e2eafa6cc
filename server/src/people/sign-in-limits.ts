// Failed sign-ins are counted per address and per account name over a window; past the limit both wait.
// Bounded: the oldest keys go first when a flood of made-up names fills the table.

export interface SignInLimitOptions {
  windowMs: number;
  perAddress: number;
  perEmail: number;
  maxKeys: number;
}

export const SIGN_IN_LIMITS: SignInLimitOptions = { windowMs: 15 * 60_000, perAddress: 20, perEmail: 5, maxKeys: 10_000 };

export class SignInLimits {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly options: SignInLimitOptions = SIGN_IN_LIMITS) {}

  /** Milliseconds to wait before the next try, 0 when a try may be made now. */
  waitFor(address: string, email: string, now = Date.now()): number {
    const wait = (key: string, limit: number) => {
      const recent = this.recent(key, now);
      return recent.length >= limit ? recent[recent.length - limit]! + this.options.windowMs - now : 0;
    };
    return Math.max(wait(`a:${address}`, this.options.perAddress), wait(`e:${email}`, this.options.perEmail));
  }

  failed(address: string, email: string, now = Date.now()): void {
    for (const key of [`a:${address}`, `e:${email}`]) {
      const recent = this.recent(key, now);
      recent.push(now);
      this.failures.delete(key); // re-inserted last: the map's order is the order of use
      this.failures.set(key, recent.slice(-Math.max(this.options.perAddress, this.options.perEmail)));
    }
    while (this.failures.size > this.options.maxKeys) this.failures.delete(this.failures.keys().next().value!);
  }

  succeeded(email: string): void {
    this.failures.delete(`e:${email}`);
  }

  private recent(key: string, now: number): number[] {
    return (this.failures.get(key) ?? []).filter((t) => now - t < this.options.windowMs);
  }
}
