// A class getting ready: the warm pool grows by the class's free seats, a student joining takes a ready
// sandbox at once, and ending the class (or closing it) shrinks the pool back. A real server and store, a
// stand-in engine (at the numbers of a class, which a 2-core host cannot start for real in a unit test).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LEARNER_HEADER, STAFF_CLASSES_PATH, classJoinPath, staffClassEndPath, staffClassPath, staffClassWarmPath, type ClassDashboard, type ClassSummary } from '@berth/shared';
import { hashPassword } from '../../src/people/passwords.js';
import { FakeRuntime } from '../fake-runtime.js';
import { eventually, postJson, signInStaff, startTestServer, type TestServer } from '../helpers.js';

const TEACHER = { email: 'ready-teacher@e2e.invalid', name: 'Rita Teacher', password: 'teacher password ready' };
const OTHER = { email: 'ready-other@e2e.invalid', name: 'Otto Teacher', password: 'teacher password other' };

describe('a class getting ready', () => {
  const ctx = {} as { dir: string; server: TestServer; runtime: FakeRuntime; teacher: Record<string, string>; other: Record<string, string>; made: ClassSummary };
  const board = async () => (await (await fetch(`${ctx.server.url}${staffClassPath(ctx.made.id)}`, { headers: ctx.teacher })).json()) as ClassDashboard;

  before(async () => {
    ctx.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-ready-'));
    ctx.runtime = new FakeRuntime();
    ctx.server = await startTestServer({ BERTH_DATA: ctx.dir, BERTH_POOL_SIZE: '1', BERTH_STARTS_AT_ONCE: '3' }, { runtime: () => ctx.runtime });
    for (const a of [TEACHER, OTHER]) await ctx.server.berth.staff.create({ email: a.email, name: a.name, role: 'teacher', passwordHash: await hashPassword(a.password) });
    ctx.teacher = (await signInStaff(ctx.server, TEACHER)).headers;
    ctx.other = (await signInStaff(ctx.server, OTHER)).headers;
    const res = await postJson(ctx.server, STAFF_CLASSES_PATH, ctx.teacher, { name: 'Ready', lessons: ['first-container'], minutes: 30, capacity: 12 });
    ctx.made = (await res.json()) as ClassSummary;
    await eventually(() => assert.equal(ctx.runtime.sandboxes.size, 1, 'the base pool'));
  });

  after(async () => {
    await ctx.server?.close();
    fs.rmSync(ctx.dir, { recursive: true, force: true });
  });

  test('only its teacher gets it ready; the pool grows to one sandbox per free seat, a few at a time', async () => {
    assert.equal((await postJson(ctx.server, staffClassWarmPath(ctx.made.id), ctx.other, { on: true })).status, 404);
    assert.equal((await postJson(ctx.server, staffClassWarmPath(ctx.made.id), ctx.teacher, { on: 'yes' })).status, 400);
    const res = await postJson(ctx.server, staffClassWarmPath(ctx.made.id), ctx.teacher, { on: true });
    assert.equal(res.status, 200);
    assert.deepEqual(((await res.json()) as ClassDashboard['warm']).on, true);
    await eventually(async () => assert.deepEqual((await board()).warm, { on: true, seats: 12, ready: 12 }));
    assert.equal(ctx.runtime.sandboxes.size, 13, 'its own one and the class\'s twelve');
  });

  test('a student joining takes a ready sandbox at once; the pool keeps one per free seat', async () => {
    const made = ctx.runtime.created;
    const res = await postJson(ctx.server, classJoinPath(ctx.made.code), { [LEARNER_HEADER]: 'ready-student-000001' }, { name: 'Ana' });
    assert.equal(res.status, 201);
    const { id } = (await res.json()) as { id: string };
    assert.equal(ctx.server.berth.sessions.get(id)!.state, 'ready', 'handed over, not started');
    await eventually(async () => assert.deepEqual((await board()).warm, { on: true, seats: 11, ready: 11 }));
    assert.equal(ctx.runtime.created, made, 'nothing new was made: one seat fewer to get ready');
  });

  test('ending the class stops getting ready, and the pool goes back to its own size', async () => {
    assert.deepEqual(await (await postJson(ctx.server, staffClassEndPath(ctx.made.id), ctx.teacher)).json(), { ended: 1 });
    await ctx.server.berth.sessions.expire();
    await eventually(() => assert.equal(ctx.runtime.sandboxes.size, 1));
    assert.deepEqual((await board()).warm, { on: false, seats: 12, ready: 0 });
  });
});
