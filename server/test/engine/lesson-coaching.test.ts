// Steps tick themselves off from what the learner types in the real terminal; mistakes get their message;
// progress survives a server restart. Uses a small fixture lesson so it tests the engine, not the content.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LEARNER_HEADER, type ServerEvent } from '@berth/shared';
import { startTestServer, TerminalClient, type TestServer } from '../helpers.js';

const lessonsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-lessons-'));
function fixture() {
  const dir = path.join(lessonsDir, '01-fixture');
  for (const lang of ['en', 'zh']) fs.mkdirSync(path.join(dir, lang), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'lesson.yaml'),
    `title: {en: Fixture, zh: 练习}
level: beginner
minutes: 2
setup: touch ~/.setup-ran
steps:
  - id: say-hello
    goals:
      - ran: '^echo\\s+hello$'
    solution: [echo hello]
    mistakes:
      - match: '^echo\\s+helo'
        message: {en: Hello has two l's., zh: hello 有两个 l。}
  - id: make-file
    goals:
      - check: test -f ~/made-by-learner
    solution: [touch ~/made-by-learner]
`,
  );
  for (const [step, title] of [['say-hello', 'Say hello'], ['make-file', 'Make a file']]) {
    fs.writeFileSync(path.join(dir, 'en', `${step}.md`), `# ${title}\n\nText.\n\n\`\`\`sh run\necho hello\n\`\`\`\n\n## Hint\n\nA hint.\n`);
    fs.writeFileSync(path.join(dir, 'zh', `${step}.md`), `# 标题 ${step}\n\n正文。\n\n## 提示\n\n提示。\n`);
  }
}

describe('lesson coaching', () => {
  let server: TestServer;
  before(async () => {
    fixture();
    server = await startTestServer({ BERTH_LESSONS: lessonsDir });
  });
  after(async () => {
    await server?.close();
    fs.rmSync(lessonsDir, { recursive: true, force: true });
  });

  test('the catalog and lesson texts in both languages; bad ids and languages get a 4xx', async () => {
    const en = await (await fetch(`${server.url}/api/lessons`)).json();
    assert.deepEqual(en, [{ id: 'fixture', title: 'Fixture', description: '', level: 'beginner', minutes: 2, needs: [], stepCount: 2 }]);
    const zh = await (await fetch(`${server.url}/api/lessons/fixture?lang=zh`)).json();
    assert.equal(zh.title, '练习');
    assert.equal(zh.steps[0].title, '标题 say-hello');
    const view = await (await fetch(`${server.url}/api/lessons/fixture`)).json();
    assert.match(view.steps[0].html, /<pre data-runnable="true"><code class="language-sh">echo hello\n?<\/code><\/pre>/);
    assert.match(view.steps[0].hintHtml, /A hint/);
    assert.equal((await fetch(`${server.url}/api/lessons/nope`)).status, 404);
    assert.equal((await fetch(`${server.url}/api/lessons/fixture?lang=fr`)).status, 400);
    assert.equal((await fetch(`${server.url}/api/lessons/..%2F..%2Fetc`)).status, 400);
  });

  test('a mistake gets its message, the right command ticks the step, a check goal ticks the next, progress is kept', async () => {
    const learner = { [LEARNER_HEADER]: `learner-of-the-fixture-${crypto.randomBytes(4).toString('hex')}` };
    const created = await fetch(`${server.url}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json', ...learner }, body: '{"lesson":"fixture","lang":"en"}' });
    const s = await created.json();
    const term = await TerminalClient.connect(server, s);
    await term.ready();
    const put = await fetch(`${server.url}/api/sessions/${s.id}/lesson`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}` },
      body: JSON.stringify({ lesson: 'fixture', step: 'say-hello' }),
    });
    assert.equal(put.status, 200);
    assert.deepEqual(await put.json(), { lesson: 'fixture', done: [], current: 'say-hello', finished: false });
    assert.match((await term.run('ls -a ~')).output, /\.setup-ran/, 'the lesson setup ran in the sandbox');

    const steps = () => term.events.filter((e): e is Extract<ServerEvent, { type: 'step' }> => e.type === 'step');
    term.type('echo helo\r');
    const mistake = await term.waitForEvent((e) => e.type === 'step' && !e.done);
    assert.deepEqual(mistake, { type: 'step', lesson: 'fixture', step: 'say-hello', done: false, message: "Hello has two l's.", kind: 'mistake' });
    term.type('echo hello\r');
    await term.waitForEvent((e) => e.type === 'step' && e.step === 'say-hello' && e.done);
    // The server moved on by itself: the check goal of the next step is watched now.
    term.type('touch ~/made-by-learner\r');
    await term.waitForEvent((e) => e.type === 'step' && e.step === 'make-file' && e.done);
    assert.deepEqual(steps().map((e) => [e.step, e.done]), [['say-hello', false], ['say-hello', true], ['make-file', true]]);

    const progress = await (await fetch(`${server.url}/api/progress`, { headers: learner })).json();
    assert.deepEqual(progress.fixture, { lesson: 'fixture', done: ['say-hello', 'make-file'], current: 'make-file', finished: true });
    await term.close();
    await server.berth.sessions.end(s.id, 'ended-by-user');

    // Another server on the same data (a restart) still knows this learner's progress.
    const again = await startTestServer({ BERTH_LESSONS: lessonsDir, BERTH_INSTANCE: server.config.instance });
    try {
      const kept = await (await fetch(`${again.url}/api/progress`, { headers: learner })).json();
      assert.deepEqual(kept.fixture.done, ['say-hello', 'make-file']);
      const stranger = await (await fetch(`${again.url}/api/progress`)).json();
      assert.deepEqual(stranger, {});
    } finally {
      await again.close();
    }
  });
});
