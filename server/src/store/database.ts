// The embedded SQLite file (BERTH_DATA/berth.db) holding sessions and learners' progress.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { type Migration, MIGRATIONS, migrate, refuseNewerSchema } from './migrations.js';

/** Opens the file and brings its schema up to date (see migrations.ts); a newer Berth's file is refused. */
export function openDatabase(file: string, migrations: readonly Migration[] = MIGRATIONS): Database.Database {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    db.pragma('busy_timeout = 5000');
    // Before the pragmas below write anything: a downgrade leaves the newer Berth's file untouched.
    refuseNewerSchema(db, file, migrations);
    db.pragma('journal_mode = WAL');
    // Writes are synchronous on the event loop: with NORMAL a commit skips the fsync (0.13 ms instead of 0.9 ms
    // here, 1.7 instead of 9.7 ms at worst while a disk is being filled). A crash of the server loses nothing;
    // a power cut may lose the last commits, but it ends every sandbox too.
    db.pragma('synchronous = NORMAL');
    migrate(db, file, migrations);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}
