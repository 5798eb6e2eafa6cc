// Lessons for the API (catalog, texts, progress) and the live coaching of each session: after every
// command the learner runs, the current step's goals are evaluated and a `step` event goes out.
import type { CheckStepResponse, Lang, LessonProgress, LessonSummary, LessonView, ProgressMap, ServerEvent, SetLessonResponse } from '@berth/shared';
import { HttpError } from '../errors.js';
import type { ProgressStore } from '../store/progress-store.js';
import type { CommandEvent } from '../terminal/shell-integration.js';
import { goalsMet, matchMistake, ranGoalMetBy, settleChecks, unmetGoals, type ScriptRunner } from './goals.js';
import type { Goal, Lesson, Step } from './lesson.js';
import { alreadyMetText, catchUpFailedText, failedCommandText, unmetGoalText } from './verdicts.js';

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
  /** When the learner opened this step (reopening the same step, e.g. on a reload, keeps it). */
  since: number;
  /** The current step's ran goals that a command since the step began met (not the commands themselves). */
  ranMet: Set<Goal>;
  /**
   * A step of only `check` goals whose checks were met already when it opened: it ticks only once its state
   * was seen unmet after a command (what was there before is not the learner's work in this step).
   */
  metAtOpen: boolean;
  /** Set-up scripts run or running in this session, by lesson id or lesson/step: each resolves to its exit status. */
  setups: Map<string, Promise<number>>;
  /** Per session: lesson/step keys of the steps opened, skipped or redone in this sandbox. */
  reached: Set<string>;
  /** Per session: lesson/step keys of the steps skipped in it. */
  skipped: Set<string>;
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
      steps: l.steps.map((s) => ({ id: s.id, title: s.text[lang].title, html: s.text[lang].html, hintHtml: s.text[lang].hintHtml, solution: s.solution, ...(s.file ? { file: s.file } : {}), ...(s.highlight ? { highlight: s.highlight } : {}) })),
    };
  }

  /** The lesson step the learner in this session has open now, if any. */
  placeIn(sessionId: string): { lesson: string; step: string; since: number } | null {
    const c = this.coaching.get(sessionId);
    const step = c?.lesson.steps[c.stepIndex];
    return c && step ? { lesson: c.lesson.id, step: step.id, since: c.since } : null;
  }

  /** `lesson/step` keys of the steps skipped in this session's sandbox. */
  skippedIn(sessionId: string): ReadonlySet<string> {
    return this.coaching.get(sessionId)?.skipped ?? new Set();
  }

  async progress(learner: string): Promise<ProgressMap> {
    const out: ProgressMap = {};
    for (const [id, p] of await this.store.learner(learner)) {
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

  /**
   * The learner in this session is now on `stepId` of `lessonId`: watch that step from here on. Opened first
   * in this sandbox past the lesson's first step (a deep link, a new sandbox mid-lesson), the earlier steps'
   * work is redone first (their `solve`), so the step finds what its text says is there; unless `resume`
   * says the page was on this step in this sandbox already (its server stopped, or another took it over).
   */
  async setLesson(sessionId: string, learner: string, lessonId: string, stepId: string, lang: Lang, resume = false): Promise<SetLessonResponse> {
    const lesson = this.get(lessonId);
    const stepIndex = lesson.steps.findIndex((s) => s.id === stepId);
    if (stepIndex < 0) throw new HttpError(404, `Lesson "${lessonId}" has no step "${stepId}".`);
    const previous = this.coaching.get(sessionId);
    const c: Coaching = {
      learner,
      lang,
      lesson,
      stepIndex,
      since: previous?.lesson.id === lessonId && previous.stepIndex === stepIndex ? previous.since : Date.now(),
      ranMet: new Set(),
      metAtOpen: false,
      setups: previous?.setups ?? new Map(),
      reached: previous?.reached ?? new Set(),
      skipped: previous?.skipped ?? new Set(),
      queue: previous?.queue ?? Promise.resolve(),
    };
    if (resume && !previous) {
      // Coached before by a server that stopped (or another server): this sandbox has the lesson's work up to
      // this step, its set-ups ran. Nothing is run again; the step is watched from here on.
      const ran = Promise.resolve(0);
      c.setups.set(lesson.id, ran);
      c.setups.set(`${lesson.id}/${stepId}`, ran);
      for (const s of lesson.steps.slice(0, stepIndex + 1)) c.reached.add(`${lesson.id}/${s.id}`);
    }
    this.coaching.set(sessionId, c);
    // Issued now, in order with the lesson's other writes, and waited for only below: queued after a write,
    // the set-up would let a command typed meanwhile be judged first.
    const saved = this.store.setPosition(learner, lessonId, stepId);
    saved.catch(() => {}); // its failure is thrown below, unless the set-up failed first
    // In the evaluation queue: commands typed meanwhile are judged once the step is ready, not against a
    // sandbox half set up (an `ls` must not tick "no container named hello" before the redo made hello).
    const notice = await this.inQueue(c, async () => {
      if (lesson.setup) await this.setUp(sessionId, c, lesson.id, lesson.setup, `The set-up of lesson "${lesson.id}"`);
      const told = await this.catchUp(sessionId, c, stepIndex);
      const step = lesson.steps[stepIndex]!;
      if (step.setup) await this.setUp(sessionId, c, `${lesson.id}/${step.id}`, step.setup, `The set-up of step "${step.id}" of lesson "${lesson.id}"`);
      c.reached.add(`${lesson.id}/${step.id}`);
      await this.noteMetAtOpen(sessionId, c);
      return told;
    });
    await saved;
    return { ...(await this.progressIn(c, stepId)), ...(notice ? { notice } : {}) };
  }

  /**
   * A teacher's reset of the step open in this session: the lesson's and the step's set-up run again and
   * what the learner's commands met in the step is forgotten. The step's name, or null when none is open.
   */
  async redoStep(sessionId: string): Promise<{ lesson: string; step: string } | null> {
    const c = this.coaching.get(sessionId);
    const step = c?.lesson.steps[c.stepIndex];
    if (!c || !step) return null;
    const lesson = c.lesson;
    await this.inQueue(c, async () => {
      c.ranMet.clear();
      c.since = Date.now();
      c.setups.delete(lesson.id);
      c.setups.delete(`${lesson.id}/${step.id}`);
      if (lesson.setup) await this.setUp(sessionId, c, lesson.id, lesson.setup, `The set-up of lesson "${lesson.id}"`);
      if (step.setup) await this.setUp(sessionId, c, `${lesson.id}/${step.id}`, step.setup, `The set-up of step "${step.id}" of lesson "${lesson.id}"`);
      await this.noteMetAtOpen(sessionId, c);
    });
    return { lesson: lesson.id, step: step.id };
  }

  /** Redoes the lesson's steps before `upTo` when none of them was reached in this sandbox; a failure is told, not thrown. */
  private async catchUp(sessionId: string, c: Coaching, upTo: number): Promise<string | undefined> {
    const lesson = c.lesson;
    if (upTo === 0 || lesson.steps.some((s) => c.reached.has(`${lesson.id}/${s.id}`))) return undefined;
    for (const earlier of lesson.steps.slice(0, upTo)) {
      c.reached.add(`${lesson.id}/${earlier.id}`);
      const scripts = [...(earlier.setup ? [earlier.setup] : []), earlier.solve];
      for (const script of scripts) {
        const status = await this.host.runScript(sessionId, script, SETUP_TIMEOUT_MS);
        if (status !== 0) return catchUpFailedText(earlier.id, status, c.lang);
      }
      await settleChecks(earlier, this.runner(sessionId));
    }
    return undefined;
  }

  /** A step of only check goals, met the moment it opens, is not the learner's doing (yet). */
  private async noteMetAtOpen(sessionId: string, c: Coaching): Promise<void> {
    const step = c.lesson.steps[c.stepIndex]!;
    if (step.goals.some((g) => g.type === 'ran')) return;
    const met = await goalsMet(step, c.ranMet, this.runner(sessionId));
    if (this.coaching.get(sessionId) === c) c.metAtOpen = met;
  }

  private async progressIn(c: Coaching, current: string): Promise<LessonProgress> {
    const skipped = c.lesson.steps.filter((s) => c.skipped.has(`${c.lesson.id}/${s.id}`)).map((s) => s.id);
    const done = (await this.store.learner(c.learner)).get(c.lesson.id)?.done ?? [];
    return { ...this.progressOf(c.lesson, done, current), ...(skipped.length ? { skipped } : {}) };
  }

  /**
   * Skip: the step's work done quietly (its `solve`), the step marked skipped (not done), and the next one
   * opened, so the steps after it find what they need.
   */
  async skip(sessionId: string, learner: string, lessonId: string, stepId: string, lang: Lang): Promise<LessonProgress> {
    await this.setLesson(sessionId, learner, lessonId, stepId, lang);
    const c = this.coaching.get(sessionId)!;
    const step = c.lesson.steps[c.stepIndex]!;
    // In the evaluation queue: a command being judged meanwhile finishes first.
    const status = await this.inQueue(c, async () => {
      const solved = await this.host.runScript(sessionId, step.solve, SETUP_TIMEOUT_MS);
      if (solved === 0) await settleChecks(step, this.runner(sessionId));
      return solved;
    });
    if (status !== 0) {
      throw new HttpError(502, `Skipping step "${step.id}" failed in your sandbox: its commands ended with exit ${status}. Try Skip again, or do the step yourself.`);
    }
    c.skipped.add(`${c.lesson.id}/${step.id}`);
    const next = c.lesson.steps[c.stepIndex + 1];
    if (!next) return this.progressIn(c, step.id);
    return this.setLesson(sessionId, learner, lessonId, next.id, lang);
  }

  /** Check my work: the current step's goals, run now. Met: it ticks like after a command. */
  async checkNow(sessionId: string, lessonId: string, stepId: string): Promise<CheckStepResponse> {
    const c = this.coaching.get(sessionId);
    const step = c?.lesson.steps[c.stepIndex];
    if (!c || c.lesson.id !== lessonId || step?.id !== stepId) {
      throw new HttpError(409, `Step "${stepId}" of lesson "${lessonId}" is not the one open in this session: open it first.`);
    }
    return this.inQueue(c, async () => {
      if (this.coaching.get(sessionId) !== c || c.lesson.steps[c.stepIndex] !== step) {
        throw new HttpError(409, `Step "${stepId}" is no longer the one open in this session.`);
      }
      const unmet = await unmetGoals(step, c.ranMet, this.runner(sessionId));
      const verdict = { lesson: lessonId, step: stepId };
      if (unmet.length) {
        c.metAtOpen = false;
        return { ...verdict, met: false, unmet: unmet.map((g) => unmetGoalText(g, step, c.lang)) };
      }
      if (c.metAtOpen) return { ...verdict, met: true, already: true, unmet: [alreadyMetText(c.lang)] };
      await this.tick(sessionId, c, step);
      return { ...verdict, met: true, unmet: [] };
    });
  }

  private inQueue<T>(c: Coaching, work: () => Promise<T>): Promise<T> {
    const run = c.queue.then(work);
    c.queue = run.then(
      () => {},
      () => {},
    );
    return run;
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
    let progressed = false;
    for (const cmd of cmds) {
      for (const goal of step.goals) {
        if (goal.type === 'ran' && !c.ranMet.has(goal) && ranGoalMetBy(goal, cmd)) {
          c.ranMet.add(goal);
          progressed = true;
        }
      }
    }
    const met = await goalsMet(step, c.ranMet, this.runner(sessionId));
    if (met && !c.metAtOpen) return this.tick(sessionId, c, step);
    if (!met) c.metAtOpen = false; // the state changed under this step: its coming back is the learner's work
    const base = { type: 'step', lesson: c.lesson.id, step: step.id, done: false } as const;
    // Of commands judged together, the latest mistake is the one to speak about.
    const mistake = cmds.map((cmd) => matchMistake(step, cmd.line)).filter((m) => m !== undefined).pop();
    if (mistake) return this.host.emit(sessionId, { ...base, message: mistake.message[c.lang], kind: 'mistake' });
    const failed = failedCommandText(cmds, c.lang);
    if (failed) return this.host.emit(sessionId, { ...base, message: failed, kind: 'failed' });
    // A goal met without a tick: the page, still showing the step before, follows the learner here.
    if (progressed) this.host.emit(sessionId, base);
  }

  private async tick(sessionId: string, c: Coaching, step: Step): Promise<void> {
    const next = c.lesson.steps[c.stepIndex + 1];
    c.stepIndex += 1;
    c.ranMet = new Set();
    c.metAtOpen = false;
    // The learner did it: the step ticks on the page even if it cannot be saved (a full disk).
    try {
      await this.store.markDone(c.learner, c.lesson.id, step.id);
      if (next) await this.store.setPosition(c.learner, c.lesson.id, next.id);
    } finally {
      this.host.emit(sessionId, { type: 'step', lesson: c.lesson.id, step: step.id, done: true });
    }
    if (!next) return;
    c.reached.add(`${c.lesson.id}/${next.id}`);
    // The page follows the server to the next step without asking for it: its set-up starts here, and
    // the commands that arrive meanwhile are judged once it is done (they wait in the queue).
    if (next.setup) {
      await this.setUp(sessionId, c, `${c.lesson.id}/${next.id}`, next.setup, `The set-up of step "${next.id}" of lesson "${c.lesson.id}"`).catch((err: Error) =>
        this.host.notify?.(sessionId, err.message),
      );
    }
  }

  private runner(sessionId: string): ScriptRunner {
    return (script, timeoutMs) => this.host.runScript(sessionId, script, timeoutMs);
  }
}
