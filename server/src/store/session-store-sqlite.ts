// Live sessions in berth.db (migrations.ts). Writes happen at the call, as the file's calls are synchronous.
import type Database from 'better-sqlite3';
import { SESSION_COLUMNS, type SessionStore, type StoredSession } from './session-store.js';

export class SqliteSessionStore implements SessionStore {
  private readonly stmts;

  constructor(db: Database.Database) {
    this.stmts = {
      put: db.prepare(
        `INSERT OR REPLACE INTO live_session (id, instance, token_hash, learner, client, created_at, expires_at, last_activity_at, last_visible_at, extensions_used, lesson, lang, terms)
         VALUES (@id, @instance, @tokenHash, @learner, @client, @createdAt, @expiresAt, @lastActivityAt, @lastVisibleAt, @extensionsUsed, @lesson, @lang, @terms)`,
      ),
      remove: db.prepare('DELETE FROM live_session WHERE id = ?'),
      all: db.prepare(`SELECT ${SESSION_COLUMNS} FROM live_session WHERE instance = ?`),
      get: db.prepare(`SELECT ${SESSION_COLUMNS} FROM live_session WHERE id = ?`),
    };
  }

  async put(s: StoredSession): Promise<void> {
    this.stmts.put.run(s);
  }

  async remove(id: string): Promise<void> {
    this.stmts.remove.run(id);
  }

  async all(instance: string): Promise<StoredSession[]> {
    return this.stmts.all.all(instance) as StoredSession[];
  }

  async get(id: string): Promise<StoredSession | undefined> {
    return this.stmts.get.get(id) as StoredSession | undefined;
  }
}
