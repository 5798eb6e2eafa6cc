// The five stores on one PostgreSQL database: reached and migrated first, each with its own write order.
import { PgClassStore } from '../../classes/class-store-pg.js';
import { PgInterviewStore } from '../../interviews/interview-store-pg.js';
import { PgStaffStore } from '../../people/staff-store-pg.js';
import { databaseWhere } from '../database-url.js';
import { PgProgressStore } from '../progress-store-pg.js';
import { PgSessionStore } from '../session-store-pg.js';
import type { Stores } from '../stores.js';
import { OrderedQueries } from './ordered-queries.js';
import { migratePg } from './pg-migrations.js';
import { openPool, reach, type PoolLog } from './pg-pool.js';

export async function openPgStores(url: string, log: PoolLog): Promise<Stores> {
  const pool = openPool(url, log);
  try {
    await reach(pool, url);
    await migratePg(pool, `The PostgreSQL database at ${databaseWhere(url)}`);
  } catch (err) {
    await pool.end();
    throw err;
  }
  const queries: OrderedQueries[] = [];
  const ordered = () => queries[queries.push(new OrderedQueries(pool)) - 1]!;
  return {
    sessions: new PgSessionStore(ordered()),
    progress: new PgProgressStore(ordered()),
    classes: new PgClassStore(ordered()),
    interviews: new PgInterviewStore(ordered()),
    staff: new PgStaffStore(ordered()),
    close: async () => {
      await Promise.all(queries.map((q) => q.idle()));
      await pool.end();
    },
  };
}
