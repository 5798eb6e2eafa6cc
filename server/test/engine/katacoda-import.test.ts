// A Katacoda-shaped scenario (server/test/fixtures/katacoda-sample: 3 steps, verify scripts, a background
// script) imported with `berth lessons import`, then played in a real sandbox like `berth lessons test`:
// its verify scripts tick the steps, its background script runs when its step opens, out of the terminal.
// Also the step setup hook itself: a failing one answers 502 and runs again on the retry.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { importScenario } from '../../src/lessons/import/import-cli.js';
import { loadConfig } from '../../src/config.js';
import { MirrorCatalog } from '../../src/missing-images/mirror-catalog.js';
import { createSession, eventually, runBerth, startTestServer, TerminalClient, type TestServer } from '../helpers.js';

const repo = path.resolve(import.meta.dirname, '..', '..', '..');
const sample = path.join(repo, 'server', 'test', 'fixtures', 'katacoda-sample');
const lessonsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-imported-'));

/** A hand-written lesson whose step setup fails until the learner has made ~/allow-setup. */
function fragileSetupLesson() {
  const dir = path.join(lessonsDir, '02-fragile');
  for (const lang of ['en', 'zh']) fs.mkdirSync(path.join(dir, lang), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'lesson.yaml'),
    `title: {en: Fragile, zh: 易碎}
description: {en: A set-up that fails until the learner allows it., zh: 学习者允许之前，准备脚本会失败。}
level: beginner
minutes: 1
steps:
  - id: first
    goals: [{ran: '^true$'}]
    solution: ['true']
  - id: second
    setup: test -f ~/allow-setup && echo "set-up-output-marker" && touch ~/second-setup-ran
    goals: [{check: test -f ~/second-done}]
    solution: [touch ~/second-done]
`,
  );
  for (const step of ['first', 'second']) {
    fs.writeFileSync(path.join(dir, 'en', `${step}.md`), `# ${step}\n\nText.\n\n## Hint\n\nA hint.\n`);
    fs.writeFileSync(path.join(dir, 'zh', `${step}.md`), `# ${step}\n\n正文。\n\n## 提示\n\n提示。\n`);
  }
}

describe('an imported Katacoda scenario', () => {
  let server: TestServer;
  let report = '';
  before(async () => {
    const config = loadConfig();
    const mirror = new MirrorCatalog(`http://${config.serviceIp}:${config.mirrorPort}`, { debug: () => {} });
    await mirror.freshen();
    const imported = importScenario(sample, lessonsDir, path.join(lessonsDir, '01-sample'), mirror.current);
    report = imported.lines.join('\n');
    assert.equal(imported.errors, 0, report);
    fragileSetupLesson();
    server = await startTestServer({ BERTH_LESSONS: lessonsDir });
  });
  after(async () => {
    await server?.close();
    fs.rmSync(lessonsDir, { recursive: true, force: true });
  });

  test('lessons check passes it with the missing zh text as warnings, and zh readers get the en text', async () => {
    const r = await runBerth(['lessons', 'check', lessonsDir], process.env);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /01-sample\/lesson\.yaml:\d+: warning: step "fetch-an-image" has no zh text/);
    // The importer gives the lesson an en description (the catalog's line), so zh lacks that too.
    assert.match(r.output, /01-sample\/lesson\.yaml:\d+: warning: description has no zh text/);
    assert.match(r.output, /no problems, 5 warning\(s\)/);
    const zh = await (await fetch(`${server.url}/api/lessons/sample?lang=zh`)).json();
    assert.equal(zh.title, 'A tiny web server in a container');
    assert.deepEqual(zh.steps.map((s: { title: string }) => s.title), ['Step 1 - Fetch an image', 'Step 2 - Serve a page', 'Step 3 - Tidy up']);
    assert.match(zh.steps[1].html, /<pre data-runnable="true"><code class="language-sh">docker run -d --name web -p 8080:8080/);
  });

  test('the images its steps use were checked against the real mirror, which has them', () => {
    assert.doesNotMatch(report, /images were not checked/);
    assert.doesNotMatch(report, /image busybox/);
  });

  test('auto-plays green in a real sandbox (`berth lessons test --dir`): each verify script ticks its step after its commands', async () => {
    const r = await runBerth(['lessons', 'test', 'sample', '--dir', lessonsDir, '--no-prepare'], process.env);
    // Played as written, every other step skipped, and the last step opened first in a new sandbox.
    assert.match(r.output, /✔ sample: 3 steps played \(/, r.output);
    assert.match(r.output, /✔ sample: 3 steps played, every other one skipped/, r.output);
    assert.match(r.output, /✔ sample: 1 steps played from the last in a new sandbox/, r.output);
    assert.match(r.output, /^3 passed, 0 failed$/m);
    assert.equal(r.code, 0);
  });

  test('the background script runs as its step opens (after the previous step ticked, as the page follows), its output out of the terminal', async () => {
    const s = await createSession(server, { lesson: 'sample', lang: 'en' });
    const term = await TerminalClient.connect(server, s);
    try {
      await term.ready(60_000);
      const put = (step: string) =>
        fetch(`${server.url}/api/sessions/${s.id}/lesson`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}` },
          body: JSON.stringify({ lesson: 'sample', step }),
        });
      assert.equal((await put('fetch-an-image')).status, 200);
      assert.match((await term.run('ls ~/site 2>&1 || true')).output, /No such file/, 'step 2 set-up has not run before step 2 opens');
      // The page asks for no step after a tick: the server moves on, and starts the next step's set-up itself.
      await term.run('docker pull busybox');
      await term.waitForEvent((e) => e.type === 'step' && e.step === 'fetch-an-image' && e.done, 60_000);
      await eventually(async () => assert.match((await term.run('cat ~/site/index.html 2>&1')).output, /Served from a scenario/), 60_000);
      assert.doesNotMatch(term.text, /scenario-background-was-here/);
    } finally {
      await term.close();
      await server.berth.sessions.end(s.id, 'ended-by-user');
    }
  });

  test('a step set-up that fails answers 502 with a sentence, and runs again when the learner retries', async () => {
    const s = await createSession(server, { lesson: 'fragile', lang: 'en' });
    const term = await TerminalClient.connect(server, s);
    try {
      await term.ready(60_000);
      const put = (step: string) =>
        fetch(`${server.url}/api/sessions/${s.id}/lesson`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}` },
          body: JSON.stringify({ lesson: 'fragile', step }),
        });
      assert.equal((await put('first')).status, 200, 'a step without setup opens as before');
      // Ticking the first step starts the second's set-up, which fails: the learner hears it in one line.
      term.type('true\r');
      const told = await term.waitForEvent((e) => e.type === 'error', 60_000, 'the set-up failure');
      assert.deepEqual(told, { type: 'error', message: 'The set-up of step "second" of lesson "fragile" failed in your sandbox (exit 1); open the step again to retry, or start a new session.' });
      const failed = await put('second');
      assert.equal(failed.status, 502);
      assert.match((await failed.json()).message, /The set-up of step "second" of lesson "fragile" failed in your sandbox \(exit 1\); open the step again to retry/);
      await term.run('touch ~/allow-setup');
      assert.equal((await put('second')).status, 200);
      assert.match((await term.run('ls ~')).output, /second-setup-ran/);
      assert.doesNotMatch(term.text, /set-up-output-marker/);
    } finally {
      await term.close();
      await server.berth.sessions.end(s.id, 'ended-by-user');
    }
  });
});
