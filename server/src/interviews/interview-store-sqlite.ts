// Interviews in berth.db (migrations.ts, versions 3 and 5).
import type Database from 'better-sqlite3';
import { newestFirst } from '../store/newest-first.js';
import { checksJson, INTERVIEW_COLUMNS, interviewFromRaw, type InterviewRow, type InterviewStore, type NewInterview, type RawInterview, type StoredCheck } from './interview-store.js';

export class SqliteInterviewStore implements InterviewStore {
  private readonly stmts;

  constructor(db: Database.Database) {
    this.stmts = {
      insert: db.prepare(
        `INSERT INTO interview (id, token_hash, staff_id, candidate_name, lesson, brief, lang, minutes, created_at, link_expires_at, checks)
         VALUES (@id, @tokenHash, @staffId, @candidateName, @lesson, @brief, @lang, @minutes, @createdAt, @linkExpiresAt, @checks)`,
      ),
      byId: db.prepare(`SELECT ${INTERVIEW_COLUMNS} FROM interview WHERE id = ?`),
      byToken: db.prepare(`SELECT ${INTERVIEW_COLUMNS} FROM interview WHERE token_hash = ?`),
      bySession: db.prepare(`SELECT ${INTERVIEW_COLUMNS} FROM interview WHERE session_id = ?`),
      ofStaff: db.prepare(newestFirst('interview', INTERVIEW_COLUMNS, true)),
      all: db.prepare(newestFirst('interview', INTERVIEW_COLUMNS, false)),
      claim: db.prepare('UPDATE interview SET session_id = ?, started_at = ? WHERE id = ? AND session_id IS NULL'),
      release: db.prepare('UPDATE interview SET session_id = NULL, started_at = NULL WHERE id = ? AND session_id = ?'),
      ended: db.prepare('UPDATE interview SET ended_at = ? WHERE session_id = ? AND ended_at IS NULL'),
      checks: db.prepare('UPDATE interview SET checks = ? WHERE id = ?'),
    };
  }

  async create(row: NewInterview): Promise<void> {
    this.stmts.insert.run({ ...row, checks: checksJson(row.checks) });
  }

  async byId(id: string): Promise<InterviewRow | undefined> {
    return interviewFromRaw(this.stmts.byId.get(id) as RawInterview | undefined);
  }

  async byToken(tokenHash: string): Promise<InterviewRow | undefined> {
    return interviewFromRaw(this.stmts.byToken.get(tokenHash) as RawInterview | undefined);
  }

  async bySession(sessionId: string): Promise<InterviewRow | undefined> {
    return interviewFromRaw(this.stmts.bySession.get(sessionId) as RawInterview | undefined);
  }

  async list(staffId: number | null): Promise<InterviewRow[]> {
    return ((staffId === null ? this.stmts.all.all() : this.stmts.ofStaff.all(staffId)) as RawInterview[]).map((r) => interviewFromRaw(r)!);
  }

  async saveChecks(id: string, checks: StoredCheck[]): Promise<void> {
    this.stmts.checks.run(JSON.stringify(checks), id);
  }

  async claim(id: string, sessionId: string, at: number): Promise<boolean> {
    return this.stmts.claim.run(sessionId, at, id).changes === 1;
  }

  async release(id: string, sessionId: string): Promise<void> {
    this.stmts.release.run(id, sessionId);
  }

  async ended(sessionId: string, at: number): Promise<void> {
    this.stmts.ended.run(at, sessionId);
  }
}
