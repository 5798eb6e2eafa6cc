// The schema of BERTH_DATA/berth.db, as an ordered list of migrations. The file's `PRAGMA user_version` says
// how many of them it has; opening it applies the rest, all in one transaction, so an upgrade that fails
// leaves the file as it was. Append new migrations; never edit one that has shipped.
import type Database from 'better-sqlite3';

export interface Migration {
  version: number;
  /** What it changes, for the operator's log. */
  name: string;
  up(db: Database.Database): void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    // Exactly the tables Berth created before the schema had a version (user_version 0): IF NOT EXISTS makes
    // such a file version 1 as it stands, with its rows.
    version: 1,
    name: 'learners\' progress and live sessions',
    up: (db) =>
      db.exec(`
        CREATE TABLE IF NOT EXISTS step_done (
          learner TEXT NOT NULL, lesson TEXT NOT NULL, step TEXT NOT NULL, done_at INTEGER NOT NULL,
          PRIMARY KEY (learner, lesson, step));
        CREATE TABLE IF NOT EXISTS lesson_position (
          learner TEXT NOT NULL, lesson TEXT NOT NULL, step TEXT NOT NULL, updated_at INTEGER NOT NULL,
          PRIMARY KEY (learner, lesson));
        CREATE TABLE IF NOT EXISTS live_session (
          id TEXT PRIMARY KEY, instance TEXT NOT NULL, token_hash TEXT NOT NULL, learner TEXT NOT NULL,
          client TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
          last_activity_at INTEGER NOT NULL, extensions_used INTEGER NOT NULL, lesson TEXT, lang TEXT);`),
  },
  {
    version: 2,
    name: 'staff accounts and their sign-ins',
    up: (db) =>
      db.exec(`
        CREATE TABLE staff (
          id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
          role TEXT NOT NULL CHECK (role IN ('admin', 'teacher', 'interviewer')),
          password_hash TEXT NOT NULL, created_at INTEGER NOT NULL);
        CREATE TABLE staff_sign_in (
          token_hash TEXT PRIMARY KEY, check_hash TEXT NOT NULL,
          staff_id INTEGER NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
          created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);
        CREATE INDEX staff_sign_in_expiry ON staff_sign_in (expires_at);`),
  },
  {
    version: 3,
    name: 'interviews, and the terms a session may start under',
    up: (db) =>
      db.exec(`
        CREATE TABLE interview (
          id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE,
          staff_id INTEGER NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
          candidate_name TEXT, lesson TEXT, brief TEXT, lang TEXT NOT NULL, minutes INTEGER NOT NULL,
          created_at INTEGER NOT NULL, link_expires_at INTEGER NOT NULL,
          session_id TEXT, started_at INTEGER, ended_at INTEGER);
        CREATE INDEX interview_staff ON interview (staff_id, created_at);
        ALTER TABLE live_session ADD COLUMN terms TEXT;`),
  },
  {
    version: 4,
    name: 'classes and their students',
    up: (db) =>
      db.exec(`
        CREATE TABLE class (
          id TEXT PRIMARY KEY, code TEXT NOT NULL UNIQUE,
          staff_id INTEGER NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
          name TEXT NOT NULL, lessons TEXT NOT NULL, lang TEXT NOT NULL, minutes INTEGER NOT NULL,
          capacity INTEGER NOT NULL, created_at INTEGER NOT NULL, closes_at INTEGER NOT NULL);
        CREATE INDEX class_staff ON class (staff_id, created_at);
        CREATE TABLE class_student (
          class_id TEXT NOT NULL REFERENCES class(id) ON DELETE CASCADE, learner TEXT NOT NULL, name TEXT NOT NULL,
          session_id TEXT, joined_at INTEGER NOT NULL,
          PRIMARY KEY (class_id, learner));
        CREATE INDEX class_student_session ON class_student (session_id);`),
  },
  {
    version: 5,
    name: "an interview's checks, and when each was met",
    up: (db) =>
      db.exec(`
        ALTER TABLE interview ADD COLUMN checks TEXT;
        CREATE INDEX interview_session ON interview (session_id);`),
  },
  {
    version: 6,
    name: "the OpenID provider's subject an account first signed in with",
    up: (db) => db.exec('ALTER TABLE staff ADD COLUMN oidc_subject TEXT;'),
  },
  {
    version: 7,
    name: "when a session's page was last seen on screen (servers sharing sessions each see only their own pages)",
    up: (db) => db.exec('ALTER TABLE live_session ADD COLUMN last_visible_at INTEGER NOT NULL DEFAULT 0;'),
  },
];

/** The file (or database) was written by a newer Berth (an operator went back to an older version). */
export class NewerSchemaError extends Error {
  constructor(
    where: string,
    found: number,
    known: number,
    advice = 'Run the newer Berth again, or move the file aside to start with no saved progress (its sessions and progress are then not read).',
  ) {
    super(`${where} has schema version ${found}, written by a newer Berth; this Berth knows versions up to ${known}. ${advice}`);
  }
}

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Throws NewerSchemaError, before anything is written, when the file is ahead of these migrations. */
export function refuseNewerSchema(db: Database.Database, file: string, migrations: readonly Migration[] = MIGRATIONS): void {
  const known = latestVersion(migrations);
  const found = schemaVersion(db);
  if (found > known) throw new NewerSchemaError(file, found, known);
}

/** Applies the migrations the file lacks, in order, in one transaction; returns the ones applied. */
export function migrate(db: Database.Database, file: string, migrations: readonly Migration[] = MIGRATIONS): Migration[] {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration "${m.name}" has version ${m.version}; expected ${i + 1}`);
  });
  // IMMEDIATE: a second server opening the same file waits here, then finds the work done.
  return db
    .transaction(() => {
      refuseNewerSchema(db, file, migrations);
      const pending = migrations.slice(schemaVersion(db));
      for (const m of pending) m.up(db);
      if (pending.length > 0) db.pragma(`user_version = ${latestVersion(migrations)}`);
      return pending;
    })
    .immediate();
}

const latestVersion = (migrations: readonly Migration[]) => migrations.length;
