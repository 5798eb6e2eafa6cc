// Session lifecycle: admit (at once, from the warm pool, or after a queue), authorize, keep alive,
// extend, end with a reason. Every live session is written through to the store for re-adoption.
import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import { END_REASON_TEXT, type EndReason, type Lang, type ServerEvent } from '@berth/shared';
import { HttpError, SessionEndedError, SessionNotFoundError, UnauthorizedError } from '../errors.js';
import type { SandboxRuntime } from '../runtime/runtime.js';
import type { SessionStore } from '../store/session-store.js';
import { idleEndsAt } from './idle-deadline.js';
import { dueAt, lifetimeEvent } from './session-lifetime.js';
import type { SandboxPool } from './sandbox-pool.js';
import { SandboxRemovals } from './sandbox-removals.js';
import { SandboxRenewal } from './sandbox-renewal.js';
import type { StartGate } from './start-gate.js';
import type { StartOutcomes } from './start-outcomes.js';
import { SharedSessions, type SharedSessionsHost } from './shared-sessions.js';
import { VisitorLimits, type VisitorLimitOptions } from './visitor-limits.js';
import { hashToken, tokenMatches, type Session, type SessionTerms } from './session.js';
import { adoptStoredSessions } from './session-adoption.js';
import { SessionWrites } from './session-writes.js';
import { SessionStarts } from './session-starts.js';

export interface SessionManagerOptions extends VisitorLimitOptions {
  instance: string;
  ttlMs: number;
  idleTimeoutMs: number;
  /** How long after the last keystroke a visible tab still keeps the session (see idle-deadline.ts). */
  idleVisibleTimeoutMs: number;
  /** Live sessions (starting or ready) plus pooled sandboxes the host may hold at once. */
  maxSessions: number;
  maxQueue: number;
  extendMs: number;
  maxExtensions: number;
  /** An extension is offered, and warnings given, this long before an end. */
  warnBeforeMs: number;
  /** How long an ended session is remembered, so its page can still say why it ended. */
  rememberEndedMs?: number;
  /** Throws (an HttpError, in the visitor's language) when the host cannot take another session now, e.g. its data disk is full. */
  requireRoom?: (lang?: Lang) => void;
  /** Every sandbox start's outcome is recorded here (health, the probe, the failure's reference). */
  starts: StartOutcomes;
  /** Bounds the sandbox starts at once (shared with the warm pool, whose refills go after visitors' starts). */
  startGate?: StartGate;
  /** Other Berth servers serve these sessions too (shared-sessions.ts); needs a store they all use. */
  shared?: boolean;
}

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/**
 * event: for a session's terminals (its status, queue place, lifetime, lesson verdicts, ports, disk).
 * activity: a keystroke or the like (touch()); present: the visitor is at the page, not yet typing
 * (sawPresent()). Either wakes a napping sandbox.
 */
type SessionEvents = {
  event: [id: string, event: ServerEvent];
  activity: [id: string];
  present: [id: string];
  /** The session's sandbox is being replaced (renewSandbox): its shells and ports are gone, say so. */
  renewing: [id: string, notice: string];
  /** The replacement is ready: open new shells. */
  renewed: [id: string];
  /** A session another server made is served here too (servers sharing sessions). */
  joined: [id: string];
};

export class SessionManager extends EventEmitter<SessionEvents> {
  private readonly sessions = new Map<string, Session>();
  private readonly queue: Session[] = [];
  private readonly pending = new Set<Promise<unknown>>();
  /** The store's writes (session-writes.ts). */
  private readonly writes: SessionWrites;
  /** Ended sessions' sandboxes; one that could not be removed (an engine going down) is tried again later. */
  private readonly removals: SandboxRemovals;
  /** Sandboxes being made and sessions becoming ready (session-starts.ts). */
  private readonly starts: SessionStarts;
  private readonly limits: VisitorLimits;
  /** Set by detach(): the server is stopping and keeps its sessions for the next start. */
  private detaching = false;
  /** Sessions whose sandbox is being replaced (renewSandbox). */
  private readonly renewal: SandboxRenewal;
  /** Set when servers share sessions (options.shared). */
  private readonly shared: SharedSessions | undefined;

