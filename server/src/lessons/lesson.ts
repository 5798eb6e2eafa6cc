// A lesson as loaded from lessons/<NN>-<id>/ (see lessons/README.md).
import type { Lang, Level, StepFile, StepHighlight } from '@berth/shared';
import type { LinearPattern } from './linear-pattern.js';

/** `explain`: what the learner is told when Check my work finds the goal unmet (else a default sentence). */
export type Goal =
  | { type: 'ran'; pattern: LinearPattern; exit: number | 'any'; explain?: Record<Lang, string> }
  | { type: 'check'; script: string; timeoutMs: number; explain?: Record<Lang, string> };

export interface Mistake {
  pattern: LinearPattern;
  message: Record<Lang, string>;
}

export interface StepText {
  title: string;
  html: string;
  hintHtml: string;
}

export interface Step {
  id: string;
  /** Run in the sandbox as the learner when the step opens (once per session), before its goals are watched. */
  setup?: string;
  goals: Goal[];
  solution: string[];
  /** Does the step's work quietly (`bash -c`, as the learner) for Skip and for a step opened mid-lesson; default: the solution. */
  solve: string;
  mistakes: Mistake[];
  file?: StepFile;
  highlight?: StepHighlight;
  text: Record<Lang, StepText>;
}

export interface Lesson {
  id: string;
  /** The folder, relative to the lessons root. */
  dir: string;
  title: Record<Lang, string>;
  /** One line under the title in the catalog ('' when the lesson has none). */
  description: Record<Lang, string>;
  level: Level;
  minutes: number;
  /** Ids of lessons to do first (earlier in the catalog). */
  needs: string[];
  setup?: string;
  /** Where an imported lesson came from (e.g. "katacoda: docker-basics"); its missing translations are warnings. */
  source?: string;
  steps: Step[];
  introHtml: Record<Lang, string>;
  finishHtml: Record<Lang, string>;
}

/** One problem in a lesson's files, located for `file:line: what is wrong`. */
export interface LessonProblem {
  file: string;
  line: number;
  message: string;
  /** A warning does not stop the server (an imported lesson's missing translation); an error does. */
  warning?: boolean;
}

export const formatProblem = (p: LessonProblem) => `${p.file}:${p.line}: ${p.warning ? 'warning: ' : ''}${p.message}`;

export class InvalidLessonsError extends Error {
  constructor(readonly problems: LessonProblem[]) {
    super(`${problems.length} problem(s) in the lessons:\n${problems.map(formatProblem).join('\n')}`);
  }
}
