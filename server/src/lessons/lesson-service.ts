// Lessons for the API (catalog, texts, progress) and the live coaching of each session: after every
// command the learner runs, the current step's goals are evaluated and a `step` event goes out.
import type { Lang, LessonProgress, LessonSummary, LessonView, ProgressMap, ServerEvent } from '@berth/shared';
import { HttpError } from '../errors.js';
import type { ProgressStore } from '../store/progress-store.js';
import type { CommandEvent } from '../terminal/shell-integration.js';
import { goalsMet, matchMistake, ranGoalMetBy, type ScriptRunner } from './goals.js';
import type { Goal, Lesson, Step } from './lesson.js';

export class LessonNotFoundError extends HttpError {
  constructor(id: string) {
    super(404, `No lesson "${id}". GET /api/lessons lists them.`);
  }
}

export interface LessonHost {
  /** Runs a script in the session's sandbox as the learner; resolves to its exit status. */
  runScript(sessionId: string, script: string, timeoutMs: number): Promise<number>;
  /** Sends an event to the session's terminals. */
  emit(sessionId: string, event: Extract<ServerEvent, { type: 'step' }>): void;
  /** Tells the learner something went wrong that no request of theirs can answer (an error event). */
  notify?(sessionId: string, message: string): void;
}

interface Coaching {
  learner: string;
  lang: Lang;
  lesson: Lesson;
  stepIndex: number;
  /** The current step's ran goals that a command since the step began met (not the commands themselves). */
  ranMet: Set<Goal>;
  /** Set-up scripts run or running in this session, by lesson id or lesson/step: each resolves to its exit status. */
  setups: Map<string, Promise<number>>;
  /** Evaluations run one at a time, in command order. */
  queue: Promise<void>;
  /** Commands that arrived while an evaluation ran: judged together by the next one, so checks never pile up. */
  waiting?: { commands: CommandEvent[]; done: Promise<void> };
}

/** A lesson's or a step's set-up script may pull images: it gets this long. */
const SETUP_TIMEOUT_MS = 120_000;

/** Commands waiting for a running check to finish: a flood keeps only the latest. */
const KEPT_COMMANDS = 200;

export class LessonService {
  private readonly byId: Map<string, Lesson>;
  private readonly coaching = new Map<string, Coaching>();

  constructor(
    readonly lessons: Lesson[],
    private readonly store: ProgressStore,
    private readonly host: LessonHost,
  ) {
    this.byId = new Map(lessons.map((l) => [l.id, l]));
  }

  get(id: string): Lesson {
    const lesson = this.byId.get(id);
    if (!lesson) throw new LessonNotFoundError(id);
    return lesson;
  }

  catalog(lang: Lang): LessonSummary[] {
    return this.lessons.map((l) => ({
      id: l.id,
      title: l.title[lang],
      description: l.description[lang],
      level: l.level,
      minutes: l.minutes,
      needs: l.needs,
      stepCount: l.steps.length,
    }));
  }

  view(id: string, lang: Lang): LessonView {
    const l = this.get(id);
    return {
      id: l.id,
      title: l.title[lang],
      level: l.level,
      minutes: l.minutes,
      introHtml: l.introHtml[lang],
      finishHtml: l.finishHtml[lang],
      steps: l.steps.map((s) => ({ id: s.id, title: s.text[lang].title, html: s.text[lang].html, hintHtml: s.text[lang].hintHtml, solution: s.solution })),
    };
  }

  progress(learner: string): ProgressMap {
    const out: ProgressMap = {};
    for (const [id, p] of this.store.learner(learner)) {
      const lesson = this.byId.get(id);
      if (lesson) out[id] = this.progressOf(lesson, p.done, p.current);
    }
    return out;
  }

  private progressOf(lesson: Lesson, done: string[], current: string | null): LessonProgress {
    const known = done.filter((s) => lesson.steps.some((st) => st.id === s));
    return { lesson: lesson.id, done: known, current, finished: lesson.steps.every((s) => known.includes(s.id)) };
  }

  /** The language the learner reads their lesson in, once one is open in this session. */
  langOf(sessionId: string): Lang | undefined {
    return this.coaching.get(sessionId)?.lang;
  }

