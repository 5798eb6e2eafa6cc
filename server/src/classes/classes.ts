// Classes: a teacher's class, students joining it with its code (each a session on the class's terms, within
// its capacity, not counted against the school's one address), and the teacher's dashboard, broadcast,
// extend and end for all, and the progress as CSV.
import crypto from 'node:crypto';
import {
  CLASS_CODE_ALPHABET,
  CLASS_LIMITS,
  type ClassDashboard,
  type ClassInfo,
  type ClassStudentRow,
  type ClassSummary,
  type CreateClassRequest,
  type JoinClassResponse,
  type Lang,
  type ProgressMap,
  type ServerEvent,
  type StepCell,
} from '@berth/shared';
import { HttpError } from '../errors.js';
import { namesOnce, type StaffAccount } from '../people/staff-store.js';
import type { SessionManager } from '../sessions/session-manager.js';
import { ClassActivity } from './class-activity.js';
import { ClassWarmth } from './class-warmth.js';
import type { ClassRow, ClassStore, StudentRow } from './class-store.js';

const HOUR_MS = 3_600_000;
const DEFAULT_OPEN_HOURS = 12;

export interface ClassDeps {
  store: ClassStore;
  sessions: SessionManager;
  /** The lesson's steps with their titles, or a 4xx when there is no such lesson. */
  lessonSteps(id: string, lang: Lang): { title: string; steps: { id: string; title: string }[] };
  progress(learner: string): Promise<ProgressMap>;
  skippedIn(sessionId: string): ReadonlySet<string>;
  placeIn(sessionId: string): { lesson: string; step: string; since: number } | null;
  /** The step open in the session set up again; null when none is open. */
  redoStep(sessionId: string): Promise<{ lesson: string; step: string } | null>;
  /** The last command a session's terminal ran (the terminals' own history). */
  lastCommand(sessionId: string): { line: string; exit: number; at: number } | null;
  staffName(id: number): Promise<string>;
  /** The warm pool, grown for classes getting ready (see class-warmth.ts). */
  pool?: { setDemand(demand: () => number): void; refill(): void; readonly readyCount: number };
  now?: () => number;
}

export class Classes {
  private readonly now: () => number;
  readonly activity = new ClassActivity();
  private readonly warmth: ClassWarmth;

  constructor(private readonly d: ClassDeps) {
    this.now = d.now ?? Date.now;
    d.sessions.on('event', (id, event) => this.observe(id, event));
    this.warmth = new ClassWarmth((row) => (this.now() < row.closesAt ? this.freeSeats(row) : null));
    d.pool?.setDemand(() => this.warmth.demand());
  }

  /** The teacher gets the class's sandboxes ready before the students come (or stops). */
  async warm(staff: StaffAccount, id: string, on: boolean): Promise<ClassDashboard['warm']> {
    const row = await this.own(staff, id);
    if (on && this.now() >= row.closesAt) throw new HttpError(410, 'This class is closed: there is nobody to get sandboxes ready for.');
    this.warmth.set(row, on);
    this.d.pool?.refill();
    return this.warmOf(row);
  }

  async create(staff: StaffAccount, body: CreateClassRequest): Promise<ClassSummary> {
    const lang = body.lang ?? 'en';
    const lessons = [...new Set(body.lessons)];
    for (const id of lessons) this.d.lessonSteps(id, lang);
    const now = this.now();
    for (let tries = 0; tries < 10; tries++) {
      const row: ClassRow = {
        id: crypto.randomBytes(6).toString('hex'),
        code: newCode(),
        staffId: staff.id,
        name: body.name.trim(),
        lessons,
        lang,
        minutes: body.minutes,
        capacity: body.capacity,
        createdAt: now,
        closesAt: now + (body.openHours ?? DEFAULT_OPEN_HOURS) * HOUR_MS,
      };
      if (await this.d.store.create(row)) return this.summary(row);
    }
    throw new HttpError(503, 'No free class code was found; try again.');
  }

