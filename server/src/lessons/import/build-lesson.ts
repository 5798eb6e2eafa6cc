// A read scenario -> a Berth lesson's files (lesson.yaml, en/*.md) and the import report. Each step's
// verify script becomes a check goal, its background and foreground scripts its setup, its runnable
// commands its solution; the intro's scripts become the lesson's setup.
import { Document } from 'yaml';
import { convertText, heredocDelimiter } from './convert-text.js';
import type { Scenario, ScenarioScript } from './read-scenario.js';
import type { MirrorImages } from '../../missing-images/mirror-catalog.js';
import { imagesMade, imagesUsed, missingImages, notMade } from './images-used.js';
import { environmentNote, sessionLacks } from './session-lacks.js';

export interface BuiltLesson {
  id: string;
  /** Relative path -> text: lesson.yaml, en/<step>.md, en/intro.md, en/finish.md. */
  files: Record<string, string>;
  /** For the whole scenario: what is not carried. */
  notes: string[];
  /** Per step id: what it uses that a session lacks, and what needs a hand. */
  stepNotes: Map<string, string[]>;
}

/** A verify script gets this long (seconds): Berth runs it after each of the learner's commands. */
const VERIFY_TIMEOUT_S = 20;

/** mirror: what this Berth's mirror holds, to report the images a step uses that it lacks (none: not checked). */
export function buildLesson(scenario: Scenario, mirror?: MirrorImages): BuiltLesson {
  const notes = [...scenario.notes];
  const pages = [scenario.intro, ...scenario.steps].filter((p) => p !== undefined);
  const made = imagesMade(pages.flatMap((p) => [p.text, p.answer ?? '', ...p.scripts.map((s) => s.text)]).join('\n'));
  const lacking = (texts: string[]) => (mirror ? missingImages(notMade(texts.flatMap(imagesUsed), made), mirror) : []);
  if (!mirror) notes.push('images were not checked: the mirror did not answer');
  const env = environmentNote(scenario.imageid);
  if (env) notes.push(env);
  const files: Record<string, string> = {};
  const stepNotes = new Map<string, string[]>();
  const used = new Set<string>();

  const intro = scenario.intro ? convertText(scenario.intro.text) : undefined;
  const introMd = [scenario.description, intro?.markdown.trim()].filter(Boolean).join('\n\n');
  if (introMd) files['en/intro.md'] = `${introMd}\n`;
  if (intro) notes.push(...intro.notes.map((n) => `intro: ${n}`));
  if (scenario.finish?.text.trim()) {
    const finish = convertText(scenario.finish.text);
    files['en/finish.md'] = finish.markdown;
    notes.push(...finish.notes.map((n) => `finish: ${n}`));
  }
  const lessonSetup = scenario.intro?.scripts.length ? setupScript(scenario.intro.scripts) : undefined;
  if (scenario.intro?.scripts.length) {
    const lacks = [...scenario.intro.scripts.flatMap((s) => sessionLacks(s.text).map((l) => `${s.file}: ${l}`)), ...lacking(scenario.intro.scripts.map((s) => s.text))];
    if (lacks.length) stepNotes.set('(lesson setup)', [...new Set(lacks)]);
    if (scenario.intro.scripts.some((s) => s.kind === 'foreground')) notes.push('foreground scripts run before the step opens, with their output kept out of the terminal (Katacoda typed them in it)');
  }

  const steps = scenario.steps.map((page, i) => {
    const id = uniqueId(page.title, i, used);
    const text = convertText(page.text);
    const found: string[] = [...text.notes];
    const stepSetup = page.scripts.length ? setupScript(page.scripts) : undefined;
    for (const s of page.scripts) found.push(...sessionLacks(s.text).map((l) => `${s.file} (${s.kind}): ${l}`));
    if (page.scripts.some((s) => s.kind === 'foreground')) found.push('its foreground script runs as the step opens, its output kept out of the terminal');
    if (page.verify) found.push(...sessionLacks(page.verify.text).map((l) => `${page.verify!.file} (verify): ${l}`));
    const commandLacks = new Set(text.commands.flatMap((c) => sessionLacks(c)));
    found.push(...[...commandLacks].map((l) => `its commands: ${l}`));
    found.push(...lacking([...text.commands, ...page.scripts.map((s) => s.text), page.verify?.text ?? '']));

    const goals: Record<string, unknown>[] = [];
    if (page.verify) goals.push({ check: verifyCheck(page.verify.text, page.verify.file), timeout: VERIFY_TIMEOUT_S });
    else {
      const last = [...text.commands].reverse().find((c) => !c.includes('\n') && c.length <= 300);
      if (last) {
        goals.push({ ran: commandPattern(last) });
        found.push(`no verify script: the step ticks when the learner runs "${last}" successfully`);
      } else {
        goals.push({ ran: '\\S', exit: 'any' });
        found.push('no verify script and no command to run: the step ticks on any command (write a check goal)');
      }
    }
    const solution = text.commands.length ? text.commands : ['true'];
    if (!text.commands.length && page.verify) found.push('NEEDS A HAND: its text has no command to run, so lessons test cannot play it: write its solution in lesson.yaml');
    stepNotes.set(id, [...new Set(found)]);

    const hint = page.answer?.trim()
      ? convertText(page.answer).markdown
      : text.commands.length
        ? `The commands of this step, in order:\n\n\`\`\`sh\n${text.commands.join('\n')}\n\`\`\`\n`
        : 'Read the step again: everything it asks for is in its text.\n';
    files[`en/${id}.md`] = `# ${oneLine(page.title)}\n\n${text.markdown.trim() || oneLine(page.title)}\n\n## Hint\n\n${hint.trim()}\n`;
    return { id, ...(stepSetup ? { setup: stepSetup } : {}), goals, solution };
  });

  const doc = new Document({
    title: { en: oneLine(scenario.title) },
    ...(scenario.description.trim() ? { description: { en: oneLine(scenario.description).slice(0, 140) } } : {}),
    source: `Katacoda/KillerCoda scenario "${scenario.name}"`,
    level: level(scenario.difficulty),
    minutes: minutes(scenario.time, steps.length),
    ...(lessonSetup ? { setup: lessonSetup } : {}),
    steps,
  });
  doc.commentBefore = ` Imported by \`berth lessons import\` from the scenario "${scenario.name}".\n Review it (the import report lists what did not carry over), then write the zh text.`;
  files['lesson.yaml'] = doc.toString({ lineWidth: 0, blockQuote: 'literal' });
  return { id: slug(scenario.title) || 'imported', files, notes, stepNotes };
}

