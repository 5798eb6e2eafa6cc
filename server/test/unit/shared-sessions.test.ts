// Two Berth servers sharing sessions (sessions/shared-sessions.ts), here two session managers on one store and one
// runtime. The real thing, two servers on an LXD cluster and PostgreSQL behind nginx: test/cluster/two-servers.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServerEvent } from '@berth/shared';
import { SessionManager } from '../../src/sessions/session-manager.js';
import { LOOKUPS_BURST, LOOKUPS_PER_SECOND } from '../../src/sessions/shared-sessions.js';
import { StartOutcomes } from '../../src/sessions/start-outcomes.js';
import { openDatabase } from '../../src/store/database.js';
import { SqliteSessionStore } from '../../src/store/session-store-sqlite.js';
import { FakeRuntime } from '../fake-runtime.js';

const min = 60_000;
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

function servers(runtime = new FakeRuntime(), shared = true) {
  const store = new SqliteSessionStore(openDatabase(':memory:'));
  const make = () =>
    new SessionManager(
      runtime,
      {
        instance: 'main',
        ttlMs: 60 * min,
        idleTimeoutMs: 15 * min,
        idleVisibleTimeoutMs: 30 * min,
        maxSessions: 10,
        maxQueue: 10,
        extendMs: 30 * min,
        maxExtensions: 2,
        warnBeforeMs: 5 * min,
        maxPerClient: 5,
        maxPerAddress: 10,
        startsPerAddressPerMin: 100,
        starts: new StartOutcomes(() => ({ cause: 'test' }), quiet as never),
        shared,
      },
      quiet,
      store,
    );
  return { runtime, store, a: make(), b: make() };
}

async function readySession(m: SessionManager) {
  const created = await m.create({ learner: 'learner-a', client: '203.0.113.7' });
  assert.equal(await created.session.ready, true);
  return created;
}

test('a session one server made is served by the other from its first request on, with the same token', async () => {
  const { a, b } = servers();
  const { session, token } = await readySession(a);
  assert.equal(b.get(session.id), undefined);
  await b.takeUp(session.id, () => '');
  assert.equal(b.authorize(session.id, token).state, 'ready');
  assert.throws(() => b.authorize(session.id, 'not-the-token'), /token/i);
  await b.takeUp('nosuchone', () => '');
  assert.equal(b.get('nosuchone'), undefined);
});

test('a session the other server is still starting is taken up as starting, and is ready here once its sandbox answers', async () => {
  const runtime = new FakeRuntime();
  const { a, b } = servers(runtime);
  let finish!: () => void;
  const create = runtime.createSandbox.bind(runtime);
  runtime.createSandbox = async (id) => {
    await new Promise<void>((resolve) => (finish = resolve));
    await create(id);
  };
  const { session } = await a.create({ learner: 'learner-a', client: '203.0.113.7' });
  await b.takeUp(session.id, () => '');
  const seen = b.get(session.id)!;
  assert.equal(seen.state, 'starting');
  finish();
  assert.equal(await seen.ready, true);
  assert.equal(seen.state, 'ready');
});

test("keystrokes and an extension on one server keep the session alive on the other, which would otherwise end it as idle", async () => {
  const { a, b } = servers();
  const { session, token } = await readySession(a);
  await b.takeUp(session.id, () => '');
  const t0 = Date.now();
  // The visitor types on b for 20 minutes; a never hears a key.
  b.get(session.id)!.lastActivityAt = t0 + 20 * min;
  await b.expire(t0 + 20 * min);
  await a.expire(t0 + 21 * min);
  assert.equal(a.get(session.id)!.state, 'ready', 'a knows of the keystrokes on b');
  assert.equal(a.get(session.id)!.lastActivityAt, t0 + 20 * min);
  // An extension on b moves the end a sees.
  // Near its end, so an extension is allowed (both copies: the end never moves earlier).
  for (const m of [a, b]) m.get(session.id)!.expiresAt = t0 + 4 * min;
  b.extend(session.id, token);
  const events: ServerEvent[] = [];
  a.on('event', (_id, e) => events.push(e));
  await a.expire(t0 + 21 * min);
  assert.equal(a.get(session.id)!.expiresAt, t0 + 34 * min);
  assert.ok(events.some((e) => e.type === 'lifetime' && e.expiresAt === new Date(t0 + 34 * min).toISOString()), 'a\'s pages hear the new end');
});

