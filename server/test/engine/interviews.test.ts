// An interview on a real sandbox: an interviewer sends an invite, the candidate (no account) opens the link,
// sees the brief, the time and that it is recorded, starts a session that lasts the interview's time (not
// extendable, not counted against their address), works, and at the time limit the session ends and its
// recording is sealed; the interviewer then finds it on the interview and downloads the .cast. Staff of
// the wrong role, another interviewer, a used or expired link and a flood of wrong links are all refused.
// The interviewer may watch their candidate live (no other interviewer or teacher may).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import {
  CloseCode,
  LEARNER_HEADER,
  STAFF_CHECK_HEADER,
  STAFF_INTERVIEWS_PATH,
  candidateInvitePath,
  candidateStartPath,
  staffInterviewPath,
  staffInterviewRecordingPath,
  type CandidateInvite,
  type CreateInterviewResponse,
  type InterviewSummary,
} from '@berth/shared';
import { hashPassword } from '../../src/people/passwords.js';
import { checkCast, verifySeal } from '../../src/recordings/cast-format.js';
import { createSession, eventually, postJson, signInStaff, startTestServer, TerminalClient, type CreatedSession, type TestServer } from '../helpers.js';

const CHECKS = [
  { title: 'A file answer.txt in the home folder says 42', check: 'grep -qx 42 ~/answer.txt' },
  { title: 'A container named web is running', check: 'test "$(docker inspect -f {{.State.Running}} web 2>/dev/null)" = true' },
];
const tag = crypto.randomBytes(3).toString('hex');
const account = (role: string, name: string) => ({ email: `interview-${role}-${tag}@e2e.invalid`, name, password: `${role} password ${tag}` });
const INTERVIEWER = account('interviewer', 'Iris Interviewer');
const OTHER = account('other', 'Otto Interviewer');
const TEACHER = account('teacher', 'Tess Teacher');
const BRIEF = 'Run a container from **nginx** and show that it answers on port 8080.';