/**
 * One script runs as is. Several (background, then foreground, as Katacoda started them) run one after the
 * other, each in a bash of its own so one's `exit` does not skip the next, stopping at the first that fails.
 */
function setupScript(scripts: ScenarioScript[]): string {
  if (scripts.length === 1) return `# ${scripts[0]!.file} (${scripts[0]!.kind})\n${scripts[0]!.text.replace(/\n*$/, '\n')}`;
  return scripts.map((s) => `# ${s.file} (${s.kind})\n${embed(s.text)} || exit $?\n`).join('');
}

/**
 * A verify script is met when it exits 0 (KillerCoda). A Katacoda one that prints "done" when met must also
 * print it: `if [ -f x ]; then echo done; fi` exits 0 either way.
 */
function verifyCheck(script: string, file: string): string {
  if (!/\becho\s+["']?done["']?\s*($|[;&|)}])/m.test(script)) return `# ${file}\n${script.replace(/\n*$/, '\n')}`;
  return `# ${file}: met when it exits 0 and prints "done"\nout=$(${embed(script)}) && grep -qx done <<<"$out"\n`;
}

/** A script as a bash -c argument, its text kept literal in a quoted heredoc; stdin closed, as a VM's verifier had none. */
function embed(script: string): string {
  const delim = heredocDelimiter(script, 'BERTH_SCENARIO_SCRIPT');
  return `bash -c "$(cat <<'${delim}'\n${script.replace(/\n*$/, '')}\n${delim}\n)" </dev/null`;
}

/** A command as the linear matcher's pattern: the words in order, any run of blanks between them. */
function commandPattern(cmd: string): string {
  const words = cmd.trim().split(/\s+/).map((w) => w.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  return `^${words.join('\\s+')}\\s*$`;
}

function uniqueId(title: string, i: number, used: Set<string>): string {
  const base = slug(title.replace(/^\s*step\s*\d+\s*[-:.]?\s*/i, '')).slice(0, 50).replace(/-+$/, '') || `step-${i + 1}`;
  let id = base;
  for (let n = 2; used.has(id); n++) id = `${base}-${n}`;
  used.add(id);
  return id;
}

export function slug(s: string): string {
  return s
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

function level(difficulty: string | undefined): 'beginner' | 'intermediate' | 'advanced' {
  const d = (difficulty ?? '').toLowerCase();
  if (/advanced|expert|hard/.test(d)) return 'advanced';
  if (/intermediate|medium/.test(d)) return 'intermediate';
  return 'beginner';
}

/** "5-10 minutes" -> 10; none -> 5 per step; always 1-600. */
function minutes(time: string | undefined, steps: number): number {
  const numbers = (time ?? '').match(/\d+/g)?.map(Number) ?? [];
  const m = numbers.length ? Math.max(...numbers) * (/hour/i.test(time ?? '') ? 60 : 1) : 5 * steps;
  return Math.min(600, Math.max(1, m));
}
