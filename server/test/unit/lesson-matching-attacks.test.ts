// Attacks on the lessons' command-line matching, with the real catalog (lessons/): one very long line,
// and very many commands in one step. The long-line tests run the matching in a child process with a
// deadline, so a matcher that backtracks (V8's, for hours on some of these lines) fails them instead of
// freezing the test run; the deadline is a ceiling, the assertion that matters is the work count.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { LessonService, type LessonHost } from '../../src/lessons/lesson-service.js';
import { loadLessons } from '../../src/lessons/load-lessons.js';
import type { ProgressStore } from '../../src/store/progress-store.js';

const repo = path.resolve(import.meta.dirname, '..', '..', '..');
const lessonsDir = path.join(repo, 'lessons');
const DEADLINE_MS = 60_000;

/** The adversarial lines: 80 000 characters each, shaped after what the catalog's patterns look for. */
const SHAPES = `
const N = 80_000;
const fill = (prefix, frag) => (prefix + frag.repeat(Math.ceil(N / frag.length))).slice(0, N);
const shapes = {
  'repeated a': fill('', 'a'),
  'spaces': fill('', ' '),
  'docker run and spaces': fill('docker run', ' '),
  'docker container run and spaces': fill('docker container run', ' '),
  'repeated "docker run -p 8080:80 "': fill('', 'docker run -p 8080:80 '),
  'docker run -p 8080:80 fragments after docker run': fill('docker run ', '-p 8080:80 '),
  'curl and words': fill('curl ', 'a '),
  'curl --unix-socket fragments': fill('curl ', '--unix-socket x '),
  'class characters after docker run': fill('docker run ', '-it -a=x:1.0/ 9f '),
  'docker exec and flags': fill('docker exec ', '-i -t box '),
  'docker commit and quotes': fill('docker commit ', '-m "x" '),
};
`;

function inChild(body: string): { out: string; ms: number } {
  const script = `import { loadLessons } from ${JSON.stringify(path.join(repo, 'server/src/lessons/load-lessons.ts'))};
import { matchMistake } from ${JSON.stringify(path.join(repo, 'server/src/lessons/goals.ts'))};
const lessons = loadLessons(${JSON.stringify(lessonsDir)});
${SHAPES}
${body}`;
  const started = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repo, encoding: 'utf8', timeout: DEADLINE_MS, killSignal: 'SIGKILL' });
  const ms = Date.now() - started;
  assert.equal(r.signal, null, `the matching did not finish within ${DEADLINE_MS / 1000} s (killed): a pattern backtracks on a long line`);
  assert.equal(r.status, 0, r.stderr);
  return { out: r.stdout, ms };
}

test('a learner types an 80 000-character line (11 shapes): every catalog goal and mistake answers, in linear work', () => {
  // As the server does it: each step's ran goals and mistakes against the line.
  const { out, ms } = inChild(`
let tested = 0;
for (const line of Object.values(shapes)) for (const l of lessons) for (const step of l.steps) {
  for (const g of step.goals) if (g.type === 'ran') { g.pattern.test(line); tested++; }
  matchMistake(step, line); tested += step.mistakes.length;
}
console.log(tested);`);
  assert.ok(Number(out) >= 11 * 188, `every pattern tested: ${out}`);
  console.log(`the whole catalog against 11 lines of 80 000 characters: ${ms} ms with the child's start-up`);
});

test('the linear guarantee on the uncut 80 000-character lines: at most WORK_PER_STATE steps per state and character, for every catalog pattern', () => {
  const { out } = inChild(`
import('${path.join(repo, 'server/src/lessons/linear-pattern.ts')}').then(({ WORK_PER_STATE }) => {
  const bad = [];
  let worst = 0;
  for (const [shape, line] of Object.entries(shapes)) for (const l of lessons) for (const step of l.steps) {
    const patterns = [...step.goals.filter((g) => g.type === 'ran'), ...step.mistakes].map((x) => x.pattern);
    for (const p of patterns) {
      const meter = { work: 0 };
      p.test(line, meter, Infinity);
      const bound = WORK_PER_STATE * (p.states + 1) * (line.length + 1);
      worst = Math.max(worst, meter.work / ((p.states + 1) * (line.length + 1)));
      if (!(meter.work > 0 && meter.work <= bound)) bad.push(l.id + '/' + step.id + ' ' + p + ' on ' + shape + ': ' + meter.work + ' steps, bound ' + bound);
    }
  }
  console.log(JSON.stringify({ bad, worst }));
});`);
  const { bad, worst } = JSON.parse(out) as { bad: string[]; worst: number };
  assert.deepEqual(bad, []);
  console.log(`most work per state and character: ${worst.toFixed(2)}`);
});

test('a learner runs 2 000 commands in one step: each is matched once, the step\'s earlier commands are not matched again', async () => {
  const lessons = loadLessons(lessonsDir);
  const lesson = lessons.find((l) => l.id === 'first-container')!;
  const step = lesson.steps[0]!;
  let tests = 0;
  for (const goal of step.goals) {
    if (goal.type !== 'ran') continue;
    const real = goal.pattern;
    goal.pattern = Object.assign(Object.create(real), { test: (line: string) => (tests++, real.test(line)) });
  }
  const store: ProgressStore = { async setPosition() {}, async markDone() {}, learner: async () => new Map() };
  const host: LessonHost = { runScript: async () => 1, emit() {} };
  const service = new LessonService(lessons, store, host);
  await service.setLesson('s1', 'learner', lesson.id, step.id, 'en');
  const commands = 2000;
  for (let i = 0; i < commands; i++) await service.onCommand('s1', { line: `docker ps ${i}`, exit: 0, at: i });
  const ranGoals = step.goals.filter((g) => g.type === 'ran').length;
  assert.ok(ranGoals > 0);
  assert.ok(tests <= commands * ranGoals, `${tests} pattern tests for ${commands} commands and ${ranGoals} ran goal(s)`);
  assert.equal(await service.currentStepMet('s1'), false);
});