test('a session ended on one server ends on the other at its next round, and its sandbox is gone', async () => {
  const { runtime, a, b } = servers();
  const { session } = await readySession(a);
  await b.takeUp(session.id, () => '');
  const events: ServerEvent[] = [];
  b.on('event', (_id, e) => events.push(e));
  await a.end(session.id, 'ended-by-user');
  assert.equal(runtime.sandboxes.has(session.id), false);
  await b.expire();
  assert.equal(b.get(session.id)!.state, 'ended');
  const ended = events.find((e) => e.type === 'status' && e.state === 'ended');
  assert.ok(ended && ended.type === 'status');
  assert.match(ended.message ?? '', /ended elsewhere/);
});

test('a session no server holds any more (its server stopped for good) is ended when its time is up, sandbox and row', async () => {
  const { runtime, store, a, b } = servers();
  const { session } = await readySession(a);
  await a.detach(); // a stops, keeping its sessions for the others
  const t0 = Date.now();
  await b.expire(t0 + 10 * min);
  assert.equal(runtime.sandboxes.has(session.id), true, 'not due yet: kept');
  await b.expire(t0 + 16 * min);
  assert.equal(runtime.sandboxes.has(session.id), false);
  assert.equal(await store.get(session.id), undefined);
});

test('a server starting up keeps the sandboxes of every session the others hold', async () => {
  const { runtime, a, b } = servers();
  const { session } = await readySession(a);
  assert.deepEqual([...(await b.heldSandboxes())], [session.id]);
  assert.deepEqual(await b.adopt(), [], 'taken up on demand, not at start');
  assert.equal(runtime.sandboxes.has(session.id), true);
});

/** Counts the shared database's look-ups of one session. */
function countLookups(store: SqliteSessionStore): () => number {
  let n = 0;
  const get = store.get.bind(store);
  store.get = (id) => {
    n++;
    return get(id);
  };
  return () => n;
}

test('a made-up session id asked for again and again reaches the shared database once, not with every request', async () => {
  const { store, b } = servers();
  const lookups = countLookups(store);
  await Promise.all(Array.from({ length: 50 }, () => b.takeUp('madeup123', () => '')));
  for (let i = 0; i < 50; i++) await b.takeUp('madeup123', () => '');
  assert.equal(lookups(), 1);
  assert.equal(b.get('madeup123'), undefined);
});

test('made-up session ids that vary, from one address, cost the shared database a burst of queries and then two a second', async () => {
  const { store, a, b } = servers();
  const { session } = await readySession(a);
  const lookups = countLookups(store);
  for (let i = 0; i < 500; i++) await b.takeUp(`fake${String(i).padStart(5, '0')}`, () => '198.51.100.9');
  assert.equal(lookups(), LOOKUPS_BURST);
  // That address's real session is not looked up either until its budget refills; another address's is.
  await b.takeUp(session.id, () => '198.51.100.9');
  assert.equal(b.get(session.id), undefined);
  await b.takeUp(session.id, () => '203.0.113.7');
  assert.equal(b.get(session.id)?.id, session.id);
  await new Promise((r) => setTimeout(r, 1000 / LOOKUPS_PER_SECOND + 50));
  await b.takeUp('another01', () => '198.51.100.9');
  assert.equal(lookups(), LOOKUPS_BURST + 2);
});

test('an IPv6 visitor who changes address within their /64 for every made-up id has one budget, not one per address', async () => {
  const { store, b } = servers();
  const lookups = countLookups(store);
  for (let i = 0; i < 500; i++) await b.takeUp(`v6fake${String(i).padStart(3, '0')}`, () => `2001:db8:1:2::${i.toString(16)}`);
  assert.equal(lookups(), LOOKUPS_BURST);
});

test('a server that does not share sessions never works out the visitor\'s address for a look-up', async () => {
  const { a } = servers(new FakeRuntime(), false);
  let asked = 0;
  await a.takeUp('another01', () => {
    asked++;
    return '198.51.100.9';
  });
  assert.equal(asked, 0);
  assert.equal(a.get('another01'), undefined);
});
