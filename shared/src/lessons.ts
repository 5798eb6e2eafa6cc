// Lesson API types (GET /api/lessons, GET /api/lessons/:id, progress), shared by web and server.

export const LANGS = ['en', 'zh'] as const;
export type Lang = (typeof LANGS)[number];
export const LEVELS = ['beginner', 'intermediate', 'advanced'] as const;
export type Level = (typeof LEVELS)[number];

export interface LessonSummary {
  id: string;
  title: string;
  /** One line under the title ('' when the lesson has none). */
  description: string;
  level: Level;
  minutes: number;
  /** Ids of the lessons to do first, in catalog order. */
  needs: string[];
  stepCount: number;
}

export interface LessonStepView {
  id: string;
  title: string;
  /** The step's text as HTML. Runnable code blocks are `<pre data-runnable="true"><code>…</code></pre>`. */
  html: string;
  /** The hint section as HTML ('' when the step has none). */
  hintHtml: string;
  /** Commands that meet the step's goals, in order. */
  solution: string[];
  /** A file the step opens in the editor (made with `content` when it does not exist yet). */
  file?: StepFile;
  /** An item the engine view points at while the step is open (e.g. the image a layers step builds). */
  highlight?: StepHighlight;
}

export interface StepFile {
  /** Relative to the learner's home folder. */
  path: string;
  content?: string;
}

export interface StepHighlight {
  kind: 'image' | 'container' | 'network' | 'volume';
  /** A tag (demo:latest), a container's, network's or volume's name. */
  name: string;
}

export interface LessonView {
  id: string;
  title: string;
  level: Level;
  minutes: number;
  /** Shown before the first step ('' when none). */
  introHtml: string;
  /** Shown on the finish page ('' when none). */
  finishHtml: string;
  steps: LessonStepView[];
}

export interface LessonProgress {
  lesson: string;
  /** Ids of the steps whose goals were met, in the order they were met. */
  done: string[];
  /** Ids of the steps skipped in this session (Skip did their work for them): not done. */
  skipped?: string[];
  /** The step the learner is on (null before they start). */
  current: string | null;
  finished: boolean;
}

/** GET /api/progress: the learner's progress in every lesson they started, by lesson id. */
export type ProgressMap = Record<string, LessonProgress>;

/** PUT /api/sessions/:id/lesson: which lesson and step the session's learner is on now. */
export interface SetLessonRequest {
  lesson: string;
  step: string;
  lang?: Lang;
  /**
   * The page was on this step in this same sandbox before its socket dropped (a server restarted, or another
   * took the session over): a server that does not coach the session yet takes it up as it is, without
   * running set-ups again or redoing earlier steps.
   */
  resume?: boolean;
}

/** PUT /api/sessions/:id/lesson's answer: the progress, and what went wrong preparing the step, if anything. */
export interface SetLessonResponse extends LessonProgress {
  /** A sentence: earlier steps could not be redone in this sandbox (opened mid-lesson), so this one may lack its state. */
  notice?: string;
}

/** POST /api/sessions/:id/lesson/check {lesson, step, lang?}: Check my work, the step's goals run now. */
export interface CheckStepResponse {
  lesson: string;
  step: string;
  /** Every goal is met: the step ticked (a `step` event went out too), unless `already`. */
  met: boolean;
  /** Met, but it already was when the step opened: nothing the learner did in it, so it does not tick. */
  already?: boolean;
  /** The goals not met, each in the lesson's words (or a default sentence), in the learner's language. */
  unmet: string[];
}
