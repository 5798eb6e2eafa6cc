// Issue 13, items 2 and 4, in real sandboxes through the real terminal: Run on a half-typed line and into a
// busy program, Skip with the step's solve, Check my work, a failing command's generic line, and a step
// opened first mid-lesson (its earlier steps redone, no free tick). A small fixture lesson: it tests the
// machinery, not the catalog (`berth lessons test` plays the catalog, skips and deep links included).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import type { CheckStepResponse, ServerEvent, SetLessonResponse } from '@berth/shared';
import { createSession, startTestServer, TerminalClient, type TestServer } from '../helpers.js';

const lessonsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-lessons-'));
function fixture() {
  const dir = path.join(lessonsDir, '01-boxes');
  for (const lang of ['en', 'zh']) fs.mkdirSync(path.join(dir, lang), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'lesson.yaml'),
    `title: {en: Boxes, zh: 盒子}
level: beginner
minutes: 2
steps:
  - id: make-box
    goals:
      - ran: '^touch\\s+~/box$'
      - check: test -f ~/box
        explain: {en: There is no file ~/box yet., zh: 还没有 ~/box 这个文件。}
    solution: [touch ~/box]
  - id: clean-up
    goals:
      - check: '! test -e ~/box'
        explain: {en: ~/box is still there - remove it with rm ~/box., zh: ~/box 还在，用 rm ~/box 删除它。}
    solution: [rm ~/box]
`,
  );
  for (const step of ['make-box', 'clean-up']) {
    fs.writeFileSync(path.join(dir, 'en', `${step}.md`), `# ${step}\n\n\`\`\`sh run\necho ${step}\n\`\`\`\n\nWhat you see.\n\n## Hint\n\nA hint.\n`);
    fs.writeFileSync(path.join(dir, 'zh', `${step}.md`), `# ${step}\n\n正文。\n\n## 提示\n\n提示。\n`);
  }
}

