// Learners' lesson progress in the PostgreSQL database Berth servers share (postgres/pg-migrations.ts).
import type { OrderedQueries } from './postgres/ordered-queries.js';
import { progressByLesson, type ProgressStore, type StoredProgress } from './progress-store.js';

type StepRow = { lesson: string; step: string; position: boolean };

export class PgProgressStore implements ProgressStore {
  constructor(private readonly q: OrderedQueries) {}

  async markDone(learner: string, lesson: string, step: string): Promise<void> {
    await this.q.write('INSERT INTO step_done (learner, lesson, step, done_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [learner, lesson, step, Date.now()]);
  }

  async setPosition(learner: string, lesson: string, step: string): Promise<void> {
    await this.q.write(
      'INSERT INTO lesson_position (learner, lesson, step, updated_at) VALUES ($1, $2, $3, $4) ON CONFLICT (learner, lesson) DO UPDATE SET step = excluded.step, updated_at = excluded.updated_at',
      [learner, lesson, step, Date.now()],
    );
  }

  async learner(learner: string): Promise<Map<string, StoredProgress>> {
    // One statement, so one snapshot of both tables; seq is the order rows were written (SQLite's rowid).
    const rows = await this.q.read<StepRow>(
      `SELECT lesson, step, position FROM (
         SELECT lesson, step, false AS position, done_at, seq FROM step_done WHERE learner = $1
         UNION ALL SELECT lesson, step, true, 0, 0 FROM lesson_position WHERE learner = $1) AS progress
       ORDER BY position, done_at, seq`,
      [learner],
    );
    return progressByLesson(
      rows.filter((r) => !r.position),
      rows.filter((r) => r.position),
    );
  }
}
