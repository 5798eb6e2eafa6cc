// Interviews: an interviewer (or admin) sends a candidate a link to a timed, recorded sandbox. The candidate
// never signs in: the link's token is their only key, and it opens only their own session.
import type { CreateSessionResponse } from './api.js';

/** Interviewers and admins: create an invite (POST), list one's own (GET); one invite with its session and recording. */
export const STAFF_INTERVIEWS_PATH = '/api/staff/interviews';
export const STAFF_INTERVIEW_PATH = '/api/staff/interviews/:id';
export const staffInterviewPath = (id: string): string => STAFF_INTERVIEW_PATH.replace(':id', encodeURIComponent(id));
/** A finished interview's sealed recording (.cast), to its interviewer and admins only. */
export const STAFF_INTERVIEW_RECORDING_PATH = '/api/staff/interviews/:id/recording';
export const staffInterviewRecordingPath = (id: string): string => STAFF_INTERVIEW_RECORDING_PATH.replace(':id', encodeURIComponent(id));

/** The candidate's page, and what it asks the server (the token is the link's, never an account). */
export const CANDIDATE_PAGE_PREFIX = '/i/';
export const CANDIDATE_INVITE_PATH = '/api/interviews/:token';
export const CANDIDATE_START_PATH = '/api/interviews/:token/start';
export const candidateInvitePath = (token: string): string => CANDIDATE_INVITE_PATH.replace(':token', encodeURIComponent(token));
export const candidateStartPath = (token: string): string => CANDIDATE_START_PATH.replace(':token', encodeURIComponent(token));
/** A link's token: 32 base64url characters (24 random bytes). */
export const INTERVIEW_TOKEN_PATTERN = '^[A-Za-z0-9_-]{32}$';
export const INTERVIEW_ID_PATTERN = '^[a-z0-9]{12}$';

export const INTERVIEW_LIMITS = {
  minMinutes: 5,
  maxMinutes: 240,
  /** How long a link may stay open before it is used. */
  maxLinkDays: 30,
  briefChars: 20_000,
  candidateNameChars: 80,
  maxChecks: 10,
  checkTitleChars: 120,
  checkScriptChars: 4000,
} as const;

/**
 * A check of an interview: a script run in the candidate's sandbox (as them, like a lesson's `check` goal)
 * after each command until it exits 0; the review shows when it was first met.
 */
export interface InterviewCheck {
  title: string;
  check: string;
}

export interface CreateInterviewRequest {
  /** A lesson the candidate works through, or (and/or) a brief in Markdown. */
  lesson?: string;
  brief?: string;
  minutes: number;
  /** The link works until then (default: 7 days); once used, the session's own clock rules. */
  linkDays?: number;
  candidateName?: string;
  lang?: 'en' | 'zh';
  checks?: InterviewCheck[];
}

export type InterviewState = 'invited' | 'working' | 'done' | 'link expired';

export interface InterviewSummary {
  id: string;
  state: InterviewState;
  candidateName: string | null;
  lesson: string | null;
  minutes: number;
  createdAt: string;
  linkExpiresAt: string;
  startedAt: string | null;
  endedAt: string | null;
  /** The live session while the candidate works (staff may watch it). */
  session: string | null;
  /** The sealed recording, once the session has ended. */
  recording: string | null;
  interviewer: string;
  /** The brief's checks, each with when it was first met (null: not met). */
  checks: { title: string; metAt: string | null }[];
}

export interface CreateInterviewResponse extends InterviewSummary {
  /** The candidate's link: shown once (only its hash is kept). */
  link: string;
}

/** What the candidate's page shows before and while they work. */
export interface CandidateInvite {
  candidateName: string | null;
  brief: string | null;
  /** The brief as HTML (raw HTML in it shown as text; only http(s) and mailto links). */
  briefHtml: string | null;
  lesson: string | null;
  /** What will be checked: the titles of the brief's checks. */
  checks: string[];
  minutes: number;
  lang: 'en' | 'zh';
  state: InterviewState;
  /** Always true: the candidate is told before they start. */
  recorded: true;
}

export type StartInterviewResponse = CreateSessionResponse;
