// Guessing class codes: a wrong code counts against the browser that sent it and, far higher, its address. A
// real server (real staff, classes and SQLite), a stand-in engine.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LEARNER_HEADER, STAFF_CLASSES_PATH, classInfoPath, classJoinPath, type ClassSummary } from '@berth/shared';
import { hashPassword } from '../../src/people/passwords.js';
import { WRONG_KEY_LIMITS } from '../../src/routes/wrong-key-limiter.js';
import { FakeRuntime } from '../fake-runtime.js';
import { postJson, signInStaff, startTestServer, type TestServer } from '../helpers.js';

const TEACHER = { email: 'guessing-teacher@e2e.invalid', name: 'Gail Teacher', password: 'teacher password guessing' };
const browser = (n: number | string) => ({ [LEARNER_HEADER]: `guessing-browser-${String(n).padStart(8, '0')}` });
const WRONG = 'ZZZZZZ';

describe('guessing class codes', () => {
  const ctx = {} as { dir: string; server: TestServer; made: ClassSummary };
  const info = (code: string, headers: Record<string, string>) => fetch(`${ctx.server.url}${classInfoPath(code)}`, { headers });

  before(async () => {
    ctx.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-guessing-'));
    ctx.server = await startTestServer({ BERTH_DATA: ctx.dir }, { runtime: () => new FakeRuntime() });
    await ctx.server.berth.staff.create({ email: TEACHER.email, name: TEACHER.name, role: 'teacher', passwordHash: await hashPassword(TEACHER.password) });
    const teacher = (await signInStaff(ctx.server, TEACHER)).headers;
    const res = await postJson(ctx.server, STAFF_CLASSES_PATH, teacher, { name: 'Guessing', lessons: ['first-container'], minutes: 30, capacity: 5 });
    assert.equal(res.status, 201);
    ctx.made = (await res.json()) as ClassSummary;
    assert.notEqual(ctx.made.code, WRONG);
  });

  after(async () => {
    await ctx.server?.close();
    fs.rmSync(ctx.dir, { recursive: true, force: true });
  });

  test('attack: a student mistyping the code again and again waits alone; classmates behind the same address still get in', async () => {
    const clumsy = browser('clumsy');
    for (let i = 0; i < WRONG_KEY_LIMITS.perBrowser; i++) assert.equal((await info(WRONG, clumsy)).status, 404);
    const waits = await info(WRONG, clumsy);
    assert.equal(waits.status, 429);
    assert.match(((await waits.json()) as { message: string }).message, /Too many wrong class codes from this browser\. Try again in 15 min\./);
    assert.equal((await info(ctx.made.code, clumsy)).status, 429, 'the guesser waits even with the right code');
    for (const n of [1, 2, 3]) assert.equal((await info(ctx.made.code, browser(n))).status, 200, `classmate ${n}`);
    const joined = await postJson(ctx.server, classJoinPath(ctx.made.code), browser(1), { name: 'Classmate One' });
    assert.equal(joined.status, 201);
  });

  test('attack: a brute forcer sending a new browser id with every try is stopped by its address, then nobody new from there gets in', async () => {
    // The clumsy student's 10 wrong codes above count against the address too: 290 more are let through.
    let wrong = 0;
    while (wrong <= WRONG_KEY_LIMITS.perAddress && (await info(WRONG, browser(`brute-${wrong}`))).status === 404) wrong++;
    assert.equal(wrong, WRONG_KEY_LIMITS.perAddress - WRONG_KEY_LIMITS.perBrowser, 'answered 404 until the address had 300 wrong codes');
    const stopped = await info(WRONG, browser('brute-last'));
    assert.equal(stopped.status, 429);
    assert.match(((await stopped.json()) as { message: string }).message, /from your network/);
    assert.equal((await info(ctx.made.code, browser('newcomer'))).status, 429, 'the address is waiting: a right code is not checked either');
    assert.equal((await fetch(`${ctx.server.url}${classInfoPath(WRONG)}`)).status, 429, 'without a browser id too');
  });

  test('a student who joined before rejoins while the address waits: their browser holds the code', async () => {
    assert.equal((await info(ctx.made.code, browser(1))).status, 200);
    assert.equal((await info(WRONG, browser(1))).status, 429, 'a wrong code from them still waits');
  });
});
