// One visitor's sandbox session as reactive state: what the status line shows and what the buttons do.
import {
  MAX_COLS,
  MAX_ROWS,
  MIN_COLS,
  MIN_ROWS,
  type CreateSessionRequest,
  type CreateSessionResponse,
  type EndReason,
  type LessonProgress,
  type ServerEvent,
  type SetLessonRequest,
} from '@berth/shared';
import {
  HttpError,
  connectTerminal,
  createSession,
  getSession,
  deleteSession,
  setSessionLesson,
  type TerminalConnection,
} from './api.js';
import { closeMessage, isOrderlyClose } from './close-messages.js';
import { errorText } from './error-text.js';
import type { Messages, Text } from './i18n.js';

/** 'idle' exists only before the first Start; the status line shows no state word then. */
export type Phase = 'idle' | 'starting' | 'ready' | 'ended';

/** What the session needs from the terminal widget; TerminalPane provides it. */
export interface TerminalSink {
  write(bytes: Uint8Array): void;
  reset(): void;
  focus(): void;
  size(): { cols: number; rows: number } | null;
}

export type EventListener = (event: ServerEvent) => void;

export interface SessionOptions {
  /** The UI strings in the visitor's language, read whenever a text is shown. */
  messages(): Messages;
  /** What to tell the server when a session starts (the open lesson, the language). */
  startRequest?(): CreateSessionRequest;
}

export class Session {
  phase = $state<Phase>('idle');
  /** The session's id once created; null before and after. */
  id = $state<string | null>(null);
  #detail = $state<Text>(() => '');
  #error = $state<Text | null>(null);
  expiresAt = $state<Date | null>(null);
  /** True while an End request is in flight. */
  ending = $state(false);

  readonly live = $derived(this.phase === 'starting' || this.phase === 'ready');

  #creds: CreateSessionResponse | null = null;
  #conn: TerminalConnection | null = null;
  #sink: TerminalSink | null = null;
  #listeners = new Set<EventListener>();
  #size: { cols: number; rows: number } | null = null;
  #sentSize = '';
  /** Bumped on every start and end, so late answers from an older attempt are ignored. */
  #attempt = 0;
  #options: SessionOptions;

  constructor(options: SessionOptions) {
    this.#options = options;
  }

  /** Words after the state word in the status line. */
  get detail(): string {
    return this.#detail(this.#options.messages());
  }

  /** A failure to show, in words a visitor can act on; null when all is well. */
  get error(): string | null {
    return this.#error?.(this.#options.messages()) ?? null;
  }

