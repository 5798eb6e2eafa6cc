// Learners' lesson progress in berth.db (migrations.ts).
import type Database from 'better-sqlite3';
import { progressByLesson, type ProgressStore, type StoredProgress } from './progress-store.js';

type StepRows = { lesson: string; step: string }[];

export class SqliteProgressStore implements ProgressStore {
  private readonly stmts;

  constructor(db: Database.Database) {
    this.stmts = {
      done: db.prepare('INSERT OR IGNORE INTO step_done (learner, lesson, step, done_at) VALUES (?, ?, ?, ?)'),
      position: db.prepare(
        'INSERT INTO lesson_position (learner, lesson, step, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (learner, lesson) DO UPDATE SET step = excluded.step, updated_at = excluded.updated_at',
      ),
      doneOf: db.prepare('SELECT lesson, step FROM step_done WHERE learner = ? ORDER BY done_at, rowid'),
      positionsOf: db.prepare('SELECT lesson, step FROM lesson_position WHERE learner = ?'),
    };
  }

  async markDone(learner: string, lesson: string, step: string): Promise<void> {
    this.stmts.done.run(learner, lesson, step, Date.now());
  }

  async setPosition(learner: string, lesson: string, step: string): Promise<void> {
    this.stmts.position.run(learner, lesson, step, Date.now());
  }

  async learner(learner: string): Promise<Map<string, StoredProgress>> {
    return progressByLesson(this.stmts.doneOf.all(learner) as StepRows, this.stmts.positionsOf.all(learner) as StepRows);
  }
}
