// A session found again and used from several places (issue 13, items 3 and 5), against real sandboxes:
// extra terminals in the same sandbox whose commands tick lesson steps and fill the history; a second tab
// that watches read-only and gets the terminal when the first goes; and what a stranger holding only the
// session's link (another browser, no token) can do: nothing.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CloseCode, HISTORY_PATH, TERMINAL_PATH, type ServerEvent } from '@berth/shared';
import WebSocket from 'ws';
import { createSession, eventually, startTestServer, TerminalClient, type CreatedSession, type TestServer } from '../helpers.js';

const lessonsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-find-again-'));
function fixture() {
  const dir = path.join(lessonsDir, '01-fixture');
  for (const lang of ['en', 'zh']) fs.mkdirSync(path.join(dir, lang), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'lesson.yaml'),
    `title: {en: Fixture, zh: 练习}
level: beginner
minutes: 2
steps:
  - id: say-hello
    goals:
      - ran: '^echo\\s+hello$'
    solution: [echo hello]
`,
  );
  fs.writeFileSync(path.join(dir, 'en', 'say-hello.md'), '# Say hello\n\nText.\n\n## Hint\n\nA hint.\n');
  fs.writeFileSync(path.join(dir, 'zh', 'say-hello.md'), '# 你好\n\n正文。\n\n## 提示\n\n提示。\n');
}

/** The status and body an HTTP upgrade to `url` is refused with (a websocket that never opens). */
function refusedUpgrade(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('open', () => reject(new Error(`${url} opened`)));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on('error', () => {});
  });
}

/** The close code and reason a websocket to `url` gets. */
function closedWith(url: string): Promise<{ code: number; reason: string; output: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    let output = 0;
    ws.on('message', (_d, isBinary) => void (isBinary && output++));
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString(), output }));
    ws.on('error', () => {});
  });
}

