// Staff sign-in at the school's OpenID provider. Both routes are browser navigations, so every end is a
// redirect to the staff page: `#staff-check=` after a sign-in (the cookie is set here, the page keeps the
// check), `#oidc-error=` with what the page words otherwise. The operator reads why in the log.
import crypto from 'node:crypto';
import {
  OIDC_ERROR_FRAGMENT,
  STAFF_CHECK_FRAGMENT,
  STAFF_OIDC_CALLBACK_PATH,
  STAFF_OIDC_START_PATH,
  STAFF_PAGE_PATH,
  STAFF_SIGN_IN_OPTIONS_PATH,
  type SignInOptions,
} from '@berth/shared';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readCookies } from '../ports/cookie-header.js';
import { OidcRefused, type OidcSignIn } from '../people/oidc-sign-in.js';
import type { StaffAuth } from '../people/staff-auth.js';

/** The cookie binding a started sign-in to its browser; on https `__Host-berth_oidc`. */
const BROWSER_COOKIE = 'berth_oidc';
const BROWSER_VALUE = /^[A-Za-z0-9_-]{43}$/;
const COOKIE_HEADER_MAX = 8192;

export function staffOidcRoutes(app: FastifyInstance, deps: { auth: StaffAuth; oidc: OidcSignIn | null; secure: boolean }) {
  const { auth, oidc, secure } = deps;

  app.get(STAFF_SIGN_IN_OPTIONS_PATH, async (): Promise<SignInOptions> => ({ oidc: oidc ? { name: oidc.settings.name } : null }));
  if (!oidc) return;

  const cookieName = secure ? `__Host-${BROWSER_COOKIE}` : BROWSER_COOKIE;
  // Lax, not Strict: it must come back with the provider's redirect, a navigation from another site.
  const browserCookie = (value: string, maxAge: number) => `${cookieName}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${secure ? '; Secure' : ''}`;
  const browsers = (req: FastifyRequest) => {
    const header = req.headers.cookie;
    return !header || header.length > COOKIE_HEADER_MAX ? [] : readCookies(header, cookieName).filter((v) => BROWSER_VALUE.test(v)).slice(0, 4);
  };
  const refuse = (req: FastifyRequest, reply: FastifyReply, err: unknown) => {
    if (!(err instanceof OidcRefused)) throw err;
    const line = { refusal: err.refusal, why: err.message, ...(err.email ? { email: err.email } : {}), address: req.ip };
    if (err.refusal === 'provider-down') req.log.error(line, `the OIDC provider ${oidc.settings.issuer} cannot be reached: staff cannot sign in with it`);
    else req.log.warn(line, 'OIDC sign-in refused');
    return reply.redirect(`${STAFF_PAGE_PATH}#${OIDC_ERROR_FRAGMENT}=${err.refusal}`, 303);
  };

  app.get(STAFF_OIDC_START_PATH, async (req, reply) => {
    reply.header('cache-control', 'no-store');
    // Kept when the browser has one: two tabs signing in at once both come back.
    const browser = browsers(req)[0] ?? crypto.randomBytes(32).toString('base64url');
    try {
      const to = await oidc.start(req.ip, browser);
      reply.header('set-cookie', browserCookie(browser, oidc.pending.lifetimeMs / 1000));
      return reply.redirect(to.href, 303);
    } catch (err) {
      return refuse(req, reply, err);
    }
  });

  // No count of its own: only a callback holding a pending state (each one a counted start) reaches the provider.
  app.get(STAFF_OIDC_CALLBACK_PATH, async (req, reply) => {
    reply.header('cache-control', 'no-store').header('set-cookie', [browserCookie('', 0)]);
    const query = req.url.slice(req.url.indexOf('?') + 1);
    try {
      if (!req.url.includes('?') || query.length > 8192) throw new OidcRefused('failed', 'the callback came without its query, or with one too long');
      const signedIn = await oidc.finish(new URL(`${oidc.settings.redirectUri}?${query}`), browsers(req), req.ip);
      const { account } = signedIn;
      req.log.info({ staff: account.email, role: account.role, created: signedIn.created, via: 'oidc' }, signedIn.created ? 'staff account made by an OIDC sign-in' : 'staff signed in');
      reply.header('set-cookie', [browserCookie('', 0), auth.cookie(signedIn.token)]);
      return reply.redirect(`${STAFF_PAGE_PATH}#${STAFF_CHECK_FRAGMENT}=${signedIn.check}`, 303);
    } catch (err) {
      return refuse(req, reply, err);
    }
  });
}
