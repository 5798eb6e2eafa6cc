// Issue 13 (items 2 and 4): what the lesson service says and does around a step, against a fake sandbox
// whose scripts are tiny: `make X` creates X, `has X` / `lacks X` check, `rm X` removes, `fail` exits 3.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServerEvent } from '@berth/shared';
import { LessonService } from '../../src/lessons/lesson-service.js';
import type { Lesson, Step } from '../../src/lessons/lesson.js';
import { LinearPattern } from '../../src/lessons/linear-pattern.js';
import { openDatabase } from '../../src/store/database.js';
import { SqliteProgressStore } from '../../src/store/progress-store-sqlite.js';

const text = { title: 't', html: '', hintHtml: '' };
const step = (s: Omit<Step, 'text' | 'mistakes' | 'solve'> & Partial<Pick<Step, 'mistakes' | 'solve'>>): Step => ({
  mistakes: [],
  solve: s.solution.join('\n'),
  text: { en: text, zh: text },
  ...s,
});
const ran = (re: string) => ({ type: 'ran' as const, pattern: LinearPattern.compile(re), exit: 0 });
const check = (script: string, explain?: { en: string; zh: string }) => ({ type: 'check' as const, script, timeoutMs: 1000, ...(explain ? { explain } : {}) });

const lesson: Lesson = {
  id: 'hello',
  dir: '01-hello',
  title: { en: 'Hello', zh: '你好' },
  description: { en: 'Say hello.', zh: '打个招呼。' },
  needs: [],
  level: 'beginner',
  minutes: 1,
  introHtml: { en: '', zh: '' },
  finishHtml: { en: '', zh: '' },
  steps: [
    step({ id: 'pull', goals: [ran('^make image$'), check('has image')], solution: ['make image'] }),
    step({
      id: 'run',
      goals: [check('has hello', { en: 'No container named hello exists yet.', zh: '还没有名为 hello 的容器。' })],
      solution: ['make hello'],
      mistakes: [{ pattern: LinearPattern.compile('^make helo'), message: { en: 'It is hello.', zh: '是 hello。' } }],
    }),
    step({ id: 'clean-up', goals: [check('lacks hello')], solution: ['rm hello'] }),
  ],
};

function fixture() {
  const state = new Set<string>();
  const scripts: string[] = [];
  const events: ServerEvent[] = [];
  const runScript = async (script: string): Promise<number> => {
    scripts.push(script);
    let status = 0;
    for (const line of script.split('\n')) {
      const [verb, what = ''] = line.trim().split(/\s+/);
      if (verb === 'make') state.add(what);
      else if (verb === 'rm') state.delete(what);
      else if (verb === 'has') status = state.has(what) ? 0 : 1;
      else if (verb === 'lacks') status = state.has(what) ? 1 : 0;
      else if (verb === 'fail') return 3;
    }
    return status;
  };
  const service = new LessonService([lesson], new SqliteProgressStore(openDatabase(':memory:')), {
    runScript: (_session, script) => runScript(script),
    emit: (_id, e) => void events.push(e),
  });
  /** A command the learner typed: it does what the fake script would, then is judged. */
  const type = async (line: string, exit = 0) => {
    if (exit === 0) await runScript(line);
    scripts.pop();
    await service.onCommand('s1', { line, exit, at: Date.now() });
  };
  return { state, scripts, events, service, type };
}

test('a state-only step met when it opens does not tick on an unrelated command (opening "Clean up" and typing ls)', async () => {
  const { service, events, type, state } = fixture();
  state.add('image'); // a sandbox where earlier steps' work partly exists, and no hello
  await service.setLesson('s1', 'learner', 'hello', 'pull', 'en'); // reached: no redoing of earlier steps later
  await service.setLesson('s1', 'learner', 'hello', 'clean-up', 'en');
  await type('ls');
  assert.deepEqual(events, [], 'no tick for ls');
  const verdict = await service.checkNow('s1', 'hello', 'clean-up');
  assert.equal(verdict.met, true);
  assert.equal(verdict.already, true);
  assert.match(verdict.unmet[0]!, /already like this when you opened the step/);
  assert.deepEqual(events, [], 'Check my work does not tick it either');
  // Once the state is seen unmet, bringing it about is the learner's work and ticks.
  await type('make hello');
  await type('rm hello');
  assert.deepEqual(events.at(-1), { type: 'step', lesson: 'hello', step: 'clean-up', done: true });
});

