// Staff sign-in at the school's OpenID provider: a real provider (oidc-provider) on 127.0.0.1, a real Berth
// (stand-in engine), the browser's side walked over HTTP. Who gets in, who does not, and what each is told.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { STAFF_CHECK_FRAGMENT, STAFF_SIGN_IN_OPTIONS_PATH, STAFF_SIGN_IN_PATH } from '@berth/shared';
import { startTestServer } from '../helpers.js';
import { FakeRuntime } from '../fake-runtime.js';
import { BerthBrowser, refusalOf, withOidc } from '../oidc-berth.js';
import type { TestUser } from '../oidc-test-provider.js';

const TEA: TestUser = { sub: 'tea-1', email: 'Tea.Teacher@school.example', email_verified: true, name: 'Tea Teacher' };
const NEW: TestUser = { sub: 'new-1', email: 'nia@school.example', email_verified: true, name: 'Nia New' };
const OUTSIDER: TestUser = { sub: 'out-1', email: 'olly@elsewhere.example', email_verified: true, name: 'Olly' };
const UNVERIFIED: TestUser = { sub: 'unv-1', email: 'uma@school.example', email_verified: false, name: 'Uma' };
const BOSS: TestUser = { sub: 'boss-1', email: 'boss@school.example', email_verified: true, name: 'Boss' };
/** Later given Tea's email by the provider: another person (another sub). */
const TEA_SUCCESSOR: TestUser = { sub: 'tea-2', email: 'tea.teacher@school.example', email_verified: true, name: 'Ted Successor' };
const USERS = [TEA, NEW, OUTSIDER, UNVERIFIED, BOSS, TEA_SUCCESSOR];

const refusals = (log: Record<string, unknown>[]) => log.filter((l) => l.msg === 'OIDC sign-in refused').map((l) => ({ refusal: l.refusal, email: l.email }));

