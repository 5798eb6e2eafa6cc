// Classes and their students in berth.db (migrations.ts, version 4).
import type Database from 'better-sqlite3';
import { newestFirst } from '../store/newest-first.js';
import { CLASS_COLUMNS, classFromRaw, STUDENT_COLUMNS, type ClassRow, type ClassStore, type RawClass, type StudentRow } from './class-store.js';

export class SqliteClassStore implements ClassStore {
  private readonly stmts;

  constructor(db: Database.Database) {
    this.stmts = {
      insert: db.prepare(
        `INSERT INTO class (id, code, staff_id, name, lessons, lang, minutes, capacity, created_at, closes_at)
         VALUES (@id, @code, @staffId, @name, @lessons, @lang, @minutes, @capacity, @createdAt, @closesAt)`,
      ),
      byId: db.prepare(`SELECT ${CLASS_COLUMNS} FROM class WHERE id = ?`),
      byCode: db.prepare(`SELECT ${CLASS_COLUMNS} FROM class WHERE code = ?`),
      ofStaff: db.prepare(newestFirst('class', CLASS_COLUMNS, true)),
      all: db.prepare(newestFirst('class', CLASS_COLUMNS, false)),
      students: db.prepare(`SELECT ${STUDENT_COLUMNS} FROM class_student WHERE class_id = ? ORDER BY joined_at`),
      bySession: db.prepare(`SELECT ${STUDENT_COLUMNS} FROM class_student WHERE session_id = ?`),
      join: db.prepare(
        `INSERT INTO class_student (class_id, learner, name, session_id, joined_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (class_id, learner) DO UPDATE SET name = excluded.name, session_id = excluded.session_id`,
      ),
    };
  }

  async create(row: ClassRow): Promise<boolean> {
    try {
      this.stmts.insert.run({ ...row, lessons: JSON.stringify(row.lessons) });
      return true;
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') return false;
      throw err;
    }
  }

  async byId(id: string): Promise<ClassRow | undefined> {
    return classFromRaw(this.stmts.byId.get(id) as RawClass | undefined);
  }

  async byCode(code: string): Promise<ClassRow | undefined> {
    return classFromRaw(this.stmts.byCode.get(code) as RawClass | undefined);
  }

  async list(staffId: number | null): Promise<ClassRow[]> {
    return ((staffId === null ? this.stmts.all.all() : this.stmts.ofStaff.all(staffId)) as RawClass[]).map((r) => classFromRaw(r)!);
  }

  async students(classId: string): Promise<StudentRow[]> {
    return this.stmts.students.all(classId) as StudentRow[];
  }

  async studentOf(sessionId: string): Promise<StudentRow | undefined> {
    return this.stmts.bySession.get(sessionId) as StudentRow | undefined;
  }

  async join(classId: string, learner: string, name: string, sessionId: string, at: number): Promise<void> {
    this.stmts.join.run(classId, learner, name, sessionId, at);
  }
}
