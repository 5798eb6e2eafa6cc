// Generated bad requests against a real server (issue 6, Bad input): whatever the method, path, headers
// or body, the answer is a 4xx with a JSON reason (or a 2xx/3xx where the request happens to be valid),
// never a 5xx, and the server and its session carry on. BERTH_FUZZ_SEED=<n> replays a run.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { TERMINAL_PATH } from '@berth/shared';
import WebSocket from 'ws';
import { seededRandom, type Random } from '../../src/tools/seeded-random.js';
import { createSession, openPortLink, TerminalClient, type CreatedSession, type TestServer, startTestServer } from '../helpers.js';

const REQUESTS = 800;

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

interface Answer {
  status: number;
  type: string;
  body: string;
}

function send(url: string, r: FuzzRequest, agent: http.Agent): Promise<Answer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, method: r.method, path: r.path, headers: r.headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.setTimeout(15_000, () => req.destroy(new Error('no answer within 15 s')));
    req.end(r.body);
  });
}

/** Everything a visitor could put in a request, weighted towards the routes that exist. */
function generator(rand: Random, own: CreatedSession, other: CreatedSession) {
  const junk = (n: number) => Array.from({ length: n }, () => String.fromCharCode(33 + rand.int(94))).join('');
  const segment = () =>
    rand.pick([
      own.id, other.id, 'abcdefghi', 'NOT_AN_ID', '..', '..%2f..%2fetc%2fpasswd', '..%2F..%2F..%2Fetc%2Fshadow', '%2e%2e', '%00', 'a%00b',
      'x'.repeat(2000), '%C3%A9t%C3%A9', '%ZZ', '%', '~root', encodeURIComponent(junk(12)), 'fixture', 'hello-docker', '',
    ]);
  const port = () => rand.pick(['0', '1', '80', '8080', '65535', '65536', '99999', '-1', 'abc', '1e3', '00080', '%00', '80%2f..']);
  const paths = [
    () => '/api/sessions',
    () => `/api/sessions/${segment()}`,
    () => `/api/sessions/${segment()}/extend`,
    () => `/api/sessions/${segment()}/lesson`,
    () => `/api/sessions/${segment()}/terminal`,
    () => `/api/sessions/${segment()}/${segment()}`,
    () => '/api/lessons',
    () => `/api/lessons/${segment()}`,
    () => '/api/progress',
    () => `/api/${segment()}`,
    () => `/s/${segment()}/ports/${port()}`,
    () => `/s/${segment()}/ports/${port()}/${segment()}/${segment()}`,
    () => `/s/${own.id}/ports/${port()}/`,
    () => `/api/sessions/${segment()}/ports/${port()}/ticket`,
  ];
  const query = () =>
    rand.pick(['', '', '', '?lang=fr', '?lang=zh', '?lang[]=en', '?lang=en&lang=zh', `?token=${own.token}`, `?token=${other.token}`, '?token=', `?token=${junk(30)}`, `?${junk(8)}=${junk(8)}`, '?%ZZ=1']);
  const tokenOf = () => rand.pick([own.token, other.token, junk(32), '', 'a'.repeat(5000)]);
  const idOf = () => rand.pick([own.id, other.id, 'abcdefghi']);
  const auth = () =>
    rand.pick<Record<string, string>>([
      {},
      { authorization: `Bearer ${tokenOf()}` },
      { authorization: `Basic ${Buffer.from('root:root').toString('base64')}` },
      { authorization: 'Bearer' },
      { cookie: `berth_session=${idOf()}.${tokenOf()}` },
      { cookie: `berth_session=${junk(20)}; berth_learner=${junk(20)}` },
      { cookie: `berth_learner=${'x'.repeat(64)}; berth_session=.${tokenOf()}` },
      { origin: rand.pick(['http://evil.example', 'null', 'not a url', '']) },
    ]);
  const contentType = () =>
    rand.pick(['application/json', 'application/json', 'application/json; charset=utf-16', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'x/y', 'application/json;;;', '']);
  const body = (): Buffer | undefined =>
    rand.pick([
      () => undefined,
      () => Buffer.from('{}'),
      () => Buffer.from('null'),
      () => Buffer.from('[]'),
      () => Buffer.from('"lesson"'),
      () => Buffer.from('123'),
      () => Buffer.from('{"lang":"en"}'),
      () => Buffer.from(JSON.stringify({ lesson: segment(), step: segment(), lang: rand.pick(['en', 'zh', 'fr', 1, null]) })),
      () => Buffer.from(JSON.stringify({ [junk(6)]: junk(6), lang: 'en' })),
      () => Buffer.from('{"__proto__":{"polluted":true}}'),
      () => Buffer.from('{"constructor":{"prototype":{"polluted":true}}}'),
      () => Buffer.from('{"lang":'),
      () => Buffer.from(junk(200)),
      () => Buffer.from(Array.from({ length: 300 }, () => rand.int(256))),
      () => Buffer.from('['.repeat(5000) + ']'.repeat(5000)),
      () => Buffer.from(JSON.stringify({ lesson: 'x'.repeat(70_000) })),
      () => Buffer.alloc(200_000, 0x61),
    ])();

  return (): FuzzRequest => {
    const method = rand.pick(['GET', 'GET', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'PROPFIND']);
    const headers: Record<string, string> = { ...auth() };
    const b = method === 'GET' || method === 'HEAD' ? (rand.chance(0.1) ? body() : undefined) : body();
    if (b !== undefined || rand.chance(0.2)) {
      const type = contentType();
      if (type) headers['content-type'] = type;
    }
    if (b) headers['content-length'] = String(b.length);
    return { method, path: rand.pick(paths)() + query(), headers, ...(b ? { body: b } : {}) };
  };
}

