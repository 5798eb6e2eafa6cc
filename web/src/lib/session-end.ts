// The one countdown the page shows: the end a warning counts down to while there is one, else the time limit.
// The header's "time left" and the warning banner both read it, so they never show two different times.
import type { Session } from './session.svelte.js';

export interface SessionEnd {
  /** `expiring` or `idle` while the server warns, `limit` otherwise. */
  kind: 'expiring' | 'idle' | 'limit';
  /** Milliseconds since the epoch, on this browser's clock. */
  at: number;
}

export function nextEnd(session: Pick<Session, 'phase' | 'lifetime' | 'warning'>): SessionEnd | null {
  if (session.phase !== 'ready') return null;
  if (session.warning) return { kind: session.warning.kind, at: session.warning.endsAt };
  return session.lifetime ? { kind: 'limit', at: session.lifetime.expiresAt.getTime() } : null;
}

/** Whole seconds left, rounded the same way everywhere the countdown is shown. */
export function secondsLeft(end: SessionEnd, now: number): number {
  return Math.max(0, Math.ceil((end.at - now) / 1000));
}
