// Staff (admins, teachers, interviewers): the only people with accounts. Learners and candidates never sign in.

export const STAFF_ROLES = ['admin', 'teacher', 'interviewer'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export const STAFF_SIGN_IN_PATH = '/api/staff/sign-in';
export const STAFF_SIGN_OUT_PATH = '/api/staff/sign-out';
export const STAFF_ME_PATH = '/api/staff/me';
export const STAFF_ACCOUNTS_PATH = '/api/staff/accounts';
/** The staff page. */
export const STAFF_PAGE_PATH = '/staff';

/** Which ways of signing in this server offers (no sign-in needed). */
export const STAFF_SIGN_IN_OPTIONS_PATH = '/api/staff/sign-in-options';
/** OIDC sign-in (when the operator set BERTH_OIDC_*): the page navigates to start; the provider sends the browser back to callback. */
export const STAFF_OIDC_START_PATH = '/api/staff/oidc/start';
export const STAFF_OIDC_CALLBACK_PATH = '/api/staff/oidc/callback';
/**
 * The callback ends on the staff page with `#staff-check=<check>` (a fragment never reaches a server or its
 * logs) or `#oidc-error=<OidcRefusal>`; the page keeps the check and removes the fragment.
 */
export const STAFF_CHECK_FRAGMENT = 'staff-check';
export const OIDC_ERROR_FRAGMENT = 'oidc-error';
/** Why an OIDC sign-in did not sign anybody in; the page words each one. */
export const OIDC_REFUSALS = ['denied', 'unknown-account', 'another-person', 'unverified-email', 'wrong-domain', 'expired', 'provider-down', 'too-many', 'failed'] as const;
export type OidcRefusal = (typeof OIDC_REFUSALS)[number];

export interface SignInOptions {
  /** Null when OIDC sign-in is off; name is the button's "Sign in with <name>". */
  oidc: { name: string } | null;
}

/** The HttpOnly cookie holding a staff sign-in; on https the server names it `__Host-berth_staff`. */
export const STAFF_COOKIE = 'berth_staff';
/**
 * The second half of a staff sign-in, which the page keeps and sends with every staff call (and as
 * ?staff= on a staff websocket). Another port of the same host (a visitor's app on the ports origin) can
 * set cookies for Berth's host, but cannot know this: a cookie planted there signs nobody in.
 */
export const STAFF_CHECK_HEADER = 'x-berth-staff';

export interface SignInRequest {
  email: string;
  password: string;
}

export interface StaffMe {
  email: string;
  name: string;
  role: StaffRole;
}

export interface SignInResponse extends StaffMe {
  /** What the page sends as STAFF_CHECK_HEADER from now on. */
  check: string;
  expiresAt: number;
}

export interface CreateStaffRequest {
  email: string;
  name: string;
  role: Exclude<StaffRole, 'admin'>;
  password: string;
}

/** An admin's list of the sessions live now, each with a link to watch its terminal. */
export const STAFF_LIVE_SESSIONS_PATH = '/api/staff/sessions';
/** A live session's first terminal for a signed-in admin (a websocket; ?staff=<check>): read-only, or with ?join=1 typing too. */
export const STAFF_WATCH_PATH = '/api/staff/sessions/:id/watch';
export const STAFF_JOIN_PARAM = 'join';
export const staffWatchPath = (sessionId: string): string => STAFF_WATCH_PATH.replace(':id', encodeURIComponent(sessionId));

/** Admins: the terminals recorded on this server (BERTH_RECORD=terminals), and one sealed recording's .cast file. */
export const STAFF_RECORDINGS_PATH = '/api/staff/recordings';
export const STAFF_RECORDING_PATH = '/api/staff/recordings/:id';
export const staffRecordingPath = (id: string): string => STAFF_RECORDING_PATH.replace(':id', encodeURIComponent(id));

export interface RecordingSummary {
  id: string;
  session: string;
  startedAt: string;
  bytes: number;
  /** Null while it is still being written. */
  sha256: string | null;
}

export interface LiveSessionSummary {
  id: string;
  startedAt: string;
  expiresAt: string;
  /** The lesson open in it, if any. */
  lesson: string | null;
  commands: number;
  lastCommand: { line: string; exit: number; at: number } | null;
  /** Staff watching its terminal now, by name. */
  watchers: string[];
}
