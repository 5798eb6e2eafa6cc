// Who an OIDC sign-in signs in. The simplest safe rule: the provider's verified email names an account an admin
// (or the host, for admins) already made; with BERTH_OIDC_NEW_ROLE, a verified email of BERTH_OIDC_DOMAINS
// unknown here gets a new account of that role (never an admin). From its first such sign-in an account belongs
// to that provider user (its `sub`): another user given the same email later is refused. The sign-in it ends in is a password
// sign-in's kind: a cookie and a check.
import crypto from 'node:crypto';
import type { OidcRefusal } from '@berth/shared';
import { explain, OidcClient, unreachable, type ProvenPerson } from './oidc-client.js';
import type { OidcConfig } from './oidc-config.js';
import { PendingSignIns } from './oidc-pending.js';
import { SignInLimits } from './sign-in-limits.js';
import type { SignIn, StaffAuth } from './staff-auth.js';
import { normalEmail, sha256, type StaffAccount, type StaffStore } from './staff-store.js';

/** Starts per address: a school behind one address signs in many staff, and a finished sign-in is given back. */
export const OIDC_START_LIMITS = { windowMs: 15 * 60_000, perAddress: 30, perEmail: 0, maxKeys: 10_000 };

/** A sign-in that did not happen: the page's sentence, and the operator's log line. */
export class OidcRefused extends Error {
  constructor(
    readonly refusal: OidcRefusal,
    why: string,
    readonly email: string | null = null,
  ) {
    super(why);
  }
}

export type SignedIn = SignIn & { created: boolean };

export class OidcSignIn {
  readonly pending: PendingSignIns;

  constructor(
    readonly settings: OidcConfig,
    private readonly store: StaffStore,
    private readonly auth: StaffAuth,
    private readonly client = new OidcClient(settings),
    private readonly limits = new SignInLimits(OIDC_START_LIMITS),
    pending = new PendingSignIns(),
  ) {
    this.pending = pending;
  }

  /** Where to send the browser, whose binding cookie value is `browser`. */
  async start(address: string, browser: string, now = Date.now()): Promise<URL> {
    const wait = this.limits.waitFor(address, null, now);
    if (wait > 0) throw new OidcRefused('too-many', `${address} started too many sign-ins; it may again in ${Math.ceil(wait / 60_000)} minute(s)`);
    this.limits.attempted(address, null, now);
    const checks = { state: crypto.randomBytes(24).toString('base64url'), nonce: crypto.randomBytes(24).toString('base64url'), verifier: crypto.randomBytes(32).toString('base64url') };
    let url: URL;
    try {
      url = await this.client.authorizationUrl(checks);
    } catch (err) {
      throw new OidcRefused('provider-down', explain(err));
    }
    this.pending.add({ ...checks, browser: sha256(browser), address, startedAt: now });
    return url;
  }

  /** The callback: `browsers` are the binding cookie values the request carried. */
  async finish(callbackUrl: URL, browsers: string[], address: string, now = Date.now()): Promise<SignedIn> {
    const query = callbackUrl.searchParams;
    const state = query.get('state') ?? '';
    const pending = state.length <= 128 ? this.pending.take(state, now) : null;
    if (!pending) throw new OidcRefused('expired', 'the state is unknown: forged, used already, or older than 10 minutes');
    if (!browsers.some((b) => sha256(b) === pending.browser)) throw new OidcRefused('expired', 'the callback came from another browser than the one that started');
    const error = query.get('error');
    if (error !== null) {
      const said = `${error.slice(0, 64)}${query.get('error_description') ? `: ${query.get('error_description')!.slice(0, 200)}` : ''}`;
      throw new OidcRefused(error === 'access_denied' ? 'denied' : 'failed', `the provider said ${said}`);
    }
    let proven: ProvenPerson;
    try {
      proven = await this.client.exchange(callbackUrl, pending);
    } catch (err) {
      throw new OidcRefused(unreachable(err) ? 'provider-down' : 'failed', `the code exchange failed: ${explain(err)}`);
    }
    const { account, created } = await this.accountOf(proven, now);
    this.limits.succeeded(pending.address, null, pending.startedAt);
    return { ...(await this.auth.signInAs(account, now)), created };
  }

  private async accountOf(proven: ProvenPerson, now: number): Promise<{ account: StaffAccount; created: boolean }> {
    if (!proven.email) throw new OidcRefused('unverified-email', `the provider gave no email for ${proven.sub.slice(0, 100)}`);
    const email = normalEmail(proven.email);
    if (!proven.emailVerified) throw new OidcRefused('unverified-email', 'the provider does not say the email is verified', email);
    // An email is the provider's to give to someone else later (a teacher leaves, a new one gets the address):
    // an account stays with the provider's user who first signed in to it. Another provider may take it over.
    const subject = `${this.settings.issuer} ${proven.sub}`;
    const known = await this.store.byEmail(email);
    if (known) {
      const bound = await this.store.oidcSubject(known.id);
      if (bound !== null && bound !== subject && bound.startsWith(`${this.settings.issuer} `)) {
        throw new OidcRefused('another-person', `the account was first signed in by the provider's user ${bound.slice(this.settings.issuer.length + 1, 200)}, not ${proven.sub.slice(0, 100)}; if the email changed hands, an admin removes the account and makes it again`, email);
      }
      // Unless a sign-in on this or another Berth server bound it meanwhile: judged again then.
      if (bound !== subject && !(await this.store.bindOidcSubject(known.id, subject, bound))) return this.accountOf(proven, now);
      return { account: known, created: false };
    }
    const { newRole, domains } = this.settings;
    if (!newRole) throw new OidcRefused('unknown-account', 'no account has this email (BERTH_OIDC_NEW_ROLE is unset: an admin makes accounts)', email);
    if (!domains.includes(email.slice(email.lastIndexOf('@') + 1))) throw new OidcRefused('wrong-domain', `the email is not of BERTH_OIDC_DOMAINS (${domains.join(', ')})`, email);
    // No password: such an account signs in only here ('' matches no password).
    // Made with its subject: no other sign-in finds it unbound.
    const made = await this.store.create({ email, name: proven.name ?? email.slice(0, email.indexOf('@')), role: newRole, passwordHash: '', oidcSubject: subject }, now);
    if (!made) return this.accountOf(proven, now); // made meanwhile by another sign-in: judged as known
    return { account: made, created: true };
  }
}
