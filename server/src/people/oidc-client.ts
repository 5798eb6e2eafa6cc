// Berth as a client of the school's OpenID provider, through openid-client: discovery (lazy, retried at most
// every few seconds while the provider is down), the authorization URL (code + PKCE S256 + state + nonce), and
// the code exchange whose ID token is verified (JWKS signature, iss, aud, exp, nonce). Every answer from the
// provider is read with a time limit and a size limit.
import * as client from 'openid-client';
import type { OidcConfig } from './oidc-config.js';

export const PROVIDER_TIMEOUT_S = 10;
export const PROVIDER_ANSWER_MAX = 256 * 1024;
const RETRY_DISCOVERY_MS = 5000;

/** The provider could not be reached or answered nonsense to discovery: no sign-in can start. */
export class ProviderDownError extends Error {}

export interface ProvenPerson {
  sub: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
}

export class OidcClient {
  private discovered: { at: number; config: Promise<client.Configuration> } | null = null;

  constructor(private readonly settings: OidcConfig) {}

  /** The provider's configuration, discovered on first use; rejects with ProviderDownError. */
  configuration(now = Date.now()): Promise<client.Configuration> {
    const d = this.discovered;
    if (d && (d.at === 0 || now - d.at < RETRY_DISCOVERY_MS)) return d.config;
    const config = this.discover();
    const entry = { at: 0, config };
    this.discovered = entry;
    config.catch(() => (entry.at = now)); // a failure is kept a few seconds, then discovery is tried again
    return config;
  }

  async authorizationUrl(checks: { state: string; nonce: string; verifier: string }): Promise<URL> {
    return client.buildAuthorizationUrl(await this.configuration(), {
      redirect_uri: this.settings.redirectUri,
      scope: 'openid email profile',
      state: checks.state,
      nonce: checks.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(checks.verifier),
      code_challenge_method: 'S256',
    });
  }

  /** Exchanges the callback's code; the ID token must verify. The email comes from userinfo when the token lacks it. */
  async exchange(callbackUrl: URL, checks: { state: string; nonce: string; verifier: string }): Promise<ProvenPerson> {
    const config = await this.configuration();
    const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
      pkceCodeVerifier: checks.verifier,
      expectedState: checks.state,
      expectedNonce: checks.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims()!;
    const fromToken = person(claims);
    if (fromToken.email !== null) return fromToken;
    return person({ ...claims, ...(await client.fetchUserInfo(config, tokens.access_token, claims.sub)) });
  }

  private async discover(): Promise<client.Configuration> {
    try {
      const insecure = new URL(this.settings.issuer).protocol === 'http:';
      return await client.discovery(new URL(this.settings.issuer), this.settings.clientId, this.settings.clientSecret, undefined, {
        timeout: PROVIDER_TIMEOUT_S,
        [client.customFetch]: boundedFetch,
        execute: [client.enableNonRepudiationChecks, ...(insecure ? [client.allowInsecureRequests] : [])],
      });
    } catch (err) {
      throw new ProviderDownError(`discovery at ${this.settings.issuer} failed: ${(err as Error).message}`, { cause: err });
    }
  }
}

function person(claims: Record<string, unknown>): ProvenPerson {
  const text = (v: unknown, max: number) => (typeof v === 'string' && v.trim() && v.length <= max ? v.trim() : null);
  return { sub: String(claims.sub), email: text(claims.email, 254), emailVerified: claims.email_verified === true, name: text(claims.name, 100) };
}

/** fetch, whose answer is read whole only up to PROVIDER_ANSWER_MAX bytes. */
async function boundedFetch(url: string, options: client.CustomFetchOptions): Promise<Response> {
  const res = await fetch(url, options as RequestInit);
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  const reader = res.body?.getReader();
  for (;;) {
    const chunk = reader ? await reader.read() : { done: true as const };
    if (chunk.done) break;
    bytes += chunk.value.byteLength;
    if (bytes > PROVIDER_ANSWER_MAX) {
      await reader!.cancel();
      throw new Error(`the provider's answer from ${new URL(url).pathname} is larger than ${PROVIDER_ANSWER_MAX / 1024} KiB`);
    }
    chunks.push(chunk.value);
  }
  const empty = [101, 204, 205, 304].includes(res.status);
  return new Response(empty ? null : Buffer.concat(chunks), { status: res.status, statusText: res.statusText, headers: res.headers });
}

/** An error and its causes in one line (openid-client wraps the telling one: 'unexpected JWT "aud" claim value'). */
export function explain(err: unknown): string {
  const said: string[] = [];
  for (let e = err as { message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth += 1) {
    if (typeof e.message === 'string' && !said.includes(e.message)) said.push(e.message);
  }
  return said.join(': ').slice(0, 400);
}

/** Whether a failed exchange was the provider out of reach (rather than a refusal or a bad token). */
export function unreachable(err: unknown): boolean {
  for (let e = err as { name?: string; message?: string; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth += 1) {
    if (e instanceof ProviderDownError || e.name === 'TimeoutError' || e.name === 'AbortError' || (e instanceof TypeError && /fetch failed/.test(e.message ?? ''))) return true;
  }
  return false;
}
