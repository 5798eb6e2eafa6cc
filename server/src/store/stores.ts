// What Berth keeps: live sessions, learners' progress, classes, interviews and staff accounts. In the SQLite
// file BERTH_DATA/berth.db (one Berth server), or in the PostgreSQL database BERTH_DATABASE_URL names, which
// Berth servers sharing a cluster share.
import type Database from 'better-sqlite3';
import type { ClassStore } from '../classes/class-store.js';
import { SqliteClassStore } from '../classes/class-store-sqlite.js';
import type { Config } from '../config.js';
import type { InterviewStore } from '../interviews/interview-store.js';
import { SqliteInterviewStore } from '../interviews/interview-store-sqlite.js';
import type { StaffStore } from '../people/staff-store.js';
import { SqliteStaffStore } from '../people/staff-store-sqlite.js';
import { openDatabase } from './database.js';
import { openPgStores } from './postgres/pg-stores.js';
import type { PoolLog } from './postgres/pg-pool.js';
import { SqliteProgressStore } from './progress-store-sqlite.js';
import type { ProgressStore } from './progress-store.js';
import { SqliteSessionStore } from './session-store-sqlite.js';
import type { SessionStore } from './session-store.js';

export interface Stores {
  sessions: SessionStore;
  progress: ProgressStore;
  classes: ClassStore;
  interviews: InterviewStore;
  staff: StaffStore;
  /** Once every write issued so far is done. */
  close(): Promise<void>;
}

/** Opens the stores and brings their schema up to date; a newer Berth's schema, or a database out of reach, is refused with the reason. */
export function openStores(config: Pick<Config, 'databaseUrl' | 'databaseFile'>, log: PoolLog): Promise<Stores> {
  if (config.databaseUrl) return openPgStores(config.databaseUrl, log);
  return Promise.resolve(sqliteStores(openDatabase(config.databaseFile)));
}

export function sqliteStores(db: Database.Database): Stores {
  return {
    sessions: new SqliteSessionStore(db),
    progress: new SqliteProgressStore(db),
    classes: new SqliteClassStore(db),
    interviews: new SqliteInterviewStore(db),
    staff: new SqliteStaffStore(db),
    close: async () => void db.close(),
  };
}

/** For the command-line tools: a lost connection is said on stderr. */
export const consoleLog: PoolLog = { error: (obj, msg) => console.error(`berth: ${msg ?? ''} ${JSON.stringify(obj)}`) };
