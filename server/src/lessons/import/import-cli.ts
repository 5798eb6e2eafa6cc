// `berth lessons import <scenario folder> [--out <lessons/NN-name>]`: writes the lesson, checks it like
// `lessons check`, and prints what did not carry over, step by step.
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config.js';
import { MirrorCatalog, type MirrorImages } from '../../missing-images/mirror-catalog.js';
import { formatProblem } from '../lesson.js';
import { checkLessons, LESSON_DIR } from '../load-lessons.js';
import { buildLesson } from './build-lesson.js';
import { readScenario } from './read-scenario.js';
import { ScenarioRefusedError } from './scenario-files.js';

export interface ImportResult {
  /** The lesson folder written. */
  dir: string;
  /** The report, one line each. */
  lines: string[];
  /** Errors `lessons check` found in the written lesson (none expected). */
  errors: number;
}

/** Imports one scenario; throws ScenarioRefusedError (nothing written) when the scenario cannot be imported. */
export function importScenario(folder: string, lessonsDir: string, out?: string, mirror?: MirrorImages): ImportResult {
  const scenario = readScenario(folder);
  const built = buildLesson(scenario, mirror);
  const dir = path.resolve(out ?? path.join(lessonsDir, `${nextNumber(lessonsDir)}-${built.id}`));
  if (!LESSON_DIR.test(path.basename(dir))) throw new ScenarioRefusedError(`--out ${out}: a lesson folder is named <NN>-<id> (e.g. 20-docker-basics), id in a-z, 0-9 and -`);
  if (fs.existsSync(dir)) throw new ScenarioRefusedError(`${dir}: already exists; remove it or give another --out`);
  const id = LESSON_DIR.exec(path.basename(dir))![2];
  const twin = fs.existsSync(path.dirname(dir)) ? fs.readdirSync(path.dirname(dir)).find((n) => LESSON_DIR.exec(n)?.[2] === id) : undefined;
  if (twin) throw new ScenarioRefusedError(`lesson id "${id}" is already used by ${path.join(path.dirname(dir), twin)}; give another --out`);
  for (const [rel, text] of Object.entries(built.files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  const lines = [`imported "${scenario.title}" (${scenario.steps.length} steps) into ${path.relative(process.cwd(), dir) || dir}`];
  if (built.notes.length) lines.push('', 'not carried over:', ...built.notes.map((n) => `  - ${n}`));
  const stepLines = [...built.stepNotes].filter(([, found]) => found.length);
  if (stepLines.length) {
    lines.push('', 'per step (what a Berth session lacks, what needs a hand):');
    for (const [id, found] of stepLines) lines.push(`  ${id}:`, ...found.map((f) => `    - ${f}`));
  }
  const problems = checkLessons(path.dirname(dir)).problems.filter((p) => p.file.startsWith(dir + path.sep) || p.file === dir);
  const errors = problems.filter((p) => !p.warning).length;
  lines.push('', `lessons check: ${errors} problem(s), ${problems.length - errors} warning(s)`, ...problems.map((p) => `  ${formatProblem({ ...p, file: path.relative(process.cwd(), p.file) || p.file })}`));
  lines.push('', `next: read the lesson, then play it: npx berth lessons test ${path.basename(dir).replace(/^\d+-/, '')} --dir ${path.relative(process.cwd(), path.dirname(dir)) || '.'}`);
  return { dir, lines, errors };
}

export async function lessonsImport(args: string[], config: Config): Promise<number> {
  const outAt = args.indexOf('--out');
  const out = outAt >= 0 ? args[outAt + 1] : undefined;
  const rest = args.filter((_, i) => outAt < 0 || (i !== outAt && i !== outAt + 1));
  if (rest.length !== 1 || (outAt >= 0 && !out)) {
    console.error('Usage: berth lessons import <scenario folder> [--out <lessons folder>/<NN>-<id>]');
    return 2;
  }
  try {
    readScenario(rest[0]!); // a scenario that is refused does not wait for the mirror
    // The images each step uses are checked against the mirror as it is now (a few seconds at most).
    const catalog = new MirrorCatalog(`http://${config.serviceIp}:${config.mirrorPort}`, { debug: () => {} });
    await catalog.freshen();
    const r = importScenario(rest[0]!, config.lessonsDir, out, catalog.current);
    console.log(r.lines.join('\n'));
    return r.errors ? 1 : 0;
  } catch (err) {
    if (!(err instanceof ScenarioRefusedError)) throw err;
    console.error(`not imported: ${err.message}`);
    return 1;
  }
}

/** The next free catalog number in the lessons folder (01, 02…). */
function nextNumber(lessonsDir: string): string {
  const used = fs.existsSync(lessonsDir) ? fs.readdirSync(lessonsDir).map((n) => Number(LESSON_DIR.exec(n)?.[1] ?? 0)) : [];
  return String(Math.max(0, ...used) + 1).padStart(2, '0');
}
