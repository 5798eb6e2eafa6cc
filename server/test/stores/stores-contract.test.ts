// The five stores as the rest of the server sees them, with the same assertions against both backends: the
// SQLite file of one Berth server (in memory here) and a real PostgreSQL server shared by many (started by
// this file, a fresh database for each test).
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import type { ClassRow } from '../../src/classes/class-store.js';
import type { NewInterview } from '../../src/interviews/interview-store.js';
import type { StaffAccount, StaffStore } from '../../src/people/staff-store.js';
import { openDatabase } from '../../src/store/database.js';
import type { StoredSession } from '../../src/store/session-store.js';
import { openStores, sqliteStores, type Stores } from '../../src/store/stores.js';
import { startPostgres, type PostgresServer } from '../postgres-server.js';

const EPOCH = 1_764_496_800_000;
const MINUTE = 60_000;
/** 2100-01-01T00:00:00.123Z: past what 32 bits hold, and past 2038. */
const FAR = 4_102_444_800_123;

let postgres: PostgresServer | undefined;
const lost: object[] = [];
before(async () => {
  postgres = await startPostgres();
});
after(async () => {
  await postgres?.stop();
});

const BACKENDS: { name: string; open(): Promise<Stores> }[] = [
  { name: 'SQLite (BERTH_DATA/berth.db)', open: async () => sqliteStores(openDatabase(':memory:')) },
  { name: 'PostgreSQL (BERTH_DATABASE_URL)', open: async () => openStores({ databaseUrl: await postgres!.database(), databaseFile: '' }, { error: (obj) => lost.push(obj) }) },
];

const session = (id: string, over: Partial<StoredSession> = {}): StoredSession => ({
  id,
  instance: 'main',
  tokenHash: `hash-of-${id}`,
  learner: 'learner-a',
  client: '203.0.113.7',
  createdAt: EPOCH,
  expiresAt: EPOCH + 60 * MINUTE,
  lastActivityAt: EPOCH + MINUTE,
  lastVisibleAt: EPOCH + 2 * MINUTE,
  extensionsUsed: 0,
  lesson: 'first-container',
  lang: 'en',
  terms: null,
  ...over,
});

const account = (staff: StaffStore, email: string, role: StaffAccount['role'] = 'teacher', now = EPOCH) =>
  staff.create({ email, name: email.slice(0, email.indexOf('@')), role, passwordHash: 'scrypt$hash' }, now).then((a) => a!);

const classOf = (staffId: number, id: string, over: Partial<ClassRow> = {}): ClassRow => ({
  id,
  code: `CODE${id.toUpperCase()}`,
  staffId,
  name: `Class ${id}`,
  lessons: ['first-container', 'images'],
  lang: 'en',
  minutes: 45,
  capacity: 30,
  createdAt: EPOCH,
  closesAt: EPOCH + 12 * 60 * MINUTE,
  ...over,
});

const interviewOf = (staffId: number, id: string, over: Partial<NewInterview> = {}): NewInterview => ({
  id,
  tokenHash: `token-hash-${id}`,
  staffId,
  candidateName: 'Cy Candidate',
  lesson: null,
  brief: 'Run nginx on port 8080.',
  lang: 'en',
  minutes: 45,
  createdAt: EPOCH,
  linkExpiresAt: EPOCH + 7 * 24 * 60 * MINUTE,
  checks: [],
  ...over,
});