  /** The learner in this session is now on `stepId` of `lessonId`: watch that step from here on. */
  async setLesson(sessionId: string, learner: string, lessonId: string, stepId: string, lang: Lang): Promise<LessonProgress> {
    const lesson = this.get(lessonId);
    const stepIndex = lesson.steps.findIndex((s) => s.id === stepId);
    if (stepIndex < 0) throw new HttpError(404, `Lesson "${lessonId}" has no step "${stepId}".`);
    const previous = this.coaching.get(sessionId);
    const c: Coaching = {
      learner,
      lang,
      lesson,
      stepIndex,
      ranMet: new Set(),
      setups: previous?.setups ?? new Map(),
      queue: previous?.queue ?? Promise.resolve(),
    };
    this.coaching.set(sessionId, c);
    this.store.setPosition(learner, lessonId, stepId);
    if (lesson.setup) await this.setUp(sessionId, c, lesson.id, lesson.setup, `The set-up of lesson "${lesson.id}"`);
    const step = lesson.steps[stepIndex]!;
    if (step.setup) await this.setUp(sessionId, c, `${lesson.id}/${step.id}`, step.setup, `The set-up of step "${step.id}" of lesson "${lesson.id}"`);
    return this.progressOf(lesson, this.store.learner(learner).get(lessonId)?.done ?? [], stepId);
  }

  /**
   * Runs a set-up script once per session (two requests at once share one run); its output stays out of the
   * learner's terminal. A failed one runs again on the next request, so "try again" means it.
   */
  private async setUp(sessionId: string, c: Coaching, key: string, script: string, what: string): Promise<void> {
    let run = c.setups.get(key);
    if (!run) {
      run = this.host.runScript(sessionId, script, SETUP_TIMEOUT_MS);
      c.setups.set(key, run);
    }
    const status = await run;
    if (status === 0) return;
    if (c.setups.get(key) === run) c.setups.delete(key);
    throw new HttpError(502, `${what} failed in your sandbox (exit ${status}); open the step again to retry, or start a new session.`);
  }

  /** A command finished in the session's terminal. Resolves once its verdict (if any) was emitted. */
  onCommand(sessionId: string, cmd: CommandEvent): Promise<void> {
    const c = this.coaching.get(sessionId);
    if (!c) return Promise.resolve();
    if (c.waiting) {
      // Judged together once the running check is done; a flood keeps only its latest commands.
      c.waiting.commands.push(cmd);
      if (c.waiting.commands.length > KEPT_COMMANDS) c.waiting.commands.splice(0, c.waiting.commands.length - KEPT_COMMANDS);
      return c.waiting.done;
    }
    const batch: NonNullable<Coaching['waiting']> = { commands: [cmd], done: Promise.resolve() };
    c.waiting = batch;
    batch.done = c.queue = c.queue
      .then(() => {
        if (c.waiting === batch) c.waiting = undefined;
        return this.evaluate(sessionId, c, batch.commands);
      })
      .catch(() => {});
    return batch.done;
  }

  /** Whether the current step's goals are met right now (used by lessons:test before the solution). */
  async currentStepMet(sessionId: string): Promise<boolean> {
    const c = this.coaching.get(sessionId);
    if (!c) return false;
    return goalsMet(c.lesson.steps[c.stepIndex]!, c.ranMet, this.runner(sessionId));
  }

  forget(sessionId: string): void {
    this.coaching.delete(sessionId);
  }

  private async evaluate(sessionId: string, c: Coaching, cmds: CommandEvent[]): Promise<void> {
    if (this.coaching.get(sessionId) !== c) return; // the learner moved on meanwhile
    const step: Step | undefined = c.lesson.steps[c.stepIndex];
    if (!step) return;
    for (const cmd of cmds) {
      for (const goal of step.goals) {
        if (goal.type === 'ran' && !c.ranMet.has(goal) && ranGoalMetBy(goal, cmd)) c.ranMet.add(goal);
      }
    }
    if (await goalsMet(step, c.ranMet, this.runner(sessionId))) {
      const next = c.lesson.steps[c.stepIndex + 1];
      c.stepIndex += 1;
      c.ranMet = new Set();
      // The learner did it: the step ticks on the page even if it cannot be saved (a full disk).
      try {
        this.store.markDone(c.learner, c.lesson.id, step.id);
        if (next) this.store.setPosition(c.learner, c.lesson.id, next.id);
      } finally {
        this.host.emit(sessionId, { type: 'step', lesson: c.lesson.id, step: step.id, done: true });
      }
      // The page follows the server to the next step without asking for it: its set-up starts here, and
      // the commands that arrive meanwhile are judged once it is done (they wait in the queue).
      if (next?.setup) {
        await this.setUp(sessionId, c, `${c.lesson.id}/${next.id}`, next.setup, `The set-up of step "${next.id}" of lesson "${c.lesson.id}"`).catch((err: Error) =>
          this.host.notify?.(sessionId, err.message),
        );
      }
      return;
    }
    // Of commands judged together, the latest mistake is the one to speak about.
    const mistake = cmds.map((cmd) => matchMistake(step, cmd.line)).filter((m) => m !== undefined).pop();
    if (mistake) this.host.emit(sessionId, { type: 'step', lesson: c.lesson.id, step: step.id, done: false, message: mistake.message[c.lang] });
  }

  private runner(sessionId: string): ScriptRunner {
    return (script, timeoutMs) => this.host.runScript(sessionId, script, timeoutMs);
  }
}
