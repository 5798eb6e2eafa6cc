// Loads and validates every lesson folder. Every problem is collected with its file and line, so an
// author sees all of them at once (`berth lessons check`), and the server refuses to start on any.
import fs from 'node:fs';
import path from 'node:path';
import { LANGS, LEVELS, type Lang, type Level } from '@berth/shared';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { InvalidLessonsError, type Goal, type Lesson, type LessonProblem, type Mistake, type Step, type StepText } from './lesson.js';
import { LinearPattern, UnsupportedPatternError } from './linear-pattern.js';
import { needsTerminal } from '../terminal/foreground.js';
import { parseStepMarkdown, renderMarkdown } from './step-markdown.js';
import { defaultSolve } from './default-solve.js';
import { parseHighlight, parseStepFile } from './step-panels.js';
import { fields, scalarOf, type Problem } from './yaml-fields.js';

export const LESSON_DIR = /^(\d{2,3})-([a-z0-9][a-z0-9-]*)$/;
const STEP_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
const OPTIONAL_PAGES = ['intro', 'finish'];

/** The language every lesson is written in first: an imported lesson's other languages fall back to it. */
const SOURCE_LANG: Lang = 'en';

/** Loads every lesson under root; throws InvalidLessonsError listing every problem (warnings do not stop it). */
export function loadLessons(root: string): Lesson[] {
  const { lessons, problems } = checkLessons(root);
  const errors = problems.filter((p) => !p.warning);
  if (errors.length) throw new InvalidLessonsError(errors);
  return lessons;
}

export function checkLessons(root: string): { lessons: Lesson[]; problems: LessonProblem[] } {
  const problems: LessonProblem[] = [];
  const lessons: Lesson[] = [];
  if (!fs.existsSync(root)) return { lessons, problems: [{ file: root, line: 0, message: 'no such lessons folder' }] };
  const seen = new Map<string, string>();
  const needLines = new Map<string, number>();
  for (const name of fs.readdirSync(root).sort()) {
    const dir = path.join(root, name);
    if (!fs.statSync(dir).isDirectory()) continue;
    const m = LESSON_DIR.exec(name);
    if (!m) {
      problems.push({ file: dir, line: 0, message: 'a lesson folder is named <NN>-<id> (e.g. 03-ports), id in a-z, 0-9 and -' });
      continue;
    }
    const id = m[2]!;
    if (seen.has(id)) problems.push({ file: dir, line: 0, message: `lesson id "${id}" is also used by ${seen.get(id)}` });
    seen.set(id, dir);
    const lesson = loadLesson(root, name, id, problems, needLines);
    if (lesson) lessons.push(lesson);
  }
  checkNeeds(root, lessons, problems, needLines);
  return { lessons, problems };
}

function loadLesson(root: string, name: string, id: string, problems: LessonProblem[], needLines: Map<string, number>): Lesson | null {
  const dir = path.join(root, name);
  const manifest = path.join(dir, 'lesson.yaml');
  if (!fs.existsSync(manifest)) {
    problems.push({ file: manifest, line: 0, message: 'missing: every lesson has a lesson.yaml' });
    return null;
  }
  const lc = new LineCounter();
  const doc = parseDocument(fs.readFileSync(manifest, 'utf8'), { lineCounter: lc, uniqueKeys: true });
  const at = (node: Node | null | undefined) => (node?.range ? lc.linePos(node.range[0]).line : 1);
  const problem = (node: Node | null | undefined, message: string) => problems.push({ file: manifest, line: at(node), message });
  for (const err of doc.errors) problems.push({ file: manifest, line: err.linePos?.[0].line ?? 1, message: `YAML: ${err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}` });
  if (doc.errors.length) return null;
  const rootNode = doc.contents;
  if (!isMap(rootNode)) {
    problem(rootNode, 'lesson.yaml must be a mapping with title, level, minutes and steps');
    return null;
  }
  const before = problems.length;
  const f = fields(rootNode, ['title', 'description', 'level', 'minutes', 'needs', 'setup', 'source', 'steps'], problem, 'lesson.yaml');
  const source = scalarOf(f.source);
  if (f.source && (typeof source !== 'string' || !source.trim())) problem(f.source, 'source names where an imported lesson came from (a string)');
  // An imported lesson arrives in one language: the others are warnings until someone writes them.
  const imported = typeof source === 'string' && source.trim() !== '';
  const missingText: Problem = imported ? (node, message) => problems.push({ file: manifest, line: at(node), message, warning: true }) : problem;
  const title = langStrings(f.title, 'title', problem, rootNode, missingText);
  const description = descriptionOf(f.description, rootNode, problem, missingText, manifest, problems);
  const needs = needsOf(f.needs, problem);
  if (f.needs) needLines.set(id, at(f.needs));
  const level = scalarOf(f.level);
  if (!LEVELS.includes(level as Level)) problem(f.level ?? rootNode, `level must be one of ${LEVELS.join(', ')}`);
  const minutes = scalarOf(f.minutes);
  if (!(Number.isInteger(minutes) && (minutes as number) >= 1 && (minutes as number) <= 600)) {
    problem(f.minutes ?? rootNode, 'minutes must be a whole number of minutes (1-600)');
  }
  const setup = scalarOf(f.setup);
  if (f.setup && typeof setup !== 'string') problem(f.setup, 'setup must be a shell script (a string)');

  const steps: Omit<Step, 'text'>[] = [];
  const stepNodes = new Map<string, Node>();
  if (!isSeq(f.steps) || !f.steps.items.length) problem(f.steps ?? rootNode, 'steps must be a non-empty list');
  else {
    for (const item of f.steps.items as Node[]) {
      const step = parseStep(item, problem, missingText);
      if (!step) continue;
      if (stepNodes.has(step.id)) problem(item, `step id "${step.id}" is used twice (first at line ${at(stepNodes.get(step.id))})`);
      else {
        stepNodes.set(step.id, item);
        steps.push(step);
      }
    }
  }

  const texts = readLanguageFiles(dir, name, steps, stepNodes, manifest, at, problems, imported);
  if (problems.slice(before).some((p) => !p.warning)) return null;
  return {
    id,
    dir: name,
    title,
    description,
    level: level as Level,
    minutes: minutes as number,
    needs,
    ...(typeof setup === 'string' && setup.trim() ? { setup } : {}),
    ...(imported ? { source: (source as string).trim() } : {}),
    steps: steps.map((s) => ({ ...s, text: texts.steps.get(s.id)! })),
    introHtml: texts.intro,
    finishHtml: texts.finish,
  };
}


