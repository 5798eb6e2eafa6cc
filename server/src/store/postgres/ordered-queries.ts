// One store's queries on the shared pool, in the order this server issued them, as SQLite's synchronous calls
// were: a write starts once every earlier write of the store is done (a session's put, then its remove, never
// the other way round on two connections), and a read once those issued before it are, so it sees them.
import type pg from 'pg';

export type Query = (sql: string, values?: unknown[]) => Promise<pg.QueryResult>;

export class OrderedQueries {
  private writes: Promise<void> = Promise.resolve();

  constructor(private readonly pool: pg.Pool) {}

  async read<T>(sql: string, values: unknown[] = []): Promise<T[]> {
    await this.writes;
    return (await this.pool.query(sql, values)).rows as T[];
  }

  write(sql: string, values: unknown[] = []): Promise<pg.QueryResult> {
    return this.inOrder(() => this.pool.query(sql, values));
  }

  /** Several statements in one transaction, in write order; rolled back when `work` throws. */
  transaction<T>(work: (query: Query) => Promise<T>): Promise<T> {
    return this.inOrder(() => inTransaction(this.pool, work));
  }

  /** Resolves once every write issued so far is done (before the pool is closed). */
  idle(): Promise<void> {
    return this.writes;
  }

  private inOrder<T>(run: () => Promise<T>): Promise<T> {
    const result = this.writes.then(run);
    // A failed write is its caller's to hear of; the writes after it still run.
    this.writes = result.then(
      () => {},
      () => {},
    );
    return result;
  }
}

export async function inTransaction<T>(pool: pg.Pool, work: (query: Query) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work((sql, values) => client.query(sql, values));
    await client.query('COMMIT');
    return result;
  } catch (err) {
    // A connection that cannot even roll back is not given back to the pool.
    await client.query('ROLLBACK').catch((e: Error) => (broken = e));
    throw err;
  } finally {
    client.release(broken);
  }
}
