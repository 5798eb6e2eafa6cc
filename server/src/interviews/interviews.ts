// Interviews: an invite (a task, a time, a link that expires), the candidate's one session under its terms
// (timed, recorded, not counted against their address), and what the interviewer sees of it afterwards.
import crypto from 'node:crypto';
import {
  type CandidateInvite,
  type CreateInterviewRequest,
  type CreateInterviewResponse,
  type InterviewState,
  type InterviewSummary,
  type StartInterviewResponse,
} from '@berth/shared';
import { HttpError } from '../errors.js';
import { namesOnce, type StaffAccount } from '../people/staff-store.js';
import { hashToken } from '../sessions/session.js';
import type { SessionManager } from '../sessions/session-manager.js';
import { renderBrief } from './brief-markdown.js';
import type { InterviewRow, InterviewStore } from './interview-store.js';

const DAY_MS = 86_400_000;
const DEFAULT_LINK_DAYS = 7;

export interface InterviewDeps {
  store: InterviewStore;
  sessions: SessionManager;
  /** Throws a 4xx when there is no such lesson. */
  requireLesson(id: string): void;
  /** A staff account's name by id (the interviewer named on a summary). */
  staffName(id: number): Promise<string>;
  /** Each session's sealed recording, by session id (read once per listing). */
  sealedRecordings(): Promise<Map<string, string>>;
  recordingFile(recordingId: string): Promise<string | null>;
  now?: () => number;
}

export class Interviews {
  private readonly now: () => number;

  constructor(private readonly d: InterviewDeps) {
    this.now = d.now ?? Date.now;
  }

  async create(staff: StaffAccount, body: CreateInterviewRequest, linkBase: string): Promise<CreateInterviewResponse> {
    if (!body.lesson && !body.brief?.trim()) throw new HttpError(400, 'An interview needs a task: a lesson, a brief, or both.');
    const checks = (body.checks ?? []).map((c) => ({ title: c.title.trim(), check: c.check.trim(), metAt: null }));
    const untitled = checks.findIndex((c) => !c.title || !c.check);
    if (untitled >= 0) throw new HttpError(400, `Check ${untitled + 1} needs both a title and a script.`);
    if (body.lesson) this.d.requireLesson(body.lesson);
    const token = crypto.randomBytes(24).toString('base64url');
    const now = this.now();
    const row: InterviewRow = {
      id: crypto.randomBytes(6).toString('hex'),
      tokenHash: hashToken(token),
      staffId: staff.id,
      candidateName: body.candidateName?.trim() || null,
      lesson: body.lesson ?? null,
      brief: body.brief?.trim() || null,
      lang: body.lang ?? 'en',
      minutes: body.minutes,
      createdAt: now,
      linkExpiresAt: now + (body.linkDays ?? DEFAULT_LINK_DAYS) * DAY_MS,
      sessionId: null,
      startedAt: null,
      endedAt: null,
      checks,
    };
    await this.d.store.create(row);
    return { ...(await this.summary(row, new Map())), link: `${linkBase.replace(/\/+$/, '')}/i/${token}` };
  }

  /** An interviewer's own invites; an admin's view is everyone's. */
  async list(staff: StaffAccount): Promise<InterviewSummary[]> {
    const sealed = await this.d.sealedRecordings();
    const rows = await this.d.store.list(staff.role === 'admin' ? null : staff.id);
    const staffName = namesOnce(this.d.staffName);
    return Promise.all(rows.map((r) => this.summary(r, sealed, staffName)));
  }

  /** One invite, to its interviewer or an admin; to anyone else it does not exist. */
  async get(staff: StaffAccount, id: string): Promise<InterviewSummary> {
    const row = await this.d.store.byId(id);
    if (!row || (staff.role !== 'admin' && row.staffId !== staff.id)) throw new HttpError(404, `There is no interview ${id} of yours.`);
    return this.summary(row, await this.d.sealedRecordings());
  }

