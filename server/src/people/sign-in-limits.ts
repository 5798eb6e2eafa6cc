// Sign-in attempts are counted per address and per account name over a window; past the limit both wait.
// An attempt counts when it starts, before its password is hashed (a flood answered only after the KDF
// would all get through the check at once); a successful one is given back. Bounded: the oldest keys go
// first when a flood of made-up names fills the table.

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

  /** Milliseconds to wait before the next try, 0 when a try may be made now. Without an email, the address only. */
  waitFor(address: string, email: string | null, now = Date.now()): number {
    const wait = (key: string, limit: number) => {
      const recent = this.recent(key, now);
      return recent.length >= limit ? recent[recent.length - limit]! + this.options.windowMs - now : 0;
    };
    return Math.max(wait(`a:${address}`, this.options.perAddress), email === null ? 0 : wait(`e:${email}`, this.options.perEmail));
  }

  /** An attempt starts: it counts until succeeded() gives it back. */
  attempted(address: string, email: string | null, now = Date.now()): void {
    for (const key of [`a:${address}`, ...(email === null ? [] : [`e:${email}`])]) {
      const recent = this.recent(key, now);
      recent.push(now);
      this.failures.delete(key); // re-inserted last: the map's order is the order of use
      this.failures.set(key, recent.slice(-Math.max(this.options.perAddress, this.options.perEmail)));
    }
    while (this.failures.size > this.options.maxKeys) this.failures.delete(this.failures.keys().next().value!);
  }

  /** The attempt made at `at` was right: the account's count is cleared and the address's attempt given back. */
  succeeded(address: string, email: string | null, at: number): void {
    if (email !== null) this.failures.delete(`e:${email}`);
    const times = this.failures.get(`a:${address}`);
    const i = times?.lastIndexOf(at) ?? -1;
    if (i >= 0) times!.splice(i, 1);
  }

  private recent(key: string, now: number): number[] {
    return (this.failures.get(key) ?? []).filter((t) => now - t < this.options.windowMs);
  }
}
