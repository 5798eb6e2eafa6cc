// The only code in web/ that talks to the server: HTTP with fetch, the terminal and the engine view over WebSockets.
import {
  CloseCode,
  ENGINE_ITEM_PATH,
  ENGINE_VIEW_PATH,
  type EngineItemDetails,
  type EngineItemKind,
  FILE_PATH,
  FILES_PATH,
  type FileContent,
  type FileListResponse,
  type SaveFileRequest,
  HISTORY_PATH,
  MAX_CLIENT_FRAME_BYTES,
  TERMINAL_PATH,
  WATCH_PARAM,
  input,
  parseServerEvent,
  resize,
  restartShell,
  runLines,
  visible,
  present,
  MAX_RUN_LINES,
  type CheckStepResponse,
  type SetLessonResponse,
  type ApiError,
  type CreateSessionRequest,
  type CreateSessionResponse,
  type ExtendResponse,
  type HealthReport,
  type Lang,
  type LessonProgress,
  type LessonSummary,
  type LessonView,
  type PortTicketResponse,
  type ProgressMap,
  type ServerEvent,
  type SessionView,
  type SetLessonRequest,
  type EngineViewMessage,
  type CandidateInvite,
  type ClassInfo,
  classInfoPath,
  classJoinPath,
  candidateInvitePath,
  candidateStartPath,
} from '@berth/shared';
import { learnerHeaders } from './learner.js';

/** A failed HTTP call; `status` is 0 when the server could not be reached at all. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function createSession(body: CreateSessionRequest = {}): Promise<CreateSessionResponse> {
  const res = await request('/api/sessions', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...learnerHeaders() },
    body: JSON.stringify(body),
  });
  return (await res.json()) as CreateSessionResponse;
}

/** A class, by the code its students type. */
export async function getClassInfo(code: string): Promise<ClassInfo> {
  return (await (await request(classInfoPath(code), { headers: { 'cache-control': 'no-store', ...learnerHeaders() } })).json()) as ClassInfo;
}

/** A student joins: a session on the class's terms, under the name the teacher sees. */
export async function joinClass(code: string, name: string): Promise<CreateSessionResponse> {
  const res = await request(classJoinPath(code), { method: 'POST', headers: { 'Content-Type': 'application/json', ...learnerHeaders() }, body: JSON.stringify({ name }) });
  return (await res.json()) as CreateSessionResponse;
}

/** The candidate's invite, by the token in their link. */
export async function getInvite(token: string): Promise<CandidateInvite> {
  const res = await request(candidateInvitePath(token), { headers: { 'cache-control': 'no-store', ...learnerHeaders() } });
  return (await res.json()) as CandidateInvite;
}

/** The candidate starts their interview: a session like any other, on the interview's terms. */
export async function startInterview(token: string): Promise<CreateSessionResponse> {
  const res = await request(candidateStartPath(token), { method: 'POST', headers: { 'Content-Type': 'application/json', ...learnerHeaders() }, body: '{}' });
  return (await res.json()) as CreateSessionResponse;
}

export async function getSession(id: string, token: string): Promise<SessionView> {
  const res = await request(`/api/sessions/${encodeURIComponent(id)}`, { headers: { Authorization: `Bearer ${token}` } });
  return (await res.json()) as SessionView;
}

export async function deleteSession(id: string, token: string): Promise<void> {
  await request(`/api/sessions/${encodeURIComponent(id)}`, {
    method: 'DELETE',
    headers: { Authorization: `Bearer ${token}` },
  });
}

