// How visitors are counted and which pages may open their terminals, with real sandboxes: browsers behind
// one school address behind a trusted proxy, each with a shell; the per-visitor and per-address caps; and
// the Origin rules with and without BERTH_PUBLIC_URL (a DNS-rebinding name is refused).
// unit/visitor-counting.test.ts does the counting at class size (30, 100) with a stand-in engine.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { describe, test } from 'node:test';
import { CloseCode, LEARNER_HEADER, TERMINAL_PATH } from '@berth/shared';
import WebSocket from 'ws';
import { openPortLink, startTestServer, TerminalClient, type CreatedSession, type OpenedPortLink, type TestServer } from '../helpers.js';

const school = '198.51.100.7';

async function start(server: TestServer, learner: string, forwardedFor: string) {
  const res = await fetch(`${server.url}/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [LEARNER_HEADER]: learner, 'x-forwarded-for': forwardedFor },
    body: '{}',
  });
  return { status: res.status, body: await res.json() };
}

const browser = () => crypto.randomBytes(18).toString('base64url');

/** A terminal upgrade as a page at `origin` would send it (Host as given); resolves with the close code and reason. */
function terminalRefusal(server: TestServer, s: CreatedSession, headers: Record<string, string>): Promise<[number, string]> {
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}${TERMINAL_PATH(s.id)}?token=${encodeURIComponent(s.token)}`, { headers });
  return new Promise((resolve) => ws.on('close', (c, r) => resolve([c, r.toString()])));
}

/** A port-link websocket upgrade (with the link's cookie) and the given headers: the status the server answered. */
function portUpgradeStatus(link: OpenedPortLink, headers: Record<string, string>): Promise<number> {
  const { hostname, port, pathname } = new URL(link.url);
  return new Promise((resolve, reject) => {
    const req = http.request({
      agent: false, // a fresh connection each time: the server closes one that carried a refused upgrade
      hostname,
      port,
      path: pathname,
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': crypto.randomBytes(16).toString('base64'), cookie: link.cookie, ...headers },
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('visitors behind one address, with real sandboxes', () => {
  test('three browsers behind one school address each get a working shell; a fourth waits for the address cap; one browser gets one', async () => {
    const server = await startTestServer({
      BERTH_TRUST_PROXY: '127.0.0.1',
      BERTH_MAX_SESSIONS_PER_CLIENT: '1',
      BERTH_MAX_SESSIONS_PER_ADDRESS: '3',
      BERTH_STARTS_PER_ADDRESS_PER_MIN: '600',
      // What is tested is who may start, not how fast: a host busy with other tests gets time.
      BERTH_READY_TIMEOUT_MS: '120000',
    });
    const terms: TerminalClient[] = [];
    try {
      const learners = [browser(), browser(), browser()];
      const created = [];
      for (const learner of learners) {
        const c = await start(server, learner, school);
        assert.equal(c.status, 201, JSON.stringify(c.body));
        created.push(c);
        const term = await TerminalClient.connect(server, c.body);
        terms.push(term);
        await term.ready(150_000);
      }
      const echoes = await Promise.all(terms.map((t, i) => t.run(`echo pupil-$((${i} + 1))`)));
      assert.deepEqual(echoes.map((e) => e.output.trim()), ['pupil-1', 'pupil-2', 'pupil-3']);

      const again = await start(server, learners[0]!, school);
      assert.equal(again.status, 429);
      assert.match(again.body.message, /You already have 1 live session \(the limit per visitor is 1\)/);
      const fourth = browser();
      const full = await start(server, fourth, school);
      assert.equal(full.status, 429);
      assert.match(full.body.message, /Your network already has 3 live sessions, the most one address may hold/);
      // A visitor elsewhere is not counted with the school.
      const elsewhere = await start(server, browser(), '203.0.113.5');
      assert.equal(elsewhere.status, 201);
      await server.berth.sessions.end(elsewhere.body.id, 'ended-by-user');

      await server.berth.sessions.end(created[0]!.body.id, 'ended-by-user');
      const admitted = await start(server, fourth, school);
      assert.equal(admitted.status, 201, JSON.stringify(admitted.body));
      assert.equal(server.berth.sessions.get(admitted.body.id)!.client, school);
      assert.equal(await server.berth.sessions.get(admitted.body.id)!.ready, true);
    } finally {
      await Promise.all(terms.map((t) => t.close()));
      await server.close();
    }
  });

  test("without BERTH_PUBLIC_URL a terminal opens from Berth's own addresses; a DNS-rebinding name is refused; a port link's websocket opens only from the link's own origin", async () => {
    const server = await startTestServer();
    try {
      const res = await fetch(`${server.url}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      const s = (await res.json()) as CreatedSession;
      const port = new URL(server.url).port;
      for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`]) {
        const term = await TerminalClient.connect(server, s, { headers: { origin } });
        await term.ready();
        assert.equal((await term.run('echo from-$((40 + 2))')).output.trim(), 'from-42', origin);
        await term.close();
      }
      // The attacker's name resolves to Berth: the browser sends it as both Host and Origin.
      const rebound = { host: `rebind.evil.example:${port}`, origin: `http://rebind.evil.example:${port}` };
      const [code, reason] = await terminalRefusal(server, s, rebound);
      assert.equal(code, CloseCode.unauthorized);
      assert.match(reason, /cross-origin terminal connections are refused/);
      // A port link's websocket, with the link's cookie: not from Berth's page nor another site's, only from
      // the app's own pages (nothing listens on the port: 502, not 403).
      const link = await openPortLink(server, s, 8080);
      for (const origin of [`http://127.0.0.1:${port}`, 'https://evil.example', rebound.origin]) assert.equal(await portUpgradeStatus(link, { origin }), 403, origin);
      assert.equal(await portUpgradeStatus(link, { origin: new URL(link.url).origin }), 502);
    } finally {
      await server.close();
    }
  });

  test('with BERTH_PUBLIC_URL a terminal opens only from that origin', async () => {
    const server = await startTestServer({ BERTH_PUBLIC_URL: 'https://try.example.org' });
    try {
      const res = await fetch(`${server.url}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      const s = (await res.json()) as CreatedSession;
      const term = await TerminalClient.connect(server, s, { headers: { origin: 'https://try.example.org' } });
      await term.ready();
      assert.equal((await term.run('echo public-$((6 * 7))')).output.trim(), 'public-42');
      await term.close();
      for (const origin of [`http://127.0.0.1:${new URL(server.url).port}`, 'http://try.example.org', 'https://evil.example']) {
        const [code, reason] = await terminalRefusal(server, s, { origin });
        assert.equal(code, CloseCode.unauthorized, origin);
        assert.match(reason, /cross-origin/, origin);
      }
    } finally {
      await server.close();
    }
  });
});
