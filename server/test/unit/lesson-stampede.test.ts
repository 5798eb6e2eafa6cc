// Issue 11, item 5: a visitor who forges command marks must not stampede the lesson checks. Commands that
// arrive while a check runs are judged together by the next one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { LessonService } from '../../src/lessons/lesson-service.js';
import type { Lesson } from '../../src/lessons/lesson.js';
import { LinearPattern } from '../../src/lessons/linear-pattern.js';
import { openDatabase } from '../../src/store/database.js';
import { SqliteProgressStore } from '../../src/store/progress-store-sqlite.js';

const text = { title: 't', html: '', hintHtml: '' };
const lesson: Lesson = {
  id: 'fixture',
  dir: '01-fixture',
  title: { en: 'Fixture', zh: '练习' },
  description: { en: '', zh: '' },
  level: 'beginner',
  minutes: 1,
  needs: [],
  introHtml: { en: '', zh: '' },
  finishHtml: { en: '', zh: '' },
  steps: [
    {
      id: 'make-file',
      goals: [{ type: 'check', script: 'test -f ~/made', timeoutMs: 10_000 }],
      solution: ['touch ~/made'],
      solve: 'touch ~/made',
      mistakes: [{ pattern: LinearPattern.compile('^tuch\\b'), message: { en: 'It is spelled touch.', zh: '是 touch。' } }],
      text: { en: text, zh: text },
    },
  ],
};

test('a flood of forged commands runs a bounded number of lesson checks, and the latest mistake is still spoken about', async () => {
  let checks = 0;
  const verdicts: unknown[] = [];
  const service = new LessonService([lesson], new SqliteProgressStore(openDatabase(':memory:')), {
    runScript: async () => {
      checks++;
      await sleep(20); // an exec in the sandbox takes a moment
      return 1;
    },
    emit: (_id, event) => void verdicts.push(event),
  });
  await service.setLesson('s1', 'learner', 'fixture', 'make-file', 'en');
  let last: Promise<void> = Promise.resolve();
  for (let i = 0; i < 1000; i++) last = service.onCommand('s1', { line: `true ${i}`, exit: 0, at: i });
  last = service.onCommand('s1', { line: 'tuch ~/made', exit: 127, at: 1000 });
  await last;
  assert.ok(checks <= 2, `${checks} checks ran for 1001 commands`);
  assert.deepEqual(verdicts, [{ type: 'step', lesson: 'fixture', step: 'make-file', done: false, message: 'It is spelled touch.', kind: 'mistake' }]);
});
