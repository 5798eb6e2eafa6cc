// BERTH_DATABASE_URL: unset, the SQLite file BERTH_DATA/berth.db (one Berth server); a postgres:// URL, the
// PostgreSQL database that Berth servers sharing a cluster share. Its password is never echoed or logged.
import { parse } from 'pg-connection-string';

const EXAMPLE = 'postgres://berth:PASSWORD@db.example.org:5432/berth';

/** The URL, null when unset; a problem is said without the URL's password. */
export function parseDatabaseUrl(raw: string | undefined, problems: string[]): string | null {
  if (!raw) return null;
  if (/^postgres(ql)?:\/\//i.test(raw)) {
    try {
      parse(raw);
      return raw;
    } catch (err) {
      // The parser's own words (an invalid URL, an sslcert file it could not open) never hold the password.
      problems.push(`BERTH_DATABASE_URL could not be read: ${(err as Error).message} (a URL like ${EXAMPLE}, special characters percent-encoded)`);
      return null;
    }
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(raw)?.[1];
  problems.push(`BERTH_DATABASE_URL must be a PostgreSQL URL like ${EXAMPLE}${scheme ? ` (not ${scheme}://)` : ''}, or unset for the SQLite file in BERTH_DATA`);
  return null;
}

/** Where the URL points, for an operator's message: host, port, database and user, never the password. */
export function databaseWhere(raw: string): string {
  const { host, port, database, user } = parse(raw);
  return `${host || 'localhost'}:${port || '5432'}${database ? `, database "${database}"` : ''}${user ? `, user "${user}"` : ''}`;
}