/** More time for a session; 409 (too early, or no extensions left) comes back as an HttpError with the server's words. */
export async function extendSession(id: string, token: string): Promise<ExtendResponse> {
  const res = await request(`/api/sessions/${encodeURIComponent(id)}/extend`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}` },
  });
  return (await res.json()) as ExtendResponse;
}

/** Ends one of the session's extra terminals (1 and up) and its shell. */
export async function closeTerminal(id: string, token: string, index: number): Promise<void> {
  await request(`${TERMINAL_PATH(id, index)}`, { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } });
}

/** The commands the session ran so far, from all its terminals, oldest first. */
export async function getHistory(id: string, token: string): Promise<string[]> {
  const res = await request(HISTORY_PATH(id), { headers: { Authorization: `Bearer ${token}` } });
  return (await res.text()).split('\n').filter((line) => line !== '');
}

export async function listLessons(lang: Lang): Promise<LessonSummary[]> {
  const res = await request(`/api/lessons?lang=${encodeURIComponent(lang)}`, {});
  return (await res.json()) as LessonSummary[];
}

export async function getLesson(id: string, lang: Lang): Promise<LessonView> {
  const res = await request(`/api/lessons/${encodeURIComponent(id)}?lang=${encodeURIComponent(lang)}`, {});
  return (await res.json()) as LessonView;
}

/** This browser's ticked steps (see learner.ts). */
export async function getProgress(): Promise<ProgressMap> {
  const res = await request('/api/progress', { headers: learnerHeaders() });
  return (await res.json()) as ProgressMap;
}

/** Tells the server which lesson step the session's learner is on, so it watches that step's goals. */
export async function setSessionLesson(id: string, token: string, body: SetLessonRequest): Promise<SetLessonResponse> {
  const res = await request(`/api/sessions/${encodeURIComponent(id)}/lesson`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return (await res.json()) as SetLessonResponse;
}

/** Skip: the server does the step's work (its solve), marks it skipped and opens the next step. */
export async function skipSessionStep(id: string, token: string, body: SetLessonRequest): Promise<LessonProgress> {
  const res = await request(`/api/sessions/${encodeURIComponent(id)}/lesson/skip`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return (await res.json()) as LessonProgress;
}

/** Check my work: the step's goals run now; the unmet ones come back in words. */
export async function checkSessionStep(id: string, token: string, body: SetLessonRequest): Promise<CheckStepResponse> {
  const res = await request(`/api/sessions/${encodeURIComponent(id)}/lesson/check`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return (await res.json()) as CheckStepResponse;
}

/** A one-time address (valid for a minute) that opens what listens on `port` in the session, on the ports origin. */
export async function portTicket(id: string, token: string, port: number): Promise<PortTicketResponse> {
  const res = await request(`/api/sessions/${encodeURIComponent(id)}/ports/${port}/ticket`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}` },
  });
  return (await res.json()) as PortTicketResponse;
}

/** The host's health (503 is an answer here, not an error); null when the server cannot be reached. */
export async function getHealth(): Promise<HealthReport | null> {
  try {
    return (await (await fetch('/api/health')).json()) as HealthReport;
  } catch {
    return null;
  }
}

export async function request(path: string, init: RequestInit): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch {
    throw new HttpError(0, 'Could not reach the Berth server. Check your network connection and try again.');
  }
  if (!res.ok) throw new HttpError(res.status, await errorMessage(res));
  return res;
}

async function errorMessage(res: Response): Promise<string> {
  const fallback = `The server answered ${res.status}${res.statusText ? ` ${res.statusText}` : ''}.`;
  try {
    const body = (await res.json()) as Partial<ApiError>;
    return typeof body.message === 'string' && body.message ? body.message : fallback;
  } catch {
    return fallback; // not JSON, e.g. a proxy's error page
  }
}

export interface TerminalHandlers {
  onOpen(): void;
  onOutput(bytes: Uint8Array): void;
  onEvent(event: ServerEvent): void;
  /** Called once when the socket closes by itself; never after `close()`. */
  onClose(info: { code: number; reason: string; opened: boolean }): void;
}

export interface TerminalConnection {
  /** Returns false when the socket is not open (the data is dropped). */
  sendInput(data: string): boolean;
  sendResize(cols: number, rows: number): boolean;
  /** Tells the server the page is on screen. */
  sendVisible(): boolean;
  /** Tells the server the visitor is at the page (a napping sandbox thaws before the first key). */
  sendPresent(): boolean;
  /** Ends the shell and everything started from it; the server opens a new one. */
  sendRestartShell(): boolean;
  /** A lesson's Run: the server clears the typed line and types these, or answers `busy`. */
  sendRun(lines: string[]): boolean;
  readonly isOpen: boolean;
  close(): void;
}

// A JSON-escaped character takes at most 6 bytes ("\u001b"), so this many always fit in one frame.
const INPUT_CHUNK_CHARS = Math.floor((MAX_CLIENT_FRAME_BYTES - 64) / 6);

