import crypto from 'node:crypto';
import type { EndReason, Lang, SessionState, SessionView } from '@berth/shared';
import type { StoredSession } from '../store/session-store.js';
import { idleEndsAt, type IdleLimits } from './idle-deadline.js';

/**
 * What a session starts under apart from the visitor's defaults: an interview's or a class's session lasts
 * its own time (no extension by the visitor, no idle end) and is not counted against the address (the invite
 * or the class's code was the admission, and a class sits behind one NAT); an interview's is recorded
 * whatever BERTH_RECORD says.
 */
export interface SessionTerms {
  kind: 'interview' | 'class';
  /** The interview's or the class's id. */
  ref: string;
  durationMs: number;
}

export function parseTerms(text: string | null): SessionTerms | undefined {
  if (!text) return undefined;
  try {
    const t = JSON.parse(text) as Partial<SessionTerms>;
    if ((t.kind === 'interview' || t.kind === 'class') && typeof t.ref === 'string' && typeof t.durationMs === 'number' && t.durationMs > 0) return { kind: t.kind, ref: t.ref, durationMs: t.durationMs };
  } catch {
    // a row no Berth wrote: no terms
  }
  return undefined;
}

export interface Session {
  id: string;
  /** sha256 of the token: the token itself is handed to the visitor once and never kept. */
  tokenHash: string;
  /** Whose progress this session's lesson steps count towards. */
  learner: string;
  /** The visitor's address (X-Forwarded-For when BERTH_TRUST_PROXY trusts the proxy), for the per-address limits. */
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
  terms?: SessionTerms;
  endReason?: EndReason;
  endMessage?: string;
  /** While its start waits for a free slot: what its page reads (not stored: a restart starts it again). */
  startNote?: string;
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

/** The row the store keeps of a live session (what a restarted server needs to take it back). */
export function toStoredSession(s: Session, instance: string): StoredSession {
  return {
    id: s.id,
    instance,
    tokenHash: s.tokenHash,
    learner: s.learner,
    client: s.client,
    createdAt: s.createdAt,
    expiresAt: s.expiresAt,
    lastActivityAt: s.lastActivityAt,
    lastVisibleAt: s.lastVisibleAt,
    extensionsUsed: s.extensionsUsed,
    lesson: s.lesson ?? null,
    lang: s.lang ?? null,
    terms: s.terms ? JSON.stringify(s.terms) : null,
  };
}

/** A session taken back after a restart: its sandbox still runs, so it is ready; warnings are given anew. */
export function fromStoredSession(row: StoredSession): Session {
  return {
    id: row.id,
    tokenHash: row.tokenHash,
    learner: row.learner,
    client: row.client,
    state: 'ready',
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    lastActivityAt: row.lastActivityAt,
    lastVisibleAt: row.lastVisibleAt,
    extensionsUsed: row.extensionsUsed,
    warned: { expiring: false, idleAt: null },
    ready: Promise.resolve(true),
    ...(row.lesson ? { lesson: row.lesson } : {}),
    ...(row.lang === 'en' || row.lang === 'zh' ? { lang: row.lang } : {}),
    ...(parseTerms(row.terms) ? { terms: parseTerms(row.terms)! } : {}),
  };
}
