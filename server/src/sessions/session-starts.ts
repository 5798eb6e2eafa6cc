// A session's sandbox from start to ready: made through the start gate (a new session, one from the queue, a
// renewal's replacement) or handed over from the warm pool; the session's `ready` settled; its page told. A
// start that fails ends the session with a sentence and a reference, the engine's words going to the log.
import type { EndReason, ServerEvent } from '@berth/shared';
import { DiskFilledWhileStarting, type SandboxRuntime } from '../runtime/runtime.js';
import { diskFilledAtStartText } from './engine-start-lost.js';
import type { Logger } from './session-manager.js';
import type { Session } from './session.js';
import { StartDropped, startsAheadText, type StartGate } from './start-gate.js';
import { startFailedText, type StartOutcomes } from './start-outcomes.js';
import { addressKey } from './visitor-limits.js';

/** What the session manager lends this. */
export interface SessionStartsHost {
  emit(id: string, event: ServerEvent): void;
  persist(s: Session): void;
  end(id: string, reason: EndReason, message?: string): Promise<void>;
  lifetime(s: Session): ServerEvent;
  /** The session is ready: a renewal of its sandbox, if one ran, is over. */
  becameReady(s: Session): void;
  /** Work the manager waits for when it stops. */
  track(p: Promise<unknown>): void;
}

export interface SessionStartsOptions {
  ttlMs: number;
  starts: StartOutcomes;
  startGate?: StartGate;
}

export class SessionStarts {
  /** How each session's `ready` is settled. */
  private readonly settlers = new Map<string, (ok: boolean) => void>();
  /** Sandboxes being made: an end waits for its sandbox to exist before removing it. */
  private readonly creating = new Map<string, Promise<void>>();

  constructor(
    private readonly runtime: SandboxRuntime,
    private readonly o: SessionStartsOptions,
    private readonly host: SessionStartsHost,
    private readonly log: Logger,
  ) {}

  /** The session's `ready` from now on: settled when its sandbox is ready, or cannot be. */
  awaitReady(s: Session): void {
    s.ready = new Promise<boolean>((resolve) => this.settlers.set(s.id, resolve));
  }

  settle(id: string, ok: boolean): void {
    this.settlers.get(id)?.(ok);
  }

  forget(id: string): void {
    this.settlers.delete(id);
  }

  /** Once the session's sandbox exists, or its making failed. */
  created(id: string): Promise<void> {
    return this.creating.get(id) ?? Promise.resolve();
  }

  /** Once every sandbox being made now exists, or failed. */
  allCreated(): Promise<unknown> {
    return Promise.all(this.creating.values());
  }

  handOver(session: Session): void {
    // A pooled sandbox was never seen by anyone: the session takes it over with a fresh token and clock.
    session.state = 'ready';
    session.expiresAt = Date.now() + (session.terms?.durationMs ?? this.o.ttlMs);
    this.host.persist(session);
    this.log.info({ session: session.id, startMs: 0, pooled: true }, 'session ready');
    this.becameReady(session);
  }

  start(session: Session, renewal?: { keepClock: true; message: string }): void {
    session.state = 'starting';
    if (!renewal) session.expiresAt = Date.now() + (session.terms?.durationMs ?? this.o.ttlMs);
    this.host.persist(session);
    this.host.emit(session.id, { type: 'status', state: 'starting', ...(renewal ? { message: renewal.message } : {}) });
    let started = Date.now();
    const create = () => {
      started = Date.now();
      if (session.startNote) {
        session.startNote = undefined;
        this.host.emit(session.id, { type: 'status', state: 'starting' });
      }
      // The prompt comes once a shell can sit where a Docker host's shell is; the engine goes on starting
      // (the sandbox's `docker` waits for it), and the start gate stays held until it answers.
      return this.runtime.createSandbox(session.id, { onShellReady: () => void this.markReady(session, started) });
    };
    // Waiting for a free start (start-gate.ts): the page says how many sandboxes start before this one.
    const waitingPlace = (ahead: number) => {
      session.startNote = startsAheadText(ahead, session.lang);
      this.host.emit(session.id, { type: 'status', state: 'starting', message: session.startNote });
    };
    const gate = this.o.startGate;
    const creation = gate ? gate.run({ lane: startLane(session) }, create, () => session.state === 'starting', waitingPlace) : create();
    this.creating.set(session.id, creation.catch(() => {}));
    void creation.finally(() => this.creating.delete(session.id)).catch(() => {});
    this.host.track(
      creation.then(
        () => {
          this.o.starts.succeeded();
          // Ready already: its prompt came when its shell could (onShellReady), before the engine answered.
          if (session.state === 'ready') return this.log.info({ session: session.id, engineMs: Date.now() - started }, 'session engine ready');
          if (!this.markReady(session, started)) this.settle(session.id, false);
        },
        (err: Error) => {
          if (err instanceof StartDropped) return this.settle(session.id, false);
          if (err instanceof DiskFilledWhileStarting) {
            // The visitor's doing, after the hand-over: their session ends, the host is not failing (engine-start-lost.ts).
            this.log.warn({ session: session.id, err: err.message.split('\n').find((l) => /no space left/i.test(l))?.slice(0, 300) }, "a session's engine could not start: its visitor filled the session's disk first (not counted as a failed start)");
            return void this.host.end(session.id, 'limit', diskFilledAtStartText(err.diskBytes, session.lang));
          }
          // Visitors get a sentence and a reference; the engine's own words go to the log under it.
          const { reference } = this.o.starts.failed(err, session.id, 'session');
          this.settle(session.id, false);
          void this.host.end(session.id, 'error', startFailedText(reference, session.lang));
        },
      ),
    );
  }

  /** A starting session becomes ready (its prompt may come); false when it is no longer starting. */
  markReady(session: Session, started: number): boolean {
    if (session.state !== 'starting') return false;
    session.state = 'ready';
    this.log.info({ session: session.id, startMs: Date.now() - started }, 'session ready');
    this.becameReady(session);
    return true;
  }

  private becameReady(session: Session): void {
    this.host.emit(session.id, { type: 'status', state: 'ready' });
    this.host.emit(session.id, this.host.lifetime(session));
    this.settle(session.id, true);
    // After the status (whose listeners may ask isRenewing): the replacement is ready.
    this.host.becameReady(session);
  }
}

/** The start gate's lane: a class or an interview waits as one, anyone else with their address. */
function startLane(session: Session): string {
  return session.terms ? `${session.terms.kind}:${session.terms.ref}` : `address:${addressKey(session.client)}`;
}