  async list(staff: StaffAccount): Promise<ClassSummary[]> {
    const rows = await this.d.store.list(staff.role === 'admin' ? null : staff.id);
    const staffName = namesOnce(this.d.staffName);
    return Promise.all(rows.map((r) => this.summary(r, undefined, staffName)));
  }

  /** A class, to its teacher or an admin; to anyone else it does not exist. */
  private async own(staff: StaffAccount, id: string): Promise<ClassRow> {
    const row = await this.d.store.byId(id);
    if (!row || (staff.role !== 'admin' && row.staffId !== staff.id)) throw new HttpError(404, `There is no class ${id} of yours.`);
    return row;
  }

  async info(code: string): Promise<ClassInfo> {
    const row = await this.byCode(code);
    return {
      name: row.name,
      lessons: row.lessons.map((id) => ({ id, title: this.d.lessonSteps(id, row.lang).title })),
      minutes: row.minutes,
      lang: row.lang,
      open: this.now() < row.closesAt,
      full: this.live(await this.d.store.students(row.id)).length >= row.capacity,
    };
  }

  async join(code: string, visitor: { learner: string; client: string; name: string }): Promise<JoinClassResponse> {
    const row = await this.byCode(code);
    if (this.now() >= row.closesAt) throw new HttpError(410, 'This class is closed: it no longer takes students. Ask your teacher.');
    const name = visitor.name.trim();
    if (!name) throw new HttpError(400, 'Type your name first, so your teacher knows who you are.');
    const working = this.live(await this.d.store.students(row.id));
    if (working.some((s) => s.learner === visitor.learner)) throw new HttpError(409, 'You are in this class already, in another tab of this browser: go on there.');
    if (working.length >= row.capacity) throw new HttpError(409, `This class is full (${row.capacity} students). Ask your teacher.`);
    const { session, token } = await this.d.sessions.create({
      learner: visitor.learner,
      client: visitor.client,
      ...(row.lessons[0] ? { lesson: row.lessons[0] } : {}),
      lang: row.lang,
      terms: { kind: 'class', ref: row.id, durationMs: row.minutes * 60_000 },
    });
    await this.d.store.join(row.id, visitor.learner, name, session.id, this.now());
    return { id: session.id, token, expiresAt: new Date(session.expiresAt).toISOString() };
  }

  async dashboard(staff: StaffAccount, id: string): Promise<ClassDashboard> {
    const row = await this.own(staff, id);
    const steps = row.lessons.flatMap((lesson) => this.d.lessonSteps(lesson, row.lang).steps.map((s) => ({ lesson, step: s.id, title: s.title })));
    const now = this.now();
    const stuckCount = new Map<string, number>();
    const rows = await this.d.store.students(row.id);
    const progresses = await Promise.all(rows.map((st) => this.d.progress(st.learner)));
    const students = rows.map((st, i): ClassStudentRow => {
      const session = st.sessionId ? this.d.sessions.get(st.sessionId) : undefined;
      const liveId = session && session.state !== 'ended' ? session.id : null;
      const progress = progresses[i]!;
      const skipped = liveId ? this.d.skippedIn(liveId) : new Set<string>();
      const open = liveId ? this.d.placeIn(liveId) : null;
      const place = open ? `${open.lesson}/${open.step}` : null;
      const since = open?.since ?? null;
      const placeDone = !!open && !!progress[open.lesson]?.done.includes(open.step);
      const stuck = !placeDone && since !== null && now - since >= CLASS_LIMITS.stuckMinutes * 60_000;
      if (stuck && place) stuckCount.set(place, (stuckCount.get(place) ?? 0) + 1);
      const activity = liveId ? this.activity.student(liveId) : undefined;
      return {
        name: st.name,
        session: liveId,
        cells: steps.map(({ lesson, step }): StepCell => {
          const key = `${lesson}/${step}`;
          if (progress[lesson]?.done.includes(step)) return 'done';
          if (key === place) return stuck ? 'stuck' : 'current';
          return skipped.has(key) ? 'skipped' : '';
        }),
        at: place && since !== null ? { lesson: place.split('/')[0]!, step: place.split('/')[1]!, since: new Date(since).toISOString() } : null,
        lastCommand: lastOf(liveId ? this.d.lastCommand(liveId) : null),
        mistakes: activity?.mistakes ?? 0,
      };
    });
    return {
      class: await this.summary(row, rows),
      steps,
      students,
      // The most stuck first; as many, in the class's order of steps.
      stuckSteps: steps
        .filter(({ lesson, step }) => stuckCount.has(`${lesson}/${step}`))
        .map(({ lesson, step }) => ({ lesson, step, students: stuckCount.get(`${lesson}/${step}`)! }))
        .sort((a, b) => b.students - a.students),
      commonMistakes: this.activity.commonMistakes(row.id),
      warm: this.warmOf(row),
    };
  }

