// A class on real sandboxes: a teacher creates it, three students join with its code from one address (past
// the per-address cap, within the class's capacity; a fourth finds it full), a student's step ticks on the
// teacher's dashboard, the teacher watches and joins a student's terminal, broadcasts, extends and ends the
// class, and exports the progress as CSV. Other teachers, interviewers and wrong codes are refused.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  CloseCode,
  LEARNER_HEADER,
  STAFF_CHECK_HEADER,
  STAFF_CLASSES_PATH,
  classInfoPath,
  classJoinPath,
  staffClassBroadcastPath,
  staffClassCsvPath,
  staffClassEndPath,
  staffClassExtendPath,
  staffClassPath,
  staffClassResetSandboxPath,
  staffClassResetStepPath,
  type ClassDashboard,
  type ClassInfo,
  type ClassSummary,
} from '@berth/shared';
import { hashPassword } from '../../src/people/passwords.js';
import { eventually, postJson, signInStaff, startTestServer, TerminalClient, type CreatedSession, type TestServer } from '../helpers.js';

const tag = crypto.randomBytes(3).toString('hex');
const account = (role: string, name: string) => ({ email: `class-${role}-${tag}@e2e.invalid`, name, password: `${role} password ${tag}` });
const TEACHER = account('teacher', 'Tara Teacher');
const OTHER = account('other', 'Omar Teacher');
const INTERVIEWER = account('interviewer', 'Ines Interviewer');
const learner = () => crypto.randomBytes(18).toString('base64url');