test('a step opened first mid-lesson redoes the earlier steps (their solve), in order, once', async () => {
  const { service, scripts, state, type, events } = fixture();
  const answer = await service.setLesson('s1', 'learner', 'hello', 'clean-up', 'en');
  // Each solve is followed by its step's checks (settled: what it started answers before the next one).
  assert.deepEqual(scripts.slice(0, 4), ['make image', 'has image', 'make hello', 'has hello'], 'earlier solves ran in order');
  assert.ok(state.has('hello'), 'the state "Clean up" removes is there');
  assert.equal(answer.notice, undefined);
  await type('ls');
  assert.deepEqual(events, [], 'with hello there, ls does not tick Clean up');
  const before = scripts.length;
  await service.setLesson('s1', 'learner', 'hello', 'run', 'en');
  assert.ok(!scripts.slice(before).includes('make image'), 'not redone once a step of the lesson was reached in this sandbox');
});

test('a step resumed after a restart or on another server is watched as it is: nothing redone, nothing set up again', async () => {
  const { service, scripts, state, type, events } = fixture();
  state.add('image'); // the work of "pull" and "run", done in this sandbox before its server stopped
  state.add('hello');
  const answer = await service.setLesson('s1', 'learner', 'hello', 'clean-up', 'en', true);
  assert.deepEqual(scripts, ['lacks hello'], "no solve, no set-up ran: only the step's check, to see how it opens");
  assert.equal(answer.notice, undefined);
  await type('rm hello');
  assert.deepEqual(events.at(-1), { type: 'step', lesson: 'hello', step: 'clean-up', done: true });
  // A server that coaches the session already ignores the flag: a move to another step opens it as ever.
  const { service: same, scripts: ran } = fixture();
  await same.setLesson('s1', 'learner', 'hello', 'pull', 'en');
  await same.setLesson('s1', 'learner', 'hello', 'clean-up', 'en', true);
  assert.ok(!ran.includes('make hello') && !ran.includes('make image'), `ran: ${ran.join(', ')}`);
});

test('a failing redo of earlier steps is told in a sentence, and the step still opens', async () => {
  const failing: Lesson = { ...lesson, id: 'failing', steps: [{ ...lesson.steps[0]!, solve: 'fail' }, ...lesson.steps.slice(1)] };
  const events: ServerEvent[] = [];
  const service = new LessonService([failing], new SqliteProgressStore(openDatabase(':memory:')), { runScript: async (_session, s) => (s === 'fail' ? 3 : 1), emit: (_i, e) => void events.push(e) });
  const answer = await service.setLesson('s1', 'learner', 'failing', 'run', 'zh');
  assert.match(answer.notice!, /步骤 "pull" 失败了（退出码 3）/);
  assert.equal(answer.current, 'run');
});

test('Check my work names each unmet goal in the lesson\'s words, or from the solution by default', async () => {
  const { service, events } = fixture();
  await service.setLesson('s1', 'learner', 'hello', 'pull', 'en');
  const pull = await service.checkNow('s1', 'hello', 'pull');
  assert.equal(pull.met, false);
  assert.deepEqual(pull.unmet, ['You have not run make image (or a command like it) in this step yet.', 'Your sandbox is not yet in the state this step asks for: read the step again, or open the hint.']);
  await service.setLesson('s1', 'learner', 'hello', 'run', 'zh');
  const run = await service.checkNow('s1', 'hello', 'run');
  assert.deepEqual(run.unmet, ['还没有名为 hello 的容器。']);
  await assert.rejects(service.checkNow('s1', 'hello', 'pull'), /not the one open in this session/);
  assert.deepEqual(events, []);
});

test('Check my work ticks a step whose goals are met now', async () => {
  const { service, events, state } = fixture();
  await service.setLesson('s1', 'learner', 'hello', 'pull', 'en');
  await service.setLesson('s1', 'learner', 'hello', 'run', 'en');
  state.add('hello'); // made some other way (a script, another terminal)
  const verdict = await service.checkNow('s1', 'hello', 'run');
  assert.deepEqual(verdict, { lesson: 'hello', step: 'run', met: true, unmet: [] });
  assert.deepEqual(events, [{ type: 'step', lesson: 'hello', step: 'run', done: true }]);
});

test('a failing command no mistake matches gets a generic line; 127 says to check the spelling; Ctrl-C gets none', async () => {
  const { service, events, type } = fixture();
  await service.setLesson('s1', 'learner', 'hello', 'pull', 'en');
  await service.setLesson('s1', 'learner', 'hello', 'run', 'zh');
  await type('make helo', 1);
  assert.deepEqual(events.pop(), { type: 'step', lesson: 'hello', step: 'run', done: false, message: '是 hello。', kind: 'mistake' });
  await type('docker rn hello', 1);
  assert.deepEqual(events.pop(), { type: 'step', lesson: 'hello', step: 'run', done: false, message: '这条命令失败了（退出码 1）。终端里它上方的报错说明了原因；这一步的提示和答案也能帮上忙。', kind: 'failed' });
  await service.setLesson('s1', 'learner', 'hello', 'run', 'en');
  await type('dokcer ps', 127);
  assert.match((events.pop() as { message: string }).message, /found no such command \(exit 127\): check its spelling/);
  await type('sleep 100', 130);
  assert.deepEqual(events, []);
});

