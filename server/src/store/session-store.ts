// Live sessions, written through so a restarted server (even after SIGKILL) can adopt them again.
// Tokens are kept only as hashes.
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
}

export class SessionStore {
  private readonly stmts;

  constructor(db: Database.Database) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS live_session (
        id TEXT PRIMARY KEY, instance TEXT NOT NULL, token_hash TEXT NOT NULL, learner TEXT NOT NULL,
        client TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
        last_activity_at INTEGER NOT NULL, extensions_used INTEGER NOT NULL, lesson TEXT, lang TEXT);`);
    this.stmts = {
      put: db.prepare(
        `INSERT OR REPLACE INTO live_session VALUES (@id, @instance, @tokenHash, @learner, @client, @createdAt, @expiresAt, @lastActivityAt, @extensionsUsed, @lesson, @lang)`,
      ),
      remove: db.prepare('DELETE FROM live_session WHERE id = ?'),
      all: db.prepare(
        `SELECT id, instance, token_hash AS tokenHash, learner, client, created_at AS createdAt, expires_at AS expiresAt,
                last_activity_at AS lastActivityAt, extensions_used AS extensionsUsed, lesson, lang
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
