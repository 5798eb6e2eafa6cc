// Classes and their students in the PostgreSQL database Berth servers share (store/postgres/pg-migrations.ts).
import type { OrderedQueries } from '../store/postgres/ordered-queries.js';
import { newestFirst } from '../store/newest-first.js';
import { CLASS_COLUMNS, classFromRaw, STUDENT_COLUMNS, type ClassRow, type ClassStore, type RawClass, type StudentRow } from './class-store.js';

export class PgClassStore implements ClassStore {
  constructor(private readonly q: OrderedQueries) {}

  async create(row: ClassRow): Promise<boolean> {
    // Only a taken code is an answer; a taken id is an error, as in SQLite.
    const r = await this.q.write(
      `INSERT INTO class (id, code, staff_id, name, lessons, lang, minutes, capacity, created_at, closes_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (code) DO NOTHING`,
      [row.id, row.code, row.staffId, row.name, JSON.stringify(row.lessons), row.lang, row.minutes, row.capacity, row.createdAt, row.closesAt],
    );
    return r.rowCount === 1;
  }

  async byId(id: string): Promise<ClassRow | undefined> {
    return classFromRaw((await this.q.read<RawClass>(`SELECT ${CLASS_COLUMNS} FROM class WHERE id = $1`, [id]))[0]);
  }

  async byCode(code: string): Promise<ClassRow | undefined> {
    return classFromRaw((await this.q.read<RawClass>(`SELECT ${CLASS_COLUMNS} FROM class WHERE code = $1`, [code]))[0]);
  }

  async list(staffId: number | null): Promise<ClassRow[]> {
    const rows = await this.q.read<RawClass>(newestFirst('class', CLASS_COLUMNS, staffId !== null, '$1'), staffId === null ? [] : [staffId]);
    return rows.map((r) => classFromRaw(r)!);
  }

  students(classId: string): Promise<StudentRow[]> {
    return this.q.read<StudentRow>(`SELECT ${STUDENT_COLUMNS} FROM class_student WHERE class_id = $1 ORDER BY joined_at`, [classId]);
  }

  async studentOf(sessionId: string): Promise<StudentRow | undefined> {
    return (await this.q.read<StudentRow>(`SELECT ${STUDENT_COLUMNS} FROM class_student WHERE session_id = $1`, [sessionId]))[0];
  }

  async join(classId: string, learner: string, name: string, sessionId: string, at: number): Promise<void> {
    await this.q.write(
      `INSERT INTO class_student (class_id, learner, name, session_id, joined_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (class_id, learner) DO UPDATE SET name = excluded.name, session_id = excluded.session_id`,
      [classId, learner, name, sessionId, at],
    );
  }
}
