// Staff accounts (issue 15's foundation) against a real server and its real berth.db, a stand-in engine:
// the first admin made on the host once, no way for the web to make an admin, 401 without a sign-in and 403
// for the wrong role, a cookie planted by another port of the host opening nothing, sign-in rate-limited.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { STAFF_ACCOUNTS_PATH, STAFF_CHECK_HEADER, STAFF_ME_PATH, STAFF_SIGN_IN_PATH, STAFF_SIGN_OUT_PATH, type SignInResponse } from '@berth/shared';
import { startTestServer, type TestServer } from '../helpers.js';
import { FakeRuntime } from '../fake-runtime.js';

const repo = path.resolve(import.meta.dirname, '..', '..', '..');
const ADMIN = { email: 'ada@school.example', name: 'Ada Admin', password: 'correct horse battery' };

/** `npx berth admin create` as an operator runs it, the password piped in. */
function adminCreate(dataDir: string, email: string, password: string) {
  const r = spawnSync(process.execPath, [path.join(repo, 'scripts', 'berth.mjs'), 'admin', 'create', '--email', email, '--name', 'Ada Admin'], {
    cwd: repo,
    input: `${password}\n`,
    encoding: 'utf8',
    env: { ...process.env, BERTH_DATA: dataDir },
  });
  return { code: r.status, out: r.stdout + r.stderr };
}