/** What is wrong with an answer, or null. */
function judge(r: FuzzRequest, a: Answer): string | null {
  if (a.status >= 500) return `${a.status} ${a.body.slice(0, 300)}`;
  if (a.status < 200) return `status ${a.status}`;
  if (a.status >= 400 && r.method !== 'HEAD') {
    if (!a.type.startsWith('application/json')) return `${a.status} without a JSON reason (${a.type}): ${a.body.slice(0, 200)}`;
    let reason: unknown;
    try {
      reason = (JSON.parse(a.body) as { message?: unknown }).message;
    } catch {
      return `${a.status} with a body that is not JSON: ${a.body.slice(0, 200)}`;
    }
    if (typeof reason !== 'string' || !reason) return `${a.status} without a reason: ${a.body.slice(0, 200)}`;
  }
  return null;
}

const describeRequest = (r: FuzzRequest) =>
  `${r.method} ${r.path.slice(0, 160)} ${JSON.stringify(r.headers).slice(0, 200)} body ${r.body ? `${r.body.length} bytes: ${r.body.subarray(0, 60).toString('utf8')}` : 'none'}`;

/** A terminal websocket opened with a wrong id, token or Origin: refused (HTTP 4xx, or a 44xx close with a reason). */
function refusal(url: string, path: string, origin: string | undefined): Promise<string | null> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}${path}`, origin === undefined ? {} : { origin });
    const timer = setTimeout(() => {
      ws.terminate();
      resolve('neither refused nor closed within 15 s');
    }, 15_000);
    const done = (wrong: string | null) => {
      clearTimeout(timer);
      resolve(wrong);
    };
    ws.on('unexpected-response', (_req, res) => {
      const status = res.statusCode ?? 0;
      res.resume();
      ws.terminate();
      done(status >= 400 && status < 500 ? null : `upgrade answered ${status}`);
    });
    ws.on('open', () => ws.on('message', () => {}));
    ws.on('close', (code, reason) => done(code >= 4400 && code < 4500 && reason.length ? null : `closed with ${code} "${reason.toString()}"`));
    ws.on('error', () => {});
  });
}

describe('HTTP API under generated bad input', () => {
  let server: TestServer;
  let own: CreatedSession;
  let other: CreatedSession;
  let term: TerminalClient;
  before(async () => {
    // Two sandboxes at most: sessions the fuzz happens to create validly wait in the queue instead.
    server = await startTestServer({ BERTH_MAX_SESSIONS: '2' });
    own = await createSession(server);
    other = await createSession(server);
    term = await TerminalClient.connect(server, own);
    await term.ready();
  });
  after(async () => {
    await term?.close();
    await server?.close();
  });

  test(`${REQUESTS} generated requests: never a 5xx, every 4xx with a JSON reason; the server and its session carry on`, async (t) => {
    const seed = Number(process.env.BERTH_FUZZ_SEED) || undefined;
    const rand = seededRandom(seed);
    t.diagnostic(`seed ${rand.seed} (BERTH_FUZZ_SEED=${rand.seed} replays this run)`);
    const next = generator(rand, own, other);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    for (let i = 0; i < REQUESTS; i++) {
      const r = next();
      // Ending its own session is a valid request, but the session must live on for the checks below.
      if (r.method === 'DELETE' && (JSON.stringify(r.headers) + r.path).includes(own.token)) continue;
      let wrong: string | null;
      try {
        const a = await send(server.url, r, agent);
        statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
        wrong = judge(r, a);
      } catch (err) {
        wrong = `no answer: ${(err as Error).message}`;
      }
      if (wrong) failures.push(`#${i} ${describeRequest(r)} -> ${wrong}`);
    }
    agent.destroy();
    t.diagnostic(`answers by status: ${[...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ')}`);
    assert.deepEqual(failures.slice(0, 20), [], `seed ${rand.seed}: ${failures.length} bad answer(s)`);

    const health = await fetch(`${server.url}/api/health`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { ok: boolean }).ok, true);
    const view = await fetch(`${server.url}/api/sessions/${own.id}`, { headers: { authorization: `Bearer ${own.token}` } });
    assert.equal(((await view.json()) as { state: string }).state, 'ready');
    const echo = await term.run('echo "still $((40 + 2))"');
    assert.equal(echo.exit, 0);
    assert.match(echo.output, /^still 42$/m);
  });

  test(`${REQUESTS / 2} generated requests to the ports listener: never a 5xx but an own link's "did not answer" page, every refusal a page with a sentence`, async (t) => {
    const rand = seededRandom(Number(process.env.BERTH_FUZZ_SEED) || undefined);
    t.diagnostic(`seed ${rand.seed} (BERTH_FUZZ_SEED=${rand.seed} replays this run)`);
    const opened = await openPortLink(server, own, 8080);
    const ports = new URL(server.portsUrl);
    const junk = (n: number) => Array.from({ length: n }, () => String.fromCharCode(33 + rand.int(94))).join('');
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    const failures: string[] = [];
    for (let i = 0; i < REQUESTS / 2; i++) {
      const id = rand.pick([own.id, other.id, 'abcdefghi', '..', '%2e%2e', 'x'.repeat(3000)]);
      const path = rand.pick([
        `/s/${id}/ports/${rand.pick(['8080', '1', '65535', '65536', '0', 'abc', '80%2f..'])}/${rand.pick(['', junk(10), '..%2f..%2f', '?berth_ticket=', `?berth_ticket=${junk(32)}`, '?berth_ticket=a&berth_ticket=b'])}`,
        `/${junk(rand.int(40))}`,
        '/',
        '/api/health',
        `/api/sessions/${own.id}`,
        `/s/${own.id}/ports/8080`,
      ]);
      const headers: Record<string, string> = rand.pick<Record<string, string>>([
        {},
        { cookie: opened.cookie },
        { cookie: `berth_port=${own.id}.${junk(43)}` },
        { cookie: `berth_port=${'x'.repeat(4000)}; berth_port=; berth_port==` },
        { cookie: `berth_session=${own.id}.${own.token}` },
        { host: rand.pick(['', 'evil.example', `8080-${own.id}.ports.example`, '[::1', 'a'.repeat(300), `127.0.0.1:${ports.port}`]) },
        { authorization: `Bearer ${own.token}` },
      ]);
      const method = rand.pick(['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PROPFIND']);
      const r: FuzzRequest = { method, path, headers };
      try {
        const a = await send(server.portsUrl, r, agent);
        // The visitor's own link with nothing listening: the app's answer, not the server failing (a HEAD's has no body).
        const ownLink = a.status === 502 && r.path.startsWith(`/s/${own.id}/ports/`) && (method === 'HEAD' || /did not answer/.test(a.body));
        if (a.status >= 500 && !ownLink) failures.push(`#${i} ${describeRequest(r)} -> ${a.status} ${a.body.slice(0, 200)}`);
        else if (a.status >= 400 && method !== 'HEAD' && a.status !== 400 && !/<h1>[^<]+<\/h1>\s*<p>[^<]{10,}/.test(a.body)) failures.push(`#${i} ${describeRequest(r)} -> ${a.status} without a sentence: ${a.body.slice(0, 200)}`);
      } catch (err) {
        failures.push(`#${i} ${describeRequest(r)} -> no answer: ${(err as Error).message}`);
      }
    }
    agent.destroy();
    assert.deepEqual(failures.slice(0, 20), [], `seed ${rand.seed}: ${failures.length} bad answer(s)`);
    assert.equal((await fetch(`${server.url}/api/health`)).status, 200);
    const echo = await term.run('echo "ports $((40 + 2))"');
    assert.match(echo.output, /^ports 42$/m);
  });

  test('100 terminal connections with wrong ids, tokens or origins are refused with a reason; the own terminal carries on', async (t) => {
    const rand = seededRandom(Number(process.env.BERTH_FUZZ_SEED) || undefined);
    t.diagnostic(`seed ${rand.seed} (BERTH_FUZZ_SEED=${rand.seed} replays this run)`);
    const failures: string[] = [];
    for (let i = 0; i < 100; i++) {
      const id = rand.pick([own.id, other.id, 'abcdefghi', 'NOT_AN_ID', '..%2f..%2fetc', '%00']);
      const token = rand.pick([own.token, other.token, 'wrong', '', '%00', 'x'.repeat(3000)]);
      const origin = rand.pick([undefined, 'http://evil.example', 'null', 'not a url', 'http://[::1', `${server.url}.evil.example`]);
      // Only combinations that must be refused: a matching id and token from this page's origin is a valid terminal.
      const valid = ((id === own.id && token === own.token) || (id === other.id && token === other.token)) && origin === undefined;
      if (valid) continue;
      const path = `${TERMINAL_PATH(id)}?token=${encodeURIComponent(token)}`;
      const wrong = await refusal(server.url, path, origin);
      if (wrong) failures.push(`#${i} ${path.slice(0, 80)} origin ${origin} -> ${wrong}`);
    }
    assert.deepEqual(failures, [], `seed ${rand.seed}`);
    const echo = await term.run('echo "after $((6 * 7))"');
    assert.match(echo.output, /^after 42$/m);
  });
});
