// OIDC sign-ins started and not yet back from the provider, kept on the server by their state. Bounded: an
// entry lives ten minutes and is used once; past the limit the oldest go first, so a flood of starts holds
// a fixed amount of memory (each start is also counted against its address).

export interface PendingSignIn {
  state: string;
  nonce: string;
  /** The PKCE code verifier (S256). */
  verifier: string;
  /** sha256 of the browser's binding cookie: the callback must come from the browser that started. */
  browser: string;
  address: string;
  startedAt: number;
}

export const PENDING_LIFETIME_MS = 10 * 60_000;
export const PENDING_MAX = 2000;

export class PendingSignIns {
  // Insertion order is start order, and every entry lives equally long: the oldest are first.
  private readonly byState = new Map<string, PendingSignIn>();

  constructor(
    readonly max = PENDING_MAX,
    readonly lifetimeMs = PENDING_LIFETIME_MS,
  ) {}

  get size(): number {
    return this.byState.size;
  }

  add(pending: PendingSignIn): void {
    this.sweep(pending.startedAt);
    while (this.byState.size >= this.max) this.byState.delete(this.byState.keys().next().value!);
    this.byState.set(pending.state, pending);
  }

  /** The sign-in started with this state, removed so it is used once; null when unknown or too old. */
  take(state: string, now = Date.now()): PendingSignIn | null {
    const pending = this.byState.get(state);
    if (!pending) return null;
    this.byState.delete(state);
    return now - pending.startedAt < this.lifetimeMs ? pending : null;
  }

  private sweep(now: number): void {
    for (const [state, p] of this.byState) {
      if (now - p.startedAt < this.lifetimeMs) break;
      this.byState.delete(state);
    }
  }
}