describe('staff sign-in with OIDC', () => {
  test('signs in an existing teacher: the same sign-in as a password one (HttpOnly cookie + check in the fragment)', async () => {
    await withOidc(USERS, {}, async ({ berth, provider, addAccount, log }) => {
      await addAccount('tea.teacher@school.example', 'teacher');
      const browser = new BerthBrowser(berth);
      const started = await browser.start();
      assert.equal(started.status, 303);
      assert.equal(started.location.origin, provider.issuer);
      const q = started.location.searchParams;
      assert.equal(q.get('code_challenge_method'), 'S256');
      assert.ok(q.get('state') && q.get('nonce') && q.get('code_challenge'));
      assert.equal(q.get('redirect_uri'), `${berth.config.publicUrl}/api/staff/oidc/callback`);
      const back = await provider.signIn(started.location, TEA.sub);
      assert.ok(back.searchParams.get('code'));

      const res = await fetch(back, { redirect: 'manual', headers: { cookie: browser.jar.header() } });
      assert.equal(res.status, 303);
      const cookies = res.headers.getSetCookie();
      const staffCookie = cookies.find((c) => c.startsWith('berth_staff='))!;
      assert.match(staffCookie, /HttpOnly/);
      assert.match(staffCookie, /SameSite=Strict/);
      assert.ok(cookies.some((c) => /^berth_oidc=;.*Max-Age=0/.test(c)), 'the binding cookie is cleared');
      const page = new URL(res.headers.get('location')!, berth.url);
      assert.equal(page.pathname, '/staff');
      assert.equal(page.search, '', 'the check never goes in the query');
      browser.jar.take(res);
      assert.deepEqual(await browser.me(page), { email: 'tea.teacher@school.example', name: 'tea.teacher', role: 'teacher' });

      const check = new URLSearchParams(page.hash.slice(1)).get(STAFF_CHECK_FRAGMENT)!;
      assert.ok(!JSON.stringify(log).includes(check), 'the check is never logged');
      assert.ok(log.some((l) => l.msg === 'staff signed in' && l.via === 'oidc' && l.staff === 'tea.teacher@school.example'));
    });
  });

  test('an unknown email is refused with its sentence, and the operator reads why', async () => {
    await withOidc(USERS, {}, async ({ berth, provider, log }) => {
      const browser = new BerthBrowser(berth);
      const page = await browser.signIn(provider, TEA.sub);
      assert.equal(page.pathname, '/staff');
      assert.equal(refusalOf(page), 'unknown-account');
      assert.equal(await browser.me(page), null);
      assert.equal(browser.jar.get('berth_staff'), undefined, 'no sign-in cookie');
      assert.deepEqual(refusals(log), [{ refusal: 'unknown-account', email: 'tea.teacher@school.example' }]);
      assert.match(String(log.find((l) => l.msg === 'OIDC sign-in refused')!.why), /no account has this email/);
    });
  });

  test("an email the provider gives to another person later does not open the first one's account", async () => {
    await withOidc(USERS, { BERTH_OIDC_NEW_ROLE: 'teacher', BERTH_OIDC_DOMAINS: 'school.example' }, async ({ berth, provider, addAccount, log }) => {
      await addAccount('tea.teacher@school.example', 'teacher');
      const first = new BerthBrowser(berth);
      assert.deepEqual(await first.me(await first.signIn(provider, TEA.sub)), { email: 'tea.teacher@school.example', name: 'tea.teacher', role: 'teacher' });
      const successor = new BerthBrowser(berth);
      const page = await successor.signIn(provider, TEA_SUCCESSOR.sub);
      assert.equal(refusalOf(page), 'another-person');
      assert.equal(await successor.me(page), null);
      assert.equal(successor.jar.get('berth_staff'), undefined, 'no sign-in cookie');
      assert.deepEqual(refusals(log), [{ refusal: 'another-person', email: 'tea.teacher@school.example' }]);
      assert.match(String(log.find((l) => l.msg === 'OIDC sign-in refused')!.why), /first signed in by the provider's user tea-1, not tea-2/);
      // The first person still signs in.
      const again = new BerthBrowser(berth);
      assert.equal((await again.me(await again.signIn(provider, TEA.sub)))?.email, 'tea.teacher@school.example');
    });
  });

  test('an email the provider does not call verified is refused, even for an existing account', async () => {
    await withOidc(USERS, { BERTH_OIDC_NEW_ROLE: 'teacher', BERTH_OIDC_DOMAINS: 'school.example' }, async ({ berth, provider, addAccount, log }) => {
      await addAccount(UNVERIFIED.email, 'teacher');
      const browser = new BerthBrowser(berth);
      const page = await browser.signIn(provider, UNVERIFIED.sub);
      assert.equal(refusalOf(page), 'unverified-email');
      assert.equal(await browser.me(page), null);
      assert.deepEqual(refusals(log), [{ refusal: 'unverified-email', email: UNVERIFIED.email }]);
    });
  });

  test('NEW_ROLE makes a teacher from an allowed domain, not from another domain, and never an admin', async () => {
    await withOidc(USERS, { BERTH_OIDC_NEW_ROLE: 'teacher', BERTH_OIDC_DOMAINS: 'school.example' }, async ({ berth, provider, addAccount, log }) => {
      const nia = new BerthBrowser(berth);
      assert.deepEqual(await nia.me(await nia.signIn(provider, NEW.sub)), { email: NEW.email, name: 'Nia New', role: 'teacher' });
      assert.equal((await berth.berth.staff.byEmail(NEW.email))!.role, 'teacher');
      assert.ok(log.some((l) => l.msg === 'staff account made by an OIDC sign-in' && l.staff === NEW.email));
      // The account made has no password: the password form does not open it.
      const byPassword = await fetch(`${berth.url}${STAFF_SIGN_IN_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: NEW.email, password: '' }) });
      assert.equal(byPassword.status, 401);
      // A second sign-in finds the same account.
      const again = new BerthBrowser(berth);
      assert.equal((await again.me(await again.signIn(provider, NEW.sub)))!.role, 'teacher');
      assert.equal((await berth.berth.staff.list()).filter((a) => a.email === NEW.email).length, 1);

      const olly = new BerthBrowser(berth);
      const refused = await olly.signIn(provider, OUTSIDER.sub);
      assert.equal(refusalOf(refused), 'wrong-domain');
      assert.equal(await berth.berth.staff.byEmail(OUTSIDER.email), null);

      // An admin made on the host signs in as that admin; nobody becomes one by signing in.
      await addAccount(BOSS.email, 'admin');
      const boss = new BerthBrowser(berth);
      assert.equal((await boss.me(await boss.signIn(provider, BOSS.sub)))!.role, 'admin');
      assert.deepEqual((await berth.berth.staff.list()).filter((a) => a.role === 'admin').map((a) => a.email), [BOSS.email]);
      assert.deepEqual(refusals(log), [{ refusal: 'wrong-domain', email: OUTSIDER.email }]);
    });
  });

  test('cancelling at the provider comes back as "denied", not an error page', async () => {
    await withOidc(USERS, {}, async ({ berth, provider, log }) => {
      const browser = new BerthBrowser(berth);
      const started = await browser.start();
      const back = await provider.signIn(started.location, TEA.sub, { abort: true });
      assert.equal(back.searchParams.get('error'), 'access_denied');
      assert.equal(refusalOf((await browser.callback(back)).location), 'denied');
      assert.deepEqual(refusals(log), [{ refusal: 'denied', email: undefined }]);
    });
  });

  test('the page learns whether OIDC is on and the button name', async () => {
    await withOidc(USERS, { BERTH_OIDC_NAME: 'Springfield High' }, async ({ berth }) => {
      assert.deepEqual(await (await fetch(`${berth.url}${STAFF_SIGN_IN_OPTIONS_PATH}`)).json(), { oidc: { name: 'Springfield High' } });
    });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-oidc-off-'));
    const plain = await startTestServer({ BERTH_DATA: dir }, { runtime: () => new FakeRuntime() });
    try {
      assert.deepEqual(await (await fetch(`${plain.url}${STAFF_SIGN_IN_OPTIONS_PATH}`)).json(), { oidc: null });
      assert.equal((await fetch(`${plain.url}/api/staff/oidc/start`, { redirect: 'manual' })).status, 404);
    } finally {
      await plain.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