describe('lesson feedback', () => {
  let server: TestServer;
  before(async () => {
    fixture();
    server = await startTestServer({ BERTH_LESSONS: lessonsDir });
  });
  after(async () => {
    await server?.close();
    fs.rmSync(lessonsDir, { recursive: true, force: true });
  });

  async function open() {
    const s = await createSession(server);
    const term = await TerminalClient.connect(server, s);
    await term.ready();
    const call = async (method: string, suffix: string, step: string) =>
      fetch(`${server.url}/api/sessions/${s.id}/lesson${suffix}`, {
        method,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}` },
        body: JSON.stringify({ lesson: 'boxes', step, lang: 'en' }),
      });
    const end = async () => {
      await term.close();
      await fetch(`${server.url}/api/sessions/${s.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${s.token}` } });
    };
    return { s, term, call, end };
  }
  const steps = (term: TerminalClient, from = 0) =>
    term.events.slice(from).filter((e): e is Extract<ServerEvent, { type: 'step' }> => e.type === 'step');

  test('Run on a half-typed line runs only its command; into a running sleep it types nothing and says so', async () => {
    const { term, end } = await open();
    try {
      term.type('echo hal');
      await term.waitForText(/echo hal$/m);
      term.runLines(['echo only-this-$((40+2))']);
      const ran = await term.waitForEvent((e) => e.type === 'command', 15_000, 'the command to finish');
      assert.deepEqual(ran.type === 'command' && ran.line, 'echo only-this-$((40+2))');
      assert.match(term.text, /^only-this-42\r?$/m);
      assert.doesNotMatch(term.text, /halecho/);

      term.type('sleep 30\r');
      await sleep(500); // the shell marks the start of sleep
      term.runLines(['echo typed-into-sleep']);
      const busy = await term.waitForEvent((e) => e.type === 'busy', 10_000, 'a busy event');
      assert.deepEqual(busy, { type: 'busy', command: 'sleep 30' });
      term.type('\x03');
      const seen = term.events.length;
      await term.waitForEvent((e) => e.type === 'command' && e.line === 'sleep 30', 10_000, 'sleep to end');
      term.runLines(['echo after-$((6*7))']);
      await term.waitFor(() => term.events.slice(seen).some((e) => e.type === 'command' && e.line === 'echo after-$((6*7))'), 10_000, 'the Run after Ctrl-C');
      assert.doesNotMatch(term.text, /typed-into-sleep/);
    } finally {
      await end();
    }
  });

  test('a failing command no mistake matches gets a generic line; Check my work names the unmet goals', async () => {
    const { term, call, end } = await open();
    try {
      assert.equal((await call('PUT', '', 'make-box')).status, 200);
      term.type('no-such-command-here\r');
      const generic = await term.waitForEvent((e) => e.type === 'step' && !!e.message, 15_000, 'a generic line');
      assert.deepEqual(generic, {
        type: 'step',
        lesson: 'boxes',
        step: 'make-box',
        done: false,
        kind: 'failed',
        message: 'The shell found no such command (exit 127): check its spelling; commands here are lower case, like docker.',
      });
      const verdict = (await (await call('POST', '/check', 'make-box')).json()) as CheckStepResponse;
      assert.deepEqual(verdict, {
        lesson: 'boxes',
        step: 'make-box',
        met: false,
        unmet: ['You have not run touch ~/box (or a command like it) in this step yet.', 'There is no file ~/box yet.'],
      });
      assert.equal((await call('POST', '/check', 'clean-up')).status, 409, 'only the open step is checked');
    } finally {
      await end();
    }
  });

  test('Skip runs the step\'s solve in the sandbox, marks it skipped, and the next step passes', async () => {
    const { term, call, end } = await open();
    try {
      assert.equal((await call('PUT', '', 'make-box')).status, 200);
      const skipped = await call('POST', '/skip', 'make-box');
      assert.equal(skipped.status, 200);
      assert.deepEqual(await skipped.json(), { lesson: 'boxes', done: [], skipped: ['make-box'], current: 'clean-up', finished: false });
      assert.equal((await term.run('test -f ~/box')).exit, 0, 'the solve made ~/box');
      const seen = term.events.length;
      term.type('rm ~/box\r');
      await term.waitFor(() => steps(term, seen).find((e) => e.step === 'clean-up' && e.done), 15_000, 'clean-up to tick');
    } finally {
      await end();
    }
  });

  test('a step opened first mid-lesson has the earlier steps redone, and an unrelated ls does not tick it', async () => {
    const { term, call, end } = await open();
    try {
      const opened = await call('PUT', '', 'clean-up');
      assert.equal(opened.status, 200);
      assert.equal(((await opened.json()) as SetLessonResponse).notice, undefined);
      assert.equal((await term.run('ls ~/box')).exit, 0, 'make-box was redone: clean-up has its box to remove');
      await sleep(1000);
      assert.deepEqual(steps(term), [], 'ls did not tick clean-up');
      const verdict = (await (await call('POST', '/check', 'clean-up')).json()) as CheckStepResponse;
      assert.deepEqual(verdict.unmet, ['~/box is still there - remove it with rm ~/box.']);
    } finally {
      await end();
    }
  });

  test('a state-only step met when it opens does not tick for free (its box was never made)', async () => {
    const { term, call, end } = await open();
    try {
      assert.equal((await call('PUT', '', 'make-box')).status, 200);
      assert.equal((await call('PUT', '', 'clean-up')).status, 200); // no box: met already
      await term.run('ls');
      await sleep(1000);
      assert.deepEqual(steps(term), []);
      const verdict = (await (await call('POST', '/check', 'clean-up')).json()) as CheckStepResponse;
      assert.equal(verdict.already, true);
      await term.run('touch ~/box');
      // Check my work now sees the box (the state changed under the step), whichever of it and the command's
      // own evaluation runs first; typed within a check's run, touch and rm would be judged together.
      const changed = (await (await call('POST', '/check', 'clean-up')).json()) as CheckStepResponse;
      assert.deepEqual(changed.unmet, ['~/box is still there - remove it with rm ~/box.']);
      await term.run('rm ~/box');
      await term.waitFor(() => steps(term).find((e) => e.step === 'clean-up' && e.done), 15_000, 'clean-up to tick once done for real');
    } finally {
      await end();
    }
  });
});
