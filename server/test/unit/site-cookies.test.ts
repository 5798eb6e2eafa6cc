// Berth's cookies on an https public URL: __Host- names with Secure (kept to this host, never set by a
// sibling one); on plain http the page keeps working with the plain names. A real server, a stand-in engine.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../helpers.js';
import { FakeRuntime } from '../fake-runtime.js';

async function withServer(env: Record<string, string>, body: (s: TestServer) => Promise<void>) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cookies-'));
  const s = await startTestServer({ BERTH_DATA: dir, ...env }, { runtime: () => new FakeRuntime() });
  try {
    await body(s);
  } finally {
    await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const post = (s: TestServer, cookie?: string) =>
  fetch(`${s.url}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) }, body: '{}' });

describe('cookies and BERTH_PUBLIC_URL', () => {
  test('on an https public URL the cookies are __Host- and Secure, and they authenticate', async () => {
    await withServer({ BERTH_PUBLIC_URL: 'https://try.example.org' }, async (s) => {
      const res = await post(s);
      assert.equal(res.status, 201);
      const { id, token } = await res.json();
      const cookies = res.headers.getSetCookie();
      assert.deepEqual(cookies.map((c) => c.split('=')[0]).sort(), ['__Host-berth_learner', '__Host-berth_session']);
      const session = cookies.find((c) => c.startsWith('__Host-berth_session='))!;
      assert.equal(session, `__Host-berth_session=${id}.${token}; Path=/; HttpOnly; SameSite=Strict; Secure`);
      assert.match(cookies.find((c) => c.startsWith('__Host-berth_learner='))!, /^__Host-berth_learner=[\w-]{24}; Path=\/; Max-Age=31536000; HttpOnly; SameSite=Lax; Secure$/);
      assert.ok(cookies.every((c) => !/domain=/i.test(c)), 'host-only');
      const get = (cookie: string) => fetch(`${s.url}/api/sessions/${id}`, { headers: { cookie } });
      assert.equal((await get(`__Host-berth_session=${id}.${token}`)).status, 200);
    });
  });

  test('a sibling host tossing a plain berth_session cookie gets nothing: only the __Host- name is read', async () => {
    await withServer({ BERTH_PUBLIC_URL: 'https://try.example.org' }, async (s) => {
      const { id, token } = await (await post(s)).json();
      const res = await fetch(`${s.url}/api/sessions/${id}`, { headers: { cookie: `berth_session=${id}.${token}` } });
      assert.equal(res.status, 401);
      assert.match((await res.json()).message, /needs its token/);
    });
  });

  test('a sibling host tossing a plain berth_learner cookie cannot make visitors share one identity', async () => {
    await withServer({ BERTH_PUBLIC_URL: 'https://try.example.org', BERTH_MAX_SESSIONS_PER_CLIENT: '1' }, async (s) => {
      const tossed = 'berth_learner=tossed-by-a-sibling-host-0001';
      const first = await post(s, tossed);
      const second = await post(s, tossed);
      assert.deepEqual([first.status, second.status], [201, 201], 'two visitors, not one');
      assert.ok(second.headers.getSetCookie().some((c) => c.startsWith('__Host-berth_learner=')), 'a fresh identity of its own');
    });
  });

  test('on plain http (no public URL, or an http one) the page keeps the plain names, without Secure', async () => {
    for (const env of [{}, { BERTH_PUBLIC_URL: 'http://lab.local:8080' }] as Record<string, string>[]) {
      await withServer(env, async (s) => {
        const res = await post(s);
        const { id, token } = await res.json();
        const cookies = res.headers.getSetCookie();
        assert.deepEqual(cookies.map((c) => c.split('=')[0]).sort(), ['berth_learner', 'berth_session']);
        assert.ok(cookies.every((c) => !/secure/i.test(c)), 'a Secure cookie would never come back over http');
        assert.equal((await fetch(`${s.url}/api/sessions/${id}`, { headers: { cookie: `berth_session=${id}.${token}` } })).status, 200);
      });
    }
  });
});
