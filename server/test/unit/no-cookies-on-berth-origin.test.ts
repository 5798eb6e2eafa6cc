// Berth's own origin sets and reads no cookie for visitors (a staff sign-in is one cookie plus a header: see
// staff-accounts.test.ts): every port of a host shares its cookies, and a visitor's app
// (on the ports origin, another port of the same host when there is no DNS) could set any. The session is
// known by its token (header or ?token=), the browser by the learner header the page sends. A real server,
// a stand-in engine.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { LEARNER_HEADER } from '@berth/shared';
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

const post = (s: TestServer, headers: Record<string, string> = {}) =>
  fetch(`${s.url}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });

describe("Berth's origin and cookies", () => {
  for (const env of [{}, { BERTH_PUBLIC_URL: 'https://try.example.org' }, { BERTH_PUBLIC_URL: 'http://lab.local:8080' }] as Record<string, string>[]) {
    test(`starting a session sets no cookie (${env.BERTH_PUBLIC_URL ?? 'no public URL'}); the token authenticates`, async () => {
      await withServer(env, async (s) => {
        const res = await post(s, { [LEARNER_HEADER]: 'learner-of-this-browser-01' });
        assert.equal(res.status, 201);
        assert.deepEqual(res.headers.getSetCookie(), []);
        const { id, token } = await res.json();
        assert.equal((await fetch(`${s.url}/api/sessions/${id}`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
        assert.deepEqual((await fetch(`${s.url}/api/progress`, { headers: { [LEARNER_HEADER]: 'learner-of-this-browser-01' } })).headers.getSetCookie(), []);
      });
    });
  }

  test('a cookie holding the session token opens nothing: not the API, not an end, not the terminal', async () => {
    await withServer({}, async (s) => {
      const { id, token } = await (await post(s)).json();
      for (const name of ['berth_session', '__Host-berth_session']) {
        const cookie = `${name}=${id}.${token}`;
        const view = await fetch(`${s.url}/api/sessions/${id}`, { headers: { cookie } });
        assert.equal(view.status, 401);
        assert.match((await view.json()).message, /needs its token/);
        const end = await fetch(`${s.url}/api/sessions/${id}`, { method: 'DELETE', headers: { cookie, 'content-type': 'application/json' }, body: '{}' });
        assert.equal(end.status, 401);
      }
      assert.equal((await fetch(`${s.url}/api/sessions/${id}`, { headers: { authorization: `Bearer ${token}` } })).status, 200, 'still there');
    });
  });

  test('a tossed berth_learner cookie is not an identity: sessions are counted by the learner header', async () => {
    await withServer({ BERTH_MAX_SESSIONS_PER_CLIENT: '1' }, async (s) => {
      const tossed = { cookie: 'berth_learner=tossed-by-another-port-0001' };
      assert.deepEqual([(await post(s, tossed)).status, (await post(s, tossed)).status], [201, 201], 'two browsers, not one');
      const mine = { [LEARNER_HEADER]: 'learner-of-this-browser-02' };
      assert.equal((await post(s, mine)).status, 201);
      const again = await post(s, mine);
      assert.equal(again.status, 429, 'the same learner header is the same browser');
      assert.match((await again.json()).message, /limit per visitor/);
    });
  });

  test('a learner header that is not a learner id is ignored, not trusted', async () => {
    await withServer({ BERTH_MAX_SESSIONS_PER_CLIENT: '1' }, async (s) => {
      const bad = { [LEARNER_HEADER]: 'x' };
      assert.deepEqual([(await post(s, bad)).status, (await post(s, bad)).status], [201, 201]);
    });
  });
});
