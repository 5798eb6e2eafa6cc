// How a visitor is counted, over real HTTP against a real Berth server whose engine is a stand-in
// (fake-runtime.ts): 30 browsers behind one school NAT, one browser trying for 100, a script without a learner id,
// and X-Forwarded-For from a visitor or from a trusted proxy. engine/visitor-counting.test.ts does the same
// with real sandboxes, at a few.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { LEARNER_HEADER } from '@berth/shared';
import { startTestServer, type TestServer } from '../helpers.js';
import { FakeRuntime } from '../fake-runtime.js';

const dataDirs: string[] = [];
after(() => {
  for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true });
});

async function server(env: Record<string, string> = {}): Promise<TestServer & { runtime: FakeRuntime }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-visitors-'));
  dataDirs.push(dir);
  const runtime = new FakeRuntime();
  const s = await startTestServer({ BERTH_DATA: dir, BERTH_MAX_SESSIONS: '1000', ...env }, { runtime: () => runtime });
  return { ...s, runtime };
}

/** POST /api/sessions as a browser would (the learner id its page sends, if any) from behind a proxy (X-Forwarded-For). */
async function start(s: TestServer, opts: { learner?: string; forwardedFor?: string } = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (opts.learner) headers[LEARNER_HEADER] = opts.learner;
  if (opts.forwardedFor) headers['x-forwarded-for'] = opts.forwardedFor;
  const res = await fetch(`${s.url}/api/sessions`, { method: 'POST', headers, body: '{}' });
  const body = await res.json();
  return { status: res.status, body, retryAfter: res.headers.get('retry-after'), id: body.id as string | undefined };
}

const browser = () => crypto.randomBytes(18).toString('base64url');

