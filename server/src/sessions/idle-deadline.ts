// When a session ends for want of activity. A keystroke restarts the idle timeout; a visible tab (the page
// reports it every VISIBLE_REPORT_MS) counts as activity too, so a learner reading a lesson is not cut off,
// but only up to the visible allowance after the last keystroke, so a tab left open on a screen still ends.

export interface IdleClock {
  /** The last keystroke. */
  lastActivityAt: number;
  /** The page's last "visible" report; 0 when none came. */
  lastVisibleAt: number;
  /** A timed session (an interview) ends only at its time limit. */
  terms?: unknown;
  expiresAt?: number;
}

export interface IdleLimits {
  idleTimeoutMs: number;
  idleVisibleTimeoutMs: number;
}

export function idleEndsAt(s: IdleClock, o: IdleLimits): number {
  if (s.terms && s.expiresAt !== undefined) return s.expiresAt;
  const typed = s.lastActivityAt + o.idleTimeoutMs;
  const seen = Math.min(s.lastVisibleAt + o.idleTimeoutMs, s.lastActivityAt + o.idleVisibleTimeoutMs);
  return Math.max(typed, seen);
}