describe('a session found again, with several terminals', () => {
  let server: TestServer;
  let s: CreatedSession;
  let ws: string;
  before(async () => {
    fixture();
    server = await startTestServer({ BERTH_LESSONS: lessonsDir });
    s = await createSession(server, { lesson: 'fixture', lang: 'en' });
    assert.equal(await server.berth.sessions.get(s.id)!.ready, true);
    ws = server.url.replace('http', 'ws');
  });
  after(async () => {
    await server?.close();
    fs.rmSync(lessonsDir, { recursive: true, force: true });
  });

  test('two terminals are two shells in one sandbox; a command typed in the second ticks the step and is in the history', async () => {
    const first = await TerminalClient.connect(server, s);
    await first.ready();
    const put = await fetch(`${server.url}/api/sessions/${s.id}/lesson`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}` },
      body: JSON.stringify({ lesson: 'fixture', step: 'say-hello' }),
    });
    assert.equal(put.status, 200);

    const second = await TerminalClient.connect(server, s, { terminal: 1 });
    await second.ready();
    await first.waitForEvent((e) => e.type === 'terminals' && e.open.join() === '0,1', 10_000, 'the first socket told of terminal 1');
    const pid1 = (await first.run('echo $$')).output.trim();
    const pid2 = (await second.run('echo $$')).output.trim();
    assert.match(pid2, /^\d+$/);
    assert.notEqual(pid1, pid2, 'each terminal has a shell of its own');
    await second.run('echo made-in-two > ~/from-terminal-two');
    assert.match((await first.run('cat ~/from-terminal-two')).output, /^made-in-two$/m, 'both shells are in the same sandbox');

    second.type('echo hello\r');
    const step = await first.waitForEvent((e) => e.type === 'step' && e.done, 15_000, 'the step ticked on the first socket');
    assert.deepEqual(step, { type: 'step', lesson: 'fixture', step: 'say-hello', done: true });
    assert.ok(!second.events.some((e) => e.type === 'step'), 'session-wide events come on the first terminal only');

    const history = await fetch(`${server.url}${HISTORY_PATH(s.id)}`, { headers: { authorization: `Bearer ${s.token}` } });
    assert.equal(history.status, 200);
    assert.match(history.headers.get('content-type') ?? '', /^text\/plain/);
    const lines = (await history.text()).split('\n');
    const order = ['echo made-in-two > ~/from-terminal-two', 'echo hello'].map((c) => lines.findIndex((l) => l.startsWith(c)));
    assert.ok(order[0]! >= 0 && order[1]! > order[0]!, `both terminals' commands, in order: ${lines.join(' | ')}`);

    // Closing the tab ends its shell (and what it started); terminal 0 lives on.
    const closed = await fetch(`${server.url}${TERMINAL_PATH(s.id, 1)}`, { method: 'DELETE', headers: { authorization: `Bearer ${s.token}` } });
    assert.equal(closed.status, 204);
    await second.waitFor(() => second.closeInfo, 10_000, 'the second terminal socket to close');
    assert.deepEqual(second.closeInfo, { code: CloseCode.normal, reason: 'this terminal was closed' });
    await eventually(async () => assert.notEqual((await server.berth.runtime.exec(s.id, ['kill', '-0', pid2])).exitCode, 0, `shell ${pid2} still alive`), 15_000);
    assert.match((await first.run('echo still-here')).output, /^still-here$/m);
    await first.close();
  });

  test('a garbage terminal number gets a 4xx with a reason, and terminal 0 cannot be closed on its own', async () => {
    const auth = { authorization: `Bearer ${s.token}` };
    for (const n of ['4', '9', '999', 'abc', '-1', '1e1']) {
      const res = await fetch(`${server.url}/api/sessions/${s.id}/terminals/${n}`, { headers: auth });
      assert.equal(res.status, 400, `terminal ${n}`);
      assert.match(((await res.json()) as { message: string }).message, /terminal|params\/n/, `terminal ${n} says why`);
    }
    const upgrade = await refusedUpgrade(`${ws}/api/sessions/${s.id}/terminals/7?token=${s.token}`);
    assert.equal(upgrade.status, 400);
    assert.match(upgrade.body, /There is no terminal 7: a session has terminals 0 to 3/);
    const zero = await fetch(`${server.url}/api/sessions/${s.id}/terminals/0`, { method: 'DELETE', headers: auth });
    assert.equal(zero.status, 400);
    assert.match(((await zero.json()) as { message: string }).message, /End session/);
  });

  test('a second tab watching sees the output but cannot type; it gets the terminal when the first tab goes', async () => {
    const first = await TerminalClient.connect(server, s);
    await first.ready();
    await first.waitForEvent((e) => e.type === 'control' && e.controlling, 10_000, 'control');
    const watcher = await TerminalClient.connect(server, s, { watch: true });
    await watcher.waitForEvent((e) => e.type === 'control' && !e.controlling, 10_000, 'watching');

    await first.run('echo shown-to-the-watcher');
    await watcher.waitForText(/shown-to-the-watcher/);
    watcher.type('touch ~/typed-by-a-watcher\r');
    await watcher.waitForEvent((e) => e.type === 'error' && /only watches/.test(e.message), 10_000, 'a refusal');
    assert.notEqual((await first.run('test -e ~/typed-by-a-watcher')).exit, 0, 'what the watcher typed never ran');
    assert.equal(first.closeInfo, undefined, 'the first tab keeps the terminal');

    await first.close();
    await watcher.waitForEvent((e: ServerEvent) => e.type === 'control' && e.controlling, 10_000, 'the terminal handed over');
    assert.match((await watcher.run('echo typed-after-handover')).output, /^typed-after-handover$/m);
    await watcher.close();
  });

  test('a stranger with only the session link (another browser: no token) cannot open, watch, take, close or read it', async () => {
    const tokenless = [
      `${ws}${TERMINAL_PATH(s.id)}`,
      `${ws}${TERMINAL_PATH(s.id)}?watch=1`,
      `${ws}${TERMINAL_PATH(s.id, 1)}?watch=1`,
      `${ws}${TERMINAL_PATH(s.id)}?watch=1&token=${'x'.repeat(s.token.length)}`,
    ];
    for (const url of tokenless) {
      const got = await closedWith(url);
      assert.equal(got.code, CloseCode.unauthorized, url);
      assert.equal(got.output, 0, `${url} got terminal output`);
    }
    assert.equal((await fetch(`${server.url}${HISTORY_PATH(s.id)}`)).status, 401);
    assert.equal((await fetch(`${server.url}${HISTORY_PATH(s.id)}`, { headers: { authorization: 'Bearer not-the-token' } })).status, 401);
    // A page of another site cannot even send the JSON a script would; a script that can is still no owner.
    assert.equal((await fetch(`${server.url}${TERMINAL_PATH(s.id, 1)}`, { method: 'DELETE' })).status, 415);
    const asScript = { method: 'DELETE', headers: { 'content-type': 'application/json' }, body: '{}' };
    assert.equal((await fetch(`${server.url}${TERMINAL_PATH(s.id, 1)}`, asScript)).status, 401);
    // The link itself is the page and nothing else: no token, no session state in it.
    const page = await fetch(`${server.url}/s/${s.id}`);
    assert.equal(page.status, 200, 'the session address is the page (old port links under it get a sentence)');
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.ok(!(await page.text()).includes(s.token), 'the page at the link holds no token');
  });
});