  constructor(
    private readonly runtime: SandboxRuntime,
    private readonly o: SessionManagerOptions,
    private readonly log: Logger,
    private readonly store?: SessionStore,
    private readonly pool?: SandboxPool,
  ) {
    super();
    this.setMaxListeners(0);
    this.limits = new VisitorLimits(o);
    this.writes = new SessionWrites(store, o.instance, log);
    this.starts = new SessionStarts(runtime, o, {
      emit: (id, event) => this.emit('event', id, event),
      persist: (s) => this.persist(s),
      end: (id, reason, message) => this.end(id, reason, message),
      lifetime: (s) => this.lifetime(s),
      becameReady: (s) => {
        if (this.renewal.settle(s.id)) this.emit('renewed', s.id);
      },
      track: (p) => this.track(p),
    }, log);
    this.removals = new SandboxRemovals(runtime, log);
    this.renewal = new SandboxRenewal(runtime, log, {
      begin: (s, notice) => {
        s.state = 'starting';
        this.starts.awaitReady(s);
        this.emit('renewing', s.id, notice);
      },
      restart: (s, notice) => this.starts.start(s, { keepClock: true, message: notice }),
      end: (id, fallback) => this.end(id, 'host-lost', fallback),
    });
    if (o.shared && store) this.shared = new SharedSessions(store, runtime, o, this.sharedHost(), log);
  }

  private sharedHost(): SharedSessionsHost {
    return {
      get: (id) => this.sessions.get(id),
      live: () => this.live(),
      join: (s, ready) => {
        this.sessions.set(s.id, s);
        if (!ready) {
          s.state = 'starting';
          this.starts.awaitReady(s);
        }
        this.emit('joined', s.id);
      },
      ready: (s) => void this.starts.markReady(s, Date.now()),
      end: (id, reason, message) => this.end(id, reason, message),
      persist: (s) => this.persist(s),
      clockMoved: (s) => s.state === 'ready' && this.emit('event', s.id, this.lifetime(s)),
      removeSandbox: (id) => this.removals.remove(id),
    };
  }

  /**
   * Servers sharing sessions: one another server made is served here from its first request on (a no-op
   * otherwise, and for a session known here). `address` (the visitor's, for their budget of look-ups) is
   * worked out only on a server that shares sessions.
   */
  async takeUp(id: string, address: () => string): Promise<void> {
    if (!this.detaching && this.shared) await this.shared.takeUp(id, address());
  }

  /** The sandboxes this server's sessions hold, and (servers sharing sessions) those every server's do. */
  async heldSandboxes(): Promise<Set<string>> {
    const held = new Set(this.live().map((s) => s.id));
    if (this.shared && this.store) for (const row of await this.store.all(this.o.instance)) held.add(row.id);
    return held;
  }

  /** Admits a visitor at once (from the pool, or a new sandbox) or puts them in the queue. */
  async create(opts: { learner: string; client: string; lesson?: string; lang?: Lang; terms?: SessionTerms }): Promise<{ session: Session; token: string }> {
    this.mayAdmit(opts);
    // A pooled sandbox is seen alive before it is handed over (a dead one is removed: a fresh start instead).
    const pooledId = await this.pool?.takeLive();
    try {
      this.mayAdmit(opts);
    } catch (err) {
      if (pooledId !== undefined) this.pool?.putBack(pooledId);
      throw err;
    }
    const canStart = pooledId !== undefined || this.activeCount() < this.o.maxSessions;
    if (!canStart && this.queue.length >= this.o.maxQueue) {
      throw new HttpError(503, 'The sandbox host is full and its waiting line too. Please try again in a few minutes.');
    }
    const token = crypto.randomBytes(24).toString('base64url');
    const now = Date.now();
    const session: Session = {
      id: pooledId ?? newSessionId(),
      tokenHash: hashToken(token),
      state: 'queued',
      createdAt: now,
      expiresAt: now + (opts.terms?.durationMs ?? this.o.ttlMs),
      lastActivityAt: now,
      lastVisibleAt: 0,
      extensionsUsed: 0,
      warned: { expiring: false, idleAt: null },
      ...opts,
      ready: Promise.resolve(false),
    };
    this.starts.awaitReady(session);
    this.sessions.set(session.id, session);
    if (!opts.terms) this.limits.started(opts.client);
    if (pooledId !== undefined) this.starts.handOver(session);
    else if (canStart) this.starts.start(session);
    else {
      this.queue.push(session);
      this.log.info({ session: session.id, position: this.queue.length }, 'host full: session queued');
      this.persist(session);
    }
    this.pool?.refill();
    // Another server may get the visitor's next request: it must find the session's row.
    if (this.shared) await this.writes.settled();
    return { session, token };
  }

  private mayAdmit(opts: { learner: string; client: string; lang?: Lang; terms?: SessionTerms }): void {
    if (this.detaching) throw new HttpError(503, 'The Berth server is restarting: try again in a moment.');
    this.o.requireRoom?.(opts.lang);
    // An invited session was admitted by its invite; it is not counted against the address either.
    if (!opts.terms) this.limits.check(this.live().filter((s) => !s.terms), opts.learner, opts.client);
  }

