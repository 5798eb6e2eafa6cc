// A real OpenID provider (oidc-provider) on 127.0.0.1 for staff-oidc tests, with Berth registered as a client,
// a second client ("other") for tokens Berth must refuse, and its dev login pages walked like a browser would.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export const CLIENT_ID = 'berth';
export const CLIENT_SECRET = 'a-client-secret-for-tests-only-0001';
const OTHER = { id: 'other', secret: 'another-client-secret-for-tests-0002', redirect: 'http://127.0.0.1:9/other-callback' };

export interface TestUser {
  sub: string;
  email: string;
  email_verified: boolean;
  name: string;
}

/** A port free now (for Berth, whose redirect URI the provider must know before Berth starts). */
export async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/** Cookies by name, as a browser keeps them for one site. */
export class CookieJar {
  private readonly values = new Map<string, string>();
  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const [name, value] = [pair.slice(0, eq).trim(), pair.slice(eq + 1).trim()];
      if (/max-age=0/i.test(line) || value === '') this.values.delete(name);
      else this.values.set(name, value);
    }
  }
  get(name: string): string | undefined {
    return this.values.get(name);
  }
  header(): string {
    return [...this.values].map(([n, v]) => `${n}=${v}`).join('; ');
  }
}

export class TestProvider {
  /** When set, the ID token of the next token answer is replaced by what this returns. */
  swapIdToken: ((idToken: string) => string | Promise<string>) | null = null;
  /** Every ID token the token endpoint gave, last last. */
  readonly idTokens: string[] = [];

  private constructor(
    readonly issuer: string,
    readonly provider: Provider,
    private readonly server: http.Server,
  ) {}

  static async start(berthRedirectUri: string, users: TestUser[]): Promise<TestProvider> {
    const server = http.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const provider = new Provider(issuer, {
      clients: [
        { client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [berthRedirectUri], grant_types: ['authorization_code'], response_types: ['code'] },
        { client_id: OTHER.id, client_secret: OTHER.secret, redirect_uris: [OTHER.redirect], grant_types: ['authorization_code'], response_types: ['code'] },
      ],
      findAccount: (_ctx, id) => {
        const user = users.find((u) => u.sub === id);
        return user ? { accountId: id, claims: () => ({ ...user }) } : undefined;
      },
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
      // Emails in the ID token itself, as most schools' providers send them.
      conformIdTokenClaims: false,
      cookies: { keys: ['cookie-key-for-tests-only'] },
      features: { devInteractions: { enabled: true } },
    });
    const test = new TestProvider(issuer, provider, server);
    provider.use(async (ctx, next) => {
      await next();
      const body = ctx.body as { id_token?: string } | undefined;
      if (ctx.path !== '/token' || !body?.id_token) return;
      test.idTokens.push(body.id_token);
      if (test.swapIdToken) ctx.body = { ...body, id_token: await test.swapIdToken(body.id_token) };
    });
    server.on('request', provider.callback());
    return test;
  }

  /**
   * Walks the provider's pages from an authorization URL as a browser would: signs in as `sub` and consents
   * (or cancels, with abort). Resolves with where the provider sends the browser back (Berth's callback).
   */
  async signIn(authorizationUrl: URL | string, sub: string, how: { abort?: boolean } = {}): Promise<URL> {
    const jar = new CookieJar();
    let url = new URL(authorizationUrl);
    let body: URLSearchParams | undefined;
    for (let hop = 0; hop < 12; hop += 1) {
      const res = await fetch(url, { redirect: 'manual', method: body ? 'POST' : 'GET', body, headers: { cookie: jar.header() } });
      jar.take(res);
      body = undefined;
      if (res.status >= 300 && res.status < 400) {
        const next = new URL(res.headers.get('location')!, url);
        if (next.origin !== this.issuer) return next;
        url = next;
        continue;
      }
      const page = await res.text();
      assert.equal(res.status, 200, `the provider answered ${res.status} at ${url.pathname}: ${page.slice(0, 300)}`);
      const prompt = /name="prompt" value="(login|consent)"/.exec(page)?.[1];
      assert.ok(prompt, `no login or consent form at ${url.pathname}`);
      if (how.abort) {
        url = new URL(`${url.pathname}/abort`, url);
        continue;
      }
      body = new URLSearchParams(prompt === 'login' ? { prompt, login: sub, password: 'any' } : { prompt });
    }
    throw new Error('the provider never sent the browser back');
  }

  /** An ID token for the other client, with this nonce, as that client would get it (for aud tests). */
  async idTokenForOtherClient(sub: string, nonce: string): Promise<string> {
    const auth = new URL('/auth', this.issuer);
    const verifier = 'v'.repeat(50);
    const challenge = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))).toString('base64url');
    Object.entries({ client_id: OTHER.id, redirect_uri: OTHER.redirect, response_type: 'code', scope: 'openid email', nonce, state: 'other-state', code_challenge: challenge, code_challenge_method: 'S256' }).forEach(([k, v]) => auth.searchParams.set(k, v));
    const back = await this.signIn(auth, sub);
    const code = back.searchParams.get('code');
    assert.ok(code, `the provider gave the other client no code: ${back.search}`);
    const res = await fetch(new URL('/token', this.issuer), {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${OTHER.id}:${OTHER.secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: OTHER.redirect, code_verifier: verifier }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    return ((await res.json()) as { id_token: string }).id_token;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}
