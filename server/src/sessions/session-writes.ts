// The session store's writes, for re-adoption after a restart (and, servers sharing sessions, for the others).
// Not waited for by the lifecycle: the store applies them in the order issued (a put, then a remove). One that
// fails (the disk is full, the database is away) is logged: the session lives on, though a restart would not
// find it.
import type { SessionStore } from '../store/session-store.js';
import { toStoredSession, type Session } from './session.js';
import type { Logger } from './session-manager.js';

/** Keystrokes are frequent: the store hears of them at most this often. */
const ACTIVITY_WRITE_MS = 30_000;

export class SessionWrites {
  private readonly activityWritten = new Map<string, number>();
  /** The last write issued: they apply in order, so this one done means all before it are. */
  private last: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: SessionStore | undefined,
    private readonly instance: string,
    private readonly log: Logger,
  ) {}

  put(s: Session): void {
    this.activityWritten.set(s.id, s.lastActivityAt);
    this.write(() => this.store?.put(toStoredSession(s, this.instance)));
  }

  /** After a keystroke: written once the activity last written is old enough. */
  touched(s: Session): void {
    if (s.lastActivityAt - (this.activityWritten.get(s.id) ?? 0) > ACTIVITY_WRITE_MS) this.put(s);
  }

  remove(id: string): void {
    this.write(() => this.store?.remove(id));
    this.activityWritten.delete(id);
  }

  /** Every write issued so far done (or failed). */
  settled(): Promise<void> {
    return this.last.catch(() => {});
  }

  private write(change: () => Promise<void> | undefined): void {
    const done = change();
    if (!done) return;
    this.last = done;
    done.catch((err: Error) => this.log.error({ err: err.message }, 'could not write the session store; live sessions go on'));
  }
}
