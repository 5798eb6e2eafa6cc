// A request body the server holds in memory (an upload, up to 50 MiB; a save, up to 6 MiB) is read only for a
// session's own token, one at a time per session, and a few at a time in all: a stranger's or a flood's
// bytes are refused before they are read, not after they fill the server's memory.
import { HttpError } from '../errors.js';

export const BODIES_AT_ONCE = 6;

export class UploadGate {
  private readonly sessions = new Set<string>();

  constructor(private readonly atOnce = BODIES_AT_ONCE) {}

  /** Takes a place for this session's body; the returned function gives it back (once, however often called). */
  enter(sessionId: string): () => void {
    if (this.sessions.has(sessionId)) throw new HttpError(429, 'Your sandbox is still receiving another file: wait for it to finish, then try again.');
    if (this.sessions.size >= this.atOnce) throw new HttpError(503, 'The server is receiving many files right now: try again in a moment.');
    this.sessions.add(sessionId);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.sessions.delete(sessionId);
    };
  }

  get inFlight(): number {
    return this.sessions.size;
  }
}