const DESCRIPTION_MAX = 140;

/** The catalog's one line under the title: one line per language, short enough to read at a glance. */
function descriptionOf(node: Node | undefined, parent: Node, problem: Problem, missingText: Problem, manifest: string, problems: LessonProblem[]): Record<Lang, string> {
  if (!node) {
    // Optional for the server to start, but the catalog looks unfinished without it: a warning.
    problems.push({ file: manifest, line: 1, message: `description (one line per language: ${LANGS.join(', ')}) is missing: the catalog shows only the title`, warning: true });
    return Object.fromEntries(LANGS.map((l) => [l, ''])) as Record<Lang, string>;
  }
  const out = langStrings(node, 'description', problem, parent, missingText);
  for (const lang of LANGS) {
    const text = out[lang] ?? '';
    if (/\n/.test(text)) problem(node, `description (${lang}) must be one line`);
    else if ([...text].length > DESCRIPTION_MAX) problem(node, `description (${lang}) is ${[...text].length} characters: at most ${DESCRIPTION_MAX}, one line in the catalog`);
  }
  return out;
}

/** The lessons to do first, by id (checked against the catalog once every lesson is read). */
function needsOf(node: Node | undefined, problem: Problem): string[] {
  if (!node) return [];
  if (!isSeq(node)) {
    problem(node, 'needs is a list of lesson ids to do first, e.g. [first-container]');
    return [];
  }
  const ids: string[] = [];
  for (const item of node.items as Node[]) {
    const id = scalarOf(item);
    if (typeof id !== 'string' || !id) problem(item, 'each item of needs is a lesson id (a string)');
    else ids.push(id);
  }
  return ids;
}

/** A needed lesson must exist and come earlier in the catalog (so the learner meets it first, and no loop is possible). */
function checkNeeds(root: string, lessons: Lesson[], problems: LessonProblem[], needLines: Map<string, number>): void {
  const order = new Map(lessons.map((l, i) => [l.id, i]));
  lessons.forEach((lesson, i) => {
    for (const need of lesson.needs) {
      const at = order.get(need);
      const file = path.join(root, lesson.dir, 'lesson.yaml');
      const line = needLines.get(lesson.id) ?? 1;
      if (at === undefined) problems.push({ file, line, message: `needs "${need}": no lesson has that id (ids: ${[...order.keys()].join(', ')})` });
      else if (at >= i) problems.push({ file, line, message: `needs "${need}": a lesson needed first must come earlier in the catalog` });
    }
  });
}

