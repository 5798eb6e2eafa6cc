// The staff pages' calls. The sign-in cookie is HttpOnly (the browser sends it); the check that goes with it
// is kept here, per browser, and sent as a header with every staff call.
import {
  STAFF_ACCOUNTS_PATH,
  STAFF_CHECK_HEADER,
  STAFF_JOIN_PARAM,
  STAFF_LIVE_SESSIONS_PATH,
  STAFF_RECORDINGS_PATH,
  staffRecordingPath,
  STAFF_ME_PATH,
  STAFF_SIGN_IN_PATH,
  STAFF_SIGN_OUT_PATH,
  STAFF_SIGN_IN_OPTIONS_PATH,
  STAFF_CHECK_FRAGMENT,
  OIDC_ERROR_FRAGMENT,
  OIDC_REFUSALS,
  type OidcRefusal,
  type SignInOptions,
  staffWatchPath,
  STAFF_INTERVIEWS_PATH,
  STAFF_CLASSES_PATH,
  staffClassPath,
  staffClassBroadcastPath,
  staffClassExtendPath,
  staffClassEndPath,
  staffClassCsvPath,
  staffClassResetSandboxPath,
  staffClassResetStepPath,
  staffClassWarmPath,
  type ClassDashboard,
  type ClassSummary,
  type CreateClassRequest,
  staffInterviewRecordingPath,
  type CreateInterviewRequest,
  type CreateInterviewResponse,
  type InterviewSummary,
  type CreateStaffRequest,
  type LiveSessionSummary,
  type RecordingSummary,
  type SignInResponse,
  type StaffMe,
} from '@berth/shared';
import { HttpError, request } from '../lib/api.js';

const CHECK_KEY = 'berth.staffCheck';
const json = { 'Content-Type': 'application/json' };

function staffHeaders(): Record<string, string> {
  const check = localStorage.getItem(CHECK_KEY);
  return check ? { [STAFF_CHECK_HEADER]: check } : {};
}

export async function signIn(email: string, password: string): Promise<StaffMe> {
  const res = await request(STAFF_SIGN_IN_PATH, { method: 'POST', headers: json, body: JSON.stringify({ email, password }) });
  const body = (await res.json()) as SignInResponse;
  localStorage.setItem(CHECK_KEY, body.check);
  return { email: body.email, name: body.name, role: body.role };
}

export async function signInOptions(): Promise<SignInOptions> {
  return (await (await request(STAFF_SIGN_IN_OPTIONS_PATH, { headers: {} })).json()) as SignInOptions;
}

/** Why a sign-in through the address did not happen: the server's refusals, or a check this tab never asked for. */
export type SignInRefusal = OidcRefusal | 'not-started';

/** Set in this tab when its button starts an OIDC sign-in: only such a tab takes a check from its address. */
const OIDC_STARTED_KEY = 'berth.oidcStarted';

export function noteOidcStarted(): void {
  sessionStorage.setItem(OIDC_STARTED_KEY, '1');
}

/**
 * The end of an OIDC sign-in, which the server puts in the page's fragment: a check is kept as a password
 * sign-in's is, but only in the tab that started a sign-in — a link with someone else's check (their cookie
 * planted by an app on another port of this host) must not sign this browser in as them. A refusal is
 * returned for the page to word. The fragment is removed from the address either way.
 */
export function takeSignInFromUrl(): SignInRefusal | null {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const check = fragment.get(STAFF_CHECK_FRAGMENT);
  const refusal = fragment.get(OIDC_ERROR_FRAGMENT);
  const started = sessionStorage.getItem(OIDC_STARTED_KEY) === '1';
  sessionStorage.removeItem(OIDC_STARTED_KEY);
  if (check === null && refusal === null) return null;
  history.replaceState(history.state, '', location.pathname + location.search);
  if (check !== null && !started) return 'not-started';
  if (check && /^[A-Za-z0-9_-]{1,64}$/.test(check)) localStorage.setItem(CHECK_KEY, check);
  return refusal === null ? null : (OIDC_REFUSALS as readonly string[]).includes(refusal) ? (refusal as OidcRefusal) : 'failed';
}

export async function signOut(): Promise<void> {
  try {
    await request(STAFF_SIGN_OUT_PATH, { method: 'POST', headers: { ...json, ...staffHeaders() }, body: '{}' });
  } finally {
    localStorage.removeItem(CHECK_KEY);
  }
}

/** Who is signed in on this browser, or null. */
export async function whoAmI(): Promise<StaffMe | null> {
  if (!localStorage.getItem(CHECK_KEY)) return null;
  try {
    return (await (await request(STAFF_ME_PATH, { headers: staffHeaders() })).json()) as StaffMe;
  } catch (err) {
    if (err instanceof HttpError && err.status === 401) return null;
    throw err;
  }
}

