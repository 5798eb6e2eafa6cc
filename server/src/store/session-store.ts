// Live sessions, written through so a restarted server (even after SIGKILL) can adopt them again.
// Tokens are kept only as hashes. Tables: migrations.ts.
import type Database from 'better-sqlite3';

export interface StoredSession {
  id: string;
  instance: string;
  tokenHash: string;
  learner: string;
  client: string;
  createdAt: number;
  expiresAt: number;
  lastActivityAt: number;
  extensionsUsed: number;
  lesson: string | null;
  lang: string | null;
  /** JSON of the session's SessionTerms, if it has any. */
  terms: string | null;
}

export class SessionStore {
  private readonly stmts;

  constructor(db: Database.Database) {
    this.stmts = {
      put: db.prepare(
        `INSERT OR REPLACE INTO live_session (id, instance, token_hash, learner, client, created_at, expires_at, last_activity_at, extensions_used, lesson, lang, terms)
         VALUES (@id, @instance, @tokenHash, @learner, @client, @createdAt, @expiresAt, @lastActivityAt, @extensionsUsed, @lesson, @lang, @terms)`,
      ),
      remove: db.prepare('DELETE FROM live_session WHERE id = ?'),
      all: db.prepare(
        `SELECT id, instance, token_hash AS tokenHash, learner, client, created_at AS createdAt, expires_at AS expiresAt,
                last_activity_at AS lastActivityAt, extensions_used AS extensionsUsed, lesson, lang, terms
           FROM live_session WHERE instance = ?`,
      ),
    };
  }

  put(s: StoredSession): void {
    this.stmts.put.run(s);
  }

  remove(id: string): void {
    this.stmts.remove.run(id);
  }

  all(instance: string): StoredSession[] {
    return this.stmts.all.all(instance) as StoredSession[];
  }
}
