// `berth lessons check [dir]` and `berth lessons test [ids]`.
import crypto from 'node:crypto';
import path from 'node:path';
import { buildApp } from '../app.js';
import type { Config } from '../config.js';
import { formatProblem } from './lesson.js';
import { checkLessons } from './load-lessons.js';
import { playLesson } from './lesson-player.js';

export function lessonsCheck(dir: string): number {
  const { lessons, problems } = checkLessons(path.resolve(dir));
  for (const p of problems) console.log(formatProblem({ ...p, file: path.relative(process.cwd(), p.file) || p.file }));
  const errors = problems.filter((p) => !p.warning).length;
  const warnings = problems.length - errors;
  const where = path.relative(process.cwd(), path.resolve(dir)) || '.';
  if (errors) {
    console.log(`\n${errors} problem(s) found in ${where}${warnings ? ` (and ${warnings} warning(s))` : ''}`);
    return 1;
  }
  const steps = lessons.reduce((n, l) => n + l.steps.length, 0);
  if (warnings) console.log(`\n${lessons.length} lessons, ${steps} steps: no problems, ${warnings} warning(s) in ${where}`);
  else console.log(`${lessons.length} lessons, ${steps} steps, en and zh: no problems`);
  return 0;
}

/** Plays at once (BERTH_LESSON_LANES). */
const LESSON_LANES = Number(process.env.BERTH_LESSON_LANES) || 2;

/**
 * Plays lessons in real sandboxes. With a lessons folder of its own (`--dir`), the run gets an instance of
 * its own too, so it never sweeps the sandboxes of another run (the catalog's, or another author's).
 */
export async function lessonsTest(config: Config, ids: string[], lessonsDir?: string, lanes = LESSON_LANES, throughOnly = false): Promise<number> {
  const instance = lessonsDir ? `lessons-${crypto.randomBytes(3).toString('hex')}` : 'lessons';
  const berth = await buildApp({ ...config, ...(lessonsDir ? { lessonsDir: path.resolve(lessonsDir) } : {}), instance, port: 0, host: '127.0.0.1', logLevel: 'warn', poolSize: 0, maxPerClient: 1000, maxPerAddress: 1000, startsPerAddressPerMin: 1000 });
  await berth.app.listen({ port: 0, host: '127.0.0.1' });
  const address = berth.app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const unknown = ids.filter((id) => !berth.lessons.lessons.some((l) => l.id === id));
  if (unknown.length) console.log(`unknown lesson(s): ${unknown.join(', ')}`);
  const chosen = berth.lessons.lessons.filter((l) => !ids.length || ids.includes(l.id));
  let passed = 0;
  let failed = unknown.length;
  // Played through; again skipping every other step (Skip runs its solve; the next step must pass); and
  // from its last step in a new sandbox (every earlier step's solve runs first, in order). throughOnly: the
  // first of these (a second runtime's run: the other two try the lessons more than the runtime).
  const plays = chosen.flatMap((lesson) => [
    { lesson, name: 'played', how: {} },
    ...(throughOnly
      ? []
      : [
          { lesson, name: 'played, every other one skipped', how: { skip: (i: number) => i % 2 === 0 } },
          ...(lesson.steps.length > 1 ? [{ lesson, name: 'played from the last in a new sandbox', how: { from: lesson.steps.length - 1 } }] : []),
        ]),
  ]);
  // Each play has a sandbox of its own, and most of a play is waiting on it: a few at a time.
  const lane = async (): Promise<void> => {
    for (let play = plays.shift(); play; play = plays.shift()) {
      const r = await playLesson(berth, url, play.lesson, undefined, play.how);
      const secs = (r.ms / 1000).toFixed(1);
      if (r.ok) {
        passed++;
        console.log(`✔ ${play.lesson.id}: ${r.steps} steps ${play.name} (${secs} s)`);
      } else {
        failed++;
        console.log(`✖ ${play.lesson.id} (${play.name}): ${r.failure} (${secs} s)`);
        if (r.screen) console.log(`  the screen ended with:\n${r.screen.replace(/^/gm, '  | ')}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, lanes) }, lane));
  await berth.close();
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}
