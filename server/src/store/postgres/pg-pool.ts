// The connection pool to the PostgreSQL database Berth servers share, and the operator's message when it
// cannot be reached at start.
import pg from 'pg';
import { databaseWhere } from '../database-url.js';

export interface PoolLog {
  error(obj: object, msg?: string): void;
}

const INT8_OID = 20;
/** BIGINT columns hold epoch milliseconds (and ids): numbers, not pg's default strings. */
const getTypeParser = ((oid: number, format?: 'text' | 'binary') =>
  oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser;

export function openPool(url: string, log: PoolLog): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, types: { getTypeParser }, connectionTimeoutMillis: 10_000 });
  // A connection the database drops while idle (PostgreSQL restarted) must not end Berth: the next query opens another.
  pool.on('error', (err) => log.error({ err: err.message }, 'a PostgreSQL connection was lost; the next query opens another'));
  return pool;
}

export class DatabaseUnreachableError extends Error {
  constructor(url: string, cause: unknown) {
    super(
      `Berth could not connect to its PostgreSQL database (BERTH_DATABASE_URL) at ${databaseWhere(url)}: ${reason(cause)}. ` +
        "Check that PostgreSQL runs there and takes this host's connections, and the URL's user, password and database name.",
    );
  }
}

/** Throws DatabaseUnreachableError when no connection can be made. */
export async function reach(pool: pg.Pool, url: string): Promise<void> {
  try {
    (await pool.connect()).release();
  } catch (err) {
    throw new DatabaseUnreachableError(url, err);
  }
}

/** Node gives an AggregateError with no message when every address of a name refused. */
function reason(err: unknown): string {
  const e = err as Error & { code?: string; errors?: Error[] };
  return e.message || e.errors?.[0]?.message || e.code || String(err);
}