for (const backend of BACKENDS) {
  describe(backend.name, () => {
    let stores: Stores;
    beforeEach(async () => {
      stores = await backend.open();
    });
    afterEach(async () => {
      await stores.close();
    });

    test('a live session is written, rewritten in place and removed, and a server reads back only its own instance\'s', async () => {
      const terms = JSON.stringify({ kind: 'class', ref: 'c1', durationMs: 45 * MINUTE });
      await stores.sessions.put(session('s1'));
      await stores.sessions.put(session('s2', { instance: 'other' }));
      await stores.sessions.put(session('s3', { terms, lesson: null, lang: null }));
      const byId = (rows: StoredSession[]) => [...rows].sort((a, b) => a.id.localeCompare(b.id));
      assert.deepEqual(byId(await stores.sessions.all('main')), [session('s1'), session('s3', { terms, lesson: null, lang: null })]);

      await stores.sessions.put(session('s1', { extensionsUsed: 1, expiresAt: EPOCH + 90 * MINUTE }));
      await stores.sessions.remove('s3');
      await stores.sessions.remove('never-stored');
      assert.deepEqual(await stores.sessions.all('main'), [session('s1', { extensionsUsed: 1, expiresAt: EPOCH + 90 * MINUTE })]);
      assert.deepEqual(await stores.sessions.all('other'), [session('s2', { instance: 'other' })]);
      assert.deepEqual(await stores.sessions.all('nobody'), []);
      // By id, whichever instance wrote it: how a server that shares sessions finds one another server made.
      assert.deepEqual(await stores.sessions.get('s2'), session('s2', { instance: 'other' }));
      assert.equal(await stores.sessions.get('s3'), undefined);
    });

    test('writes a server issues without waiting apply in the order issued, and a read issued after them sees them all', async () => {
      for (let round = 0; round < 20; round++) {
        const id = `r${round}`;
        const writes = [
          stores.sessions.put(session(id)),
          stores.sessions.put(session(id, { lastActivityAt: EPOCH + 2 * MINUTE })),
          stores.sessions.remove(id),
          stores.sessions.put(session(`${id}-kept`)),
          stores.sessions.put(session(`${id}-kept`, { lastActivityAt: EPOCH + 3 * MINUTE })),
        ];
        const seen = await stores.sessions.all('main');
        await Promise.all(writes);
        assert.deepEqual(seen.filter((s) => s.id.startsWith(`${id}-`) || s.id === id), [session(`${id}-kept`, { lastActivityAt: EPOCH + 3 * MINUTE })], `round ${round}`);
        await stores.sessions.remove(`${id}-kept`);
      }
    });

    test('a write that fails is refused to its caller, and the writes issued after it still apply', async () => {
      const broken = stores.sessions.put(session('bad', { instance: null as unknown as string }));
      const next = stores.sessions.put(session('good'));
      await assert.rejects(broken, /null|NOT NULL/i);
      await next;
      assert.deepEqual(await stores.sessions.all('main'), [session('good')]);
    });

    test("a learner's done steps come back once each, in the order they were done, with the step open in each lesson", async () => {
      const { progress } = stores;
      await progress.markDone('ana', 'first-container', 'run-hello');
      await progress.markDone('ana', 'first-container', 'list');
      await progress.markDone('ana', 'first-container', 'run-hello');
      await progress.markDone('ana', 'images', 'pull');
      await progress.setPosition('ana', 'first-container', 'list');
      await progress.setPosition('ana', 'first-container', 'remove');
      await progress.setPosition('ana', 'volumes', 'create');
      await progress.markDone('ben', 'first-container', 'run-hello');
      assert.deepEqual(
        [...(await progress.learner('ana')).values()],
        [
          { lesson: 'first-container', done: ['run-hello', 'list'], current: 'remove' },
          { lesson: 'images', done: ['pull'], current: null },
          { lesson: 'volumes', done: [], current: 'create' },
        ],
      );
      assert.deepEqual([...(await progress.learner('ben')).values()], [{ lesson: 'first-container', done: ['run-hello'], current: null }]);
      assert.equal((await progress.learner('nobody')).size, 0);
    });

    test('a class is found by id and by code; a code drawn twice is refused, and a teacher lists only theirs, the newest first', async () => {
      const tess = await account(stores.staff, 'tess@school.example');
      const otto = await account(stores.staff, 'otto@school.example');
      const a = classOf(tess.id, 'a');
      const b = classOf(tess.id, 'b', { createdAt: EPOCH + MINUTE, lang: 'zh', lessons: ['images'] });
      const c = classOf(otto.id, 'c', { createdAt: EPOCH + 2 * MINUTE });
      assert.equal(await stores.classes.create(a), true);
      assert.equal(await stores.classes.create({ ...b, code: a.code }), false, 'the code is taken: the caller draws another');
      assert.equal(await stores.classes.byId(b.id), undefined);
      assert.equal(await stores.classes.create(b), true);
      assert.equal(await stores.classes.create(c), true);
      await assert.rejects(stores.classes.create({ ...classOf(tess.id, 'a'), code: 'FRESH1' }), 'an id drawn twice is an error, not a taken code');

      assert.deepEqual(await stores.classes.byId('a'), a);
      assert.deepEqual(await stores.classes.byCode(b.code), b);
      assert.equal(await stores.classes.byCode('NOSUCH'), undefined);
      assert.deepEqual((await stores.classes.list(null)).map((r) => r.id), ['c', 'b', 'a']);
      assert.deepEqual(await stores.classes.list(tess.id), [b, a]);
      assert.deepEqual(await stores.classes.list(otto.id + 1000), []);
    });

    test('students join a class in order; a browser joining again keeps its one row under its new session, found by that session', async () => {
      const tess = await account(stores.staff, 'tess@school.example');
      await stores.classes.create(classOf(tess.id, 'a'));
      await stores.classes.create(classOf(tess.id, 'b'));
      await stores.classes.join('a', 'learner-ana', 'Ana', 'sess-1', EPOCH + 1);
      await stores.classes.join('a', 'learner-ben', 'Ben', 'sess-2', EPOCH + 2);
      await stores.classes.join('a', 'learner-ana', 'Ana B.', 'sess-3', EPOCH + 3);
      const ana = { classId: 'a', learner: 'learner-ana', name: 'Ana B.', sessionId: 'sess-3', joinedAt: EPOCH + 1 };
      assert.deepEqual(await stores.classes.students('a'), [ana, { classId: 'a', learner: 'learner-ben', name: 'Ben', sessionId: 'sess-2', joinedAt: EPOCH + 2 }]);
      assert.deepEqual(await stores.classes.studentOf('sess-3'), ana);
      assert.equal(await stores.classes.studentOf('sess-1'), undefined, 'the old session is nobody\'s now');
      assert.deepEqual(await stores.classes.students('b'), []);
    });

    test('an interview is found by id, link and session; only the first start claims it, a released link starts again, and its first end is kept', async () => {
      const ivy = await account(stores.staff, 'ivy@school.example', 'interviewer');
      const ian = await account(stores.staff, 'ian@school.example', 'interviewer');
      const one = interviewOf(ivy.id, 'iv1');
      const checks = [{ title: 'nginx answers', check: 'curl -fs localhost:8080', metAt: null }];
      const two = interviewOf(ian.id, 'iv2', { createdAt: EPOCH + MINUTE, candidateName: null, brief: null, lesson: 'first-container', lang: 'zh', checks });
      await stores.interviews.create(one);
      await stores.interviews.create(two);
      const fresh = { sessionId: null, startedAt: null, endedAt: null };
      assert.deepEqual(await stores.interviews.byId('iv1'), { ...one, ...fresh });
      assert.deepEqual(await stores.interviews.byToken('token-hash-iv2'), { ...two, ...fresh });
      assert.equal(await stores.interviews.byToken('token-hash-none'), undefined);
      assert.deepEqual((await stores.interviews.list(null)).map((r) => r.id), ['iv2', 'iv1']);
      assert.deepEqual((await stores.interviews.list(ivy.id)).map((r) => r.id), ['iv1']);

      assert.equal(await stores.interviews.claim('iv1', 'sess-1', EPOCH + 5 * MINUTE), true);
      assert.equal(await stores.interviews.claim('iv1', 'sess-2', EPOCH + 6 * MINUTE), false, 'a second start loses');
      await stores.interviews.release('iv1', 'sess-2');
      assert.equal((await stores.interviews.byId('iv1'))?.sessionId, 'sess-1', 'only the session that claimed it releases it');
      await stores.interviews.release('iv1', 'sess-1');
      assert.deepEqual(await stores.interviews.byId('iv1'), { ...one, ...fresh });
      assert.equal(await stores.interviews.claim('iv1', 'sess-2', EPOCH + 7 * MINUTE), true);
      assert.deepEqual(await stores.interviews.bySession('sess-2'), { ...one, ...fresh, sessionId: 'sess-2', startedAt: EPOCH + 7 * MINUTE });

      await stores.interviews.ended('sess-2', EPOCH + 40 * MINUTE);
      await stores.interviews.ended('sess-2', EPOCH + 50 * MINUTE);
      assert.equal((await stores.interviews.byId('iv1'))?.endedAt, EPOCH + 40 * MINUTE);
      const met = [{ ...checks[0]!, metAt: EPOCH + 20 * MINUTE }];
      await stores.interviews.saveChecks('iv2', met);
      assert.deepEqual((await stores.interviews.byId('iv2'))?.checks, met);
    });

    test('staff: an email has one account whatever its case, a sign-in holds until it expires or is removed, and expired ones are swept', async () => {
      const ada = (await stores.staff.create({ email: ' Ada@School.example ', name: 'Ada', role: 'admin', passwordHash: 'scrypt$ada' }, EPOCH))!;
      assert.deepEqual(ada, { id: ada.id, email: 'ada@school.example', name: 'Ada', role: 'admin', passwordHash: 'scrypt$ada', createdAt: EPOCH });
      assert.equal(await stores.staff.create({ email: 'ADA@school.example', name: 'Other', role: 'teacher', passwordHash: '' }), null);
      const tom = await account(stores.staff, 'tom@school.example', 'teacher', EPOCH + 1);
      assert.deepEqual(await stores.staff.byEmail('ada@SCHOOL.example'), ada);
      assert.equal(await stores.staff.byEmail('nobody@school.example'), null);
      assert.deepEqual(await stores.staff.list(), [ada, tom]);
      assert.equal(await stores.staff.nameOf(tom.id), 'tom');
      assert.equal(await stores.staff.nameOf(tom.id + ada.id + 1000), null);

      await stores.staff.addSignIn(ada.id, 'token-1', 'check-1', EPOCH + 1000, EPOCH);
      await stores.staff.addSignIn(tom.id, 'token-2', 'check-2', EPOCH + 5000, EPOCH);
      assert.deepEqual(await stores.staff.signedIn('token-1', 'check-1', EPOCH + 999), ada);
      assert.equal(await stores.staff.signedIn('token-1', 'check-2', EPOCH + 999), null, 'a planted token without its check opens nothing');
      assert.equal(await stores.staff.signedIn('token-1', 'check-1', EPOCH + 1000), null, 'expired');
      assert.equal(await stores.staff.removeExpired(EPOCH + 2000), 1);
      assert.deepEqual(await stores.staff.signedIn('token-2', 'check-2', EPOCH + 3000), tom);
      await stores.staff.removeSignIn('token-2');
      assert.equal(await stores.staff.signedIn('token-2', 'check-2', EPOCH + 3000), null);
    });

    test("an OIDC account is made bound to its subject, and a subject is bound only over the one read before (another sign-in's bind wins)", async () => {
      const made = (await stores.staff.create({ email: 'nia@school.example', name: 'Nia', role: 'teacher', passwordHash: '', oidcSubject: 'https://id.example u-1' }))!;
      assert.equal(await stores.staff.oidcSubject(made.id), 'https://id.example u-1');
      const plain = await account(stores.staff, 'pat@school.example');
      assert.equal(await stores.staff.oidcSubject(plain.id), null);
      assert.equal(await stores.staff.bindOidcSubject(plain.id, 'https://id.example u-2', null), true);
      assert.equal(await stores.staff.bindOidcSubject(plain.id, 'https://id.example u-3', null), false, 'bound meanwhile');
      assert.equal(await stores.staff.oidcSubject(plain.id), 'https://id.example u-2');
      assert.equal(await stores.staff.bindOidcSubject(plain.id, 'https://other.example u-9', 'https://id.example u-2'), true);
      assert.equal(await stores.staff.oidcSubject(plain.id), 'https://other.example u-9');
    });

    test('removing an account ends its sign-ins and removes its interviews and classes with their students, and nobody else\'s', async () => {
      const tess = await account(stores.staff, 'tess@school.example');
      const otto = await account(stores.staff, 'otto@school.example');
      for (const [who, tag] of [[tess, 't'], [otto, 'o']] as const) {
        await stores.staff.addSignIn(who.id, `token-${tag}`, `check-${tag}`, EPOCH + 60 * MINUTE, EPOCH);
        await stores.classes.create(classOf(who.id, `class-${tag}`));
        await stores.classes.join(`class-${tag}`, `learner-${tag}`, 'Sam', `sess-${tag}`, EPOCH);
        await stores.interviews.create(interviewOf(who.id, `iv-${tag}`));
      }
      assert.equal(await stores.staff.remove('TESS@school.example'), true);
      assert.equal(await stores.staff.byEmail('tess@school.example'), null);
      assert.equal(await stores.staff.nameOf(tess.id), null);
      assert.equal(await stores.staff.signedIn('token-t', 'check-t', EPOCH), null);
      assert.equal(await stores.classes.byId('class-t'), undefined);
      assert.deepEqual(await stores.classes.students('class-t'), []);
      assert.equal(await stores.interviews.byId('iv-t'), undefined);

      assert.deepEqual(await stores.staff.signedIn('token-o', 'check-o', EPOCH), otto);
      assert.equal((await stores.classes.byId('class-o'))?.staffId, otto.id);
      assert.equal((await stores.classes.students('class-o')).length, 1);
      assert.equal((await stores.interviews.byId('iv-o'))?.staffId, otto.id);
      assert.equal(await stores.staff.remove('tess@school.example'), false, 'no such account any more');
    });

    test('epoch milliseconds past 2038 and account ids come back as exact JavaScript numbers', async () => {
      const far = await account(stores.staff, 'far@school.example', 'teacher', FAR);
      await stores.sessions.put(session('s-far', { createdAt: FAR, expiresAt: FAR + 1, lastActivityAt: FAR + 2 }));
      await stores.classes.create(classOf(far.id, 'far', { createdAt: FAR, closesAt: FAR + 3 }));
      await stores.classes.join('far', 'learner-far', 'Far', 'sess-far', FAR + 4);
      await stores.interviews.create(interviewOf(far.id, 'iv-far', { createdAt: FAR, linkExpiresAt: FAR + 5 }));
      await stores.interviews.claim('iv-far', 'sess-iv', FAR + 6);
      await stores.interviews.ended('sess-iv', FAR + 7);

      const [s] = await stores.sessions.all('main');
      const account_ = (await stores.staff.list())[0]!;
      const cls = (await stores.classes.byId('far'))!;
      const [student] = await stores.classes.students('far');
      const iv = (await stores.interviews.byId('iv-far'))!;
      const values = [s!.createdAt, s!.expiresAt, s!.lastActivityAt, account_.createdAt, cls.createdAt, cls.closesAt, student!.joinedAt, iv.createdAt, iv.linkExpiresAt, iv.startedAt, iv.endedAt];
      assert.deepEqual(values, [FAR, FAR + 1, FAR + 2, FAR, FAR, FAR + 3, FAR + 4, FAR, FAR + 5, FAR + 6, FAR + 7]);
      for (const v of [...values, account_.id, cls.staffId, iv.staffId]) assert.equal(typeof v, 'number');
      assert.equal(cls.staffId, far.id);
    });
  });
}

test('no PostgreSQL connection was lost during these tests', () => {
  assert.deepEqual(lost, []);
});
