// Interviews: in SQLite (interview-store-sqlite.ts) or PostgreSQL (interview-store-pg.ts). The candidate's
// link token is kept only as a hash.

export interface InterviewRow {
  id: string;
  tokenHash: string;
  staffId: number;
  candidateName: string | null;
  lesson: string | null;
  brief: string | null;
  lang: 'en' | 'zh';
  minutes: number;
  createdAt: number;
  linkExpiresAt: number;
  sessionId: string | null;
  startedAt: number | null;
  endedAt: number | null;
  /** The brief's checks, each with when it was first met. */
  checks: StoredCheck[];
}

export interface StoredCheck {
  title: string;
  check: string;
  metAt: number | null;
}

export type NewInterview = Omit<InterviewRow, 'sessionId' | 'startedAt' | 'endedAt'>;

export interface InterviewStore {
  create(row: NewInterview): Promise<void>;
  byId(id: string): Promise<InterviewRow | undefined>;
  byToken(tokenHash: string): Promise<InterviewRow | undefined>;
  bySession(sessionId: string): Promise<InterviewRow | undefined>;
  /** One interviewer's, or (null) everyone's; the newest first. */
  list(staffId: number | null): Promise<InterviewRow[]>;
  /** The checks with their met times, as they are now. */
  saveChecks(id: string, checks: StoredCheck[]): Promise<void>;
  /** Only one start per link: the first to set the session wins, whatever races it (even on another server). */
  claim(id: string, sessionId: string, at: number): Promise<boolean>;
  /** The session could not be made after all: the link may be used again. */
  release(id: string, sessionId: string): Promise<void>;
  ended(sessionId: string, at: number): Promise<void>;
}

export type RawInterview = Omit<InterviewRow, 'checks'> & { checks: string | null };
export const interviewFromRaw = (raw: RawInterview | undefined): InterviewRow | undefined =>
  raw && { ...raw, checks: raw.checks ? (JSON.parse(raw.checks) as StoredCheck[]) : [] };
/** No checks are kept as NULL, as before checks existed. */
export const checksJson = (checks: StoredCheck[]) => (checks.length ? JSON.stringify(checks) : null);

/** Quoted names: PostgreSQL folds unquoted ones to lower case. */
export const INTERVIEW_COLUMNS = `id, token_hash AS "tokenHash", staff_id AS "staffId", candidate_name AS "candidateName", lesson, brief, lang, minutes,
  created_at AS "createdAt", link_expires_at AS "linkExpiresAt", session_id AS "sessionId", started_at AS "startedAt", ended_at AS "endedAt", checks`;
