// Classes and their students: in SQLite (class-store-sqlite.ts) or PostgreSQL (class-store-pg.ts).

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

export interface ClassStore {
  /** False when the code is taken already (the caller draws another). */
  create(row: ClassRow): Promise<boolean>;
  byId(id: string): Promise<ClassRow | undefined>;
  byCode(code: string): Promise<ClassRow | undefined>;
  /** One teacher's classes, or (null) everyone's; the newest first. */
  list(staffId: number | null): Promise<ClassRow[]>;
  /** In the order they joined. */
  students(classId: string): Promise<StudentRow[]>;
  studentOf(sessionId: string): Promise<StudentRow | undefined>;
  /** A student joins (or, from the same browser, joins again under a new session). */
  join(classId: string, learner: string, name: string, sessionId: string, at: number): Promise<void>;
}

export type RawClass = Omit<ClassRow, 'lessons'> & { lessons: string };
/** Quoted names: PostgreSQL folds unquoted ones to lower case. */
export const CLASS_COLUMNS = `id, code, staff_id AS "staffId", name, lessons, lang, minutes, capacity, created_at AS "createdAt", closes_at AS "closesAt"`;
export const STUDENT_COLUMNS = `class_id AS "classId", learner, name, session_id AS "sessionId", joined_at AS "joinedAt"`;
export const classFromRaw = (r: RawClass | undefined): ClassRow | undefined => (r ? { ...r, lessons: JSON.parse(r.lessons) as string[] } : undefined);