  /** The sealed recording of a finished interview, to its interviewer or an admin. */
  async recordingFile(staff: StaffAccount, id: string): Promise<{ id: string; file: string }> {
    const s = await this.get(staff, id);
    const file = s.recording ? await this.d.recordingFile(s.recording) : null;
    if (!s.recording || !file) throw new HttpError(404, s.state === 'done' ? 'This interview has no sealed recording (it may be past its retention).' : 'This interview has no recording yet: it is sealed when the interview ends.');
    return { id: s.recording, file };
  }

  /** Whether this staff member may watch the session: an admin any, an interviewer their candidate's while it lasts. */
  async mayWatch(staff: StaffAccount, sessionId: string): Promise<boolean> {
    if (staff.role === 'admin') return true;
    const row = await this.d.store.bySession(sessionId);
    return !!row && row.staffId === staff.id && row.endedAt === null;
  }

  async invite(token: string): Promise<CandidateInvite> {
    const row = await this.byToken(token);
    return { candidateName: row.candidateName, brief: row.brief, briefHtml: row.brief ? renderBrief(row.brief) : null, lesson: row.lesson, checks: row.checks.map((c) => c.title), minutes: row.minutes, lang: row.lang, state: this.state(row), recorded: true };
  }

  /** The candidate starts: their session, once per link, timed from now. */
  async start(token: string, visitor: { learner: string; client: string }): Promise<StartInterviewResponse> {
    const row = await this.byToken(token);
    const state = this.state(row);
    if (state === 'link expired') throw new HttpError(410, 'This interview link has expired. Ask your interviewer for a new one.');
    if (state !== 'invited') throw new HttpError(409, 'This interview has already been started. It goes on in the browser it was started in; if that is lost, ask your interviewer.');
    const { session, token: sessionToken } = await this.d.sessions.create({
      ...visitor,
      ...(row.lesson ? { lesson: row.lesson } : {}),
      lang: row.lang,
      terms: { kind: 'interview', ref: row.id, durationMs: row.minutes * 60_000 },
    });
    if (!(await this.d.store.claim(row.id, session.id, this.now()))) {
      await this.d.sessions.end(session.id, 'ended-by-user');
      throw new HttpError(409, 'This interview has already been started. It goes on in the browser it was started in; if that is lost, ask your interviewer.');
    }
    return { id: session.id, token: sessionToken, expiresAt: new Date(session.expiresAt).toISOString() };
  }

  /** A session ended: if it was an interview's, the interview is done. */
  sessionEnded(sessionId: string): Promise<void> {
    // (Only an interview's row has this session; a class's session matches none.)
    return this.d.store.ended(sessionId, this.now());
  }

  private async byToken(token: string): Promise<InterviewRow> {
    const row = await this.d.store.byToken(hashToken(token));
    if (!row) throw new HttpError(404, 'There is no interview at this link. Check that the whole link was copied.');
    return row;
  }

  private state(row: InterviewRow): InterviewState {
    if (row.endedAt !== null) return 'done';
    if (row.sessionId !== null) return 'working';
    return this.now() >= row.linkExpiresAt ? 'link expired' : 'invited';
  }

  private async summary(row: InterviewRow, sealed: ReadonlyMap<string, string>, staffName = this.d.staffName): Promise<InterviewSummary> {
    const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
    return {
      id: row.id,
      state: this.state(row),
      candidateName: row.candidateName,
      lesson: row.lesson,
      minutes: row.minutes,
      createdAt: new Date(row.createdAt).toISOString(),
      linkExpiresAt: new Date(row.linkExpiresAt).toISOString(),
      startedAt: iso(row.startedAt),
      endedAt: iso(row.endedAt),
      session: row.sessionId,
      recording: row.sessionId && row.endedAt !== null ? (sealed.get(row.sessionId) ?? null) : null,
      interviewer: await staffName(row.staffId),
      checks: row.checks.map((c) => ({ title: c.title, metAt: iso(c.metAt) })),
    };
  }
}
