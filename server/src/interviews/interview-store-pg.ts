// Interviews in the PostgreSQL database Berth servers share (store/postgres/pg-migrations.ts).
import type { OrderedQueries } from '../store/postgres/ordered-queries.js';
import { newestFirst } from '../store/newest-first.js';
import { checksJson, INTERVIEW_COLUMNS, interviewFromRaw, type InterviewRow, type InterviewStore, type NewInterview, type RawInterview, type StoredCheck } from './interview-store.js';

export class PgInterviewStore implements InterviewStore {
  constructor(private readonly q: OrderedQueries) {}

  async create(row: NewInterview): Promise<void> {
    await this.q.write(
      `INSERT INTO interview (id, token_hash, staff_id, candidate_name, lesson, brief, lang, minutes, created_at, link_expires_at, checks)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [row.id, row.tokenHash, row.staffId, row.candidateName, row.lesson, row.brief, row.lang, row.minutes, row.createdAt, row.linkExpiresAt, checksJson(row.checks)],
    );
  }

  byId(id: string): Promise<InterviewRow | undefined> {
    return this.one('id', id);
  }

  byToken(tokenHash: string): Promise<InterviewRow | undefined> {
    return this.one('token_hash', tokenHash);
  }

  bySession(sessionId: string): Promise<InterviewRow | undefined> {
    return this.one('session_id', sessionId);
  }

  async list(staffId: number | null): Promise<InterviewRow[]> {
    const rows = await this.q.read<RawInterview>(newestFirst('interview', INTERVIEW_COLUMNS, staffId !== null, '$1'), staffId === null ? [] : [staffId]);
    return rows.map((r) => interviewFromRaw(r)!);
  }

  async saveChecks(id: string, checks: StoredCheck[]): Promise<void> {
    await this.q.write('UPDATE interview SET checks = $1 WHERE id = $2', [JSON.stringify(checks), id]);
  }

  async claim(id: string, sessionId: string, at: number): Promise<boolean> {
    const r = await this.q.write('UPDATE interview SET session_id = $1, started_at = $2 WHERE id = $3 AND session_id IS NULL', [sessionId, at, id]);
    return r.rowCount === 1;
  }

  async release(id: string, sessionId: string): Promise<void> {
    await this.q.write('UPDATE interview SET session_id = NULL, started_at = NULL WHERE id = $1 AND session_id = $2', [id, sessionId]);
  }

  async ended(sessionId: string, at: number): Promise<void> {
    await this.q.write('UPDATE interview SET ended_at = $1 WHERE session_id = $2 AND ended_at IS NULL', [at, sessionId]);
  }

  private async one(column: 'id' | 'token_hash' | 'session_id', value: string): Promise<InterviewRow | undefined> {
    return interviewFromRaw((await this.q.read<RawInterview>(`SELECT ${INTERVIEW_COLUMNS} FROM interview WHERE ${column} = $1`, [value]))[0]);
  }
}
