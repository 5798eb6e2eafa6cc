// The terminal websocket protocol (DESIGN.md section 5), defined once for web and server.
//
// client -> server: text frames holding one JSON ClientMessage.
// server -> client: binary frames are raw terminal output bytes; text frames are one JSON ServerEvent.

/** Terminal 0 is the session's first shell; 1 to MAX_TERMINALS - 1 are extra shells (tabs) in the same sandbox. */
export const TERMINAL_PATH = (sessionId: string, index = 0) =>
  index === 0 ? `/api/sessions/${encodeURIComponent(sessionId)}/terminal` : `/api/sessions/${encodeURIComponent(sessionId)}/terminals/${index}`;

/** How many shells (terminal tabs) one session may have open at once. */
export const MAX_TERMINALS = 4;

/**
 * The query parameter a socket sets to watch rather than take the terminal: it gets the output read-only while
 * another socket has the terminal, and the terminal itself when none has (or once the other one goes).
 */
export const WATCH_PARAM = 'watch';

/** Largest client frame the server accepts; bigger frames close the socket with CLOSE_TOO_BIG. */
export const MAX_CLIENT_FRAME_BYTES = 64 * 1024;
export const MIN_COLS = 2;
export const MAX_COLS = 500;
export const MIN_ROWS = 1;
export const MAX_ROWS = 200;
/** A Run types at most this many lines (a lesson block holds a handful). */
export const MAX_RUN_LINES = 100;

export type ClientMessage =
  | { type: 'input'; data: string }
  | { type: 'resize'; cols: number; rows: number }
  /** End this terminal's shell and everything started from it (a runaway loop), then open a new one. */
  | { type: 'restart-shell' }
  /**
   * Run a lesson's commands: each line typed with Enter, after clearing what is typed at the prompt. When a
   * program runs in the foreground (not an interactive shell), nothing is typed and a `busy` event answers.
   */
  | { type: 'run'; lines: string[] }
  /** The page is on screen (sent when it becomes visible and every VISIBLE_REPORT_MS while it stays so). */
  | { type: 'visible' }
  /**
   * The visitor is at the page (moved the pointer over it, touched it, focused it or came back to its tab),
   * at most once every PRESENT_REPORT_MS: a napping sandbox thaws before their first key.
   */
  | { type: 'present' };

/** How often a visible page says so; the server counts a visible tab as activity, up to its own cap. */
export const VISIBLE_REPORT_MS = 30_000;
export const PRESENT_REPORT_MS = 10_000;

/** queued: waiting for a free slot on a full host; starting: the sandbox is being made. */
export type SessionState = 'queued' | 'starting' | 'ready' | 'ended';

export type EndReason = 'expired' | 'idle' | 'ended-by-user' | 'ended-by-staff' | 'limit' | 'host-restart' | 'host-lost' | 'error';

export type ServerEvent =
  | { type: 'status'; state: SessionState; reason?: EndReason; message?: string }
  | { type: 'command'; line: string; exit: number; at: number }
  /**
   * A step ticked (`done`); or not: `message` says what to do (`kind` mistake: a known mistake; failed: a
   * failing command no mistake matched); without a message a command moved the step on (a goal met).
   */
  | { type: 'step'; lesson: string; step: string; done: boolean; message?: string; kind?: 'mistake' | 'failed' }
  /** A Run was not typed: `command` still runs in the foreground of the terminal. */
  | { type: 'busy'; command: string }
  /** Something in the session listens on `port` (closed: stopped listening); a ticket opens it (see api.ts). */
  | { type: 'port'; port: number; closed?: boolean }
  /** While queued: place in line (1 = next) and a rough wait. */
  | { type: 'queue'; position: number; etaSeconds: number }
  /** On connect and whenever it changes: when the session ends unless extended, and whether it can be now. */
  | { type: 'lifetime'; expiresAt: string; idleExpiresAt: string; canExtend: boolean; extensionsLeft: number }
  /** A few minutes before an end: `expiring` (time limit) or `idle` (no keystroke for a while). */
  | { type: 'warning'; kind: 'expiring' | 'idle'; secondsLeft: number; message: string }
  /** The session's own disk: sent when its use changes; `full` once writes fail for lack of space. */
  | { type: 'disk'; usedBytes: number; totalBytes: number; full: boolean; message?: string }
  /** A part of the sandbox host went down (up: false) or came back: its engine, image mirror or package cache. */
  | { type: 'host'; part: HostPart; up: boolean; message: string }
  /** Whether this socket has the terminal (types, resizes) or only watches it while another socket has it. */
  | { type: 'control'; controlling: boolean }
  /** On the first terminal's socket: the session's open terminals (0 always), whenever one opens or closes. */
  | { type: 'terminals'; open: number[] }
  /**
   * On the first terminal's socket: the staff watching this session's terminal now, by name (none: []), and
   * which of them joined it and can type.
   */
  | { type: 'watchers'; names: string[]; typing: string[] }
  /** On the first terminal's socket when the server records it (BERTH_RECORD): kept this many days. */
  | { type: 'recorded'; keptDays: number }
  /** A message from the teacher to every student of the class. */
  | { type: 'broadcast'; from: string; message: string; at: number }
  | { type: 'error'; message: string };

