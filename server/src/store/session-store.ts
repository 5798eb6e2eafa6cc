// Live sessions, written through so a restarted server (even after SIGKILL) can adopt them again.
// Tokens are kept only as hashes. In SQLite (session-store-sqlite.ts) or PostgreSQL (session-store-pg.ts).

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

export interface SessionStore {
  /** Adds the session or replaces its row. */
  put(s: StoredSession): Promise<void>;
  remove(id: string): Promise<void>;
  /** The sessions of one Berth instance. */
  all(instance: string): Promise<StoredSession[]>;
}

/** The columns as StoredSession names them (quoted: PostgreSQL folds unquoted names to lower case). */
export const SESSION_COLUMNS = `id, instance, token_hash AS "tokenHash", learner, client, created_at AS "createdAt", expires_at AS "expiresAt",
  last_activity_at AS "lastActivityAt", extensions_used AS "extensionsUsed", lesson, lang, terms`;
