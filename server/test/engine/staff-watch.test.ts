// An admin watches a visitor's terminal read-only, on a real sandbox: from the start of the scrollback, live,
// never typing; the visitor's page is told by name; the wrong role, no sign-in, another site and a watcher's
// keystrokes are all refused; the session's end closes the watcher. With BERTH_RECORD=terminals the terminal
// is recorded (the owner's and a helper's typing told apart), sealed at the end, and only an admin downloads it.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CloseCode, STAFF_CHECK_HEADER, STAFF_LIVE_SESSIONS_PATH, STAFF_SIGN_IN_PATH, type LiveSessionSummary, type RecordingSummary, type ServerEvent, type SignInResponse, STAFF_RECORDINGS_PATH, staffRecordingPath } from '@berth/shared';
import { hashPassword } from '../../src/people/passwords.js';
import { checkCast, verifySeal } from '../../src/recordings/cast-format.js';
import { createSession, eventually, startTestServer, TerminalClient, type CreatedSession, type TestServer } from '../helpers.js';

type Who = { cookie: string; check: string };
type WatchersEvent = Extract<ServerEvent, { type: 'watchers' }>;

/** The next `watchers` event the visitor's page gets after its first `from` events that says `what`. */
const nextWatchers = (term: TerminalClient, from: number, pred: (e: WatchersEvent) => boolean, what: string) =>
  term.waitFor(() => term.events.slice(from).find((e): e is WatchersEvent => e.type === 'watchers' && pred(e)), 10_000, what);
const tag = crypto.randomBytes(3).toString('hex');
const ADMIN = { email: `watch-admin-${tag}@e2e.invalid`, name: 'Ada Watcher', password: `admin password ${tag}` };
const TEACHER = { email: `watch-teacher-${tag}@e2e.invalid`, name: 'Tom Teacher', password: `teacher password ${tag}` };

