// Learners' lesson progress: survives reloads and restarts. In SQLite (progress-store-sqlite.ts) or
// PostgreSQL (progress-store-pg.ts).

export interface StoredProgress {
  lesson: string;
  done: string[];
  current: string | null;
}

export interface ProgressStore {
  /** The step is done (a second time changes nothing). */
  markDone(learner: string, lesson: string, step: string): Promise<void>;
  /** The step the learner has open in the lesson. */
  setPosition(learner: string, lesson: string, step: string): Promise<void>;
  /** Everything this learner did, by lesson. */
  learner(learner: string): Promise<Map<string, StoredProgress>>;
}

interface StepRow {
  lesson: string;
  step: string;
}

/** Done steps (in the order they were done) and positions, gathered by lesson. */
export function progressByLesson(done: StepRow[], positions: StepRow[]): Map<string, StoredProgress> {
  const out = new Map<string, StoredProgress>();
  const entry = (lesson: string) => out.get(lesson) ?? out.set(lesson, { lesson, done: [], current: null }).get(lesson)!;
  for (const row of done) entry(row.lesson).done.push(row.step);
  for (const row of positions) entry(row.lesson).current = row.step;
  return out;
}
