import crypto from 'node:crypto';
import type { EndReason, Lang, SessionState, SessionView } from '@berth/shared';
import { idleEndsAt, type IdleLimits } from './idle-deadline.js';

export interface Session {
  id: string;
  /** sha256 of the token: the token itself is handed to the visitor once and never kept. */
  tokenHash: string;
  /** Whose progress this session's lesson steps count towards. */
  learner: string;
  /** The visitor's address, for the per-client limit. */
  client: string;
  state: SessionState;
  createdAt: number;
  /** Set when the sandbox is started (a queued session's clock has not started yet). */
  expiresAt: number;
  /** The last keystroke. */
  lastActivityAt: number;
  /** The page's last "visible" report (0: none); not stored, the page reports again when it reconnects. */
  lastVisibleAt: number;
  extensionsUsed: number;
  lesson?: string;
  lang?: Lang;
  endReason?: EndReason;
  endMessage?: string;
  /** Warnings already given, so each is given once (reset by an extension or by activity). */
  warned: { expiring: boolean; idleAt: number | null };
  /** Settles when the sandbox is ready (true) or failed/ended before that (false). */
  ready: Promise<boolean>;
}

export const hashToken = (token: string) => crypto.createHash('sha256').update(token).digest('hex');

export function tokenMatches(s: Session, token: string | undefined): boolean {
  if (!token) return false;
  const a = Buffer.from(hashToken(token), 'hex');
  const b = Buffer.from(s.tokenHash, 'hex');
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

export function sessionView(s: Session, idle: IdleLimits): SessionView {
  return {
    id: s.id,
    state: s.state,
    createdAt: new Date(s.createdAt).toISOString(),
    expiresAt: new Date(s.expiresAt).toISOString(),
    idleExpiresAt: new Date(idleEndsAt(s, idle)).toISOString(),
    ...(s.endReason ? { endReason: s.endReason } : {}),
    ...(s.endMessage ? { endMessage: s.endMessage } : {}),
  };
}
