// Staff accounts and their sign-ins in berth.db (migrations.ts, versions 2 and 6).
import type Database from 'better-sqlite3';
import { normalEmail, sha256, STAFF_REMOVALS, staffFromRow, type NewStaffAccount, type StaffAccount, type StaffRow, type StaffStore } from './staff-store.js';

export class SqliteStaffStore implements StaffStore {
  constructor(private readonly db: Database.Database) {}

  async byEmail(email: string): Promise<StaffAccount | null> {
    return this.accountByEmail(email);
  }

  async oidcSubject(id: number): Promise<string | null> {
    return (this.db.prepare('SELECT oidc_subject FROM staff WHERE id = ?').get(id) as { oidc_subject: string | null } | undefined)?.oidc_subject ?? null;
  }

  async bindOidcSubject(id: number, subject: string, was: string | null): Promise<boolean> {
    return this.db.prepare('UPDATE staff SET oidc_subject = ? WHERE id = ? AND oidc_subject IS ?').run(subject, id, was).changes === 1;
  }

  async nameOf(id: number): Promise<string | null> {
    return (this.db.prepare('SELECT name FROM staff WHERE id = ?').get(id) as { name: string } | undefined)?.name ?? null;
  }

  async list(): Promise<StaffAccount[]> {
    return (this.db.prepare('SELECT * FROM staff ORDER BY id').all() as StaffRow[]).map(staffFromRow);
  }

  async create(account: NewStaffAccount, now = Date.now()): Promise<StaffAccount | null> {
    const email = normalEmail(account.email);
    const r = this.db
      .prepare('INSERT INTO staff (email, name, role, password_hash, created_at, oidc_subject) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (email) DO NOTHING')
      .run(email, account.name, account.role, account.passwordHash, now, account.oidcSubject ?? null);
    return r.changes ? { id: Number(r.lastInsertRowid), email, name: account.name, role: account.role, passwordHash: account.passwordHash, createdAt: now } : null;
  }

  async remove(email: string): Promise<boolean> {
    return this.db
      .transaction(() => {
        const account = this.accountByEmail(email);
        if (!account) return false;
        for (const sql of STAFF_REMOVALS) this.db.prepare(sql.replaceAll('$1', '?')).run(account.id);
        return true;
      })
      .immediate();
  }

  async addSignIn(staffId: number, token: string, check: string, expiresAt: number, now = Date.now()): Promise<void> {
    this.db.prepare('INSERT INTO staff_sign_in (token_hash, check_hash, staff_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)').run(sha256(token), sha256(check), staffId, now, expiresAt);
  }

  async signedIn(token: string, check: string, now = Date.now()): Promise<StaffAccount | null> {
    const row = this.db
      .prepare('SELECT staff.* FROM staff_sign_in JOIN staff ON staff.id = staff_sign_in.staff_id WHERE token_hash = ? AND check_hash = ? AND expires_at > ?')
      .get(sha256(token), sha256(check), now) as StaffRow | undefined;
    return row ? staffFromRow(row) : null;
  }

  async removeSignIn(token: string): Promise<void> {
    this.db.prepare('DELETE FROM staff_sign_in WHERE token_hash = ?').run(sha256(token));
  }

  async removeExpired(now = Date.now()): Promise<number> {
    return this.db.prepare('DELETE FROM staff_sign_in WHERE expires_at <= ?').run(now).changes;
  }

  private accountByEmail(email: string): StaffAccount | null {
    const row = this.db.prepare('SELECT * FROM staff WHERE email = ?').get(normalEmail(email)) as StaffRow | undefined;
    return row ? staffFromRow(row) : null;
  }
}