describe('an interview: the invite, the candidate\'s timed and recorded session, the interviewer\'s recording', () => {
  const ctx = {} as { server: TestServer; interview: CreateInterviewResponse; token: string; started: CreatedSession; term: TerminalClient; busy: CreatedSession };
  const who = {} as Record<'interviewer' | 'other' | 'teacher', Record<string, string>>;
  const sessionsOfTest: string[] = [];

  const signIn = async (a: typeof OTHER) => (await signInStaff(ctx.server, a)).headers;
  const post = (url: string, headers: Record<string, string>, body: object = {}) => postJson(ctx.server, url, headers, body);
  const get = (url: string, headers: Record<string, string> = {}) => fetch(`${ctx.server.url}${url}`, { headers });

  before(async () => {
    // One live session per address: the candidate's address is "full" before they start, as behind a NAT.
    ctx.server = await startTestServer({ BERTH_MAX_SESSIONS_PER_ADDRESS: '1' });
    const staff = ctx.server.berth.staff;
    await staff.create({ email: INTERVIEWER.email, name: INTERVIEWER.name, role: 'interviewer', passwordHash: await hashPassword(INTERVIEWER.password) });
    await staff.create({ email: OTHER.email, name: OTHER.name, role: 'interviewer', passwordHash: await hashPassword(OTHER.password) });
    await staff.create({ email: TEACHER.email, name: TEACHER.name, role: 'teacher', passwordHash: await hashPassword(TEACHER.password) });
    who.interviewer = await signIn(INTERVIEWER);
    who.other = await signIn(OTHER);
    who.teacher = await signIn(TEACHER);
  });

  after(async () => {
    // Removing the accounts removes their interviews (ON DELETE CASCADE); the recordings go with the test.
    for (const a of [INTERVIEWER, OTHER, TEACHER]) await ctx.server?.berth.staff.remove(a.email);
    await ctx.term?.close();
    await ctx.server?.close();
    const folder = ctx.server?.config.recordingsDir;
    for (const name of folder && fs.existsSync(folder) ? fs.readdirSync(folder) : []) {
      if (sessionsOfTest.some((id) => name.startsWith(`${id}-`))) fs.rmSync(path.join(folder!, name));
    }
  });

  test('only an interviewer (or admin) creates an invite, with a task and a time; the link is given once', async () => {
    assert.equal((await post(STAFF_INTERVIEWS_PATH, {}, { brief: BRIEF, minutes: 30 })).status, 401);
    const byTeacher = await post(STAFF_INTERVIEWS_PATH, who.teacher!, { brief: BRIEF, minutes: 30 });
    assert.equal(byTeacher.status, 403);
    assert.match(((await byTeacher.json()) as { message: string }).message, /interviewer account; yours is teacher/);
    const noTask = await post(STAFF_INTERVIEWS_PATH, who.interviewer!, { minutes: 30 });
    assert.equal(noTask.status, 400);
    assert.equal(((await noTask.json()) as { message: string }).message, 'An interview needs a task: a lesson, a brief, or both.');
    assert.equal((await post(STAFF_INTERVIEWS_PATH, who.interviewer!, { brief: BRIEF, minutes: 2 })).status, 400, 'under 5 minutes');
    const noLesson = await post(STAFF_INTERVIEWS_PATH, who.interviewer!, { lesson: 'no-such-lesson', minutes: 30 });
    assert.equal(noLesson.status, 400);
    assert.match(((await noLesson.json()) as { message: string }).message, /There is no lesson "no-such-lesson"/);

    const noScript = await post(STAFF_INTERVIEWS_PATH, who.interviewer!, { brief: BRIEF, minutes: 30, checks: [{ title: 'Something', check: '  ' }] });
    assert.equal(noScript.status, 400);
    assert.equal(((await noScript.json()) as { message: string }).message, 'Check 1 needs both a title and a script.');
    const res = await post(STAFF_INTERVIEWS_PATH, who.interviewer!, { brief: BRIEF, minutes: 30, candidateName: 'Cara Candidate', checks: CHECKS });
    assert.equal(res.status, 201);
    ctx.interview = (await res.json()) as CreateInterviewResponse;
    const link = new RegExp(`^${ctx.server.url.replace(/[.]/g, '\\.')}/i/([A-Za-z0-9_-]{32})$`).exec(ctx.interview.link);
    assert.ok(link, ctx.interview.link);
    ctx.token = link[1]!;
    assert.equal(ctx.interview.state, 'invited');
    assert.equal(ctx.interview.interviewer, INTERVIEWER.name);

    const mine = (await (await get(STAFF_INTERVIEWS_PATH, who.interviewer)).json()) as { interviews: InterviewSummary[] };
    assert.deepEqual(mine.interviews.map((i) => i.id), [ctx.interview.id]);
    assert.equal(JSON.stringify(mine).includes(ctx.token), false, 'the link is not shown again');
    const others = (await (await get(STAFF_INTERVIEWS_PATH, who.other)).json()) as { interviews: InterviewSummary[] };
    assert.deepEqual(others.interviews, [], "another interviewer's list");
    assert.equal((await get(staffInterviewPath(ctx.interview.id), who.other)).status, 404, "another interviewer's view of it");
  });

  test('the candidate sees the brief, the time and that it is recorded; the session lasts the interview\'s time, beside a full address, and is not extended', async () => {
    const { server } = ctx;
    ctx.busy = await createSession(server);
    sessionsOfTest.push(ctx.busy.id);
    const refused = await post('/api/sessions', {});
    assert.equal(refused.status, 429, 'this address holds all it may');

    const invite = (await (await get(candidateInvitePath(ctx.token))).json()) as CandidateInvite;
    assert.deepEqual(invite, {
      candidateName: 'Cara Candidate',
      brief: BRIEF,
      briefHtml: '<p>Run a container from <strong>nginx</strong> and show that it answers on port 8080.</p>\n',
      lesson: null,
      checks: CHECKS.map((c) => c.title),
      minutes: 30,
      lang: 'en',
      state: 'invited',
      recorded: true,
    });
    assert.equal((await get(candidateInvitePath('A'.repeat(32)))).status, 404);

    const before = Date.now();
    const res = await post(candidateStartPath(ctx.token), {});
    assert.equal(res.status, 201, await res.clone().text());
    ctx.started = (await res.json()) as CreatedSession;
    sessionsOfTest.push(ctx.started.id);
    const ends = Date.parse(ctx.started.expiresAt) - before;
    assert.ok(ends > 29 * 60_000 && ends <= 31 * 60_000, `ends in ${ends} ms`);
    const again = await post(candidateStartPath(ctx.token), {});
    assert.equal(again.status, 409);
    assert.match(((await again.json()) as { message: string }).message, /already been started/);

    ctx.term = await TerminalClient.connect(server, ctx.started);
    await ctx.term.ready(60_000);
    await ctx.term.waitForEvent((e) => e.type === 'recorded', 10_000, 'the candidate told the terminal is recorded');
    const lifetime = ctx.term.events.find((e) => e.type === 'lifetime');
    assert.ok(lifetime && lifetime.type === 'lifetime' && lifetime.extensionsLeft === 0 && !lifetime.canExtend, JSON.stringify(lifetime));
    assert.equal(lifetime.idleExpiresAt, lifetime.expiresAt, 'no idle end before the time limit');
    const extend = await post(`/api/sessions/${ctx.started.id}/extend`, { authorization: `Bearer ${ctx.started.token}` });
    assert.equal(extend.status, 409);
    assert.equal(((await extend.json()) as { message: string }).message, 'An interview lasts the time its interviewer set; it cannot be extended.');

    // The interviewer watches live; another interviewer finds no such session; the candidate is told who watches.
    const as = (w: Record<string, string>) => ({ cookie: w.cookie!, check: w[STAFF_CHECK_HEADER]! });
    const watcher = await TerminalClient.watchAsStaff(server, ctx.started.id, as(who.interviewer!));
    await ctx.term.run('echo "watched $((6*7))"');
    await watcher.waitForText(/watched 42/);
    await ctx.term.waitForEvent((e) => e.type === 'watchers' && e.names.includes(INTERVIEWER.name), 10_000, 'the candidate told who watches');
    await watcher.close();
    const stranger = await TerminalClient.watchAsStaff(server, ctx.started.id, as(who.other!));
    assert.equal((await stranger.waitFor(() => stranger.closeInfo, 10_000, 'refused')).code, CloseCode.notFound);
    const teacher = await TerminalClient.watchAsStaff(server, ctx.started.id, as(who.teacher!));
    assert.equal((await teacher.waitFor(() => teacher.closeInfo, 10_000, 'refused')).code, CloseCode.notFound, 'a teacher: not their student');

    const working = (await (await get(staffInterviewPath(ctx.interview.id), who.interviewer)).json()) as InterviewSummary;
    assert.equal(working.state, 'working');
    assert.equal(working.session, ctx.started.id);
    assert.equal((await get(staffInterviewRecordingPath(ctx.interview.id), who.interviewer)).status, 404, 'no recording until it ends');
  });

  test('at the time limit the session ends and its recording is sealed; the interviewer downloads the .cast (commands, one pasted, a check met), nobody else does', async () => {
    const { server, term } = ctx;
    for (const line of ['echo "first $((1+1))"', 'false', 'echo 42 > answer.txt']) {
      const from = term.events.length;
      term.type(`${line}\r`);
      await term.waitFor(() => term.events.slice(from).find((e) => e.type === 'command' && e.line === line), 10_000, `${line} told`);
    }
    term.type('\x1b[200~echo "pasted $((2+2))"\x1b[201~\r');
    await term.waitForText(/pasted 4/);
    await term.waitForEvent((e) => e.type === 'command' && e.line.includes('pasted'), 10_000, 'the pasted command told');

    await eventually(async () => {
      const s = (await (await get(staffInterviewPath(ctx.interview.id), who.interviewer)).json()) as InterviewSummary;
      assert.ok(s.checks[0]!.metAt, 'the check met after the command that made it true');
    }, 15_000);

    // Thirty minutes on: the server's own lifetime check ends it.
    await server.berth.sessions.expire(Date.now() + 31 * 60_000);
    await term.waitForEvent((e) => e.type === 'status' && e.state === 'ended' && e.reason === 'expired', 10_000, 'ended at the time limit');

    const done = await eventually(async () => {
      const s = (await (await get(staffInterviewPath(ctx.interview.id), who.interviewer)).json()) as InterviewSummary;
      assert.equal(s.state, 'done');
      assert.ok(s.recording, 'sealed');
      return s;
    }, 15_000);
    assert.ok(done.endedAt && done.startedAt && Date.parse(done.endedAt) >= Date.parse(done.startedAt));

    const res = await get(staffInterviewRecordingPath(ctx.interview.id), who.interviewer);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-disposition') ?? '', new RegExp(`berth-interview-${ctx.interview.id}\\.cast`));
    const cast = checkCast(await res.text());
    assert.ok(cast.ok, cast.ok ? '' : `not a cast: line ${cast.line}: ${cast.reason}`);
    const markers = cast.events.filter((e) => e[1] === 'm').map((e) => e[2]);
    assert.ok(markers.includes('command `echo "first $((1+1))"` exit 0'), markers.join('\n'));
    assert.ok(markers.includes('command `false` exit 1'), markers.join('\n'));
    assert.ok(markers.includes('paste'), 'the paste marked');
    assert.ok(markers.includes(`check ${CHECKS[0]!.title} met`), markers.join('\n'));
    assert.equal(markers.filter((m) => m.startsWith('check ')).length, 1, 'the unmet check has no marker');
    assert.ok(done.checks[0]!.metAt && Date.parse(done.checks[0]!.metAt) >= Date.parse(done.startedAt));
    assert.deepEqual(done.checks.map((c) => [c.title, c.metAt === null]), [[CHECKS[0]!.title, false], [CHECKS[1]!.title, true]]);
    assert.ok(markers.some((m) => /^command `echo "pasted \$\(\(2\+2\)\)"` exit 0$/.test(m)), markers.join('\n'));
    const sealed = await verifySeal(path.join(server.config.recordingsDir, `${done.recording}.cast`));
    assert.equal(sealed.ok, true);

    assert.equal((await get(staffInterviewRecordingPath(ctx.interview.id), who.other)).status, 404, 'another interviewer');
    assert.equal((await get(staffInterviewRecordingPath(ctx.interview.id), who.teacher)).status, 403, 'a teacher');
    assert.equal((await get(staffInterviewRecordingPath(ctx.interview.id))).status, 401, 'nobody signed in');
    const invite = (await (await get(candidateInvitePath(ctx.token))).json()) as CandidateInvite;
    assert.equal(invite.state, 'done');
    assert.equal((await post(candidateStartPath(ctx.token), {})).status, 409, 'a finished interview does not start again');
  });

  test('a link past its expiry says so (410), and a flood of wrong links from one address is stopped (429)', async () => {
    const res = await post(STAFF_INTERVIEWS_PATH, who.interviewer!, { brief: BRIEF, minutes: 10, linkDays: 1 });
    const late = (await res.json()) as CreateInterviewResponse;
    const token = late.link.split('/i/')[1]!;
    const db = new Database(ctx.server.config.databaseFile);
    db.prepare('UPDATE interview SET link_expires_at = ? WHERE id = ?').run(Date.now() - 1, late.id);
    db.close();
    assert.equal(((await (await get(candidateInvitePath(token))).json()) as CandidateInvite).state, 'link expired');
    const start = await post(candidateStartPath(token), {});
    assert.equal(start.status, 410);
    assert.equal(((await start.json()) as { message: string }).message, 'This interview link has expired. Ask your interviewer for a new one.');

    // 10 wrong links per browser in 15 minutes (and 300 per address: class-code-guessing.test.ts).
    const guesser = { [LEARNER_HEADER]: crypto.randomBytes(18).toString('base64url') };
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await get(candidateInvitePath(crypto.randomBytes(24).toString('base64url')), guesser)).status);
    assert.deepEqual([...new Set(statuses.slice(0, 10))], [404]);
    assert.deepEqual(statuses.slice(10), [429]);
    const flooded = await get(candidateInvitePath(token), guesser);
    assert.equal(flooded.status, 429, 'a right link waits too, from that browser');
    assert.match(((await flooded.json()) as { message: string }).message, /^Too many wrong interview links from this browser\. Try again in \d+ min\.$/);
    assert.equal(((await (await get(candidateInvitePath(token))).json()) as CandidateInvite).state, 'link expired', 'another browser at that address is not held up');
  });
});
