// The lesson catalog, the open lesson and the learner's progress, as reactive state with its loaders.
// Failures become state the panel renders with a retry; answers to superseded requests are dropped.
import type { Lang, LessonProgress, LessonStepView, LessonSummary, LessonView, ProgressMap } from '@berth/shared';
import { HttpError, getLesson, getProgress, listLessons } from './api.js';
import { errorText } from './error-text.js';
import type { Text } from './i18n.js';
import type { Route } from './router.svelte.js';

/** What the feedback bar by the terminal says (the latest thing that happened in the open lesson). */
export type Feedback =
  | { kind: 'mistake' | 'failed'; step: string; text: string }
  | { kind: 'tick'; step: string; readOn: boolean }
  | { kind: 'unmet' | 'already'; step: string; lines: string[] }
  | { kind: 'skipped'; step: string; title: string }
  | { kind: 'busy'; command: string }
  | { kind: 'notice'; text: string }
  | { kind: 'error'; text: Text }
  | { kind: 'preparing' };

/** Skip and Check my work, wired by lesson-sync (they need the session and the route). */
export interface StepActions {
  skip(stepId: string): Promise<void>;
  check(stepId: string): Promise<void>;
}

export type LessonState = { kind: 'new' } | { kind: 'started'; done: number; total: number } | { kind: 'done' };

export interface LoadFailure {
  text: Text;
  notFound: boolean;
  retry(): void;
}

export class Lessons {
  catalog = $state.raw<LessonSummary[] | null>(null);
  catalogError = $state.raw<LoadFailure | null>(null);
  /** The open lesson's texts, in the language last asked for. */
  lesson = $state.raw<LessonView | null>(null);
  lessonError = $state.raw<LoadFailure | null>(null);
  progress = $state.raw<ProgressMap>({});
  progressError = $state.raw<LoadFailure | null>(null);
  /** True once the first progress request settled (either way): a resume decision can be made. */
  progressSettled = $state(false);
  /** The feedback bar's message. */
  feedback = $state.raw<Feedback | null>(null);
  /** A known mistake (or a failing command) the learner just made on the current step, in their language. */
  readonly mistake: string | null = $derived(this.feedback?.kind === 'mistake' ? this.feedback.text : null);
  /** The server is opening the step on screen (its set-up, earlier steps redone): Check and Skip wait. */
  opening = $state(false);
  /** Skip or Check my work is on its way. */
  busyWith = $state<'skip' | 'check' | null>(null);
  actions: StepActions | null = null;
  /** Steps skipped in this session, by lesson (the server's word; not done). */
  skippedBy = $state.raw<Record<string, string[]>>({});
  readonly skipped: Set<string> = $derived(new Set(this.lesson ? (this.skippedBy[this.lesson.id] ?? []) : []));
  /** Telling the server which step the learner is on failed. */
  syncError = $state.raw<LoadFailure | null>(null);

  /** The lesson the learner opened last (kept across visits), for "continue where you left off". */
  lastOpened = $state<string | null>(readLastOpened());

  #catalogRequest = 0;
  #lessonRequest = 0;
  #lessonKey = '';
  #progressRequest = 0;

  /** Ids of the open lesson's steps that are done. */
  readonly done: Set<string> = $derived(new Set(this.lesson ? (this.progress[this.lesson.id]?.done ?? []) : []));

