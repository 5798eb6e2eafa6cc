// The PostgreSQL database as an operator meets it: made from empty at the first start, shared by Berth
// servers starting at once, refused when a newer Berth wrote it, left as it was by an upgrade that fails, and
// a clear message when it cannot be reached. A real PostgreSQL server of this file's own.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { MIGRATIONS, NewerSchemaError } from '../../src/store/migrations.js';
import { openDatabase } from '../../src/store/database.js';
import { migratePg, PG_MIGRATIONS, type PgMigration } from '../../src/store/postgres/pg-migrations.js';
import { DatabaseUnreachableError, type PoolLog } from '../../src/store/postgres/pg-pool.js';
import { openStores, type Stores } from '../../src/store/stores.js';
import { freePort, PG_PASSWORD, startPostgres, type PostgresServer } from '../postgres-server.js';

let postgres: PostgresServer;
before(async () => {
  postgres = await startPostgres();
});
after(async () => {
  await postgres?.stop();
});

const noLog: PoolLog = { error: () => {} };
const open = (databaseUrl: string, log = noLog) => openStores({ databaseUrl, databaseFile: '' }, log);

/** A look at the database from outside Berth. */
async function inspect<T>(url: string, look: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await look(client);
  } finally {
    await client.end();
  }
}
const tables = (url: string) =>
  inspect(url, async (c) => (await c.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name")).rows.map((r) => r.table_name as string));
const versionRows = (url: string) => inspect(url, async (c) => (await c.query('SELECT version FROM schema_version')).rows.map((r) => r.version as number));

async function withPool<T>(url: string, use: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const pool = new pg.Pool({ connectionString: url });
  try {
    return await use(pool);
  } finally {
    await pool.end();
  }
}

test('an empty database gets the whole schema at the first start, and the next start has nothing to do', async () => {
  const url = await postgres.database();
  assert.deepEqual(await tables(url), []);
  const applied = await withPool(url, (pool) => migratePg(pool, 'the test database'));
  assert.deepEqual(
    applied.map((m) => m.version),
    PG_MIGRATIONS.map((m) => m.version),
  );
  assert.deepEqual(await tables(url), ['class', 'class_student', 'interview', 'lesson_position', 'live_session', 'schema_version', 'staff', 'staff_sign_in', 'step_done']);
  assert.deepEqual(await versionRows(url), [PG_MIGRATIONS.length]);
  assert.deepEqual(await withPool(url, (pool) => migratePg(pool, 'the test database')), []);
  assert.deepEqual(await versionRows(url), [PG_MIGRATIONS.length]);
});

test("PostgreSQL's schema has SQLite's versions, tables, columns and NOT NULLs, its epoch milliseconds as BIGINT", async () => {
  assert.deepEqual(
    PG_MIGRATIONS.map((m) => [m.version, m.name]),
    MIGRATIONS.map((m) => [m.version, m.name]),
  );
  const sqlite = openDatabase(':memory:');
  const sqliteTables = (sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
  // A primary key is never NULL in PostgreSQL; SQLite's old quirk lets a TEXT one be, though Berth never writes one.
  const sqliteColumns = sqliteTables.flatMap((table) =>
    (sqlite.pragma(`table_info(${table})`) as { name: string; notnull: number; pk: number }[]).map((c) => `${table}.${c.name}${c.notnull || c.pk ? ' not null' : ''}`),
  );
  sqlite.close();
  const url = await postgres.database();
  await (await open(url)).close();
  const pgColumns = await inspect(url, async (c) =>
    (
      await c.query(
        "SELECT table_name, column_name, is_nullable, data_type FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'schema_version' ORDER BY table_name, ordinal_position",
      )
    ).rows as { table_name: string; column_name: string; is_nullable: string; data_type: string }[],
  );
  // step_done.seq keeps the order steps were done in, as SQLite's rowid does.
  const shared = pgColumns.filter((c) => !(c.table_name === 'step_done' && c.column_name === 'seq'));
  assert.deepEqual(
    shared.map((c) => `${c.table_name}.${c.column_name}${c.is_nullable === 'NO' ? ' not null' : ''}`).sort(),
    [...sqliteColumns].sort(),
  );
  const named = (c: { table_name: string; column_name: string }) => `${c.table_name}.${c.column_name}`;
  const epochs = shared.filter((c) => /_at$/.test(c.column_name));
  assert.deepEqual(epochs.filter((c) => c.data_type !== 'bigint').map(named), []);
  // The only integers that are not BIGINT are small counts; ids are BIGINT as SQLite's are 64-bit.
  assert.deepEqual(shared.filter((c) => c.data_type === 'integer').map(named).sort(), ['class.capacity', 'class.minutes', 'interview.minutes', 'live_session.extensions_used']);
  assert.equal(epochs.length, 16, 'every *_at column of the nine tables');
});

test('two Berth servers starting at once on one empty database both start, the schema is made once, and they share what they write', async () => {
  const url = await postgres.database();
  const [first, second] = (await Promise.all([open(url), open(url)])) as [Stores, Stores];
  try {
    assert.deepEqual(await versionRows(url), [PG_MIGRATIONS.length]);
    await first.progress.markDone('ana', 'first-container', 'run-hello');
    assert.deepEqual((await second.progress.learner('ana')).get('first-container')?.done, ['run-hello']);
  } finally {
    await Promise.all([first.close(), second.close()]);
  }

  const again = await postgres.database();
  const applied = await Promise.all([0, 1, 2].map(() => withPool(again, (pool) => migratePg(pool, 'the test database'))));
  assert.deepEqual(applied.map((a) => a.length).sort(), [0, 0, PG_MIGRATIONS.length], 'one server migrated; the others waited and found it done');
  assert.deepEqual(await versionRows(again), [PG_MIGRATIONS.length]);
});

test('a database written by a newer Berth is refused with both versions named, and left as it was', async () => {
  const url = await postgres.database();
  await (await open(url)).close();
  await inspect(url, (c) => c.query(`UPDATE schema_version SET version = ${PG_MIGRATIONS.length + 1}`));
  const before = await tables(url);
  await assert.rejects(open(url), (err: Error) => {
    assert.ok(err instanceof NewerSchemaError);
    assert.match(err.message, new RegExp(`^The PostgreSQL database at 127\\.0\\.0\\.1:${postgres.port}, database "\\w+", user "postgres" has schema version ${PG_MIGRATIONS.length + 1}, written by a newer Berth; this Berth knows versions up to ${PG_MIGRATIONS.length}\\. Run the newer Berth again`));
    assert.ok(!err.message.includes(PG_PASSWORD));
    return true;
  });
  assert.deepEqual(await tables(url), before);
  assert.deepEqual(await versionRows(url), [PG_MIGRATIONS.length + 1]);
});

test('an upgrade whose migration fails leaves the database as it was, its rows kept', async () => {
  const url = await postgres.database();
  const stores = await open(url);
  await stores.progress.markDone('ana', 'first-container', 'run-hello');
  await stores.close();
  const failing: PgMigration[] = [
    ...PG_MIGRATIONS,
    { version: PG_MIGRATIONS.length + 1, name: 'a new table', sql: 'CREATE TABLE classroom (id TEXT PRIMARY KEY)' },
    { version: PG_MIGRATIONS.length + 2, name: 'a column, then a failure', sql: 'ALTER TABLE step_done ADD COLUMN seconds INTEGER; INSERT INTO live_session (id) VALUES (NULL)' },
  ];
  await assert.rejects(
    withPool(url, (pool) => migratePg(pool, 'the test database', failing)),
    /null value in column/,
  );
  assert.ok(!(await tables(url)).includes('classroom'));
  assert.deepEqual(await versionRows(url), [PG_MIGRATIONS.length]);
  const reopened = await open(url);
  assert.deepEqual((await reopened.progress.learner('ana')).get('first-container')?.done, ['run-hello']);
  await reopened.close();
});

test('a database nobody answers at stops the start with a message naming its host and port, never the password', async () => {
  const port = await freePort();
  await assert.rejects(open(`postgres://berth:s3cret-pw@127.0.0.1:${port}/berth`), (err: Error) => {
    assert.ok(err instanceof DatabaseUnreachableError);
    assert.match(err.message, new RegExp(`^Berth could not connect to its PostgreSQL database \\(BERTH_DATABASE_URL\\) at 127\\.0\\.0\\.1:${port}, database "berth", user "berth": .*ECONNREFUSED`));
    assert.match(err.message, /Check that PostgreSQL runs there/);
    assert.ok(!err.message.includes('s3cret'), err.message);
    return true;
  });
});

test('a wrong password is refused with the server\'s reason, and the password is not repeated', async () => {
  const url = (await postgres.database()).replace(PG_PASSWORD, 'wrong-pw-123');
  await assert.rejects(open(url), (err: Error) => {
    assert.ok(err instanceof DatabaseUnreachableError);
    assert.match(err.message, new RegExp(`at 127\\.0\\.0\\.1:${postgres.port}, database "\\w+", user "postgres": password authentication failed for user "postgres"`));
    assert.ok(!err.message.includes('wrong-pw'), err.message);
    return true;
  });
});

test('PostgreSQL dropping Berth\'s idle connections (a restart) is logged, and the next query opens another', async () => {
  const url = await postgres.database();
  const logged: object[] = [];
  const stores = await open(url, { error: (obj) => void logged.push(obj) });
  try {
    await stores.staff.list();
    const database = new URL(url).pathname.slice(1);
    await inspect(url, (c) => c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]));
    for (let i = 0; i < 100 && logged.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(logged.length > 0, 'the lost connection was logged');
    assert.deepEqual(await stores.staff.list(), []);
  } finally {
    await stores.close();
  }
});
