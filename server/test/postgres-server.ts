// A real PostgreSQL server of the test's own: initdb into a temporary folder (as the postgres user: it refuses
// root), started on a free port of 127.0.0.1 with its socket in that folder, stopped and removed after. Its
// TCP connections need the password (scram-sha-256), so a wrong one is refused as on a real deployment.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);
const BIN = process.env.BERTH_TEST_PG_BIN || '/usr/lib/postgresql/15/bin';
const USER = 'postgres';
export const PG_PASSWORD = 'test-only-password';

export interface PostgresServer {
  port: number;
  /** A new, empty database; its postgres:// URL (with the password). */
  database(): Promise<string>;
  stop(): Promise<void>;
}

export async function startPostgres(): Promise<PostgresServer> {
  if (!fs.existsSync(path.join(BIN, 'initdb'))) throw new Error(`no PostgreSQL in ${BIN} (Debian's postgresql-15; or set BERTH_TEST_PG_BIN)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-pg-'));
  const data = path.join(dir, 'data');
  const asPostgres = (cmd: string, args: string[]) => run('runuser', ['-u', USER, '--', path.join(BIN, cmd), ...args], { cwd: dir });
  let started = false;
  try {
    fs.writeFileSync(path.join(dir, 'password'), PG_PASSWORD);
    await run('chown', ['-R', `${USER}:`, dir]);
    await asPostgres('initdb', ['-D', data, '-U', USER, '--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${path.join(dir, 'password')}`, '--no-sync', '-E', 'UTF8']);
    const port = await freePort();
    // fsync off: the data is thrown away after the test.
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60`;
    await asPostgres('pg_ctl', ['-D', data, '-o', options, '-l', path.join(dir, 'log'), '-w', '-t', '60', 'start']);
    started = true;
    let made = 0;
    const url = (database: string) => `postgres://${USER}:${PG_PASSWORD}@127.0.0.1:${port}/${database}`;
    return {
      port,
      database: async () => {
        const name = `berth_${process.pid}_${++made}`;
        const admin = new pg.Client({ connectionString: url('postgres') });
        await admin.connect();
        try {
          await admin.query(`CREATE DATABASE ${name}`);
        } finally {
          await admin.end();
        }
        return url(name);
      },
      stop: () => stopAndRemove(asPostgres, data, dir),
    };
  } catch (err) {
    if (started) await stopAndRemove(asPostgres, data, dir);
    else fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

async function stopAndRemove(asPostgres: (cmd: string, args: string[]) => Promise<unknown>, data: string, dir: string): Promise<void> {
  try {
    await asPostgres('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A port nothing listens on now (the kernel's pick, released at once). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
