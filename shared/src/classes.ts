// Classes: a teacher's class (its lessons in order, a session length, a capacity) that students join with a
// short code and a display name, no account. The teacher's dashboard follows each student's steps.
import type { CreateSessionResponse } from './api.js';

export const STAFF_CLASSES_PATH = '/api/staff/classes';
export const STAFF_CLASS_PATH = '/api/staff/classes/:id';
export const STAFF_CLASS_BROADCAST_PATH = '/api/staff/classes/:id/broadcast';
export const STAFF_CLASS_EXTEND_PATH = '/api/staff/classes/:id/extend';
export const STAFF_CLASS_END_PATH = '/api/staff/classes/:id/end';
export const STAFF_CLASS_CSV_PATH = '/api/staff/classes/:id/progress.csv';
export const STAFF_CLASS_WARM_PATH = '/api/staff/classes/:id/warm';
export const STAFF_CLASS_RESET_STEP_PATH = '/api/staff/classes/:id/students/:session/reset-step';
export const STAFF_CLASS_RESET_SANDBOX_PATH = '/api/staff/classes/:id/students/:session/reset-sandbox';
const withId = (p: string) => (id: string) => p.replace(':id', encodeURIComponent(id));
const withStudent = (p: string) => (id: string, session: string) => withId(p)(id).replace(':session', encodeURIComponent(session));
export const staffClassWarmPath = withId(STAFF_CLASS_WARM_PATH);
export const staffClassResetStepPath = withStudent(STAFF_CLASS_RESET_STEP_PATH);
export const staffClassResetSandboxPath = withStudent(STAFF_CLASS_RESET_SANDBOX_PATH);
export const staffClassPath = withId(STAFF_CLASS_PATH);
export const staffClassBroadcastPath = withId(STAFF_CLASS_BROADCAST_PATH);
export const staffClassExtendPath = withId(STAFF_CLASS_EXTEND_PATH);
export const staffClassEndPath = withId(STAFF_CLASS_END_PATH);
export const staffClassCsvPath = withId(STAFF_CLASS_CSV_PATH);

/** The students' page, and what it asks the server. */
export const CLASS_PAGE_PREFIX = '/c/';
export const CLASS_INFO_PATH = '/api/classes/:code';
export const CLASS_JOIN_PATH = '/api/classes/:code/join';
export const classInfoPath = (code: string): string => CLASS_INFO_PATH.replace(':code', encodeURIComponent(code));
export const classJoinPath = (code: string): string => CLASS_JOIN_PATH.replace(':code', encodeURIComponent(code));
/** Six letters and digits that cannot be mistaken for one another (no 0/O, 1/I/L), read off a projector. */
export const CLASS_CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const CLASS_CODE_PATTERN = '^[A-HJ-KM-NP-Z2-9]{6}$';
export const CLASS_ID_PATTERN = '^[a-z0-9]{12}$';

export const CLASS_LIMITS = {
  nameChars: 80,
  studentNameChars: 40,
  maxLessons: 20,
  minMinutes: 10,
  maxMinutes: 480,
  maxCapacity: 200,
  broadcastChars: 500,
  maxExtendMinutes: 120,
  /** A student on one step this long, without ticking it, is shown as stuck. */
  stuckMinutes: 5,
} as const;

export interface CreateClassRequest {
  name: string;
  lessons: string[];
  minutes: number;
  capacity: number;
  /** Students may join for this long from now (default 12 hours). */
  openHours?: number;
  lang?: 'en' | 'zh';
}

export interface ClassSummary {
  id: string;
  name: string;
  code: string;
  lessons: string[];
  minutes: number;
  capacity: number;
  createdAt: string;
  closesAt: string;
  /** Students with a live session now, and all who ever joined. */
  working: number;
  joined: number;
  teacher: string;
}

export interface ClassInfo {
  name: string;
  lessons: { id: string; title: string }[];
  minutes: number;
  lang: 'en' | 'zh';
  open: boolean;
  full: boolean;
}

export interface JoinClassRequest {
  name: string;
}

export type JoinClassResponse = CreateSessionResponse;

export type StepCell = 'done' | 'current' | 'skipped' | 'stuck' | '';

export interface ClassStudentRow {
  name: string;
  /** The live session (to watch), or null once it ended. */
  session: string | null;
  cells: StepCell[];
  /** The lesson/step the student is on, and since when. */
  at: { lesson: string; step: string; since: string } | null;
  lastCommand: { line: string; exit: number; at: string } | null;
  mistakes: number;
}

export interface ClassDashboard {
  class: ClassSummary;
  /** The columns of the grid: every step of the class's lessons, in order. */
  steps: { lesson: string; step: string; title: string }[];
  students: ClassStudentRow[];
  /** Where they are stuck: steps with stuck students, most first; the mistakes seen most, most first. */
  stuckSteps: { lesson: string; step: string; students: number }[];
  commonMistakes: { message: string; times: number }[];
  /** Getting ready: sandboxes made before the students come, one per free seat; `ready` of `seats` are. */
  warm: { on: boolean; seats: number; ready: number };
}
