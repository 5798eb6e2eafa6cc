// HTTP contract types (DESIGN.md section 5), shared by web and server.
import type { EndReason, SessionState } from './terminal-protocol.js';

export interface CreateSessionRequest {
  lesson?: string;
  lang?: 'en' | 'zh';
}

export interface CreateSessionResponse {
  id: string;
  token: string;
  expiresAt: string;
}

export interface SessionView {
  id: string;
  state: SessionState;
  createdAt: string;
  expiresAt: string;
  idleExpiresAt: string;
  endReason?: EndReason;
  endMessage?: string;
}

/** `GET /api/sessions/:id/history`: the session's commands so far, one per line, oldest first (text/plain). */
export const HISTORY_PATH = (sessionId: string) => `/api/sessions/${encodeURIComponent(sessionId)}/history`;

/** POST /api/sessions/:id/extend -> the new end time. */
export interface ExtendResponse {
  expiresAt: string;
  extensionsLeft: number;
}

export interface ApiError {
  statusCode: number;
  error: string;
  message: string;
}

/**
 * The browser's learner id, sent by Berth's page on calls that need it (sessions are counted per browser, and
 * progress kept per browser). A header, never a cookie: Berth's origin sets and reads no cookie at all, so
 * nothing a visitor's app sets for the host (ports of one host share its cookies) can reach into Berth.
 */
export const LEARNER_HEADER = 'berth-learner';
/** What a learner id looks like (the page makes one with 18 random bytes, base64url). */
export const LEARNER_ID_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

/** Human words for why a session ended, shown on the end screen. */
export const END_REASON_TEXT: Record<EndReason, string> = {
  expired: 'the session reached its time limit',
  idle: 'the session was idle for too long',
  'ended-by-user': 'you ended the session',
  'ended-by-staff': 'your teacher ended the session',
  limit: 'the session hit one of its limits',
  'host-restart': 'the sandbox host restarted',
  'host-lost': 'the machine that ran your sandbox stopped answering',
  error: 'the sandbox failed',
};

/** On a ports origin with no name per port (a second listening port): where a session's port is served. */
export const PORT_PATH = (sessionId: string, port: number) => `/s/${encodeURIComponent(sessionId)}/ports/${port}/`;

/** `POST /api/sessions/:id/ports/:port/ticket`: a one-time address that opens the port link in a browser. */
export interface PortTicketResponse {
  /** On the ports origin, with a ticket that works once, within `expiresAt`. */
  url: string;
  expiresAt: string;
}

/** The query parameter a ticket travels in, and the cookie the ports origin keeps instead (per port link). */
export const PORT_TICKET_PARAM = 'berth_ticket';
export const PORT_COOKIE = 'berth_port';

/** A sandbox start that failed: when, the reference its visitor saw (the server log has it too), why in words. */
export interface StartFailure {
  at: string;
  reference: string;
  cause: string;
}

/** Recent sandbox starts (sessions, warm-pool refills, probes). */
export interface StartsReport {
  ok: number;
  failed: number;
  /** The latest start failed: a visitor asking now would not get a sandbox (Start answers 503). */
  failing: boolean;
  lastFailure?: StartFailure;
}

/** GET /api/health: 200 when a visitor can get a working sandbox now, else 503 with what is `down`. */
export interface HealthReport {
  ok: boolean;
  engine: boolean;
  mirror: boolean;
  packageCache: boolean;
  /** In words: "session engine", "registry mirror", "package cache", "sandbox starts: <cause>". */
  down: string[];
  sessions: number;
  starts: StartsReport;
}
