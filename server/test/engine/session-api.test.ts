// The HTTP contract of sessions (DESIGN.md section 5) against the real engine.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { HealthReport } from '@berth/shared';
import { createSession, eventually, fetchMetrics, startTestServer, TerminalClient, type TestServer } from '../helpers.js';

describe('session API', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ BERTH_SESSION_TTL_MIN: '30' });
  });
  after(async () => server?.close());

  test('POST creates a session that becomes ready; GET shows it; DELETE ends it and removes its sandbox', async () => {
    const res = await fetch(`${server.url}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"lang":"en"}' });
    assert.equal(res.status, 201);
    const s = (await res.json()) as { id: string; token: string; expiresAt: string };
    assert.match(s.id, /^[a-z0-9]{9}$/);
    assert.ok(s.token.length >= 32);
    const ttl = Date.parse(s.expiresAt) - Date.now();
    assert.ok(ttl > 29 * 60_000 && ttl <= 30 * 60_000, `expiresAt ${s.expiresAt}`);
    assert.deepEqual(res.headers.getSetCookie(), [], "Berth's origin sets no cookie: the token is the session's only key");

    const auth = { authorization: `Bearer ${s.token}` };
    const term = await TerminalClient.connect(server, s);
    await term.ready();
    const view = await (await fetch(`${server.url}/api/sessions/${s.id}`, { headers: auth })).json();
    assert.equal(view.state, 'ready');
    assert.deepEqual(await server.berth.runtime.listSandboxes(), [s.id]);

    const del = await fetch(`${server.url}/api/sessions/${s.id}`, { method: 'DELETE', headers: auth });
    assert.equal(del.status, 204);
    const ended = await term.waitForEvent((e) => e.type === 'status' && e.state === 'ended');
    assert.equal(ended.type === 'status' && ended.reason, 'ended-by-user');
    await term.waitFor(() => term.closeInfo, 5000, 'socket close');
    await eventually(async () => assert.deepEqual(await server.berth.runtime.listSandboxes(), []));
    const gone = await (await fetch(`${server.url}/api/sessions/${s.id}`, { headers: auth })).json();
    assert.equal(gone.state, 'ended');
    assert.equal(gone.endReason, 'ended-by-user');
  });

  test('a session is reachable only with its own token', async () => {
    const s = await createSession(server);
    const other = await createSession(server);
    const get = (headers: Record<string, string>) => fetch(`${server.url}/api/sessions/${s.id}`, { headers });
    assert.equal((await get({})).status, 401);
    assert.equal((await get({ authorization: 'Bearer not-the-token' })).status, 401);
    assert.equal((await get({ authorization: `Bearer ${other.token}` })).status, 401);
    assert.equal((await get({ authorization: `Bearer ${s.token}` })).status, 200);
    // A cookie is no key (any port of this host, a visitor's app included, can set one for it).
    assert.equal((await get({ cookie: `berth_session=${s.id}.${s.token}` })).status, 401);
    const body = await (await get({})).json();
    assert.match(body.message, /token/);
    for (const x of [s, other]) await server.berth.sessions.end(x.id, 'ended-by-user');
  });

  test('bad requests get a 4xx with a reason', async () => {
    const post = (body: string, type = 'application/json') =>
      fetch(`${server.url}/api/sessions`, { method: 'POST', headers: { 'content-type': type }, body });
    const cases: [Response, number, RegExp][] = [
      [await post('{"lang":"fr"}'), 400, /lang/],
      [await post('{"surprise":1}'), 400, /additional properties|surprise/i],
      [await post('{not json'), 400, /JSON/i],
      [await post('x'.repeat(100_000)), 413, /too large/i],
      [await fetch(`${server.url}/api/sessions/..%2F..%2Fetc%2Fpasswd`), 400, /must match pattern/],
      [await fetch(`${server.url}/api/sessions/NOT_AN_ID`), 400, /id/],
      [await fetch(`${server.url}/api/sessions/abcdefghi`), 404, /No such session/],
      [await fetch(`${server.url}/api/nothing-here`), 404, /No API route/],
      [await fetch(`${server.url}/api/sessions`, { method: 'PUT' }), 404, /No API route/],
    ];
    for (const [res, status, reason] of cases) {
      assert.equal(res.status, status, `${res.url} -> ${res.status}`);
      const body = (await res.json()) as { message: string };
      assert.match(body.message, reason);
    }
    assert.equal(server.berth.sessions.live().length, 0);
  });

  test('/metrics shows live sessions, start latency, memory and disk per session, and ends by reason', async () => {
    const s = await createSession(server);
    assert.equal(await server.berth.sessions.get(s.id)!.ready, true);
    const live = await fetchMetrics(server.url);
    assert.match(live, /^berth_sessions_live 1$/m);
    assert.match(live, /^berth_session_start_seconds_count [1-9]\d*$/m);
    // Where sandbox starts went, by phase: every phase took some time, the inner engine more than the network.
    assert.match(live, /^berth_sandbox_start_phases_total [1-9]\d*$/m);
    const phase = (name: string) => Number(new RegExp(`^berth_sandbox_start_phase_seconds_total\\{phase="${name}"\\} ([\\d.]+)$`, 'm').exec(live)?.[1]);
    for (const name of ['disk', 'network', 'container', 'shell', 'engine']) assert.ok(phase(name) > 0, `${name}: ${phase(name)} s`);
    assert.ok(phase('engine') > phase('network'), `the inner engine (${phase('engine')} s) takes longer than the network (${phase('network')} s)`);
    const memory = Number(new RegExp(`^berth_session_memory_bytes\\{session="${s.id}"\\} (\\d+)$`, 'm').exec(live)?.[1]);
    assert.ok(memory > 5 * 2 ** 20 && memory < 1024 * 2 ** 20, `memory ${memory}`);
    const disk = Number(new RegExp(`^berth_session_disk_size_bytes\\{session="${s.id}"\\} (\\d+)$`, 'm').exec(live)?.[1]);
    assert.ok(disk > 1.5 * 2 ** 30 && disk <= 2 * 2 ** 30, `disk ${disk}`);
    await fetch(`${server.url}/api/sessions/${s.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${s.token}` } });
    const after = await fetchMetrics(server.url);
    assert.match(after, /^berth_sessions_live 0$/m);
    assert.match(after, /^berth_session_ends_total\{reason="ended-by-user"\} [1-9]\d*$/m);
  });

  test('a cross-site POST (a form on another site, no preflight) and a DNS-rebinding name cannot start or end sessions', async () => {
    const s = await createSession(server);
    const port = new URL(server.url).port;
    const attempts: [RequestInit & { headers: Record<string, string> }, number, RegExp][] = [
      // A form on evil.example posting text/plain (or nothing at all) to Berth.
      [{ method: 'POST', headers: { origin: 'https://evil.example', 'content-type': 'text/plain' }, body: '' }, 403, /another site/],
      [{ method: 'POST', headers: { origin: 'https://evil.example', 'content-type': 'application/json' }, body: '{}' }, 403, /another site/],
      // A rebinding name resolves to Berth: Host and Origin agree, and neither is Berth's own.
      [{ method: 'POST', headers: { host: `rebind.example:${port}`, origin: `http://rebind.example:${port}`, 'content-type': 'application/json' }, body: '{}' }, 403, /another site/],
      // What a browser marks as cross-site is refused even when the Origin header is absent.
      [{ method: 'POST', headers: { 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' }, body: '{}' }, 403, /another site/],
      // No Origin (a script, not a page) but no JSON either: a body-less POST is not Berth's page.
      [{ method: 'POST', headers: {} }, 415, /JSON body/],
    ];
    for (const [init, status, reason] of attempts) {
      const res = await fetch(`${server.url}/api/sessions`, init);
      assert.equal(res.status, status, JSON.stringify(init.headers));
      assert.match(((await res.json()) as { message: string }).message, reason);
    }
    // Ending a session with a cookie holding its token, from another site's page: refused, the session lives on.
    const cookie = `berth_session=${s.id}.${s.token}`;
    const del = await fetch(`${server.url}/api/sessions/${s.id}`, { method: 'DELETE', headers: { cookie, origin: 'https://evil.example' } });
    assert.equal(del.status, 403);
    const delNoOrigin = await fetch(`${server.url}/api/sessions/${s.id}`, { method: 'DELETE', headers: { cookie } });
    assert.equal(delNoOrigin.status, 415);
    assert.equal(server.berth.sessions.live().length, 1, 'only the session made above, still live');
    assert.equal((await fetch(`${server.url}/api/sessions/${s.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${s.token}`, origin: server.url } })).status, 204);
  });

  test('anonymous /metrics (it would list live session ids to aim at) is refused; without a token configured it is off', async () => {
    const s = await createSession(server);
    assert.equal(await server.berth.sessions.get(s.id)!.ready, true);
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer wrong-token-of-the-right-length' }, { authorization: `Bearer ${s.token}` }]) {
      const res = await fetch(`${server.url}/metrics`, { headers });
      const text = await res.text();
      assert.equal(res.status, 401);
      assert.match(text, /BERTH_METRICS_TOKEN/);
      assert.doesNotMatch(text, new RegExp(s.id));
    }
    await server.berth.sessions.end(s.id, 'ended-by-user');
    const off = await startTestServer({ BERTH_METRICS_TOKEN: '' });
    try {
      const res = await fetch(`${off.url}/metrics`);
      assert.equal(res.status, 404);
      assert.match((await res.json()).message, /Metrics are off: set BERTH_METRICS_TOKEN/);
    } finally {
      await off.close();
    }
  });

  test('health reports the engine, the mirror, the package cache and recent sandbox starts', async () => {
    const res = await fetch(`${server.url}/api/health`);
    assert.equal(res.status, 200);
    const { starts, ...parts } = (await res.json()) as HealthReport;
    assert.deepEqual(parts, { ok: true, engine: true, mirror: true, packageCache: true, down: [], sessions: 0 });
    assert.deepEqual({ failed: starts.failed, failing: starts.failing, lastFailure: starts.lastFailure }, { failed: 0, failing: false, lastFailure: undefined });
    assert.ok(starts.ok >= 1, 'the sessions started above count');
  });
});