  /** A message on every working student's page; returns how many got it. */
  async broadcast(staff: StaffAccount, id: string, message: string): Promise<number> {
    const row = await this.own(staff, id);
    const event: ServerEvent = { type: 'broadcast', from: staff.name, message: message.trim(), at: this.now() };
    const live = this.live(await this.d.store.students(row.id));
    for (const s of live) this.d.sessions.emit('event', s.sessionId!, event);
    return live.length;
  }

  /** The step a student is on, set up again (its set-up scripts re-run); their page is told. */
  async resetStep(staff: StaffAccount, id: string, sessionId: string): Promise<{ lesson: string; step: string }> {
    const row = await this.own(staff, id);
    await this.student(row, sessionId);
    const redone = await this.d.redoStep(sessionId);
    if (!redone) throw new HttpError(409, 'This student has no lesson step open yet: there is nothing to reset.');
    const message = row.lang === 'zh' ? `老师重置了这一步（${redone.step}）：它的准备工作已重新完成。` : `Your teacher reset this step (${redone.step}): its set-up has run again.`;
    this.d.sessions.emit('event', sessionId, { type: 'broadcast', from: staff.name, message, at: this.now() } satisfies ServerEvent);
    return redone;
  }

  /**
   * A student's sandbox ended so they start a fresh one: their page says so and offers Start, which joins
   * again (same name, ticked steps kept; the step they were on is redone in the new sandbox when it opens).
   */
  async resetSandbox(staff: StaffAccount, id: string, sessionId: string): Promise<void> {
    const row = await this.own(staff, id);
    await this.student(row, sessionId);
    const message =
      row.lang === 'zh'
        ? '老师为你换了一个新的沙箱：点“开始新会话”继续，已完成的步骤都还在。'
        : 'Your teacher gave you a fresh sandbox: press Start a new session to go on. Your ticked steps are kept.';
    await this.d.sessions.end(sessionId, 'ended-by-staff', message);
  }

  async extendAll(staff: StaffAccount, id: string, minutes: number): Promise<number> {
    const live = this.live(await this.d.store.students((await this.own(staff, id)).id));
    for (const s of live) this.d.sessions.extendBy(s.sessionId!, minutes * 60_000);
    return live.length;
  }

  async endAll(staff: StaffAccount, id: string): Promise<number> {
    const row = await this.own(staff, id);
    this.warmth.set(row, false);
    const live = this.live(await this.d.store.students(row.id));
    const message = row.lang === 'zh' ? '老师结束了这节课。' : 'Your teacher ended the class.';
    await Promise.all(live.map((s) => this.d.sessions.end(s.sessionId!, 'expired', message)));
    return live.length;
  }