function parseStep(node: Node, problem: Problem, missingText: Problem): Omit<Step, 'text'> | null {
  if (!isMap(node)) {
    problem(node, 'a step is a mapping with id, goals and solution');
    return null;
  }
  const f = fields(node, ['id', 'setup', 'goals', 'solution', 'solve', 'mistakes', 'file', 'highlight'], problem, 'a step');
  const id = scalarOf(f.id);
  if (typeof id !== 'string' || !STEP_ID.test(id)) {
    problem(f.id ?? node, 'a step needs an id of a-z, 0-9 and - (it names the step\'s Markdown files)');
    return null;
  }
  const setup = scalarOf(f.setup);
  if (f.setup && (typeof setup !== 'string' || !setup.trim())) problem(f.setup, `step "${id}": setup must be a shell script (a string)`);
  const goals: Goal[] = [];
  if (!isSeq(f.goals) || !f.goals.items.length) problem(f.goals ?? node, `step "${id}": goals must be a non-empty list`);
  else for (const g of f.goals.items as Node[]) {
    const goal = parseGoal(g, id, problem, missingText);
    if (goal) goals.push(goal);
  }
  const solution: string[] = [];
  if (!isSeq(f.solution) || !f.solution.items.length) problem(f.solution ?? node, `step "${id}": solution must be a non-empty list of commands`);
  else for (const c of f.solution.items as Node[]) {
    const cmd = scalarOf(c);
    if (typeof cmd !== 'string' || !cmd.trim()) problem(c, `step "${id}": each solution item is a command (a string)`);
    else solution.push(cmd.replace(/\n+$/, ''));
  }
  const solve = scalarOf(f.solve);
  if (f.solve && (typeof solve !== 'string' || !solve.trim())) problem(f.solve, `step "${id}": solve must be a shell script (a string)`);
  const needy = solution.find(needsTerminal);
  if (!f.solve && needy) {
    // An imported lesson is written by a machine first: a warning until someone writes its solve.
    missingText(f.solution ?? node, `step "${id}": its solution "${needy}" needs a terminal, so it cannot be run quietly for Skip or a step opened mid-lesson: add solve (a script doing the step's work without one)`);
  }
  const mistakes: Mistake[] = [];
  if (f.mistakes && !isSeq(f.mistakes)) problem(f.mistakes, `step "${id}": mistakes must be a list`);
  else for (const m of (f.mistakes && isSeq(f.mistakes) ? f.mistakes.items : []) as Node[]) {
    if (!isMap(m)) {
      problem(m, `step "${id}": a mistake is a mapping with match and message`);
      continue;
    }
    const mf = fields(m, ['match', 'message'], problem, 'a mistake');
    const pattern = regexOf(mf.match, `step "${id}": mistake match`, problem, m);
    const message = langStrings(mf.message, 'message', problem, m, missingText);
    if (pattern) mistakes.push({ pattern, message });
  }
  const file = f.file ? parseStepFile(f.file, id, problem) : undefined;
  const highlight = f.highlight ? parseHighlight(f.highlight, id, problem) : undefined;
  return {
    id,
    ...(file ? { file } : {}),
    ...(highlight ? { highlight } : {}),
    ...(typeof setup === 'string' && setup.trim() ? { setup } : {}),
    goals,
    solution,
    solve: typeof solve === 'string' && solve.trim() ? solve : defaultSolve(solution),
    mistakes,
  };
}

function parseGoal(node: Node, stepId: string, problem: Problem, missingText: Problem): Goal | null {
  if (!isMap(node)) {
    problem(node, `step "${stepId}": a goal is a mapping: {ran: <regex>} or {check: <script>}`);
    return null;
  }
  const keys = node.items.map((p) => String(isScalar(p.key) ? p.key.value : p.key));
  const type = keys.find((k) => k === 'ran' || k === 'check');
  if (!type) {
    problem(node, `step "${stepId}": unknown goal type "${keys[0] ?? ''}": a goal is ran (a command line regex) or check (a script)`);
    return null;
  }
  if (type === 'ran') {
    const f = fields(node, ['ran', 'exit', 'explain'], problem, 'a ran goal');
    const explain = f.explain ? langStrings(f.explain, `step "${stepId}": explain`, problem, node, missingText) : undefined;
    const pattern = regexOf(f.ran, `step "${stepId}": ran`, problem, node);
    const exit = f.exit ? scalarOf(f.exit) : 0;
    if (exit !== 'any' && !(Number.isInteger(exit) && (exit as number) >= 0 && (exit as number) <= 255)) {
      problem(f.exit, `step "${stepId}": exit must be an exit status (0-255) or "any"`);
      return null;
    }
    return pattern ? { type: 'ran', pattern, exit: exit as number | 'any', ...(explain ? { explain } : {}) } : null;
  }
  const f = fields(node, ['check', 'timeout', 'explain'], problem, 'a check goal');
  const explain = f.explain ? langStrings(f.explain, `step "${stepId}": explain`, problem, node, missingText) : undefined;
  const script = scalarOf(f.check);
  if (typeof script !== 'string' || !script.trim()) {
    problem(f.check ?? node, `step "${stepId}": check must be a shell script`);
    return null;
  }
  const timeout = f.timeout ? scalarOf(f.timeout) : 10;
  if (!(typeof timeout === 'number' && timeout > 0 && timeout <= 120)) {
    problem(f.timeout, `step "${stepId}": timeout is in seconds, from 1 to 120`);
    return null;
  }
  return { type: 'check', script, timeoutMs: timeout * 1000, ...(explain ? { explain } : {}) };
}

