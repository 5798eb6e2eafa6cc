// Interviews in berth.db (migrations.ts, versions 3 and 5). The candidate's link token is kept only as a hash.
import type Database from 'better-sqlite3';

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

type RawRow = Omit<InterviewRow, 'checks'> & { checks: string | null };
const fromRaw = (raw: RawRow | undefined): InterviewRow | undefined => raw && { ...raw, checks: raw.checks ? (JSON.parse(raw.checks) as StoredCheck[]) : [] };

const COLUMNS = `id, token_hash AS tokenHash, staff_id AS staffId, candidate_name AS candidateName, lesson, brief, lang, minutes,
  created_at AS createdAt, link_expires_at AS linkExpiresAt, session_id AS sessionId, started_at AS startedAt, ended_at AS endedAt, checks`;

/** The newest first; a list is bounded so an old account's page stays small. */
const LIST_MAX = 500;

export class InterviewStore {
  private readonly stmts;

  constructor(db: Database.Database) {
    this.stmts = {
      insert: db.prepare(
        `INSERT INTO interview (id, token_hash, staff_id, candidate_name, lesson, brief, lang, minutes, created_at, link_expires_at, checks)
         VALUES (@id, @tokenHash, @staffId, @candidateName, @lesson, @brief, @lang, @minutes, @createdAt, @linkExpiresAt, @checks)`,
      ),
      byId: db.prepare(`SELECT ${COLUMNS} FROM interview WHERE id = ?`),
      byToken: db.prepare(`SELECT ${COLUMNS} FROM interview WHERE token_hash = ?`),
      bySession: db.prepare(`SELECT ${COLUMNS} FROM interview WHERE session_id = ?`),
      ofStaff: db.prepare(`SELECT ${COLUMNS} FROM interview WHERE staff_id = ? ORDER BY created_at DESC LIMIT ${LIST_MAX}`),
      all: db.prepare(`SELECT ${COLUMNS} FROM interview ORDER BY created_at DESC LIMIT ${LIST_MAX}`),
      // Only one start per link: the first to set the session wins, whatever races it.
      claim: db.prepare('UPDATE interview SET session_id = ?, started_at = ? WHERE id = ? AND session_id IS NULL'),
      release: db.prepare('UPDATE interview SET session_id = NULL, started_at = NULL WHERE id = ? AND session_id = ?'),
      ended: db.prepare('UPDATE interview SET ended_at = ? WHERE session_id = ? AND ended_at IS NULL'),
      checks: db.prepare('UPDATE interview SET checks = ? WHERE id = ?'),
    };
  }

  create(row: Omit<InterviewRow, 'sessionId' | 'startedAt' | 'endedAt'>): void {
    this.stmts.insert.run({ ...row, checks: row.checks.length ? JSON.stringify(row.checks) : null });
  }

  byId(id: string): InterviewRow | undefined {
    return fromRaw(this.stmts.byId.get(id) as RawRow | undefined);
  }

  byToken(tokenHash: string): InterviewRow | undefined {
    return fromRaw(this.stmts.byToken.get(tokenHash) as RawRow | undefined);
  }

  bySession(sessionId: string): InterviewRow | undefined {
    return fromRaw(this.stmts.bySession.get(sessionId) as RawRow | undefined);
  }

  /** One interviewer's, or (null) everyone's. */
  list(staffId: number | null): InterviewRow[] {
    return ((staffId === null ? this.stmts.all.all() : this.stmts.ofStaff.all(staffId)) as RawRow[]).map((r) => fromRaw(r)!);
  }

  /** The checks with their met times, as they are now. */
  saveChecks(id: string, checks: StoredCheck[]): void {
    this.stmts.checks.run(JSON.stringify(checks), id);
  }

  claim(id: string, sessionId: string, at: number): boolean {
    return this.stmts.claim.run(sessionId, at, id).changes === 1;
  }

  /** The session could not be made after all: the link may be used again. */
  release(id: string, sessionId: string): void {
    this.stmts.release.run(id, sessionId);
  }

  ended(sessionId: string, at: number): void {
    this.stmts.ended.run(at, sessionId);
  }
}