export async function listAccounts(): Promise<(StaffMe & { createdAt: number })[]> {
  return ((await (await request(STAFF_ACCOUNTS_PATH, { headers: staffHeaders() })).json()) as { accounts: (StaffMe & { createdAt: number })[] }).accounts;
}

export async function createAccount(body: CreateStaffRequest): Promise<StaffMe> {
  return (await (await request(STAFF_ACCOUNTS_PATH, { method: 'POST', headers: { ...json, ...staffHeaders() }, body: JSON.stringify(body) })).json()) as StaffMe;
}

export async function listLiveSessions(): Promise<LiveSessionSummary[]> {
  return ((await (await request(STAFF_LIVE_SESSIONS_PATH, { headers: staffHeaders() })).json()) as { sessions: LiveSessionSummary[] }).sessions;
}

/** A websocket on a live session's first terminal, read-only or joined (the check goes as ?staff=, a socket has no headers). */
export function openStaffWatch(sessionId: string, join: boolean): WebSocket {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const check = encodeURIComponent(localStorage.getItem(CHECK_KEY) ?? '');
  const ws = new WebSocket(`${scheme}//${location.host}${staffWatchPath(sessionId)}?staff=${check}${join ? `&${STAFF_JOIN_PARAM}=1` : ''}`);
  ws.binaryType = 'arraybuffer';
  return ws;
}

export async function listRecordings(): Promise<{ recording: boolean; keptDays: number; recordings: RecordingSummary[] }> {
  return (await (await request(STAFF_RECORDINGS_PATH, { headers: staffHeaders() })).json()) as { recording: boolean; keptDays: number; recordings: RecordingSummary[] };
}

/** A sealed recording's .cast file, saved by the browser (the check must go as a header, so not a plain link). */
export async function downloadRecording(id: string): Promise<void> {
  const blob = await (await request(staffRecordingPath(id), { headers: staffHeaders() })).blob();
  const url = URL.createObjectURL(blob);
  const a = Object.assign(document.createElement('a'), { href: url, download: `berth-${id}.cast` });
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export async function createInterview(body: CreateInterviewRequest): Promise<CreateInterviewResponse> {
  return (await (await request(STAFF_INTERVIEWS_PATH, { method: 'POST', headers: { ...json, ...staffHeaders() }, body: JSON.stringify(body) })).json()) as CreateInterviewResponse;
}

export async function listInterviews(): Promise<InterviewSummary[]> {
  return ((await (await request(STAFF_INTERVIEWS_PATH, { headers: staffHeaders() })).json()) as { interviews: InterviewSummary[] }).interviews;
}

/** A finished interview's recording, as the text of its .cast file. */
export async function interviewCast(id: string): Promise<string> {
  return (await request(staffInterviewRecordingPath(id), { headers: staffHeaders() })).text();
}

export function saveText(text: string, fileName: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/x-asciicast' }));
  const a = Object.assign(document.createElement('a'), { href: url, download: fileName });
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export async function createClass(body: CreateClassRequest): Promise<ClassSummary> {
  return (await (await request(STAFF_CLASSES_PATH, { method: 'POST', headers: { ...json, ...staffHeaders() }, body: JSON.stringify(body) })).json()) as ClassSummary;
}

export async function listClasses(): Promise<ClassSummary[]> {
  return ((await (await request(STAFF_CLASSES_PATH, { headers: staffHeaders() })).json()) as { classes: ClassSummary[] }).classes;
}

export async function classDashboard(id: string): Promise<ClassDashboard> {
  return (await (await request(staffClassPath(id), { headers: staffHeaders() })).json()) as ClassDashboard;
}

const postJson = async (path: string, body: object) => (await request(path, { method: 'POST', headers: { ...json, ...staffHeaders() }, body: JSON.stringify(body) })).json();
export const broadcastToClass = (id: string, message: string) => postJson(staffClassBroadcastPath(id), { message }) as Promise<{ reached: number }>;
export const extendClass = (id: string, minutes: number) => postJson(staffClassExtendPath(id), { minutes }) as Promise<{ extended: number }>;
export const resetStudentStep = (id: string, session: string) => postJson(staffClassResetStepPath(id, session), {}) as Promise<{ lesson: string; step: string }>;
export const resetStudentSandbox = (id: string, session: string) => postJson(staffClassResetSandboxPath(id, session), {}) as Promise<{ reset: true }>;
export const warmClass = (id: string, on: boolean) => postJson(staffClassWarmPath(id), { on }) as Promise<ClassDashboard['warm']>;
export const endClass = (id: string) => postJson(staffClassEndPath(id), {}) as Promise<{ ended: number }>;

export async function downloadClassCsv(id: string): Promise<void> {
  const text = await (await request(staffClassCsvPath(id), { headers: staffHeaders() })).text();
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
  Object.assign(document.createElement('a'), { href: url, download: `berth-class-${id}.csv` }).click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