/** index: which of the session's terminals; watch: watch it read-only while another tab has it. */
export function connectTerminal(
  id: string,
  token: string,
  handlers: TerminalHandlers,
  { index = 0, watch = false }: { index?: number; watch?: boolean } = {},
): TerminalConnection {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const url = `${scheme}//${location.host}${TERMINAL_PATH(id, index)}?token=${encodeURIComponent(token)}${watch ? `&${WATCH_PARAM}=1` : ''}`;
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  let opened = false;
  let closedByUs = false;

  ws.onopen = () => {
    opened = true;
    handlers.onOpen();
  };
  ws.onmessage = (msg: MessageEvent<ArrayBuffer | string>) => {
    if (typeof msg.data !== 'string') {
      handlers.onOutput(new Uint8Array(msg.data));
      return;
    }
    const event = parseServerEvent(msg.data);
    if (event) handlers.onEvent(event);
    else console.warn('berth: ignored an unknown server frame', msg.data.slice(0, 200));
  };
  ws.onclose = (ev) => {
    if (!closedByUs) handlers.onClose({ code: ev.code, reason: ev.reason, opened });
  };

  const send = (frame: string): boolean => {
    if (ws.readyState !== WebSocket.OPEN) return false;
    ws.send(frame);
    return true;
  };

  return {
    sendInput(data) {
      for (const chunk of chunks(data, INPUT_CHUNK_CHARS)) {
        if (!send(input(chunk))) return false;
      }
      return true;
    },
    sendResize: (cols, rows) => send(resize(cols, rows)),
    sendVisible: () => send(visible()),
    sendPresent: () => send(present()),
    sendRestartShell: () => send(restartShell()),
    sendRun(lines) {
      for (let i = 0; i < lines.length; i += MAX_RUN_LINES) {
        if (!send(runLines(lines.slice(i, i + MAX_RUN_LINES)))) return false;
      }
      return true;
    },
    get isOpen() {
      return ws.readyState === WebSocket.OPEN;
    },
    close() {
      if (closedByUs) return;
      closedByUs = true;
      if (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN) ws.close(1000);
    },
  };
}

/** Splits a big paste so no frame exceeds the server's limit, never inside a surrogate pair. */
function* chunks(data: string, size: number): Generator<string> {
  let start = 0;
  while (start < data.length) {
    let end = Math.min(start + size, data.length);
    const last = data.charCodeAt(end - 1);
    if (end < data.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
    yield data.slice(start, end);
    start = end;
  }
}

/** The engine view's socket: pictures of the session's engine as it changes. Closes with the returned function. */
export function connectEngineView(id: string, token: string, onMessage: (message: EngineViewMessage) => void, onClose: () => void): () => void {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(`${scheme}//${location.host}${ENGINE_VIEW_PATH(id)}?token=${encodeURIComponent(token)}`);
  let closedByUs = false;
  ws.onmessage = (msg: MessageEvent<unknown>) => {
    if (typeof msg.data !== 'string') return;
    try {
      const message = JSON.parse(msg.data) as EngineViewMessage;
      if (message?.type === 'picture') onMessage(message);
    } catch {
      console.warn('berth: ignored an engine view frame that is not JSON');
    }
  };
  ws.onclose = (event: CloseEvent) => {
    // The session ending closes it too: the page hears that from the session, not as a lost view.
    if (!closedByUs && event.code !== CloseCode.sessionEnded) onClose();
  };
  return () => {
    closedByUs = true;
    if (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN) ws.close(1000);
  };
}

/** The session's files (paths relative to the learner's home folder), bound to one session. */
export function filesApi(id: string, token: string) {
  const auth = { Authorization: `Bearer ${token}` };
  const json = { ...auth, 'Content-Type': 'application/json' };
  const q = encodeURIComponent;
  return {
    list: async (dir: string) => (await (await request(`${FILES_PATH(id)}?dir=${q(dir)}`, { headers: auth })).json()) as FileListResponse,
    read: async (path: string) => (await (await request(`${FILE_PATH(id)}?path=${q(path)}`, { headers: auth })).json()) as FileContent,
    save: async (body: SaveFileRequest) =>
      (await (await request(FILE_PATH(id), { method: 'PUT', headers: json, body: JSON.stringify(body) })).json()) as { version: string },
    remove: async (path: string) => void (await request(`${FILE_PATH(id)}?path=${q(path)}`, { method: 'DELETE', headers: auth })),
    mkdir: async (path: string) => void (await request(`${FILES_PATH(id)}/mkdir`, { method: 'POST', headers: json, body: JSON.stringify({ path }) })),
    upload: async (path: string, file: Blob) =>
      (await (await request(`${FILES_PATH(id)}/upload?path=${q(path)}`, { method: 'PUT', headers: { ...auth, 'Content-Type': 'application/octet-stream' }, body: file })).json()) as { version: string },
    /** A file as it is, or a folder as .tar.gz; with the name the server gives it. */
    download: async (path: string) => {
      const res = await request(`${FILES_PATH(id)}/download?path=${q(path)}`, { headers: auth });
      const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'download';
      return { name, blob: await res.blob() };
    },
    rename: async (from: string, to: string) =>
      void (await request(`${FILES_PATH(id)}/rename`, { method: 'POST', headers: json, body: JSON.stringify({ from, to }) })),
  };
}
export type FilesApi = ReturnType<typeof filesApi>;

/** One item of the engine view, inspected. */
export async function engineItem(id: string, token: string, kind: EngineItemKind, item: string): Promise<EngineItemDetails> {
  const res = await request(ENGINE_ITEM_PATH(id, kind, item), { headers: { Authorization: `Bearer ${token}` } });
  return (await res.json()) as EngineItemDetails;
}