  /** Sandboxes held now: sessions starting or ready, and the warm pool. */
  activeCount(): number {
    return this.live().filter((s) => s.state === 'starting' || s.state === 'ready').length + (this.pool?.size ?? 0);
  }

  /** A ready session gets a new sandbox under the same id (sandbox-renewal.ts); `fallback` ends it if that cannot be. */
  async renewSandbox(id: string, notice: string, fallback: string): Promise<void> {
    const s = this.sessions.get(id);
    if (s) await this.renewal.renew(s, notice, fallback);
  }

  /** Whether the session's sandbox is being replaced now (renewSandbox). */
  isRenewing(id: string): boolean {
    return this.renewal.has(id);
  }

  /** The session if the token matches; throws a 404/401 the routes can show. */
  authorize(id: string, token: string | undefined): Session {
    const s = this.sessions.get(id);
    if (!s) throw new SessionNotFoundError();
    if (!tokenMatches(s, token)) throw new UnauthorizedError();
    return s;
  }

  requireLive(id: string, token: string | undefined): Session {
    const s = this.authorize(id, token);
    if (s.state === 'ended') throw new SessionEndedError(s.endMessage ?? END_REASON_TEXT[s.endReason ?? 'error']);
    return s;
  }

  get(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  live(): Session[] {
    return [...this.sessions.values()].filter((s) => s.state !== 'ended');
  }

  /** Place in line (1 = next) and a rough wait: when the sessions ahead would reach their time limit. */
  queueEvent(s: Session): Extract<ServerEvent, { type: 'queue' }> | null {
    const position = this.queue.indexOf(s) + 1;
    if (position < 1) return null;
    const ends = this.live()
      .filter((x) => x.state === 'ready')
      .map((x) => x.expiresAt)
      .sort((a, b) => a - b);
    const slotAt = ends[position - 1] ?? ends.at(-1) ?? Date.now();
    return { type: 'queue', position, etaSeconds: Math.max(0, Math.round((slotAt - Date.now()) / 1000)) };
  }

  lifetime(s: Session): Extract<ServerEvent, { type: 'lifetime' }> {
    return lifetimeEvent(s, this.o);
  }

  touch(id: string): void {
    const s = this.sessions.get(id);
    if (!s || s.state === 'ended') return;
    s.lastActivityAt = Date.now();
    s.warned.idleAt = null;
    this.emit('activity', id);
    this.writes.touched(s);
  }

  /** The visitor is at the page (the pointer moved over it, it got the focus): they may type next. */
  sawPresent(id: string): void {
    if (this.sessions.get(id)?.state === 'ready') this.emit('present', id);
  }

  /** The page says it is on screen: that counts as activity, up to the visible allowance. */
  sawVisible(id: string): void {
    const s = this.sessions.get(id);
    if (!s || s.state === 'ended') return;
    s.lastVisibleAt = Date.now();
    // An idle warning the visible tab has made stale: the page drops it when the idle end moves later.
    if (s.warned.idleAt !== null && idleEndsAt(s, this.o) - s.lastVisibleAt > this.o.warnBeforeMs) {
      s.warned.idleAt = null;
      this.emit('event', s.id, this.lifetime(s));
    }
  }

  extend(id: string, token: string | undefined): Session {
    const s = this.requireLive(id, token);
    const ev = this.lifetime(s);
    if (s.terms?.kind === 'interview') throw new HttpError(409, 'An interview lasts the time its interviewer set; it cannot be extended.');
    if (s.terms?.kind === 'class') throw new HttpError(409, 'A class session lasts the time the teacher set; the teacher can give the whole class more.');
    if (!ev.extensionsLeft) throw new HttpError(409, 'This session has used all its extensions.');
    if (!ev.canExtend) throw new HttpError(409, `A session can be extended in its last ${Math.round((this.o.warnBeforeMs * 2) / 60_000)} minutes.`);
    s.extensionsUsed++;
    s.expiresAt += this.o.extendMs;
    s.warned.expiring = false;
    this.persist(s);
    this.emit('event', s.id, this.lifetime(s));
    return s;
  }

  /** More time for a session under terms (a teacher extending the class): its end moves, warnings anew. */
  extendBy(id: string, ms: number): void {
    const s = this.sessions.get(id);
    if (!s || s.state === 'ended') return;
    s.expiresAt += ms;
    s.warned.expiring = false;
    this.persist(s);
    if (s.state === 'ready') this.emit('event', s.id, this.lifetime(s));
  }

  async end(id: string, reason: EndReason, message?: string): Promise<void> {
    const s = this.sessions.get(id);
    if (!s || s.state === 'ended') return;
    const hadSandbox = s.state === 'starting' || s.state === 'ready';
    const queued = this.queue.indexOf(s);
    if (queued >= 0) this.queue.splice(queued, 1);
    s.state = 'ended';
    this.renewal.settle(id);
    s.endReason = reason;
    s.endMessage = message ?? END_REASON_TEXT[reason];
    this.writes.remove(id);
    this.log.info({ session: id, reason }, 'session ended');
    this.emit('event', id, { type: 'status', state: 'ended', reason, message: s.endMessage });
    this.starts.settle(id, false);
    this.starts.forget(id);
    const work = hadSandbox ? this.starts.created(id).then(() => this.removals.remove(id)) : Promise.resolve();
    this.track(work);
    await work;
    this.admitFromQueue();
    setTimeout(() => this.sessions.delete(id), this.o.rememberEndedMs ?? 10 * 60_000).unref();
  }

  /** A slot is free: the first in line starts; everyone else hears their new place. */
  admitFromQueue(): void {
    while (this.queue.length && this.activeCount() < this.o.maxSessions) this.starts.start(this.queue.shift()!);
    for (const s of this.queue) this.emit('event', s.id, this.queueEvent(s)!);
    this.pool?.refill();
  }

  /** TTL and idle timeout: warn a few minutes before, then end. */
  async expire(now = Date.now()): Promise<void> {
    await this.shared?.refresh(now).catch((err: Error) => this.log.error({ err: err.message }, 'could not read the sessions other servers share'));
    const ends: Promise<void>[] = [];
    for (const s of this.live()) {
      const due = s.state === 'ready' ? dueAt(s, this.o, now) : undefined;
      if (!due) continue;
      if ('end' in due) {
        ends.push(this.end(s.id, due.end));
        continue;
      }
      this.emit('event', s.id, due.warning);
      if (due.warning.kind === 'idle') s.warned.idleAt = now;
      else {
        s.warned.expiring = true;
        this.emit('event', s.id, this.lifetime(s));
      }
    }
    await Promise.all(ends);
    // What the pool should hold changes with time too (a class getting ready closes).
    this.pool?.refill();
  }

  /**
   * After a restart: takes back the sessions the store lists whose sandboxes still run with their inner
   * engine ready. The others end with a reason their page shows when it reconnects.
   */
  async adopt(): Promise<string[]> {
    // Shared: the rows are every server's; each is taken up when its visitor's next request comes.
    if (!this.store || this.shared) return [];
    return adoptStoredSessions(this.store, this.runtime, this.o.instance, {
      known: (id) => this.sessions.has(id),
      add: (s) => this.sessions.set(s.id, s),
      removeRow: (id) => this.writes.remove(id),
      forgetLater: (id) => setTimeout(() => this.sessions.delete(id), this.o.rememberEndedMs ?? 10 * 60_000).unref(),
    }, this.log);
  }

  /**
   * A server stop that keeps visitors: no new sessions; the warm pool is removed (nobody owns it); queued
   * sessions end (their place in line lives only in this process); sandboxes still starting finish
   * starting. Live sessions stay in the store, their sandboxes running, for the next start to adopt.
   */
  async detach(): Promise<void> {
    this.detaching = true;
    await this.pool?.drain();
    await Promise.all([...this.queue].map((s) => this.end(s.id, 'host-restart', QUEUE_LOST_MESSAGE)));
    await Promise.all([this.starts.allCreated(), ...this.pending]);
    for (const s of this.live()) this.persist(s);
  }

  /**
   * After the engine restarted: sessions whose sandbox still runs (an engine with live-restore) go on;
   * the others end with the reason "host restart". Returns the ids that go on.
   */
  async recoverFromEngineRestart(): Promise<string[]> {
    await this.removals.retry();
    const kept: string[] = [];
    for (const s of this.live()) {
      if (s.state !== 'ready') continue;
      if (await this.runtime.isRunning(s.id).catch(() => false)) kept.push(s.id);
      else await this.end(s.id, 'host-restart');
    }
    await this.pool?.dropStopped();
    this.log.info({ kept }, 'the engine restarted: sessions checked');
    return kept;
  }

  /** Ends every live session and waits for all sandbox work to finish. */
  async shutdown(reason: EndReason): Promise<void> {
    await Promise.all(this.live().map((s) => this.end(s.id, reason)));
    await this.removals.retry();
    await this.pool?.drain();
    await Promise.all([...this.pending]);
  }

  private persist(s: Session): void {
    this.writes.put(s);
  }

  private track(p: Promise<unknown>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }
}

const QUEUE_LOST_MESSAGE = 'The Berth server is restarting and the waiting line starts over: press Start again in a moment.';

/** 9 characters of [a-z0-9]: short enough for a bridge name ("berth-" + id fits Linux's 15). */
export function newSessionId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(crypto.randomBytes(9), (b) => alphabet[b % alphabet.length]).join('');
}