describe('a class: students join with its code, the teacher follows, watches, broadcasts, extends and ends', () => {
  const ctx = {} as { server: TestServer; made: ClassSummary; students: { name: string; learner: string; s: CreatedSession; term: TerminalClient }[] };
  const who = {} as Record<'teacher' | 'other' | 'interviewer', Record<string, string>>;

  const signIn = async (a: typeof OTHER) => (await signInStaff(ctx.server, a)).headers;
  const post = (url: string, headers: Record<string, string>, body: object = {}) => postJson(ctx.server, url, headers, body);
  const get = (url: string, headers: Record<string, string> = {}) => fetch(`${ctx.server.url}${url}`, { headers });
  const dashboard = async () => (await (await get(staffClassPath(ctx.made.id), who.teacher)).json()) as ClassDashboard;
  const as = (w: Record<string, string>) => ({ cookie: w.cookie!, check: w[STAFF_CHECK_HEADER]! });

  before(async () => {
    // One live session per address: a class behind a school's one address must not be held to it.
    ctx.server = await startTestServer({ BERTH_MAX_SESSIONS_PER_ADDRESS: '1' });
    const staff = ctx.server.berth.staff;
    await staff.create({ email: TEACHER.email, name: TEACHER.name, role: 'teacher', passwordHash: await hashPassword(TEACHER.password) });
    await staff.create({ email: OTHER.email, name: OTHER.name, role: 'teacher', passwordHash: await hashPassword(OTHER.password) });
    await staff.create({ email: INTERVIEWER.email, name: INTERVIEWER.name, role: 'interviewer', passwordHash: await hashPassword(INTERVIEWER.password) });
    who.teacher = await signIn(TEACHER);
    who.other = await signIn(OTHER);
    who.interviewer = await signIn(INTERVIEWER);
    ctx.students = [];
  });

  after(async () => {
    for (const a of [TEACHER, OTHER, INTERVIEWER]) await ctx.server?.berth.staff.remove(a.email);
    for (const st of ctx.students ?? []) await st.term?.close();
    await ctx.server?.close();
  });

  test('only a teacher (or admin) creates a class, of lessons this server has; its code is six clear characters', async () => {
    const body = { name: `Docker 101 ${tag}`, lessons: ['first-container', 'images'], minutes: 60, capacity: 3 };
    assert.equal((await post(STAFF_CLASSES_PATH, {}, body)).status, 401);
    assert.equal((await post(STAFF_CLASSES_PATH, who.interviewer!, body)).status, 403);
    assert.equal((await post(STAFF_CLASSES_PATH, who.teacher!, { ...body, lessons: [] })).status, 400);
    const unknown = await post(STAFF_CLASSES_PATH, who.teacher!, { ...body, lessons: ['no-such-lesson'] });
    assert.equal(unknown.status, 400);
    assert.match(((await unknown.json()) as { message: string }).message, /There is no lesson "no-such-lesson"/);
    const res = await post(STAFF_CLASSES_PATH, who.teacher!, body);
    assert.equal(res.status, 201);
    ctx.made = (await res.json()) as ClassSummary;
    assert.match(ctx.made.code, /^[A-HJ-KM-NP-Z2-9]{6}$/);
    assert.deepEqual([ctx.made.capacity, ctx.made.working, ctx.made.joined, ctx.made.teacher], [3, 0, 0, TEACHER.name]);
    const others = (await (await get(STAFF_CLASSES_PATH, who.other)).json()) as { classes: ClassSummary[] };
    assert.equal(others.classes.some((c) => c.id === ctx.made.id), false);
    assert.equal((await get(staffClassPath(ctx.made.id), who.other)).status, 404);
  });

  test('three students join from one address with the code and their names; a fourth finds the class full; a wrong code is 404', async () => {
    const info = (await (await get(classInfoPath(ctx.made.code))).json()) as ClassInfo;
    assert.equal(info.name, `Docker 101 ${tag}`);
    assert.deepEqual(info.lessons.map((l) => l.id), ['first-container', 'images']);
    assert.equal(info.open, true);
    assert.equal((await get(classInfoPath('ZZZZZZ'))).status, 404);
    const noName = await post(classJoinPath(ctx.made.code), { [LEARNER_HEADER]: learner() }, { name: '  ' });
    assert.equal(noName.status, 400);

    for (const name of ['Ana', 'Ben', '=HYPERLINK("http://x")']) {
      const id = learner();
      const res = await post(classJoinPath(ctx.made.code), { [LEARNER_HEADER]: id }, { name });
      assert.equal(res.status, 201, await res.clone().text());
      const s = (await res.json()) as CreatedSession;
      const term = await TerminalClient.connect(ctx.server, s);
      ctx.students.push({ name, learner: id, s, term });
    }
    await Promise.all(ctx.students.map((st) => st.term.ready(60_000)));
    const again = await post(classJoinPath(ctx.made.code), { [LEARNER_HEADER]: ctx.students[0]!.learner }, { name: 'Ana' });
    assert.equal(again.status, 409, 'the same browser, while its session lives');
    const full = await post(classJoinPath(ctx.made.code), { [LEARNER_HEADER]: learner() }, { name: 'Dan' });
    assert.equal(full.status, 409);
    assert.equal(((await full.json()) as { message: string }).message, 'This class is full (3 students). Ask your teacher.');
    const d = await dashboard();
    assert.deepEqual(d.students.map((s) => s.name), ['Ana', 'Ben', '=HYPERLINK("http://x")']);
    assert.equal(d.class.working, 3);
  });

  test("a student's step ticks on the teacher's grid; the teacher watches and joins that terminal, the student is told", async () => {
    const ana = ctx.students[0]!;
    await ctx.server.berth.lessons.setLesson(ana.s.id, ana.learner, 'first-container', 'run-hello', 'en');
    ana.term.type('docker run hello-world\r');
    await ana.term.waitForEvent((e) => e.type === 'step' && e.step === 'run-hello' && e.done, 30_000, 'the step ticked');
    const d = await eventually(async () => {
      const got = await dashboard();
      assert.equal(got.students[0]!.cells[0], 'done');
      // The command's end is told once the shell's prompt is back, which may be just after the tick.
      assert.match(got.students[0]!.lastCommand?.line ?? '', /^docker run hello-world/);
      return got;
    }, 5000);
    assert.equal(d.steps[0]!.step, 'run-hello');
    assert.equal(d.students[0]!.lastCommand?.exit, 0);
    assert.deepEqual(d.students[1]!.cells.filter((c) => c === 'done'), []);

    const watcher = await TerminalClient.watchAsStaff(ctx.server, ana.s.id, as(who.teacher!), { join: true });
    const from = ana.term.events.length;
    await ana.term.waitFor(() => ana.term.events.slice(from).find((e) => e.type === 'watchers' && e.typing.includes(TEACHER.name)), 10_000, 'the student told the teacher joined');
    watcher.type('echo "hi from $((1+1)) teachers"\r');
    await ana.term.waitForText(/hi from 2 teachers/);
    await watcher.close();
    for (const stranger of [who.other!, who.interviewer!]) {
      const w = await TerminalClient.watchAsStaff(ctx.server, ana.s.id, as(stranger));
      assert.equal((await w.waitFor(() => w.closeInfo, 10_000, 'refused')).code, CloseCode.notFound);
    }
  });

  test('a broadcast reaches every student; more time moves every end; the CSV lists the ticks, a name never a formula', async () => {
    const froms = ctx.students.map((st) => st.term.events.length);
    const sent = await post(staffClassBroadcastPath(ctx.made.id), who.teacher!, { message: 'Five minutes left on this step' });
    assert.deepEqual(await sent.json(), { reached: 3 });
    await Promise.all(
      ctx.students.map((st, i) =>
        st.term.waitFor(() => st.term.events.slice(froms[i]).find((e) => e.type === 'broadcast' && e.message === 'Five minutes left on this step' && e.from === TEACHER.name), 10_000, 'the broadcast'),
      ),
    );
    assert.equal((await post(staffClassBroadcastPath(ctx.made.id), who.other!, { message: 'hi' })).status, 404);

    const before = ctx.students.map((st) => ctx.server.berth.sessions.get(st.s.id)!.expiresAt);
    assert.deepEqual(await (await post(staffClassExtendPath(ctx.made.id), who.teacher!, { minutes: 15 })).json(), { extended: 3 });
    ctx.students.forEach((st, i) => assert.equal(ctx.server.berth.sessions.get(st.s.id)!.expiresAt - before[i]!, 15 * 60_000));
    const byStudent = await post(`/api/sessions/${ctx.students[1]!.s.id}/extend`, { authorization: `Bearer ${ctx.students[1]!.s.token}` });
    assert.equal(byStudent.status, 409);

    const csv = await get(staffClassCsvPath(ctx.made.id), who.teacher);
    assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
    const lines = (await csv.text()).trimEnd().split('\r\n');
    assert.equal(lines[0], 'student,lesson,step,done');
    assert.ok(lines.includes('Ana,first-container,run-hello,yes'), lines.join('\n'));
    assert.ok(lines.includes('Ben,first-container,run-hello,no'));
    assert.ok(lines.includes(`"'=HYPERLINK(""http://x"")",first-container,run-hello,no`), lines.join('\n'));
  });

  test("the teacher resets a student's step and gives another a fresh sandbox, ticks kept; another teacher can do neither", async () => {
    const [ana, ben] = [ctx.students[0]!, ctx.students[1]!];
    const stepPath = staffClassResetStepPath(ctx.made.id, ben.s.id);
    const none = await post(stepPath, who.teacher!);
    assert.equal(none.status, 409, 'no step open yet');
    assert.match(((await none.json()) as { message: string }).message, /has no lesson step open yet/);
    await ctx.server.berth.lessons.setLesson(ben.s.id, ben.learner, 'first-container', 'run-hello', 'en');
    assert.equal((await post(stepPath, who.other!)).status, 404);
    const from = ben.term.events.length;
    const reset = await post(stepPath, who.teacher!);
    assert.deepEqual(await reset.json(), { lesson: 'first-container', step: 'run-hello' });
    await ben.term.waitFor(
      () => ben.term.events.slice(from).find((e) => e.type === 'broadcast' && e.from === TEACHER.name && e.message === 'Your teacher reset this step (run-hello): its set-up has run again.'),
      10_000,
      'the student told',
    );

    const sandboxPath = staffClassResetSandboxPath(ctx.made.id, ana.s.id);
    assert.equal((await post(sandboxPath, who.other!)).status, 404);
    assert.equal((await post(staffClassResetSandboxPath(ctx.made.id, 'zzzzzzzzz'), who.teacher!)).status, 404);
    assert.deepEqual(await (await post(sandboxPath, who.teacher!)).json(), { reset: true });
    const ended = await ana.term.waitForEvent((e) => e.type === 'status' && e.state === 'ended', 15_000, 'ended');
    assert.equal(ended.type === 'status' && ended.message, 'Your teacher gave you a fresh sandbox: press Start a new session to go on. Your ticked steps are kept.');
    assert.equal(ended.type === 'status' && ended.reason, 'ended-by-staff');
    await ana.term.close();
    const again = await post(classJoinPath(ctx.made.code), { [LEARNER_HEADER]: ana.learner }, { name: 'Ana' });
    assert.equal(again.status, 201, 'the same browser joins again');
    ana.s = (await again.json()) as CreatedSession;
    ana.term = await TerminalClient.connect(ctx.server, ana.s);
    await ana.term.ready(60_000);
    const d = await dashboard();
    assert.deepEqual(d.students.map((st) => st.session), [ana.s.id, ben.s.id, ctx.students[2]!.s.id]);
    assert.equal(d.students[0]!.cells[0], 'done', 'her tick is kept');
    assert.equal(d.class.working, 3);
  });

  test('the teacher ends the class: every student\'s session ends, and their page says why', async () => {
    assert.deepEqual(await (await post(staffClassEndPath(ctx.made.id), who.teacher!)).json(), { ended: 3 });
    for (const st of ctx.students) {
      const ended = await st.term.waitForEvent((e) => e.type === 'status' && e.state === 'ended', 15_000, 'ended');
      assert.equal(ended.type === 'status' && ended.message, 'Your teacher ended the class.');
    }
    const d = await dashboard();
    assert.equal(d.class.working, 0);
    assert.deepEqual(d.students.map((s) => s.session), [null, null, null]);
  });
});
