// Staff accounts and their sign-ins in the PostgreSQL database Berth servers share (store/postgres/pg-migrations.ts).
import type { OrderedQueries } from '../store/postgres/ordered-queries.js';
import { normalEmail, sha256, STAFF_REMOVALS, staffFromRow, type NewStaffAccount, type StaffAccount, type StaffRow, type StaffStore } from './staff-store.js';

export class PgStaffStore implements StaffStore {
  constructor(private readonly q: OrderedQueries) {}

  async byEmail(email: string): Promise<StaffAccount | null> {
    return this.account('SELECT * FROM staff WHERE email = $1', [normalEmail(email)]);
  }

  async oidcSubject(id: number): Promise<string | null> {
    return (await this.q.read<{ oidc_subject: string | null }>('SELECT oidc_subject FROM staff WHERE id = $1', [id]))[0]?.oidc_subject ?? null;
  }

  async bindOidcSubject(id: number, subject: string, was: string | null): Promise<boolean> {
    return (await this.q.write('UPDATE staff SET oidc_subject = $1 WHERE id = $2 AND oidc_subject IS NOT DISTINCT FROM $3', [subject, id, was])).rowCount === 1;
  }

  async nameOf(id: number): Promise<string | null> {
    return (await this.q.read<{ name: string }>('SELECT name FROM staff WHERE id = $1', [id]))[0]?.name ?? null;
  }

  async list(): Promise<StaffAccount[]> {
    return (await this.q.read<StaffRow>('SELECT * FROM staff ORDER BY id')).map(staffFromRow);
  }

  async create(account: NewStaffAccount, now = Date.now()): Promise<StaffAccount | null> {
    const email = normalEmail(account.email);
    const r = await this.q.write(
      'INSERT INTO staff (email, name, role, password_hash, created_at, oidc_subject) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (email) DO NOTHING RETURNING id',
      [email, account.name, account.role, account.passwordHash, now, account.oidcSubject ?? null],
    );
    const made = r.rows[0] as { id: number } | undefined;
    return made ? { id: made.id, email, name: account.name, role: account.role, passwordHash: account.passwordHash, createdAt: now } : null;
  }

  remove(email: string): Promise<boolean> {
    return this.q.transaction(async (query) => {
      const found = await query('SELECT id FROM staff WHERE email = $1 FOR UPDATE', [normalEmail(email)]);
      const account = found.rows[0] as { id: number } | undefined;
      if (!account) return false;
      for (const sql of STAFF_REMOVALS) await query(sql, [account.id]);
      return true;
    });
  }

  async addSignIn(staffId: number, token: string, check: string, expiresAt: number, now = Date.now()): Promise<void> {
    await this.q.write('INSERT INTO staff_sign_in (token_hash, check_hash, staff_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)', [sha256(token), sha256(check), staffId, now, expiresAt]);
  }

  async signedIn(token: string, check: string, now = Date.now()): Promise<StaffAccount | null> {
    return this.account('SELECT staff.* FROM staff_sign_in JOIN staff ON staff.id = staff_sign_in.staff_id WHERE token_hash = $1 AND check_hash = $2 AND expires_at > $3', [
      sha256(token),
      sha256(check),
      now,
    ]);
  }

  async removeSignIn(token: string): Promise<void> {
    await this.q.write('DELETE FROM staff_sign_in WHERE token_hash = $1', [sha256(token)]);
  }

  async removeExpired(now = Date.now()): Promise<number> {
    return (await this.q.write('DELETE FROM staff_sign_in WHERE expires_at <= $1', [now])).rowCount ?? 0;
  }

  private async account(sql: string, values: unknown[]): Promise<StaffAccount | null> {
    const row = (await this.q.read<StaffRow>(sql, values))[0];
    return row ? staffFromRow(row) : null;
  }
}