  attachTerminal(sink: TerminalSink): () => void {
    this.#sink = sink;
    return () => {
      if (this.#sink === sink) this.#sink = null;
    };
  }

  /** Hook for later features (lessons, ports): every event from the server, status included. */
  onEvent(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async start(): Promise<void> {
    if (this.live) return;
    const attempt = ++this.#attempt;
    this.#sink?.reset();
    this.#sentSize = '';
    this.phase = 'starting';
    this.#detail = (m) => m.creating;
    this.#error = null;
    this.expiresAt = null;

    let created: CreateSessionResponse;
    try {
      created = await createSession(this.#options.startRequest?.() ?? {});
    } catch (err) {
      if (attempt === this.#attempt) this.#disconnect({ detail: (m) => m.couldNotStart, error: errorText(err) });
      return;
    }
    if (attempt !== this.#attempt) {
      // The visitor pressed End while the sandbox was being created: do not leave it running.
      deleteSession(created.id, created.token).catch(() => {});
      return;
    }

    this.#attach(created, attempt);
  }

  /** After a reload: back to this tab's session if it is still alive (same shell, recent output replayed). */
  async resume(): Promise<void> {
    const saved = loadCreds();
    if (!saved || this.live) return;
    const attempt = ++this.#attempt;
    this.phase = 'starting';
    this.#detail = (m) => m.connecting;
    try {
      const view = await getSession(saved.id, saved.token);
      if (attempt !== this.#attempt) return;
      if (view.state === 'ended') {
        saveCreds(null);
        this.phase = 'idle';
        return;
      }
    } catch {
      if (attempt !== this.#attempt) return;
      saveCreds(null);
      this.phase = 'idle';
      return;
    }
    this.#attach(saved, attempt);
  }

  /** retry: set while reconnecting after the network dropped (how many tries, since when). */
  #attach(creds: CreateSessionResponse, attempt: number, retry?: { count: number; since: number }): void {
    this.#creds = creds;
    saveCreds(creds);
    this.id = creds.id;
    const expires = new Date(creds.expiresAt);
    this.expiresAt = Number.isNaN(expires.getTime()) ? null : expires;
    if (!retry) this.#detail = (m) => m.connecting;
    this.#conn = connectTerminal(creds.id, creds.token, {
      onOpen: () => {
        if (attempt !== this.#attempt) return;
        // The server replays the terminal's recent output: start from a clean screen.
        this.#sink?.reset();
        this.#sentSize = '';
        this.#sendSize();
        this.#detail = (m) => m.waiting;
      },
      onOutput: (bytes) => {
        if (attempt === this.#attempt) this.#sink?.write(bytes);
      },
      onEvent: (event) => {
        if (attempt === this.#attempt) this.#handleEvent(event);
      },
      onClose: ({ code, reason, opened }) => {
        if (attempt !== this.#attempt || this.phase === 'ended') return;
        if (isOrderlyClose(code)) return this.#disconnect({ detail: reason ? () => reason : (m) => m.serverClosed });
        // The network dropped: keep trying for as long as the server keeps the shell (2 minutes).
        const next = opened || !retry ? { count: 0, since: Date.now() } : { count: retry.count + 1, since: retry.since };
        if (Date.now() - next.since > RECONNECT_FOR_MS) {
          return this.#disconnect({ detail: (m) => m.disconnected, error: (m) => closeMessage(m, code, reason, opened) });
        }
        this.phase = 'starting';
        this.#detail = (m) => m.connecting;
        const delay = Math.min(10_000, 1000 * 2 ** Math.min(next.count, 4));
        setTimeout(() => {
          if (attempt === this.#attempt) this.#attach(creds, attempt, next);
        }, delay);
      },
    });
  }

  async end(): Promise<void> {
    if (!this.live || this.ending) return;
    const creds = this.#creds;
    if (!creds) {
      // Still creating: start() deletes the sandbox as soon as it knows its id.
      this.#disconnect({ reason: 'ended-by-user' });
      return;
    }
    const attempt = this.#attempt;
    this.ending = true;
    try {
      await deleteSession(creds.id, creds.token);
      if (attempt === this.#attempt) this.#disconnect({ reason: 'ended-by-user' });
    } catch (err) {
      if (attempt !== this.#attempt) return;
      if (err instanceof HttpError && err.status === 404) this.#disconnect({ detail: (m) => m.noLongerExists });
      else {
        const why = errorText(err);
        this.#error = (m) => m.couldNotEnd(why(m));
      }
    } finally {
      this.ending = false;
    }
  }

  sendInput(data: string): void {
    if (this.phase === 'ready') this.#conn?.sendInput(data);
  }

  focusTerminal(): void {
    this.#sink?.focus();
  }

  /** Tells the server which lesson step to watch; null when there is no live session to tell. */
  async setLesson(body: SetLessonRequest): Promise<LessonProgress | null> {
    const creds = this.#creds;
    if (!creds || this.phase !== 'ready') return null;
    return setSessionLesson(creds.id, creds.token, body);
  }

  /** The terminal's size after a fit; sent now if connected, else right after the socket opens. */
  resize(cols: number, rows: number): void {
    this.#size = { cols: clamp(cols, MIN_COLS, MAX_COLS), rows: clamp(rows, MIN_ROWS, MAX_ROWS) };
    this.#sendSize();
  }

  #sendSize(): void {
    const size = this.#size ?? this.#sink?.size() ?? null;
    if (!size || !this.#conn?.isOpen) return;
    const key = `${size.cols}x${size.rows}`;
    if (key === this.#sentSize) return;
    if (this.#conn.sendResize(size.cols, size.rows)) this.#sentSize = key;
  }

  #handleEvent(event: ServerEvent): void {
    if (event.type === 'status') {
      if (event.state === 'ended') {
        const message = event.message;
        this.#disconnect(message ? { detail: () => message } : { reason: event.reason ?? 'error' });
      } else if (event.state === 'ready') {
        this.phase = 'ready';
        const message = event.message;
        this.#detail = message ? () => message : (m) => m.engineRunning;
        this.#sink?.focus();
      } else {
        this.phase = 'starting';
        const message = event.message;
        this.#detail = message ? () => message : (m) => m.engineStarting;
      }
    } else if (event.type === 'error') {
      const message = event.message;
      this.#error = () => message;
    }
    for (const listener of this.#listeners) listener(event);
  }

  /** Every way a session ends goes through here, exactly once per attempt. */
  #disconnect(end: { reason?: EndReason; detail?: Text; error?: Text }): void {
    this.#attempt++;
    this.#conn?.close();
    this.#conn = null;
    this.#creds = null;
    saveCreds(null);
    this.id = null;
    this.phase = 'ended';
    const reason = end.reason;
    this.#detail = end.detail ?? (reason ? (m) => m.endReason[reason] : (m) => m.sessionOver);
    this.#error = end.error ?? null;
  }
}

const RECONNECT_FOR_MS = 2 * 60_000;
const CREDS_KEY = 'berth.session';

/** This tab's session, kept across reloads (sessionStorage: per tab, gone when the tab closes). */
function saveCreds(creds: CreateSessionResponse | null): void {
  try {
    if (creds) sessionStorage.setItem(CREDS_KEY, JSON.stringify(creds));
    else sessionStorage.removeItem(CREDS_KEY);
  } catch {
    // storage disabled: no resume after a reload, everything else works
  }
}

function loadCreds(): CreateSessionResponse | null {
  try {
    const v = JSON.parse(sessionStorage.getItem(CREDS_KEY) ?? 'null') as Partial<CreateSessionResponse> | null;
    return v && typeof v.id === 'string' && typeof v.token === 'string' && typeof v.expiresAt === 'string' ? (v as CreateSessionResponse) : null;
  } catch {
    return null;
  }
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.floor(n)));
}
