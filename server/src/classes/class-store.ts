// Classes and their students in berth.db (migrations.ts, version 4).
import type Database from 'better-sqlite3';

export interface ClassRow {
  id: string;
  code: string;
  staffId: number;
  name: string;
  lessons: string[];
  lang: 'en' | 'zh';
  minutes: number;
  capacity: number;
  createdAt: number;
  closesAt: number;
}

export interface StudentRow {
  classId: string;
  learner: string;
  name: string;
  sessionId: string | null;
  joinedAt: number;
}

type RawClass = Omit<ClassRow, 'lessons'> & { lessons: string };
const COLUMNS = `id, code, staff_id AS staffId, name, lessons, lang, minutes, capacity, created_at AS createdAt, closes_at AS closesAt`;
const fromRaw = (r: RawClass | undefined): ClassRow | undefined => (r ? { ...r, lessons: JSON.parse(r.lessons) as string[] } : undefined);
const LIST_MAX = 500;

export class ClassStore {
  private readonly stmts;

  constructor(db: Database.Database) {
    this.stmts = {
      insert: db.prepare(
        `INSERT INTO class (id, code, staff_id, name, lessons, lang, minutes, capacity, created_at, closes_at)
         VALUES (@id, @code, @staffId, @name, @lessons, @lang, @minutes, @capacity, @createdAt, @closesAt)`,
      ),
      byId: db.prepare(`SELECT ${COLUMNS} FROM class WHERE id = ?`),
      byCode: db.prepare(`SELECT ${COLUMNS} FROM class WHERE code = ?`),
      ofStaff: db.prepare(`SELECT ${COLUMNS} FROM class WHERE staff_id = ? ORDER BY created_at DESC LIMIT ${LIST_MAX}`),
      all: db.prepare(`SELECT ${COLUMNS} FROM class ORDER BY created_at DESC LIMIT ${LIST_MAX}`),
      students: db.prepare('SELECT class_id AS classId, learner, name, session_id AS sessionId, joined_at AS joinedAt FROM class_student WHERE class_id = ? ORDER BY joined_at'),
      bySession: db.prepare('SELECT class_id AS classId, learner, name, session_id AS sessionId, joined_at AS joinedAt FROM class_student WHERE session_id = ?'),
      join: db.prepare(
        `INSERT INTO class_student (class_id, learner, name, session_id, joined_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (class_id, learner) DO UPDATE SET name = excluded.name, session_id = excluded.session_id`,
      ),
    };
  }

  /** False when the code is taken already (the caller draws another). */
  create(row: ClassRow): boolean {
    try {
      this.stmts.insert.run({ ...row, lessons: JSON.stringify(row.lessons) });
      return true;
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') return false;
      throw err;
    }
  }

  byId(id: string): ClassRow | undefined {
    return fromRaw(this.stmts.byId.get(id) as RawClass | undefined);
  }

  byCode(code: string): ClassRow | undefined {
    return fromRaw(this.stmts.byCode.get(code) as RawClass | undefined);
  }

  list(staffId: number | null): ClassRow[] {
    return ((staffId === null ? this.stmts.all.all() : this.stmts.ofStaff.all(staffId)) as RawClass[]).map((r) => fromRaw(r)!);
  }

  students(classId: string): StudentRow[] {
    return this.stmts.students.all(classId) as StudentRow[];
  }

  studentOf(sessionId: string): StudentRow | undefined {
    return this.stmts.bySession.get(sessionId) as StudentRow | undefined;
  }

  /** A student joins (or, from the same browser, joins again under a new session). */
  join(classId: string, learner: string, name: string, sessionId: string, at: number): void {
    this.stmts.join.run(classId, learner, name, sessionId, at);
  }
}
