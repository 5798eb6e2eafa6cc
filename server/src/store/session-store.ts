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
  /** The page's last "visible" report (0: none). */
  lastVisibleAt: number;
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
  /** One session, whichever server wrote it (servers that share sessions find each other's here). */
  get(id: string): Promise<StoredSession | undefined>;
}

/** The columns as StoredSession names them (quoted: PostgreSQL folds unquoted names to lower case). */
export const SESSION_COLUMNS = `id, instance, token_hash AS "tokenHash", learner, client, created_at AS "createdAt", expires_at AS "expiresAt",
  last_activity_at AS "lastActivityAt",
  last_visible_at AS "lastVisibleAt", extensions_used AS "extensionsUsed", lesson, lang, terms`;
