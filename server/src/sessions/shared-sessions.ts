// Servers that share sessions (config.sharedSessions: the lxd runtime and one PostgreSQL database): a visitor's
// requests may reach any server of the instance, so a server that does not know a session looks for its row
// and serves it too (takeUp). Every server holding a session keeps its copy in step at each reaper round
// (refresh): keystrokes, the page on screen and extensions are merged from the row, the latest of each
// winning, so every server judges idle and time limits alike; a session whose row is gone was ended by
// another server, and it ends here too. Rows no server holds any more (a server that stopped for good) end
// when their time is up, by whichever server sees them first.
import type { EndReason } from '@berth/shared';
import type { SandboxRuntime } from '../runtime/runtime.js';
import type { SessionStore, StoredSession } from '../store/session-store.js';
import { TokenBucket } from '../terminal/token-bucket.js';
import { dueAt, type LifetimeLimits } from './session-lifetime.js';
import { fromStoredSession, type Session } from './session.js';
import { addressKey } from './visitor-limits.js';
import type { Logger } from './session-manager.js';

/** What the session manager lends this. */
export interface SharedSessionsHost {
  get(id: string): Session | undefined;
  live(): Session[];
  /** A session found in the store joins this server's (ready: its sandbox answers; else it starts elsewhere). */
  join(s: Session, ready: boolean): void;
  /** A joined session whose sandbox another server was starting is ready now. */
  ready(s: Session): void;
  end(id: string, reason: EndReason, message?: string): Promise<void>;
  persist(s: Session): void;
  /** The session's end moved later (an extension made on another server): its pages hear the new clock. */
  clockMoved(s: Session): void;
  /** Removes a sandbox no session here holds (a row whose time ran out with nobody serving it). */
  removeSandbox(id: string): Promise<void>;
}

const ENDED_ELSEWHERE = 'This session was ended elsewhere (in another tab, by a teacher or at a limit). Press Start for a new one.';
/** How often a session another server is starting is looked at, and for how long. */
const START_POLL_MS = 1000;
const START_WAIT_MS = 10 * 60_000;
/** How far ahead of its row a copy's activity may be before this server writes it. */
const STALE_MS = 20_000;
/**
 * An id looked up and not found is not looked up again for this long (a request for a made-up id, repeated,
 * costs the shared database nothing more). Safe: a session's id reaches its visitor only once its row is written.
 */
const MISSING_FOR_MS = 2000;
const MISSING_KEPT = 10_000;
/**
 * Look-ups of ids this server does not hold, per client address: a burst (a class behind one address whose
 * server stopped: every page comes here at once), then a steady rate. Made-up ids that vary each cost the
 * shared database a query; past this, an address's requests for sessions unknown here are not looked up.
 */
export const LOOKUPS_BURST = 120;
export const LOOKUPS_PER_SECOND = 2;
const ADDRESSES_KEPT = 10_000;

export class SharedSessions {
  private readonly joining = new Map<string, Promise<void>>();
  /** Ids not found, and when they may be looked up again (oldest first: a Map keeps insertion order). */
  private readonly missing = new Map<string, number>();
  /** Look-up budgets by client address (oldest first; the oldest is dropped past ADDRESSES_KEPT). */
  private readonly budgets = new Map<string, TokenBucket>();
  private refusalToldAt = 0;

  constructor(
    private readonly store: SessionStore,
    private readonly runtime: Pick<SandboxRuntime, 'isReady'>,
    private readonly o: LifetimeLimits & { instance: string },
    private readonly host: SharedSessionsHost,
    private readonly log: Logger,
  ) {}

  /** Takes up a session another server made, if its row is in the store; callers asking at once share one look. */
  async takeUp(id: string, address = ''): Promise<void> {
    if (this.host.get(id) || (this.missing.get(id) ?? 0) > Date.now()) return;
    let look = this.joining.get(id);
    if (!look) {
      if (!this.mayLookUp(address)) return;
      look = this.lookUp(id).finally(() => this.joining.delete(id));
      this.joining.set(id, look);
    }
    await look;
  }

