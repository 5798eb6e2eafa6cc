// Session lifecycle: create (sandbox in the background), authorize, keep alive, end with a reason.
import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import { END_REASON_TEXT, type EndReason, type ServerEvent } from '@berth/shared';
import { SessionEndedError, SessionNotFoundError, UnauthorizedError } from '../errors.js';
import type { SandboxRuntime } from '../runtime/runtime.js';
import type { Session } from './session.js';

export interface SessionManagerOptions {
  ttlMs: number;
  idleTimeoutMs: number;
  /** How long an ended session is remembered, so its page can still say why it ended. */
  rememberEndedMs?: number;
}

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Events for a session's terminals: its status, lesson verdicts. */
type SessionEvents = { event: [id: string, event: ServerEvent] };

export class SessionManager extends EventEmitter<SessionEvents> {
  private readonly sessions = new Map<string, Session>();
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly runtime: SandboxRuntime,
    private readonly o: SessionManagerOptions,
    private readonly log: Logger,
  ) {
    super();
    this.setMaxListeners(0);
  }

  /** Returns at once with the session in state 'starting'; its sandbox comes up in the background. */
  create(opts: { learner: string; lesson?: string; lang?: 'en' | 'zh' }): Session {
    const id = newSessionId();
    const now = Date.now();
    let settle!: (ok: boolean) => void;
    const session: Session = {
      id,
      token: crypto.randomBytes(24).toString('base64url'),
      state: 'starting',
      createdAt: now,
      expiresAt: now + this.o.ttlMs,
      lastActivityAt: now,
      ...opts,
      ready: new Promise<boolean>((resolve) => (settle = resolve)),
    };
    this.sessions.set(id, session);
    const started = Date.now();
    const work = this.runtime.createSandbox(id).then(
      () => {
        if (session.state !== 'starting') return settle(false);
        session.state = 'ready';
        this.log.info({ session: id, startMs: Date.now() - started }, 'session ready');
        this.emit('event', id, { type: 'status', state: 'ready' });
        settle(true);
      },
      (err: Error) => {
        this.log.error({ session: id, err: err.message }, 'session failed to start');
        settle(false);
        void this.end(id, 'error', `The sandbox could not start: ${err.message}`);
      },
    );
    this.track(work);
    return session;
  }

  /** The session if the token matches; throws a 404/401/410 the routes can show. */
  authorize(id: string, token: string | undefined): Session {
    const s = this.sessions.get(id);
    if (!s) throw new SessionNotFoundError();
    if (!token || !timingSafeEqual(token, s.token)) throw new UnauthorizedError();
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

  touch(id: string): void {
    const s = this.sessions.get(id);
    if (s && s.state !== 'ended') s.lastActivityAt = Date.now();
  }

  async end(id: string, reason: EndReason, message?: string): Promise<void> {
    const s = this.sessions.get(id);
    if (!s || s.state === 'ended') return;
    s.state = 'ended';
    s.endReason = reason;
    s.endMessage = message ?? END_REASON_TEXT[reason];
    this.log.info({ session: id, reason }, 'session ended');
    this.emit('event', id, { type: 'status', state: 'ended', reason, message: s.endMessage });
    const work = s.ready.then(() => this.runtime.destroySandbox(id)).catch((err: Error) => {
      this.log.error({ session: id, err: err.message }, 'could not remove the sandbox');
    });
    this.track(work);
    await work;
    setTimeout(() => this.sessions.delete(id), this.o.rememberEndedMs ?? 10 * 60_000).unref();
  }

  /** Ends sessions past their TTL or idle timeout. */
  async expire(now = Date.now()): Promise<void> {
    const ends: Promise<void>[] = [];
    for (const s of this.live()) {
      if (now >= s.expiresAt) ends.push(this.end(s.id, 'expired'));
      else if (now >= s.lastActivityAt + this.o.idleTimeoutMs) ends.push(this.end(s.id, 'idle'));
    }
    await Promise.all(ends);
  }

  /** Ends every live session and waits for all sandbox work to finish. */
  async shutdown(reason: EndReason): Promise<void> {
    await Promise.all(this.live().map((s) => this.end(s.id, reason)));
    await Promise.all([...this.pending]);
  }

  private track(p: Promise<unknown>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }
}

/** 9 characters of [a-z0-9]: short enough for a bridge name ("berth-" + id fits Linux's 15). */
export function newSessionId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = crypto.randomBytes(9);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

function timingSafeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}