function readLanguageFiles(
  dir: string,
  name: string,
  steps: Omit<Step, 'text'>[],
  stepNodes: Map<string, Node>,
  manifest: string,
  at: (n: Node | undefined) => number,
  problems: LessonProblem[],
  imported: boolean,
) {
  const stepTexts = new Map<string, Record<Lang, StepText>>();
  const intro = {} as Record<Lang, string>;
  const finish = {} as Record<Lang, string>;
  for (const lang of LANGS) {
    const langDir = path.join(dir, lang);
    const present = fs.existsSync(langDir) ? fs.readdirSync(langDir) : [];
    for (const file of present) {
      const base = file.replace(/\.md$/, '');
      if (!file.endsWith('.md') || (!stepNodes.has(base) && !OPTIONAL_PAGES.includes(base))) {
        problems.push({ file: path.join(langDir, file), line: 0, message: `belongs to no step of ${name}/lesson.yaml (steps: ${[...stepNodes.keys()].join(', ')})` });
      }
    }
    for (const step of steps) {
      const file = path.join(langDir, `${step.id}.md`);
      if (!fs.existsSync(file)) {
        const fallback = imported && lang !== SOURCE_LANG;
        const message = `step "${step.id}" has no ${lang} text: ${name}/${lang}/${step.id}.md is missing${fallback ? ` (an imported lesson: ${lang} readers see the ${SOURCE_LANG} text until it is written)` : ''}`;
        problems.push({ file: manifest, line: at(stepNodes.get(step.id)), message, ...(fallback ? { warning: true } : {}) });
        continue;
      }
      const text = parseStepMarkdown(file, fs.readFileSync(file, 'utf8'), problems);
      if (/^\d+\s*[.)、:]\s*/.test(text.title)) problems.push({ file, line: 1, message: `the title "${text.title}" starts with a number: the page numbers the steps itself (Step N of M)` });
      stepTexts.set(step.id, { ...(stepTexts.get(step.id) ?? ({} as Record<Lang, StepText>)), [lang]: text });
    }
    const page = (p: string) => {
      const file = path.join(langDir, `${p}.md`);
      return fs.existsSync(file) ? renderMarkdown(fs.readFileSync(file, 'utf8')) : '';
    };
    intro[lang] = page('intro');
    finish[lang] = page('finish');
  }
  if (imported) {
    for (const lang of LANGS) {
      for (const [id, texts] of stepTexts) if (!texts[lang] && texts[SOURCE_LANG]) stepTexts.set(id, { ...texts, [lang]: texts[SOURCE_LANG] });
      intro[lang] ||= intro[SOURCE_LANG];
      finish[lang] ||= finish[SOURCE_LANG];
    }
  }
  return { steps: stepTexts, intro, finish };
}

/** The map's values by key; unknown keys are problems (a typo must not be silently ignored). */
function langStrings(node: Node | undefined, what: string, problem: Problem, parent: Node, missingText: Problem = problem): Record<Lang, string> {
  const out = {} as Record<Lang, string>;
  if (!node || !isMap(node)) {
    problem(node ?? parent, `${what} needs a text per language: ${LANGS.join(', ')}`);
    return out;
  }
  const f = fields(node, [...LANGS], problem, what);
  for (const lang of LANGS) {
    const v = scalarOf(f[lang]);
    if (typeof v === 'string' && v.trim()) out[lang] = v.trim();
    else if (lang === SOURCE_LANG) problem(f[lang] ?? node, `${what} has no ${lang} text`);
    else missingText(f[lang] ?? node, `${what} has no ${lang} text`);
  }
  for (const lang of LANGS) out[lang] ??= out[SOURCE_LANG];
  return out;
}

function regexOf(node: Node | undefined, what: string, problem: Problem, parent: Node): LinearPattern | null {
  const source = scalarOf(node);
  if (typeof source !== 'string' || !source) {
    problem(node ?? parent, `${what} must be a regular expression (a string)`);
    return null;
  }
  try {
    return LinearPattern.compile(source);
  } catch (err) {
    if (err instanceof UnsupportedPatternError) problem(node, `${what}: ${err.message}`);
    else problem(node, `${what}: the regular expression does not compile: ${(err as Error).message}`);
    return null;
  }
}