  private mayLookUp(address: string): boolean {
    // An IPv6 visitor picks any address of their /64 at will: counted as one.
    const key = address ? addressKey(address) : '';
    let budget = this.budgets.get(key);
    if (budget) this.budgets.delete(key);
    else budget = new TokenBucket(LOOKUPS_PER_SECOND, LOOKUPS_BURST);
    this.budgets.set(key, budget);
    if (this.budgets.size > ADDRESSES_KEPT) this.budgets.delete(this.budgets.keys().next().value!);
    if (budget.take(1) === 0) return true;
    // Said once a minute at most: the requests themselves may come by the thousand.
    if (Date.now() - this.refusalToldAt > 60_000) {
      this.refusalToldAt = Date.now();
      this.log.warn({ address }, 'too many look-ups of sessions unknown here from one address: not looked up');
    }
    return false;
  }

  private async lookUp(id: string): Promise<void> {
    const row = await this.store.get(id);
    if (!row || row.instance !== this.o.instance) return this.notFound(id);
    if (this.host.get(id)) return;
    const ready = await this.runtime.isReady(id).catch(() => false);
    if (this.host.get(id)) return;
    const s = fromStoredSession(row);
    this.host.join(s, ready);
    this.log.info({ session: id, ready }, 'serving a session another Berth server made');
    if (!ready) void this.awaitStart(s);
  }

  private notFound(id: string): void {
    this.missing.delete(id);
    this.missing.set(id, Date.now() + MISSING_FOR_MS);
    if (this.missing.size > MISSING_KEPT) this.missing.delete(this.missing.keys().next().value!);
  }

  /** Another server is starting (or queued) the sandbox: this one sees it ready by asking the runtime. */
  private async awaitStart(s: Session): Promise<void> {
    const until = Date.now() + START_WAIT_MS;
    while (s.state === 'starting' && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, START_POLL_MS));
      if (s.state === 'starting' && (await this.runtime.isReady(s.id).catch(() => false))) return this.host.ready(s);
    }
  }

  /** One reaper round: every session held here merged with its row; rows nobody serves ended when due. */
  async refresh(now = Date.now()): Promise<void> {
    const rows = new Map((await this.store.all(this.o.instance)).map((row) => [row.id, row]));
    const ends: Promise<void>[] = [];
    for (const s of this.host.live()) {
      const row = rows.get(s.id);
      rows.delete(s.id);
      if (!row) {
        // A queued session's row is written when it is queued: only an end removes it.
        ends.push(this.host.end(s.id, 'ended-by-user', ENDED_ELSEWHERE));
        continue;
      }
      const merged = mergeRow(s, row);
      if (merged.clockMoved) this.host.clockMoved(s);
      if (merged.newerHere) this.host.persist(s);
    }
    for (const row of rows.values()) {
      if (this.joining.has(row.id)) continue;
      const due = dueAt(fromStoredSession(row), this.o, now);
      if (!due || !('end' in due)) continue;
      this.log.info({ session: row.id, reason: due.end }, 'a session no Berth server was serving reached its end');
      ends.push(this.store.remove(row.id).then(() => this.host.removeSandbox(row.id)));
    }
    await Promise.all(ends);
  }
}

/** The latest of each clock wins; says whether the end moved later and whether this copy knew something newer. */
export function mergeRow(s: Session, row: StoredSession): { clockMoved: boolean; newerHere: boolean } {
  // Clocks a little ahead are not written at every round: the idle end is minutes away, keystrokes are frequent.
  const newerHere = s.lastActivityAt - row.lastActivityAt > STALE_MS || s.lastVisibleAt - row.lastVisibleAt > STALE_MS || s.expiresAt > row.expiresAt;
  if (row.lastActivityAt > s.lastActivityAt) {
    s.lastActivityAt = row.lastActivityAt;
    s.warned.idleAt = null;
  }
  s.lastVisibleAt = Math.max(s.lastVisibleAt, row.lastVisibleAt);
  s.extensionsUsed = Math.max(s.extensionsUsed, row.extensionsUsed);
  const clockMoved = row.expiresAt > s.expiresAt;
  if (clockMoved) {
    s.expiresAt = row.expiresAt;
    s.warned.expiring = false;
  }
  return { clockMoved, newerHere };
}
