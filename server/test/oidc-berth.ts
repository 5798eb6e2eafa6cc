// Berth with OIDC sign-in against a TestProvider, for staff-oidc tests: a real server (stand-in engine), its
// log lines, and the browser's side of the flow (start, the provider's pages, the callback) over HTTP.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { OIDC_ERROR_FRAGMENT, STAFF_CHECK_FRAGMENT, STAFF_CHECK_HEADER, STAFF_ME_PATH, STAFF_OIDC_CALLBACK_PATH, STAFF_OIDC_START_PATH, type StaffMe } from '@berth/shared';
import { hashPassword } from '../src/people/passwords.js';
import { FakeRuntime } from './fake-runtime.js';
import { startTestServer, type TestServer } from './helpers.js';
import { CLIENT_ID, CLIENT_SECRET, CookieJar, freePort, TestProvider, type TestUser } from './oidc-test-provider.js';

export interface OidcWorld {
  berth: TestServer;
  provider: TestProvider;
  /** Berth's log lines so far. */
  log: Record<string, unknown>[];
  /** Makes a staff account as an admin (or the host) would. */
  addAccount(email: string, role: 'admin' | 'teacher' | 'interviewer'): Promise<void>;
}

export async function withOidc(users: TestUser[], env: Record<string, string>, body: (w: OidcWorld) => Promise<void>): Promise<void> {
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const provider = await TestProvider.start(`${publicUrl}${STAFF_OIDC_CALLBACK_PATH}`, users);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-oidc-'));
  const log: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) log.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const berth = await startTestServer(
    {
      BERTH_DATA: dir,
      BERTH_PORT: String(port),
      BERTH_PORTS_PORT: '0',
      BERTH_PUBLIC_URL: publicUrl,
      BERTH_OIDC_ISSUER: provider.issuer,
      BERTH_OIDC_CLIENT_ID: CLIENT_ID,
      BERTH_OIDC_CLIENT_SECRET: CLIENT_SECRET,
      BERTH_OIDC_NAME: 'School account',
      ...env,
    },
    { runtime: () => new FakeRuntime(), logger: { level: 'info', stream } },
  );
  const passwordHash = await hashPassword('a password nobody uses here');
  try {
    await body({ berth, provider, log, addAccount: async (email, role) => void (await berth.berth.staff.create({ email, name: email.split('@')[0]!, role, passwordHash })) });
  } finally {
    await berth.close();
    await provider.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The browser at Berth: its cookies for Berth's host. */
export class BerthBrowser {
  readonly jar = new CookieJar();
  constructor(private readonly berth: TestServer) {}

  /** Clicks "Sign in with …": where Berth sends the browser (the provider's authorization URL). */
  async start(headers: Record<string, string> = {}): Promise<{ status: number; location: URL }> {
    const res = await fetch(`${this.berth.url}${STAFF_OIDC_START_PATH}`, { redirect: 'manual', headers: { cookie: this.jar.header(), ...headers } });
    this.jar.take(res);
    return { status: res.status, location: new URL(res.headers.get('location') ?? '/', this.berth.url) };
  }

  /** Arrives back at Berth's callback; resolves with the staff page address it is sent to. */
  async callback(url: URL | string): Promise<{ status: number; location: URL }> {
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: this.jar.header() } });
    this.jar.take(res);
    assert.equal(res.status, 303, `the callback answered ${res.status}: ${await res.text()}`);
    return { status: res.status, location: new URL(res.headers.get('location')!, this.berth.url) };
  }

  /** The whole flow as `sub`: the staff page address it ends on. */
  async signIn(provider: TestProvider, sub: string): Promise<URL> {
    const started = await this.start();
    assert.equal(started.status, 303);
    return (await this.callback(await provider.signIn(started.location, sub))).location;
  }

  /** As the staff page does: the check from the fragment, sent with the cookie. Null when not signed in. */
  async me(page: URL): Promise<StaffMe | null> {
    const check = new URLSearchParams(page.hash.slice(1)).get(STAFF_CHECK_FRAGMENT);
    if (!check) return null;
    const res = await fetch(`${this.berth.url}${STAFF_ME_PATH}`, { headers: { cookie: this.jar.header(), [STAFF_CHECK_HEADER]: check } });
    return res.status === 200 ? ((await res.json()) as StaffMe) : null;
  }
}

/** The refusal a staff page address carries, or null. */
export const refusalOf = (page: URL) => new URLSearchParams(page.hash.slice(1)).get(OIDC_ERROR_FRAGMENT);