async function withServer(body: (s: TestServer, dataDir: string) => Promise<void>, env: Record<string, string> = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-staff-'));
  assert.equal(adminCreate(dir, ADMIN.email, ADMIN.password).code, 0);
  const s = await startTestServer({ BERTH_DATA: dir, ...env }, { runtime: () => new FakeRuntime() });
  try {
    await body(s, dir);
  } finally {
    await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const json = { 'content-type': 'application/json' };

async function signIn(s: TestServer, email: string, password: string) {
  const res = await fetch(`${s.url}${STAFF_SIGN_IN_PATH}`, { method: 'POST', headers: json, body: JSON.stringify({ email, password }) });
  const cookie = res.headers.getSetCookie()[0]?.split(';')[0] ?? '';
  return { res, cookie, body: res.ok ? ((await res.json()) as SignInResponse) : ((await res.json()) as { message: string }) };
}

const as = (who: { cookie: string; check: string }) => ({ cookie: who.cookie, [STAFF_CHECK_HEADER]: who.check });

describe('staff accounts', () => {
  test('the first admin is made on the host by `berth admin create`, once; a second try changes nothing; `admin remove` removes it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-staff-'));
    try {
      const first = adminCreate(dir, ADMIN.email, ADMIN.password);
      assert.equal(first.code, 0, first.out);
      assert.match(first.out, /Admin ada@school\.example \(Ada Admin\) created/);
      const again = adminCreate(dir, 'ADA@school.example', 'another long password');
      assert.equal(again.code, 1);
      assert.match(again.out, /already has an account; nothing was changed/);
      const short = adminCreate(dir, 'bob@school.example', 'short');
      assert.equal(short.code, 1);
      assert.match(short.out, /at least 12 characters/);
      const remove = (email: string) =>
        spawnSync(process.execPath, [path.join(repo, 'scripts', 'berth.mjs'), 'admin', 'remove', '--email', email], { cwd: repo, encoding: 'utf8', env: { ...process.env, BERTH_DATA: dir } });
      assert.match(remove('ada@school.example').stdout, /Account ada@school\.example removed/);
      assert.equal(remove('ada@school.example').status, 1, 'gone');
      assert.equal(adminCreate(dir, ADMIN.email, ADMIN.password).code, 0, 'and may be made again');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('without a sign-in every staff route answers 401; a teacher gets 403 where an admin is needed; the web makes no admin', async () => {
    await withServer(async (s) => {
      for (const [method, route] of [['GET', STAFF_ME_PATH], ['GET', STAFF_ACCOUNTS_PATH], ['POST', STAFF_ACCOUNTS_PATH]] as const) {
        const res = await fetch(`${s.url}${route}`, { method, headers: json, ...(method === 'POST' ? { body: '{}' } : {}) });
        assert.equal(res.status, 401, `${method} ${route}`);
        assert.match((await res.json()).message, /Sign in as staff first/);
      }
      const admin = await signIn(s, ADMIN.email, ADMIN.password);
      assert.equal(admin.res.status, 200);
      const adminAuth = as({ cookie: admin.cookie, check: (admin.body as SignInResponse).check });
      const asAdmin = (body: object) => fetch(`${s.url}${STAFF_ACCOUNTS_PATH}`, { method: 'POST', headers: { ...json, ...adminAuth }, body: JSON.stringify(body) });
      const made = await asAdmin({ email: 'tess@school.example', name: 'Tess Teacher', role: 'teacher', password: 'a teacher password' });
      assert.equal(made.status, 201);
      assert.deepEqual(await made.json(), { email: 'tess@school.example', name: 'Tess Teacher', role: 'teacher' });
      assert.equal((await asAdmin({ email: 'tess@school.example', name: 'Again', role: 'teacher', password: 'a teacher password' })).status, 409);
      assert.equal((await asAdmin({ email: 'eve@school.example', name: 'Eve', role: 'admin', password: 'an admin password' })).status, 400, 'no admin by the web');

      const teacher = await signIn(s, 'tess@school.example', 'a teacher password');
      const teacherAuth = as({ cookie: teacher.cookie, check: (teacher.body as SignInResponse).check });
      const meRes = await fetch(`${s.url}${STAFF_ME_PATH}`, { headers: teacherAuth });
      assert.deepEqual(await meRes.json(), { email: 'tess@school.example', name: 'Tess Teacher', role: 'teacher' });
      const list = await fetch(`${s.url}${STAFF_ACCOUNTS_PATH}`, { headers: teacherAuth });
      assert.equal(list.status, 403);
      assert.match((await list.json()).message, /needs an admin account; yours is teacher/);
      const listed = (await (await fetch(`${s.url}${STAFF_ACCOUNTS_PATH}`, { headers: adminAuth })).json()) as { accounts: { email: string }[] };
      assert.deepEqual(listed.accounts.map((a) => a.email), [ADMIN.email, 'tess@school.example']);
    });
  });

  test('the sign-in cookie is HttpOnly and SameSite=Strict; alone, or planted by another port of the host, it opens nothing', async () => {
    await withServer(async (s) => {
      const admin = await signIn(s, ADMIN.email, ADMIN.password);
      const setCookie = admin.res.headers.getSetCookie()[0]!;
      assert.match(setCookie, /^berth_staff=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
      const check = (admin.body as SignInResponse).check;
      assert.equal((await fetch(`${s.url}${STAFF_ME_PATH}`, { headers: { cookie: admin.cookie } })).status, 401, 'the cookie without the check');
      assert.equal((await fetch(`${s.url}${STAFF_ME_PATH}`, { headers: { [STAFF_CHECK_HEADER]: check } })).status, 401, 'the check without the cookie');
      // A visitor's app on another port planted its own cookie first: the real one still works, the planted one alone does not.
      const planted = 'berth_staff=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
      assert.equal((await fetch(`${s.url}${STAFF_ME_PATH}`, { headers: { cookie: `${planted}; ${admin.cookie}`, [STAFF_CHECK_HEADER]: check } })).status, 200);
      assert.equal((await fetch(`${s.url}${STAFF_ME_PATH}`, { headers: { cookie: planted, [STAFF_CHECK_HEADER]: check } })).status, 401);

      const out = await fetch(`${s.url}${STAFF_SIGN_OUT_PATH}`, { method: 'POST', headers: { ...json, ...as({ cookie: admin.cookie, check }) }, body: '{}' });
      assert.equal(out.status, 204);
      assert.match(out.headers.getSetCookie()[0]!, /^berth_staff=; .*Max-Age=0/);
      assert.equal((await fetch(`${s.url}${STAFF_ME_PATH}`, { headers: as({ cookie: admin.cookie, check }) })).status, 401, 'signed out for good');
    });
  });

  test('behind https the cookie is __Host- and Secure', async () => {
    await withServer(
      async (s) => {
        const res = await fetch(`${s.url}${STAFF_SIGN_IN_PATH}`, { method: 'POST', headers: { ...json, origin: 'https://try.example.org' }, body: JSON.stringify({ email: ADMIN.email, password: ADMIN.password }) });
        assert.equal(res.status, 200);
        assert.match(res.headers.getSetCookie()[0]!, /^__Host-berth_staff=[\w-]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+; Secure$/);
      },
      { BERTH_PUBLIC_URL: 'https://try.example.org' },
    );
  });

  test('sign-in is rate-limited: after five wrong passwords for an account even the right one waits; a wrong email says the same as a wrong password', async () => {
    await withServer(async (s) => {
      const unknown = await signIn(s, 'nobody@school.example', 'whatever password');
      assert.equal(unknown.res.status, 401);
      const wrong = await signIn(s, ADMIN.email, 'not the password');
      assert.equal(wrong.res.status, 401);
      assert.equal((wrong.body as { message: string }).message, (unknown.body as { message: string }).message);
      for (let i = 0; i < 4; i++) assert.equal((await signIn(s, ADMIN.email, `wrong ${i}`)).res.status, 401);
      const limited = await signIn(s, ADMIN.email, ADMIN.password);
      assert.equal(limited.res.status, 429);
      assert.match((limited.body as { message: string }).message, /Too many sign-in attempts: try again in 15 minute/);
      assert.deepEqual(limited.res.headers.getSetCookie(), []);
    });
  });

  test('sign-in-flood: sixty wrong sign-ins at once from one address get twenty tries; the rest are told to wait, not queued for the KDF', async () => {
    await withServer(async (s) => {
      const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => signIn(s, `guess${i}@school.example`, 'not a password of anyone')));
      const counts = new Map<number, number>();
      for (const a of answers) counts.set(a.res.status, (counts.get(a.res.status) ?? 0) + 1);
      assert.deepEqual(Object.fromEntries(counts), { 401: 20, 429: 40 });
      assert.equal(answers.filter((a) => a.res.headers.getSetCookie().length).length, 0);
    });
  });

  test("a sign-in posted by another site's page, or as a form, is refused before any password is tried", async () => {
    await withServer(async (s) => {
      const body = JSON.stringify({ email: ADMIN.email, password: ADMIN.password });
      assert.equal((await fetch(`${s.url}${STAFF_SIGN_IN_PATH}`, { method: 'POST', headers: { ...json, 'sec-fetch-site': 'cross-site' }, body })).status, 403);
      const form = await fetch(`${s.url}${STAFF_SIGN_IN_PATH}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `email=${ADMIN.email}&password=x` });
      assert.equal(form.status, 415);
    });
  });
});