  /** Every step each student has done, one line each: student,lesson,step (a spreadsheet's columns). */
  async csv(staff: StaffAccount, id: string): Promise<string> {
    const row = await this.own(staff, id);
    const lines = ['student,lesson,step,done'];
    const students = await this.d.store.students(row.id);
    const progresses = await Promise.all(students.map((st) => this.d.progress(st.learner)));
    for (const [i, st] of students.entries()) {
      const progress = progresses[i]!;
      for (const lesson of row.lessons) {
        for (const { id: step } of this.d.lessonSteps(lesson, row.lang).steps) {
          lines.push([st.name, lesson, step, progress[lesson]?.done.includes(step) ? 'yes' : 'no'].map(csvField).join(','));
        }
      }
    }
    return `${lines.join('\r\n')}\r\n`;
  }

  /** May this staff member watch the session: a teacher, their own class's students while they work. */
  async mayWatch(staff: StaffAccount, sessionId: string): Promise<boolean> {
    const student = await this.d.store.studentOf(sessionId);
    const row = student ? await this.d.store.byId(student.classId) : undefined;
    return !!row && (staff.role === 'admin' || row.staffId === staff.id);
  }

  /** Whether this browser joined the class of this code before: it knows the code, so its tries are not guesses. */
  async hasJoined(code: string, learner: string): Promise<boolean> {
    const row = await this.d.store.byCode(code.toUpperCase());
    return !!row && (await this.d.store.students(row.id)).some((s) => s.learner === learner);
  }

  private observe(sessionId: string, event: ServerEvent): void {
    const s = this.d.sessions.get(sessionId);
    if (s?.terms?.kind === 'class') this.activity.observe(s.terms.ref, sessionId, event);
  }

  /** The students whose session is live now. */
  private live(students: StudentRow[]): StudentRow[] {
    return students.filter((s) => {
      const session = s.sessionId ? this.d.sessions.get(s.sessionId) : undefined;
      return !!session && session.state !== 'ended';
    });
  }

  /** Seats not taken by a live session of the class (counted from the sessions: a joining one counts at once). */
  private freeSeats(row: ClassRow): number {
    const taken = this.d.sessions.live().filter((s) => s.terms?.kind === 'class' && s.terms.ref === row.id).length;
    return Math.max(0, row.capacity - taken);
  }

  private warmOf(row: ClassRow): ClassDashboard['warm'] {
    const seats = this.freeSeats(row);
    const on = this.warmth.isOn(row.id);
    return { on, seats, ready: on ? Math.min(seats, this.d.pool?.readyCount ?? 0) : 0 };
  }

  /** A live session of one of this class's students, or 404. */
  private async student(row: ClassRow, sessionId: string): Promise<StudentRow> {
    const st = this.live(await this.d.store.students(row.id)).find((s) => s.sessionId === sessionId);
    if (!st) throw new HttpError(404, 'No such student working in this class now.');
    return st;
  }

  private async byCode(code: string): Promise<ClassRow> {
    const row = await this.d.store.byCode(code.toUpperCase());
    if (!row) throw new HttpError(404, 'There is no class with this code. Check it with your teacher.');
    return row;
  }

  private async summary(row: ClassRow, known?: StudentRow[], staffName = this.d.staffName): Promise<ClassSummary> {
    const students = known ?? (await this.d.store.students(row.id));
    return {
      id: row.id,
      name: row.name,
      code: row.code,
      lessons: row.lessons,
      minutes: row.minutes,
      capacity: row.capacity,
      createdAt: new Date(row.createdAt).toISOString(),
      closesAt: new Date(row.closesAt).toISOString(),
      working: this.live(students).length,
      joined: students.length,
      teacher: await staffName(row.staffId),
    };
  }
}

const MAX_LINE_CHARS = 200;
const lastOf = (c: { line: string; exit: number; at: number } | null) => (c ? { line: c.line.slice(0, MAX_LINE_CHARS), exit: c.exit, at: new Date(c.at).toISOString() } : null);

function newCode(): string {
  const bytes = crypto.randomBytes(6);
  return [...bytes].map((b) => CLASS_CODE_ALPHABET[b % CLASS_CODE_ALPHABET.length]).join('');
}

/** A spreadsheet reads a field starting with = + - @ as a formula: a student's name is never one. */
function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
