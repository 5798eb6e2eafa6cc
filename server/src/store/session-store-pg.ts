// Live sessions in the PostgreSQL database Berth servers share (postgres/pg-migrations.ts).
import type { OrderedQueries } from './postgres/ordered-queries.js';
import { SESSION_COLUMNS, type SessionStore, type StoredSession } from './session-store.js';

export class PgSessionStore implements SessionStore {
  constructor(private readonly q: OrderedQueries) {}

  async put(s: StoredSession): Promise<void> {
    await this.q.write(
      `INSERT INTO live_session (id, instance, token_hash, learner, client, created_at, expires_at, last_activity_at, last_visible_at, extensions_used, lesson, lang, terms)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
       ON CONFLICT (id) DO UPDATE SET instance = excluded.instance, token_hash = excluded.token_hash, learner = excluded.learner, client = excluded.client,
         created_at = excluded.created_at, expires_at = excluded.expires_at, last_activity_at = excluded.last_activity_at, last_visible_at = excluded.last_visible_at,
         extensions_used = excluded.extensions_used, lesson = excluded.lesson, lang = excluded.lang, terms = excluded.terms`,
      [s.id, s.instance, s.tokenHash, s.learner, s.client, s.createdAt, s.expiresAt, s.lastActivityAt, s.lastVisibleAt, s.extensionsUsed, s.lesson, s.lang, s.terms],
    );
  }

  async remove(id: string): Promise<void> {
    await this.q.write('DELETE FROM live_session WHERE id = $1', [id]);
  }

  all(instance: string): Promise<StoredSession[]> {
    return this.q.read<StoredSession>(`SELECT ${SESSION_COLUMNS} FROM live_session WHERE instance = $1`, [instance]);
  }

  async get(id: string): Promise<StoredSession | undefined> {
    return (await this.q.read<StoredSession>(`SELECT ${SESSION_COLUMNS} FROM live_session WHERE id = $1`, [id]))[0];
  }
}