describe('staff watch a terminal', () => {
  const ctx = {} as { server: TestServer; session: CreatedSession; term: TerminalClient };
  const who = {} as { admin: Who; teacher: Who };
  const ourSessions: string[] = [];

  async function signIn(account: typeof ADMIN): Promise<Who> {
    const res = await fetch(`${ctx.server.url}${STAFF_SIGN_IN_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: account.email, password: account.password }) });
    assert.equal(res.status, 200);
    return { cookie: res.headers.getSetCookie()[0]!.split(';')[0]!, check: ((await res.json()) as SignInResponse).check };
  }

  before(async () => {
    ctx.server = await startTestServer({ BERTH_RECORD: 'terminals' });
    ctx.session = await createSession(ctx.server);
    ourSessions.push(ctx.session.id);
    ctx.term = await TerminalClient.connect(ctx.server, ctx.session);
    await ctx.term.ready();
    const staff = ctx.server.berth.staff;
    await staff.create({ email: ADMIN.email, name: ADMIN.name, role: 'admin', passwordHash: await hashPassword(ADMIN.password) });
    await staff.create({ email: TEACHER.email, name: TEACHER.name, role: 'teacher', passwordHash: await hashPassword(TEACHER.password) });
    who.admin = await signIn(ADMIN);
    who.teacher = await signIn(TEACHER);
  });
  after(async () => {
    await ctx.server?.berth.staff.remove(ADMIN.email);
    await ctx.server?.berth.staff.remove(TEACHER.email);
    await ctx.term?.close();
    await ctx.server?.close();
    // Every session of this server was recorded: its recordings go with the test.
    const folder = ctx.server?.config.recordingsDir;
    for (const name of folder && fs.existsSync(folder) ? fs.readdirSync(folder) : []) {
      if (ourSessions.some((id) => name.startsWith(`${id}-`))) fs.rmSync(path.join(folder!, name));
    }
  });

  test('an admin lists the live sessions and watches one from its scrollback, live; the visitor is told who watches, and when they leave', async () => {
    const { server, session, term } = ctx;
    await term.run('echo before-the-watcher');
    await term.waitForEvent((e) => e.type === 'command' && e.line.startsWith('echo before-the-watcher'), 10_000, 'the command told');
    const list = await fetch(`${server.url}${STAFF_LIVE_SESSIONS_PATH}`, { headers: { cookie: who.admin.cookie, [STAFF_CHECK_HEADER]: who.admin.check } });
    assert.equal(list.status, 200);
    const mine = ((await list.json()) as { sessions: LiveSessionSummary[] }).sessions.find((s) => s.id === session.id);
    assert.ok(mine, 'the session is listed');
    assert.equal(mine.lastCommand?.line.startsWith('echo before-the-watcher'), true);
    assert.equal(mine.lastCommand?.exit, 0);

    const seen = term.events.length;
    const watcher = await TerminalClient.watchAsStaff(server, session.id, who.admin);
    await watcher.waitForText(/before-the-watcher/);
    await nextWatchers(term, seen, (e) => e.names.includes(ADMIN.name) && e.typing.length === 0, 'the visitor told the admin watches, not types');

    await term.run('echo typed-while-watched');
    await watcher.waitForText(/typed-while-watched/);
    await watcher.waitForEvent((e) => e.type === 'command' && e.line.includes('typed-while-watched'), 10_000, 'the command seen by the watcher');

    // A watcher's keystrokes never reach the shell: it is told so, and the visitor's screen shows nothing of it.
    watcher.type('echo from-the-watcher\r');
    await watcher.waitForEvent((e) => e.type === 'error' && /read-only/.test(e.message), 10_000, 'read-only refusal');
    await term.run('echo still-only-the-visitor');
    assert.doesNotMatch(term.text, /from-the-watcher/);

    const beforeLeaving = term.events.length;
    await watcher.close();
    await nextWatchers(term, beforeLeaving, (e) => e.names.length === 0, 'the visitor told nobody watches any more');
  });

  test('an admin who joins types into the visitor’s shell; the visitor is told who can type; a teacher cannot join', async () => {
    const { server, session, term } = ctx;
    // Not one of the teacher's students: no such session, to them.
    const teacher = await TerminalClient.watchAsStaff(server, session.id, who.teacher, { join: true });
    assert.equal((await teacher.waitFor(() => teacher.closeInfo, 10_000, 'refused')).code, CloseCode.notFound);
    const seen = term.events.length;
    const helper = await TerminalClient.watchAsStaff(server, session.id, who.admin, { join: true });
    await nextWatchers(term, seen, (e) => e.typing.includes(ADMIN.name), 'the visitor told the admin can type');
    helper.type('echo "typed by $((6*7)) staff"\r');
    await term.waitForText(/typed by 42 staff/);
    await helper.waitForText(/typed by 42 staff/);
    await term.waitForEvent((e) => e.type === 'command' && e.line.includes('typed by'), 10_000, "the helper's command, seen by the visitor's page as a command");
    const beforeLeaving = term.events.length;
    await helper.close();
    await nextWatchers(term, beforeLeaving, (e) => e.typing.length === 0 && e.names.length === 0, 'nobody typing any more');
  });

  test('a teacher finds no such session (not one of their students), no sign-in 401, another site is refused, and the session ending closes the watcher', async () => {
    const { server } = ctx;
    const other = await createSession(server);
    ourSessions.push(other.id);
    try {
      // A teacher may watch their own class's students only: a visitor's session is none of theirs.
      const teacher = await TerminalClient.watchAsStaff(server, other.id, who.teacher);
      assert.equal((await teacher.waitFor(() => teacher.closeInfo, 10_000, 'refused')).code, CloseCode.notFound);
      await assert.rejects(TerminalClient.watchAsStaff(server, other.id, { cookie: '', check: 'x' }), /HTTP 401/);
      await assert.rejects(TerminalClient.watchAsStaff(server, other.id, { cookie: who.admin.cookie, check: 'not-the-check' }), /HTTP 401/);
      const listed = await fetch(`${server.url}${STAFF_LIVE_SESSIONS_PATH}`, { headers: { cookie: who.teacher.cookie, [STAFF_CHECK_HEADER]: who.teacher.check } });
      assert.equal(listed.status, 403);

      const cross = await TerminalClient.watchAsStaff(server, other.id, who.admin, { headers: { origin: 'https://evil.example' }, join: true });
      const refused = await cross.waitFor(() => cross.closeInfo, 10_000, 'the cross-site socket closed');
      assert.equal(refused.code, CloseCode.unauthorized);

      assert.equal(await server.berth.sessions.get(other.id)!.ready, true);
      const watcher = await TerminalClient.watchAsStaff(server, other.id, who.admin);
      await watcher.waitForEvent((e) => e.type === 'status' && e.state === 'ready', 10_000, 'status ready');
      await fetch(`${server.url}/api/sessions/${other.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${other.token}` } });
      const closed = await watcher.waitFor(() => watcher.closeInfo, 20_000, 'the watcher closed by the end');
      assert.equal(closed.code, CloseCode.sessionEnded);
    } finally {
      await server.berth.sessions.end(other.id, 'ended-by-user');
    }
  });

  test('recorded: the visitor is told; output, typing (whose), commands with exit codes, sealed at the end; only an admin downloads it', async () => {
    const { server } = ctx;
    const asAdmin = { cookie: who.admin.cookie, [STAFF_CHECK_HEADER]: who.admin.check };
    const visitor = await createSession(server);
    ourSessions.push(visitor.id);
    const own = await TerminalClient.connect(server, visitor);
    try {
      await own.ready();
      const told = await own.waitForEvent((e) => e.type === 'recorded', 10_000, 'the recorded notice');
      assert.deepEqual(told, { type: 'recorded', keptDays: 30 });
      await own.run('echo "recorded $((6*7))"');
      // A paste, as xterm.js sends one to a shell that asked for bracketed paste.
      own.type('\x1b[200~echo "pasted $((2+2))"\x1b[201~\r');
      await own.waitForText(/pasted 4/);
      own.type('false\r');
      await own.waitForEvent((e) => e.type === 'command' && e.line === 'false' && e.exit === 1, 10_000, 'false, exit 1');
      const helper = await TerminalClient.watchAsStaff(server, visitor.id, who.admin, { join: true });
      helper.type('echo "helper $((5*5))"\r');
      await own.waitForText(/helper 25/);
      await helper.close();
    } finally {
      await own.close();
      await server.berth.sessions.end(visitor.id, 'ended-by-user');
    }
    const listed = await eventually(async () => {
      const res = await fetch(`${server.url}${STAFF_RECORDINGS_PATH}`, { headers: asAdmin });
      const found = ((await res.json()) as { recordings: RecordingSummary[] }).recordings.find((r) => r.session === visitor.id && r.sha256);
      assert.ok(found, 'the sealed recording listed');
      return found;
    }, 20_000);
    const res = await fetch(`${server.url}${staffRecordingPath(listed.id)}`, { headers: asAdmin });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-disposition') ?? '', /attachment; filename="berth-[a-z0-9-]+\.cast"/);
    const text = await res.text();
    assert.equal(crypto.createHash('sha256').update(text).digest('hex'), listed.sha256);
    const cast = checkCast(text);
    assert.ok(cast.ok, cast.ok ? '' : `not a cast: line ${cast.line}: ${cast.reason}`);
    const output = cast.events.filter((e) => e[1] === 'o').map((e) => e[2]).join('');
    assert.match(output, /recorded 42/);
    assert.match(output, /helper 25/);
    const markers = cast.events.filter((e) => e[1] === 'm').map((e) => e[2]);
    assert.ok(markers.some((m) => /^command `echo "recorded \$\(\(6\*7\)\)".*` exit 0$/.test(m)), markers.join('\n'));
    assert.ok(markers.includes('command `false` exit 1'), 'a failing command and its exit code');
    assert.ok(markers.includes('paste'), 'the paste marked');
    assert.ok(markers.some((m) => /^command `echo "pasted \$\(\(2\+2\)\)"` exit 0$/.test(m)), markers.join('\n'));
    // The helper's typing is marked as theirs, the owner's after it as the owner's again.
    const typed = cast.events.filter((e) => e[1] === 'i' || (e[1] === 'm' && e[2].startsWith('input by')));
    const helperAt = typed.findIndex((e) => e[2] === `input by ${ADMIN.name}`);
    assert.ok(helperAt >= 0, 'the helper input marked');
    assert.match(typed.slice(helperAt + 1).filter((e) => e[1] === 'i').map((e) => e[2]).join(''), /helper/);
    assert.doesNotMatch(typed.slice(0, helperAt).filter((e) => e[1] === 'i').map((e) => e[2]).join(''), /helper/);
    assert.deepEqual(await verifySeal(path.join(server.config.recordingsDir, `${listed.id}.cast`)), { ok: true, sha256: listed.sha256 });

    const asTeacher = { cookie: who.teacher.cookie, [STAFF_CHECK_HEADER]: who.teacher.check };
    assert.equal((await fetch(`${server.url}${staffRecordingPath(listed.id)}`, { headers: asTeacher })).status, 403);
    assert.equal((await fetch(`${server.url}${staffRecordingPath(listed.id)}`)).status, 401);
    assert.equal((await fetch(`${server.url}${STAFF_RECORDINGS_PATH}`, { headers: asTeacher })).status, 403);
    assert.equal((await fetch(`${server.url}${staffRecordingPath('../../etc')}`, { headers: asAdmin })).status, 400);
    assert.equal((await fetch(`${server.url}${staffRecordingPath('aaaaaaaaa-zzzz')}`, { headers: asAdmin })).status, 404);
  });
});
