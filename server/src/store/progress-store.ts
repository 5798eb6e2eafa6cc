// Learners' lesson progress (BERTH_DATA/berth.db): survives reloads and restarts. Tables: migrations.ts.
import type Database from 'better-sqlite3';

export interface StoredProgress {
  lesson: string;
  done: string[];
  current: string | null;
}

export class ProgressStore {
  private readonly db: Database.Database;
  private readonly stmts;

  constructor(db: Database.Database) {
    this.db = db;
    this.stmts = {
      done: this.db.prepare('INSERT OR IGNORE INTO step_done (learner, lesson, step, done_at) VALUES (?, ?, ?, ?)'),
      position: this.db.prepare(
        'INSERT INTO lesson_position (learner, lesson, step, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (learner, lesson) DO UPDATE SET step = excluded.step, updated_at = excluded.updated_at',
      ),
      doneOf: this.db.prepare('SELECT lesson, step FROM step_done WHERE learner = ? ORDER BY done_at, rowid'),
      positionsOf: this.db.prepare('SELECT lesson, step FROM lesson_position WHERE learner = ?'),
    };
  }

  markDone(learner: string, lesson: string, step: string): void {
    this.stmts.done.run(learner, lesson, step, Date.now());
  }

  setPosition(learner: string, lesson: string, step: string): void {
    this.stmts.position.run(learner, lesson, step, Date.now());
  }

  /** Everything this learner did, by lesson. */
  learner(learner: string): Map<string, StoredProgress> {
    const out = new Map<string, StoredProgress>();
    const entry = (lesson: string) => out.get(lesson) ?? out.set(lesson, { lesson, done: [], current: null }).get(lesson)!;
    for (const row of this.stmts.doneOf.all(learner) as { lesson: string; step: string }[]) entry(row.lesson).done.push(row.step);
    for (const row of this.stmts.positionsOf.all(learner) as { lesson: string; step: string }[]) entry(row.lesson).current = row.step;
    return out;
  }
}
