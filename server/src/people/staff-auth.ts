// Who a staff request comes from, and the one place roles are checked. A sign-in has two halves: a token in
// an HttpOnly cookie (scripts cannot read it) and a check the page sends in a header (another port of the
// same host, where visitors' apps are served, can plant a cookie for Berth's host but cannot know a check).
import crypto from 'node:crypto';
import { STAFF_CHECK_HEADER, STAFF_COOKIE, type StaffRole } from '@berth/shared';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../errors.js';
import { readCookies } from '../ports/cookie-header.js';
import { verifyPassword } from './passwords.js';
import { SignInLimits } from './sign-in-limits.js';
import { normalEmail, type StaffAccount, type StaffStore } from './staff-store.js';

export const SIGN_IN_LIFETIME_MS = 12 * 3600_000;

export interface SignIn {
  account: StaffAccount;
  token: string;
  check: string;
  expiresAt: number;
}
/** Longer than any real header: a visitor's cookie flood is not parsed at length. */
const COOKIE_HEADER_MAX = 8192;

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in staff member, set by staffOnly(). */
    staff: StaffAccount | null;
  }
}

export class StaffAuth {
  readonly cookieName: string;

  constructor(
    private readonly store: StaffStore,
    private readonly secure: boolean,
    private readonly limits = new SignInLimits(),
  ) {
    // __Host-: only this host may set it, only over https, for the whole site.
    this.cookieName = secure ? `__Host-${STAFF_COOKIE}` : STAFF_COOKIE;
  }

  async signIn(email: string, password: string, address: string, now = Date.now()): Promise<SignIn> {
    const key = normalEmail(email);
    const wait = this.limits.waitFor(address, key, now);
    if (wait > 0) throw new HttpError(429, `Too many sign-in attempts: try again in ${Math.ceil(wait / 60_000)} minute(s).`);
    this.limits.attempted(address, key, now);
    const account = await this.store.byEmail(key);
    if (!(await verifyPassword(password, account?.passwordHash ?? null)) || !account) {
      throw new HttpError(401, 'That email and password do not match an account here.');
    }
    this.limits.succeeded(address, key, now);
    return this.signInAs(account, now);
  }

  /** A sign-in for an account its owner has proven otherwise (at the school's OIDC provider). */
  async signInAs(account: StaffAccount, now = Date.now()): Promise<SignIn> {
    await this.store.removeExpired(now);
    const token = crypto.randomBytes(32).toString('base64url');
    const check = crypto.randomBytes(24).toString('base64url');
    const expiresAt = now + SIGN_IN_LIFETIME_MS;
    await this.store.addSignIn(account.id, token, check, expiresAt, now);
    return { account, token, check, expiresAt };
  }

  /** The cookie of a sign-in just made: it lasts as long as the sign-in. */
  cookie(token: string): string {
    return `${this.cookieName}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SIGN_IN_LIFETIME_MS / 1000}${this.secure ? '; Secure' : ''}`;
  }

  clearCookie(): string {
    return `${this.cookieName}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${this.secure ? '; Secure' : ''}`;
  }

  /** The staff member a request comes from, or null. Every cookie of the name is tried (a planted one fails). */
  async whoIs(req: FastifyRequest): Promise<{ account: StaffAccount; token: string } | null> {
    const header = req.headers.cookie;
    if (!header || header.length > COOKIE_HEADER_MAX) return null;
    const fromHeader = req.headers[STAFF_CHECK_HEADER];
    const fromQuery = (req.query as Record<string, unknown> | undefined)?.staff;
    const check = typeof fromHeader === 'string' ? fromHeader : typeof fromQuery === 'string' ? fromQuery : '';
    if (!check || check.length > 64) return null;
    for (const token of readCookies(header, this.cookieName).slice(0, 4)) {
      if (token.length > 64) continue;
      const account = await this.store.signedIn(token, check);
      if (account) return { account, token };
    }
    return null;
  }

  async signOut(req: FastifyRequest): Promise<void> {
    const who = await this.whoIs(req);
    if (who) await this.store.removeSignIn(who.token);
  }
}

/** A route's onRequest hook (before its body is read or validated): 401 without a staff sign-in, 403 for a role not named (an admin may do anything). */
export function staffOnly(auth: StaffAuth, ...roles: StaffRole[]) {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const who = await auth.whoIs(req);
    if (!who) throw new HttpError(401, 'Sign in as staff first (a teacher, interviewer or admin account).');
    if (who.account.role !== 'admin' && !roles.includes(who.account.role)) {
      throw new HttpError(403, `This needs a${roles[0] === 'admin' ? 'n' : ''} ${roles.join(' or ')} account; yours is ${who.account.role}.`);
    }
    req.staff = who.account;
  };
}
