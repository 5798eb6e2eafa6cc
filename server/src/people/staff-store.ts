// Staff accounts and their sign-ins in berth.db. Sign-ins are kept by the hashes of their two halves only:
// the file's reader learns no way in.
import crypto from 'node:crypto';
import type Database from 'better-sqlite3';
import type { StaffRole } from '@berth/shared';

export interface StaffAccount {
  id: number;
  email: string;
  name: string;
  role: StaffRole;
  passwordHash: string;
  createdAt: number;
}

interface StaffRow {
  id: number;
  email: string;
  name: string;
  role: StaffRole;
  password_hash: string;
  created_at: number;
}

const fromRow = (r: StaffRow): StaffAccount => ({ id: r.id, email: r.email, name: r.name, role: r.role, passwordHash: r.password_hash, createdAt: r.created_at });
export const sha256 = (text: string) => crypto.createHash('sha256').update(text).digest('hex');

/** Emails are compared as typed, less case and surrounding spaces. */
export const normalEmail = (email: string) => email.trim().toLowerCase();

export class StaffStore {
  constructor(private readonly db: Database.Database) {}

  byEmail(email: string): StaffAccount | null {
    const row = this.db.prepare('SELECT * FROM staff WHERE email = ?').get(normalEmail(email)) as StaffRow | undefined;
    return row ? fromRow(row) : null;
  }

  /** The provider's subject ("<issuer> <sub>") the account first signed in with by OIDC; null before that. */
  oidcSubject(id: number): string | null {
    return (this.db.prepare('SELECT oidc_subject FROM staff WHERE id = ?').get(id) as { oidc_subject: string | null } | undefined)?.oidc_subject ?? null;
  }

  bindOidcSubject(id: number, subject: string): void {
    this.db.prepare('UPDATE staff SET oidc_subject = ? WHERE id = ?').run(subject, id);
  }

  /** An account's name by its id (the teacher or interviewer named on a summary), null once removed. */
  nameOf(id: number): string | null {
    return (this.db.prepare('SELECT name FROM staff WHERE id = ?').get(id) as { name: string } | undefined)?.name ?? null;
  }

  list(): StaffAccount[] {
    return (this.db.prepare('SELECT * FROM staff ORDER BY id').all() as StaffRow[]).map(fromRow);
  }

  /** null when the email is taken. */
  create(account: { email: string; name: string; role: StaffRole; passwordHash: string }, now = Date.now()): StaffAccount | null {
    const email = normalEmail(account.email);
    const r = this.db
      .prepare('INSERT INTO staff (email, name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (email) DO NOTHING')
      .run(email, account.name, account.role, account.passwordHash, now);
    return r.changes ? { id: Number(r.lastInsertRowid), email, name: account.name, role: account.role, passwordHash: account.passwordHash, createdAt: now } : null;
  }

  /** The account and its sign-ins; false when there was none. */
  remove(email: string): boolean {
    return this.db
      .transaction(() => {
        const account = this.byEmail(email);
        if (!account) return false;
        // What references the account goes with it (foreign keys are not enforced on this file).
        this.db.prepare('DELETE FROM staff_sign_in WHERE staff_id = ?').run(account.id);
        this.db.prepare('DELETE FROM interview WHERE staff_id = ?').run(account.id);
        this.db.prepare('DELETE FROM class_student WHERE class_id IN (SELECT id FROM class WHERE staff_id = ?)').run(account.id);
        this.db.prepare('DELETE FROM class WHERE staff_id = ?').run(account.id);
        this.db.prepare('DELETE FROM staff WHERE id = ?').run(account.id);
        return true;
      })
      .immediate();
  }

  addSignIn(staffId: number, token: string, check: string, expiresAt: number, now = Date.now()): void {
    this.db.prepare('INSERT INTO staff_sign_in (token_hash, check_hash, staff_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)').run(sha256(token), sha256(check), staffId, now, expiresAt);
  }

  /** The account a sign-in's two halves belong to, while it has not expired. */
  signedIn(token: string, check: string, now = Date.now()): StaffAccount | null {
    const row = this.db
      .prepare('SELECT staff.* FROM staff_sign_in JOIN staff ON staff.id = staff_sign_in.staff_id WHERE token_hash = ? AND check_hash = ? AND expires_at > ?')
      .get(sha256(token), sha256(check), now) as StaffRow | undefined;
    return row ? fromRow(row) : null;
  }

  removeSignIn(token: string): void {
    this.db.prepare('DELETE FROM staff_sign_in WHERE token_hash = ?').run(sha256(token));
  }

  removeExpired(now = Date.now()): number {
    return this.db.prepare('DELETE FROM staff_sign_in WHERE expires_at <= ?').run(now).changes;
  }
}