export type HostPart = 'engine' | 'mirror' | 'packageCache';

/** Websocket close codes Berth uses (4000-4999 is the application range). */
export const CloseCode = {
  normal: 1000,
  badMessage: 4400,
  unauthorized: 4401,
  notFound: 4404,
  tooBig: 4413,
  sessionEnded: 4410,
  replaced: 4409,
  /** A watching socket fell too far behind the output: connect again (the scrollback is replayed). */
  behind: 4408,
  /** The server is stopping and keeps the session (WebSocket's "Service Restart"): reconnect when it is back. */
  serverRestarting: 1012,
} as const;

export type ParseResult = { ok: true; message: ClientMessage } | { ok: false; reason: string };

/** Validates one text frame from a client; never throws. */
export function parseClientMessage(text: string): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'frame is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: 'frame must be a JSON object' };
  }
  const v = value as Record<string, unknown>;
  if (v.type === 'input') {
    if (typeof v.data !== 'string') return { ok: false, reason: 'input.data must be a string' };
    return { ok: true, message: { type: 'input', data: v.data } };
  }
  if (v.type === 'resize') {
    const { cols, rows } = v;
    if (!isIntIn(cols, MIN_COLS, MAX_COLS)) return { ok: false, reason: `resize.cols must be an integer from ${MIN_COLS} to ${MAX_COLS}` };
    if (!isIntIn(rows, MIN_ROWS, MAX_ROWS)) return { ok: false, reason: `resize.rows must be an integer from ${MIN_ROWS} to ${MAX_ROWS}` };
    return { ok: true, message: { type: 'resize', cols, rows } };
  }
  if (v.type === 'restart-shell') return { ok: true, message: { type: 'restart-shell' } };
  if (v.type === 'run') {
    const { lines } = v;
    if (!Array.isArray(lines) || !lines.length || lines.length > MAX_RUN_LINES || !lines.every((l) => typeof l === 'string' && !/[\r\n]/.test(l))) {
      return { ok: false, reason: `run.lines must be 1 to ${MAX_RUN_LINES} strings without line breaks` };
    }
    return { ok: true, message: { type: 'run', lines: lines as string[] } };
  }
  if (v.type === 'visible' || v.type === 'present') {
    if (Object.keys(v).length !== 1) return { ok: false, reason: `${v.type} takes no other fields` };
    return { ok: true, message: { type: v.type } };
  }
  return { ok: false, reason: `unknown message type ${JSON.stringify(String(v.type))}` };
}

function isIntIn(n: unknown, min: number, max: number): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max;
}

/** Parses a server text frame on the client; returns null for anything that is not a known event. */
export function parseServerEvent(text: string): ServerEvent | null {
  try {
    const v = JSON.parse(text) as { type?: unknown };
    if (v && typeof v === 'object' && typeof v.type === 'string') return v as ServerEvent;
  } catch {
    // fall through
  }
  return null;
}

export const input = (data: string): string => JSON.stringify({ type: 'input', data } satisfies ClientMessage);
export const runLines = (lines: string[]): string => JSON.stringify({ type: 'run', lines } satisfies ClientMessage);
export const restartShell = (): string => JSON.stringify({ type: 'restart-shell' } satisfies ClientMessage);
export const resize = (cols: number, rows: number): string =>
  JSON.stringify({ type: 'resize', cols, rows } satisfies ClientMessage);
export const visible = (): string => JSON.stringify({ type: 'visible' } satisfies ClientMessage);
export const present = (): string => JSON.stringify({ type: 'present' } satisfies ClientMessage);