  async loadCatalog(lang: Lang): Promise<void> {
    const request = ++this.#catalogRequest;
    this.catalogError = null;
    try {
      const catalog = await listLessons(lang);
      if (request === this.#catalogRequest) this.catalog = catalog;
    } catch (err) {
      if (request === this.#catalogRequest) this.catalogError = failure(err, () => void this.loadCatalog(lang));
    }
  }

  /** Loads a lesson's texts; keeps showing the lesson already open (say, in the other language) meanwhile. */
  async loadLesson(id: string, lang: Lang): Promise<void> {
    this.#remember(id);
    const key = `${id}\n${lang}`;
    if (key === this.#lessonKey && this.lesson && !this.lessonError) return;
    this.#lessonKey = key;
    const request = ++this.#lessonRequest;
    this.lessonError = null;
    if (this.lesson && this.lesson.id !== id) this.lesson = null;
    try {
      const lesson = await getLesson(id, lang);
      if (request === this.#lessonRequest) this.lesson = lesson;
    } catch (err) {
      if (request !== this.#lessonRequest) return;
      this.lesson = null;
      this.lessonError = failure(err, () => {
        this.#lessonKey = '';
        void this.loadLesson(id, lang);
      });
    }
  }

  async loadProgress(): Promise<void> {
    const request = ++this.#progressRequest;
    try {
      const progress = await getProgress();
      if (request !== this.#progressRequest) return;
      this.progress = progress;
      this.progressError = null;
    } catch (err) {
      if (request === this.#progressRequest) this.progressError = failure(err, () => void this.loadProgress());
    } finally {
      if (request === this.#progressRequest) this.progressSettled = true;
    }
  }

  /** The server's answer to "the learner is on this step". */
  setProgress(progress: LessonProgress): void {
    this.progress = { ...this.progress, [progress.lesson]: progress };
    if (progress.skipped) this.skippedBy = { ...this.skippedBy, [progress.lesson]: progress.skipped };
  }

  /** Ticks a step at once, before the refreshed progress arrives. */
  markDone(lesson: string, step: string): void {
    const known = this.progress[lesson] ?? { lesson, done: [], current: step, finished: false };
    if (known.done.includes(step)) return;
    this.setProgress({ ...known, done: [...known.done, step] });
  }

  stateOf(summary: LessonSummary): LessonState {
    const progress = this.progress[summary.id];
    if (!progress) return { kind: 'new' };
    if (progress.finished || (summary.stepCount > 0 && progress.done.length >= summary.stepCount)) return { kind: 'done' };
    if (progress.done.length === 0 && progress.current === null) return { kind: 'new' };
    return { kind: 'started', done: progress.done.length, total: summary.stepCount };
  }

  /** Where "continue where you left off" leads: the lesson opened last if unfinished, else the first one started. */
  continueWith(): LessonSummary | null {
    const list = this.catalog ?? [];
    const started = list.filter((l) => this.stateOf(l).kind === 'started');
    return started.find((l) => l.id === this.lastOpened) ?? started[0] ?? null;
  }

  #remember(id: string): void {
    this.lastOpened = id;
    try {
      localStorage.setItem(LAST_OPENED_KEY, id);
    } catch {
      // storage refused (private mode): remembered for this page only
    }
  }

  /** The catalog's lesson after `id`, if any. */
  /** The lesson after `id`: in the catalog's order, or in `within`'s (a class's lessons). */
  nextLesson(id: string, within?: string[] | null): LessonSummary | null {
    const list = this.catalog ?? [];
    if (within) {
      const after = within[within.indexOf(id) + 1];
      return within.includes(id) && after ? (list.find((l) => l.id === after) ?? null) : null;
    }
    const at = list.findIndex((l) => l.id === id);
    return at >= 0 ? (list[at + 1] ?? null) : null;
  }
}

/** Where /lessons/<id> leads: the learner's current step, else the first not done, else the finish page. */
export function resumeRoute(lesson: LessonView, progress: LessonProgress | undefined): Route {
  const done = new Set(progress?.done ?? []);
  const current = lesson.steps.find((s) => s.id === progress?.current && !done.has(s.id));
  const step = current ?? lesson.steps.find((s) => !done.has(s.id));
  if (step) return { name: 'lesson', lesson: lesson.id, step: step.id };
  return lesson.steps.length ? { name: 'finish', lesson: lesson.id } : { name: 'lesson', lesson: lesson.id, step: null };
}

/**
 * Where the learner goes after `stepId`: the next step in order; after the last, the finish page, or with
 * `revisit` (a step just ticked) the first step still not done if there is one.
 */
export function routeAfter(lesson: LessonView, stepId: string, done: Set<string>, revisit = false): Route {
  const at = lesson.steps.findIndex((s) => s.id === stepId);
  const next = lesson.steps[at + 1];
  if (next) return { name: 'lesson', lesson: lesson.id, step: next.id };
  const open = revisit ? lesson.steps.find((s) => s.id !== stepId && !done.has(s.id)) : undefined;
  return open ? { name: 'lesson', lesson: lesson.id, step: open.id } : { name: 'finish', lesson: lesson.id };
}

export function stepById(lesson: LessonView, stepId: string | null): LessonStepView | null {
  return lesson.steps.find((s) => s.id === stepId) ?? null;
}

const LAST_OPENED_KEY = 'berth.lastLesson';

function readLastOpened(): string | null {
  try {
    return localStorage.getItem(LAST_OPENED_KEY);
  } catch {
    return null;
  }
}

function failure(err: unknown, retry: () => void): LoadFailure {
  return { text: errorText(err), notFound: err instanceof HttpError && err.status === 404, retry };
}
