// Staff accounts and their sign-ins: in SQLite (staff-store-sqlite.ts) or PostgreSQL (staff-store-pg.ts).
// Sign-ins are kept by the hashes of their two halves only: the database's reader learns no way in.
import crypto from 'node:crypto';
import type { StaffRole } from '@berth/shared';

export interface StaffAccount {
  id: number;
  email: string;
  name: string;
  role: StaffRole;
  passwordHash: string;
  createdAt: number;
}

export interface NewStaffAccount {
  email: string;
  name: string;
  role: StaffRole;
  passwordHash: string;
  /** Made by an OIDC sign-in: its provider's subject, bound from the start. */
  oidcSubject?: string;
}

export interface StaffStore {
  byEmail(email: string): Promise<StaffAccount | null>;
  /** The provider's subject ("<issuer> <sub>") the account first signed in with by OIDC; null before that. */
  oidcSubject(id: number): Promise<string | null>;
  /** Binds the subject if the account's is still `was`; false when another sign-in changed it first. */
  bindOidcSubject(id: number, subject: string, was: string | null): Promise<boolean>;
  /** An account's name by its id (the teacher or interviewer named on a summary), null once removed. */
  nameOf(id: number): Promise<string | null>;
  list(): Promise<StaffAccount[]>;
  /** null when the email is taken. */
  create(account: NewStaffAccount, now?: number): Promise<StaffAccount | null>;
  /** The account, its sign-ins, and its interviews and classes; false when there was none. */
  remove(email: string): Promise<boolean>;
  addSignIn(staffId: number, token: string, check: string, expiresAt: number, now?: number): Promise<void>;
  /** The account a sign-in's two halves belong to, while it has not expired. */
  signedIn(token: string, check: string, now?: number): Promise<StaffAccount | null>;
  removeSignIn(token: string): Promise<void>;
  /** How many expired sign-ins were removed. */
  removeExpired(now?: number): Promise<number>;
}

/** A row of the staff table as it is stored. */
export interface StaffRow {
  id: number;
  email: string;
  name: string;
  role: StaffRole;
  password_hash: string;
  created_at: number;
}

export const staffFromRow = (r: StaffRow): StaffAccount => ({ id: r.id, email: r.email, name: r.name, role: r.role, passwordHash: r.password_hash, createdAt: r.created_at });
export const sha256 = (text: string) => crypto.createHash('sha256').update(text).digest('hex');

/** Emails are compared as typed, less case and surrounding spaces. */
export const normalEmail = (email: string) => email.trim().toLowerCase();

/** What references an account goes with it, in this order (foreign keys are not enforced on SQLite's file). */
export const STAFF_REMOVALS = [
  'DELETE FROM staff_sign_in WHERE staff_id = $1',
  'DELETE FROM interview WHERE staff_id = $1',
  'DELETE FROM class_student WHERE class_id IN (SELECT id FROM class WHERE staff_id = $1)',
  'DELETE FROM class WHERE staff_id = $1',
  'DELETE FROM staff WHERE id = $1',
];

/** An account's name for a summary, also once it is removed. */
export const staffName = (store: Pick<StaffStore, 'nameOf'>) => async (id: number) => (await store.nameOf(id)) ?? '(a removed account)';

/** For a list: each account's name asked once, however many of its rows name it. */
export function namesOnce(name: (id: number) => Promise<string>): (id: number) => Promise<string> {
  const asked = new Map<number, Promise<string>>();
  return (id) => asked.get(id) ?? asked.set(id, name(id)).get(id)!;
}