describe('how a visitor is counted', () => {
  test('30 browsers behind one school address each start a session', async () => {
    const s = await server();
    try {
      const answers = await Promise.all(Array.from({ length: 30 }, () => start(s, { learner: browser() })));
      assert.deepEqual(answers.map((a) => a.status), Array(30).fill(201), JSON.stringify(answers.find((a) => a.status !== 201)));
      const sessions = answers.map((a) => s.berth.sessions.get(a.id!)!);
      assert.ok(sessions.every((x) => x.client === '127.0.0.1'), 'all from the one address');
      assert.deepEqual(await Promise.all(sessions.map((x) => x.ready)), Array(30).fill(true));
      assert.equal(s.runtime.sandboxes.size, 30);
    } finally {
      await s.close();
    }
  });

  test('one browser cannot start 100: the per-visitor cap answers 429 with the reason', async () => {
    const s = await server();
    try {
      const me = browser();
      const answers = [];
      for (let i = 0; i < 100; i++) answers.push(await start(s, { learner: me }));
      assert.equal(answers.filter((a) => a.status === 201).length, 3);
      const refused = answers.filter((a) => a.status !== 201);
      assert.equal(refused.length, 97);
      for (const a of refused) {
        assert.equal(a.status, 429);
        assert.match(a.body.message, /You already have 3 live sessions \(the limit per visitor is 3\)\. End one before starting another\./);
      }
      assert.equal(s.runtime.created, 3);
    } finally {
      await s.close();
    }
  });

  test('a client without a learner id (a new browser each time) is stopped by the per-address cap, then by the start rate', async () => {
    const s = await server({ BERTH_MAX_SESSIONS_PER_ADDRESS: '10', BERTH_STARTS_PER_ADDRESS_PER_MIN: '6' });
    try {
      const answers = [];
      for (let i = 0; i < 100; i++) answers.push(await start(s));
      assert.equal(answers.filter((a) => a.status === 201).length, 10);
      for (const a of answers.slice(10)) {
        assert.equal(a.status, 429);
        assert.match(a.body.message, /Your network already has 10 live sessions, the most one address may hold\. Try again when some of them have ended\./);
      }
      // Ending them makes room, but the address has spent its starts for now: it hears when to come back.
      await Promise.all(answers.slice(0, 10).map((a) => s.berth.sessions.end(a.id!, 'ended-by-user')));
      const rated = await start(s);
      assert.equal(rated.status, 429);
      // One start comes back every 10 s at 6 a minute; the wait left depends on how long the 100 requests took.
      const wait = /Too many sessions were started from your network just now\. Try again in (\d+) seconds?\./.exec(rated.body.message);
      assert.ok(wait, rated.body.message);
      assert.ok(Number(wait[1]) >= 1 && Number(wait[1]) <= 10, wait[1]);
      assert.equal(rated.retryAfter, wait[1], 'Retry-After says the same');
      assert.equal(s.runtime.created, 10);
    } finally {
      await s.close();
    }
  });

  test('X-Forwarded-For sent by a visitor is ignored when BERTH_TRUST_PROXY is unset', async () => {
    const s = await server({ BERTH_MAX_SESSIONS_PER_ADDRESS: '2' });
    try {
      const a = await start(s, { forwardedFor: '198.51.100.1' });
      const b = await start(s, { forwardedFor: '198.51.100.2' });
      const c = await start(s, { forwardedFor: '198.51.100.3' });
      assert.deepEqual([a.status, b.status, c.status], [201, 201, 429]);
      assert.match(c.body.message, /Your network already has 2 live sessions/);
      assert.equal(s.berth.sessions.get(a.id!)!.client, '127.0.0.1');
    } finally {
      await s.close();
    }
  });

  test('X-Forwarded-For is ignored when it comes from an address BERTH_TRUST_PROXY does not list', async () => {
    const s = await server({ BERTH_MAX_SESSIONS_PER_ADDRESS: '2', BERTH_TRUST_PROXY: '10.0.0.0/8' });
    try {
      const a = await start(s, { forwardedFor: '198.51.100.1' });
      assert.equal(s.berth.sessions.get(a.id!)!.client, '127.0.0.1');
      await start(s, { forwardedFor: '198.51.100.2' });
      assert.equal((await start(s, { forwardedFor: '198.51.100.3' })).status, 429);
    } finally {
      await s.close();
    }
  });

  test('behind a trusted proxy each visitor address is counted apart, and an IPv6 /64 as one', async () => {
    const s = await server({ BERTH_MAX_SESSIONS_PER_ADDRESS: '2', BERTH_TRUST_PROXY: '127.0.0.1' });
    try {
      const answers = await Promise.all(['198.51.100.1', '198.51.100.2', '198.51.100.3'].map((ip) => start(s, { forwardedFor: ip })));
      assert.deepEqual(answers.map((a) => a.status), [201, 201, 201]);
      assert.equal(s.berth.sessions.get(answers[0]!.id!)!.client, '198.51.100.1');
      // A visitor's own X-Forwarded-For, passed on by the proxy, is left of the address the proxy saw.
      const spoof = await start(s, { forwardedFor: '203.0.113.66, 198.51.100.1' });
      assert.equal(s.berth.sessions.get(spoof.id!)!.client, '198.51.100.1');
      const third = await start(s, { forwardedFor: '203.0.113.67, 198.51.100.1' });
      assert.equal(third.status, 429);
      assert.match(third.body.message, /Your network already has 2 live sessions/);

      const v6 = [];
      for (const ip of ['2001:db8:5:6::1', '2001:db8:5:6:aaaa::2', '2001:db8:5:6:ffff:ffff:ffff:ffff']) v6.push(await start(s, { forwardedFor: ip }));
      assert.deepEqual(v6.map((a) => a.status), [201, 201, 429], 'three addresses of one /64 are one address');
      assert.equal((await start(s, { forwardedFor: '2001:db8:5:7::1' })).status, 201, 'the next /64 is another');
    } finally {
      await s.close();
    }
  });

  test('with a hop count, the address one hop out is the visitor', async () => {
    const s = await server({ BERTH_TRUST_PROXY: '1' });
    try {
      const a = await start(s, { forwardedFor: '203.0.113.66, 198.51.100.9' });
      assert.equal(s.berth.sessions.get(a.id!)!.client, '198.51.100.9');
    } finally {
      await s.close();
    }
  });
});
