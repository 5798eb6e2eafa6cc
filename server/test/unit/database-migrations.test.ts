import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { openDatabase } from '../../src/store/database.js';
import { MIGRATIONS, type Migration, NewerSchemaError } from '../../src/store/migrations.js';
import { SqliteProgressStore } from '../../src/store/progress-store-sqlite.js';
import { SqliteSessionStore } from '../../src/store/session-store-sqlite.js';

const fixture = fs.readFileSync(new URL('../fixtures/berth-db-v0.sql', import.meta.url), 'utf8');

/** The berth.db an earlier Berth left: its tables and rows, opened in WAL as that Berth opened it. */
function previousBerthsFile(dir: string): string {
  const file = path.join(dir, 'berth.db');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec(fixture);
  db.close();
  return file;
}

function inTempDir(fn: (dir: string) => void | Promise<void>) {
  return async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-db-'));
    try {
      await fn(dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
}

const userVersion = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return db.pragma('user_version', { simple: true });
  } finally {
    db.close();
  }
};

test(
  "an upgrade keeps the progress and sessions of a file written before the schema had a version",
  inTempDir(async (dir) => {
    const file = previousBerthsFile(dir);
    assert.equal(userVersion(file), 0);

    const db = openDatabase(file);
    assert.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length, 'recognised as version 1, then brought up to date');
    const progress = new SqliteProgressStore(db);
    const sessions = new SqliteSessionStore(db);
    assert.deepEqual(
      [...(await progress.learner('learner-a')).values()],
      [{ lesson: '01-first-container', done: ['run-hello', 'list-containers'], current: 'remove-container' }],
    );
    assert.deepEqual([...(await progress.learner('learner-b')).values()], [{ lesson: '02-images', done: ['pull'], current: null }]);
    const adopted = {
      id: 'sess-0001',
      instance: 'main',
      tokenHash: 'c0ffee'.repeat(10) + 'abcd',
      learner: 'learner-a',
      client: '203.0.113.7',
      createdAt: 1764496800000,
      expiresAt: 1764500400000,
      lastActivityAt: 1764497100000,
      // Added by migration 7: none came before it.
      lastVisibleAt: 0,
      extensionsUsed: 1,
      lesson: '01-first-container',
      lang: 'en',
      terms: null,
    };
    assert.deepEqual(await sessions.all('main'), [adopted]);
    assert.equal((await sessions.all('other')).length, 1);

    // The upgraded file takes new writes, and a second open has nothing left to do.
    await progress.markDone('learner-a', '01-first-container', 'remove-container');
    await sessions.put({ ...adopted, id: 'sess-0003', lesson: null, lang: null });
    db.close();
    const again = openDatabase(file);
    assert.deepEqual((await new SqliteProgressStore(again).learner('learner-a')).get('01-first-container')?.done, ['run-hello', 'list-containers', 'remove-container']);
    assert.deepEqual((await new SqliteSessionStore(again).all('main')).map((s) => s.id).sort(), ['sess-0001', 'sess-0003']);
    again.close();
  }),
);

test(
  'version 1 is exactly the schema Berth created before the schema had a version',
  inTempDir((dir) => {
    const schema = (file: string) => {
      const db = new Database(file, { readonly: true });
      const rows = db.prepare("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name").all() as { sql: string }[];
      db.close();
      return rows.map((r) => ({ ...r, sql: r.sql.replace(/\s+/g, ' ') }));
    };
    const fresh = path.join(dir, 'fresh.db');
    openDatabase(fresh, MIGRATIONS.slice(0, 1)).close();
    assert.deepEqual(schema(fresh), schema(previousBerthsFile(dir)));
  }),
);

test(
  'a migration added later runs once, at open, and the rows stay',
  inTempDir(async (dir) => {
    const file = previousBerthsFile(dir);
    let runs = 0;
    const next = MIGRATIONS.length + 1;
    const withV2: Migration[] = [
      ...MIGRATIONS,
      {
        version: next,
        name: 'a note per session',
        up: (db) => {
          runs++;
          db.exec("ALTER TABLE live_session ADD COLUMN note TEXT NOT NULL DEFAULT ''");
        },
      },
    ];
    openDatabase(file, withV2).close();
    const db = openDatabase(file, withV2);
    assert.equal(runs, 1);
    assert.equal(db.pragma('user_version', { simple: true }), next);
    assert.deepEqual(db.prepare('SELECT id, note FROM live_session ORDER BY id').all(), [
      { id: 'sess-0001', note: '' },
      { id: 'sess-0002', note: '' },
    ]);
    // The store's writes name their columns, so a column added by a migration does not break them.
    const store = new SqliteSessionStore(db);
    await store.put({ ...(await store.all('main'))[0]!, id: 'sess-0004' });
    assert.equal((await store.all('main')).length, 2);
    db.close();
  }),
);

test(
  'an upgrade whose migration fails leaves the file as it was',
  inTempDir(async (dir) => {
    const file = previousBerthsFile(dir);
    const before = fs.readFileSync(file);
    const failing: Migration[] = [
      ...MIGRATIONS,
      { version: MIGRATIONS.length + 1, name: 'a new table', up: (db) => db.exec('CREATE TABLE classroom (id TEXT PRIMARY KEY)') },
      {
        version: MIGRATIONS.length + 2,
        name: 'a column, then a failure',
        up: (db) => {
          db.exec('ALTER TABLE step_done ADD COLUMN seconds INTEGER');
          db.exec('INSERT INTO live_session (id) VALUES (NULL)'); // NOT NULL constraint failed
        },
      },
    ];
    assert.throws(() => openDatabase(file, failing), /NOT NULL constraint failed/);
    assert.deepEqual(fs.readFileSync(file), before, 'the file is byte for byte the same');
    assert.equal(fs.existsSync(`${file}-wal`), false);
    assert.equal(userVersion(file), 0);

    // The same file still upgrades once the migration is fixed.
    const db = openDatabase(file);
    assert.equal((await new SqliteSessionStore(db).all('main')).length, 1);
    db.close();
  }),
);

test(
  "a newer Berth's file is refused with a message naming the versions, and left untouched",
  inTempDir((dir) => {
    const file = previousBerthsFile(dir);
    const newer = new Database(file);
    newer.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    newer.close();
    const before = fs.readFileSync(file);
    assert.throws(
      () => openDatabase(file),
      (err: Error) => {
        assert.ok(err instanceof NewerSchemaError);
        assert.equal(
          err.message,
          `${file} has schema version ${MIGRATIONS.length + 1}, written by a newer Berth; this Berth knows versions up to ${MIGRATIONS.length}. ` +
            'Run the newer Berth again, or move the file aside to start with no saved progress (its sessions and progress are then not read).',
        );
        return true;
      },
    );
    assert.deepEqual(fs.readFileSync(file), before);
    assert.equal(userVersion(file), MIGRATIONS.length + 1);
  }),
);