test('Skip runs the step\'s solve, marks it skipped (not done), opens the next, and the next step then passes', async () => {
  const { service, events, type, scripts } = fixture();
  await service.setLesson('s1', 'learner', 'hello', 'pull', 'en');
  const afterPull = await service.skip('s1', 'learner', 'hello', 'pull', 'en');
  assert.ok(scripts.includes('make image'));
  assert.deepEqual(afterPull.skipped, ['pull']);
  assert.deepEqual(afterPull.done, []);
  assert.equal(afterPull.current, 'run');
  const afterRun = await service.skip('s1', 'learner', 'hello', 'run', 'en');
  assert.deepEqual(afterRun.skipped, ['pull', 'run']);
  assert.equal(afterRun.current, 'clean-up');
  await type('rm hello');
  assert.deepEqual(events, [{ type: 'step', lesson: 'hello', step: 'clean-up', done: true }], 'the step after the skipped ones ticks');
  assert.equal((await service.progress('learner')).hello!.finished, false, 'skipped steps are not done');
});

test('Skip returns once the step\'s own checks ran after its solve: a server it started answers before the next step\'s first command', async () => {
  const server: Lesson = {
    ...lesson,
    id: 'server',
    steps: [
      step({ id: 'start', goals: [check('has container'), check('wait-answers')], solution: ['make container'] }),
      step({ id: 'use', goals: [ran('^ask$')], solution: ['ask'] }),
    ],
  };
  const order: string[] = [];
  let answering = false;
  const runScript = async (_session: string, script: string): Promise<number> => {
    order.push(script);
    if (script === 'make container') setTimeout(() => (answering = true), 50); // listens a moment after it starts
    if (script === 'wait-answers') {
      // As ports/run-redis's check: asks for a while, then gives up.
      for (let i = 0; i < 50 && !answering; i++) await new Promise((r) => setTimeout(r, 10));
      return answering ? 0 : 1;
    }
    return 0;
  };
  const service = new LessonService([server], new SqliteProgressStore(openDatabase(':memory:')), { runScript, emit: () => {} });
  await service.setLesson('s1', 'learner', 'server', 'start', 'en');
  const progress = await service.skip('s1', 'learner', 'server', 'start', 'en');
  assert.equal(progress.current, 'use');
  assert.equal(answering, true, 'the server answers when Skip returns');
  assert.deepEqual(order.slice(order.indexOf('make container')), ['make container', 'has container', 'wait-answers']);
});

test('a Skip whose solve fails answers 502 with a sentence and marks nothing', async () => {
  const failing: Lesson = { ...lesson, id: 'failing', steps: [{ ...lesson.steps[0]!, solve: 'fail' }, ...lesson.steps.slice(1)] };
  const service = new LessonService([failing], new SqliteProgressStore(openDatabase(':memory:')), { runScript: async (_session, s) => (s === 'fail' ? 3 : 1), emit: () => {} });
  await service.setLesson('s1', 'learner', 'failing', 'pull', 'en');
  await assert.rejects(service.skip('s1', 'learner', 'failing', 'pull', 'en'), (err: Error & { statusCode?: number }) => {
    assert.match(err.message, /Skipping step "pull" failed in your sandbox: its commands ended with exit 3/);
    return true;
  });
});

test('a command meeting a ran goal of the next step, without ticking it, tells the page (it follows the learner there)', async () => {
  const { service, events, type } = fixture();
  await service.setLesson('s1', 'learner', 'hello', 'pull', 'en');
  await service.onCommand('s1', { line: 'make image', exit: 0, at: 0 }); // ran goal met; state lacks image
  assert.deepEqual(events, [{ type: 'step', lesson: 'hello', step: 'pull', done: false }]);
  await type('make image');
});

test('a command typed while a step opened mid-lesson is being prepared is judged once it is ready (no free tick)', async () => {
  const { service, events } = fixture();
  const opening = service.setLesson('s1', 'learner', 'hello', 'clean-up', 'en');
  const typed = service.onCommand('s1', { line: 'ls', exit: 0, at: 0 });
  await Promise.all([opening, typed]);
  assert.deepEqual(events, [], 'ls did not tick "no container named hello" before the redo made hello');
});
