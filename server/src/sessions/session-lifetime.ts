// A session's clock: when it ends (time limit or idle), when the learner is warned, and whether it can be
// extended now. Pure: the session manager acts on what these say.
import type { ServerEvent } from '@berth/shared';
import { idleEndsAt, type IdleLimits } from './idle-deadline.js';
import type { Session } from './session.js';

export interface LifetimeLimits extends IdleLimits {
  maxExtensions: number;
  /** An extension is offered, and warnings given, this long before an end. */
  warnBeforeMs: number;
}

type LifetimeEvent = Extract<ServerEvent, { type: 'lifetime' }>;
type WarningEvent = Extract<ServerEvent, { type: 'warning' }>;

export function lifetimeEvent(s: Session, o: LifetimeLimits, now = Date.now()): LifetimeEvent {
  const left = s.terms ? 0 : o.maxExtensions - s.extensionsUsed;
  return {
    type: 'lifetime',
    expiresAt: new Date(s.expiresAt).toISOString(),
    idleExpiresAt: new Date(idleEndsAt(s, o)).toISOString(),
    canExtend: s.state === 'ready' && left > 0 && s.expiresAt - now <= o.warnBeforeMs * 2,
    extensionsLeft: left,
  };
}

/** What a ready session is due at `now`: its end, a warning not given yet, or nothing. */
export function dueAt(s: Session, o: LifetimeLimits, now: number): { end: 'expired' | 'idle' } | { warning: WarningEvent } | undefined {
  const idleEnd = idleEndsAt(s, o);
  if (now >= s.expiresAt) return { end: 'expired' };
  if (now >= idleEnd) return { end: 'idle' };
  if (!s.warned.expiring && s.expiresAt - now <= o.warnBeforeMs) {
    const secondsLeft = Math.round((s.expiresAt - now) / 1000);
    return { warning: { type: 'warning', kind: 'expiring', secondsLeft, message: `This session ends in ${Math.ceil(secondsLeft / 60)} min.` } };
  }
  if (s.warned.idleAt === null && idleEnd - now <= o.warnBeforeMs) {
    const secondsLeft = Math.round((idleEnd - now) / 1000);
    return {
      warning: { type: 'warning', kind: 'idle', secondsLeft, message: `Nothing typed for a while: this session ends in ${Math.ceil(secondsLeft / 60)} min unless you press a key.` },
    };
  }
  return undefined;
}
