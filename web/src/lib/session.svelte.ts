// One visitor's sandbox session as reactive state: what the status line shows and what the buttons do.
import {
  CloseCode,
  MAX_COLS,
  MAX_ROWS,
  MIN_COLS,
  MIN_ROWS,
  type CreateSessionRequest,
  type CreateSessionResponse,
  type EndReason,
  type HostPart,
  type LessonProgress,
  type ServerEvent,
  type SetLessonRequest,
  type SetLessonResponse,
  type CheckStepResponse,
} from '@berth/shared';
import {
  portTicket,
  HttpError,
  connectTerminal,
  createSession,
  deleteSession,
  extendSession,
  getSession,
  setSessionLesson,
  skipSessionStep,
  checkSessionStep,
  type TerminalConnection,
} from './api.js';
import { closeMessage, isOrderlyClose } from './close-messages.js';
import { errorText } from './error-text.js';
import { reportVisibility } from './visibility-reports.js';
import type { Messages, Text } from './i18n.js';

/** 'idle' exists only before the first Start; the status line shows no state word then.
 *  'queued': the host is full and the session waits in line for a slot. */
export type Phase = 'idle' | 'queued' | 'starting' | 'ready' | 'ended';

/** Place in the line while queued (1 = next) and the server's rough wait. */
export interface QueuePlace {
  position: number;
  etaSeconds: number;
}

/** When the session ends unless extended (from `lifetime` events and extend answers). */
export interface Lifetime {
  expiresAt: Date;
  idleExpiresAt: Date | null;
  canExtend: boolean;
  extensionsLeft: number;
}

export type WarningKind = 'expiring' | 'idle';

/** A coming end the server warned about; `endsAt` is on this browser's clock (received + secondsLeft). */
export interface SessionWarning {
  kind: WarningKind;
  endsAt: number;
  message: string;
}

export interface DiskUse {
  usedBytes: number;
  totalBytes: number;
  full: boolean;
  message?: string;
}

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
  /** While queued: place in line, once the server said it. */
  queue = $state<QueuePlace | null>(null);
  lifetime = $state<Lifetime | null>(null);
  disk = $state<DiskUse | null>(null);
  /** True while an Extend request is in flight. */
  extending = $state(false);
  #extendError = $state<Text | null>(null);
  /** The last extension that worked (for a short "extended" note); null until one does. */
  lastExtension = $state<{ expiresAt: Date; at: number } | null>(null);
  #warnings = $state<Record<WarningKind, SessionWarning | null>>({ expiring: null, idle: null });
  /** Parts of the sandbox host the server says are down now (engine, image mirror, package cache). */
  hostDown = $state<HostPart[]>([]);
  /** After an end: why, when the server or the visitor said (null for a lost connection or a failed start). */
  endReason = $state<EndReason | null>(null);
  /** After an end: true when no session was ever made (the Start request failed, e.g. 429 or 503). */
  startFailed = $state(false);

  readonly live = $derived(this.phase === 'queued' || this.phase === 'starting' || this.phase === 'ready');

  /** The warning to show: the one whose end comes first. */
  readonly warning = $derived.by((): SessionWarning | null => {
    const { expiring, idle } = this.#warnings;
    if (!expiring || !idle) return expiring ?? idle;
    return idle.endsAt < expiring.endsAt ? idle : expiring;
  });

  /** The server says more time can be asked for now. */
  readonly canExtend = $derived(this.phase === 'ready' && (this.lifetime?.canExtend ?? false));

  #creds: CreateSessionResponse | null = null;
  #conn: TerminalConnection | null = null;
  #sink: TerminalSink | null = null;
  #listeners = new Set<EventListener>();
  #size: { cols: number; rows: number } | null = null;
  #sentSize = '';
  /** Stops telling the server this tab is visible; set while a terminal socket is open. */
  #stopVisibleReports: (() => void) | null = null;
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

  /** Why the last Extend failed (the server's words for a 409), until the next try. */
  get extendError(): string | null {
    return this.#extendError?.(this.#options.messages()) ?? null;
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
    this.#clearSessionState();

    let created: CreateSessionResponse;
    try {
      created = await createSession(this.#options.startRequest?.() ?? {});
    } catch (err) {
      if (attempt === this.#attempt) this.#disconnect({ detail: (m) => m.couldNotStart, error: errorText(err), startFailed: true });
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
    this.#clearSessionState();
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

  /** retry: set while reconnecting after the network dropped or the server restarted (how many tries, since when). */
  #attach(creds: CreateSessionResponse, attempt: number, retry?: { count: number; since: number; restarting: boolean }): void {
    this.#creds = creds;
    saveCreds(creds);
    this.id = creds.id;
    this.expiresAt = parseDate(creds.expiresAt);
    if (!retry) this.#detail = (m) => m.connecting;
    this.#conn = connectTerminal(creds.id, creds.token, {
      onOpen: () => {
        if (attempt !== this.#attempt) return;
        // The server replays the terminal's recent output: start from a clean screen.
        this.#sink?.reset();
        this.#sentSize = '';
        this.#sendSize();
        this.#stopVisibleReporting();
        this.#stopVisibleReports = reportVisibility(() => this.#conn?.sendVisible());
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
        this.#stopVisibleReporting();
        if (isOrderlyClose(code)) return this.#disconnect({ detail: reason ? () => reason : (m) => m.serverClosed });
        // The network dropped, or the server is restarting (it keeps the session): keep trying for as long
        // as the server keeps the shell (2 minutes).
        const restarting = code === CloseCode.serverRestarting || (!opened && !!retry?.restarting);
        const next = opened || !retry ? { count: 0, since: Date.now(), restarting } : { count: retry.count + 1, since: retry.since, restarting };
        if (Date.now() - next.since > RECONNECT_FOR_MS) {
          return this.#disconnect({ detail: (m) => m.disconnected, error: (m) => closeMessage(m, restarting ? CloseCode.serverRestarting : code, reason, opened) });
        }
        // A queued session keeps its place in line while the socket comes back.
        if (this.phase !== 'queued') this.phase = 'starting';
        this.#detail = restarting ? (m) => m.serverRestarting : (m) => m.connecting;
        const delay = Math.min(10_000, 1000 * 2 ** Math.min(next.count, 4));
        setTimeout(() => {
          if (attempt === this.#attempt) this.#attach(creds, attempt, next);
        }, delay);
      },
    });
  }

  /** A runaway loop the learner cannot stop with Ctrl-C: a new shell, files, images and containers kept. */
  restartShell(): void {
    this.#conn?.sendRestartShell();
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
    if (this.phase !== 'ready') return;
    // A keystroke is what the idle warning asks for; the server moves the idle end on its own.
    if (this.#conn?.sendInput(data) && this.#warnings.idle) this.#warnings = { ...this.#warnings, idle: null };
  }

  /** A lesson's Run: typed by the server at a clear prompt (or refused with a `busy` event). */
  runLines(lines: string[]): void {
    if (this.phase !== 'ready' || !lines.length) return;
    if (this.#conn?.sendRun(lines) && this.#warnings.idle) this.#warnings = { ...this.#warnings, idle: null };
  }

  /** Asks for more time. Success moves `lifetime`/`expiresAt`; a refusal (409) becomes `extendError`. */
  async extend(): Promise<boolean> {
    const creds = this.#creds;
    if (!creds || this.phase !== 'ready' || this.extending) return false;
    const attempt = this.#attempt;
    this.extending = true;
    this.#extendError = null;
    try {
      const res = await extendSession(creds.id, creds.token);
      if (attempt !== this.#attempt) return false;
      this.#creds = { ...creds, expiresAt: res.expiresAt };
      saveCreds(this.#creds);
      const expires = parseDate(res.expiresAt);
      if (expires) {
        this.expiresAt = expires;
        this.lifetime = {
          expiresAt: expires,
          idleExpiresAt: this.lifetime?.idleExpiresAt ?? null,
          extensionsLeft: res.extensionsLeft,
          // Until the server's next lifetime event says otherwise, by its own rule.
          canExtend: res.extensionsLeft > 0 && expires.getTime() - Date.now() < EXTEND_WINDOW_MS,
        };
      }
      this.#warnings = { ...this.#warnings, expiring: null };
      if (expires) this.lastExtension = { expiresAt: expires, at: Date.now() };
      return true;
    } catch (err) {
      if (attempt === this.#attempt) this.#extendError = errorText(err);
      return false;
    } finally {
      if (attempt === this.#attempt) this.extending = false;
    }
  }

  focusTerminal(): void {
    this.#sink?.focus();
  }

  /** A one-time address that opens `port` of this session on the ports origin; null without a live session. */
  async portLink(port: number): Promise<string | null> {
    const creds = this.#creds;
    if (!creds || this.phase !== 'ready') return null;
    return (await portTicket(creds.id, creds.token, port)).url;
  }

  /** Tells the server which lesson step to watch; null when there is no live session to tell. */
  async setLesson(body: SetLessonRequest): Promise<SetLessonResponse | null> {
    const creds = this.#creds;
    if (!creds || this.phase !== 'ready') return null;
    return setSessionLesson(creds.id, creds.token, body);
  }

  /** Skip with the step's work done in the sandbox; null when there is no live session. */
  async skipStep(body: SetLessonRequest): Promise<LessonProgress | null> {
    const creds = this.#creds;
    if (!creds || this.phase !== 'ready') return null;
    return skipSessionStep(creds.id, creds.token, body);
  }

  /** Check my work; null when there is no live session. */
  async checkStep(body: SetLessonRequest): Promise<CheckStepResponse | null> {
    const creds = this.#creds;
    if (!creds || this.phase !== 'ready') return null;
    return checkSessionStep(creds.id, creds.token, body);
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
        const reason = event.reason ?? 'error';
        this.#disconnect(message ? { reason, detail: () => message } : { reason });
      } else if (event.state === 'queued') {
        this.phase = 'queued';
        const message = event.message;
        const place = this.queue;
        this.#detail = message ? () => message : place ? (m) => m.inLine(place.position) : (m) => m.waitingForSlot;
      } else if (event.state === 'ready') {
        this.phase = 'ready';
        this.queue = null;
        const message = event.message;
        this.#detail = message ? () => message : (m) => m.engineRunning;
        this.#sink?.focus();
      } else {
        this.phase = 'starting';
        this.queue = null;
        const message = event.message;
        this.#detail = message ? () => message : (m) => m.engineStarting;
      }
    } else if (event.type === 'queue') {
      const place = { position: event.position, etaSeconds: event.etaSeconds };
      this.queue = place;
      this.phase = 'queued';
      this.#detail = (m) => m.inLine(place.position);
    } else if (event.type === 'lifetime') {
      this.#setLifetime(event);
    } else if (event.type === 'warning') {
      const warning: SessionWarning = {
        kind: event.kind,
        endsAt: Date.now() + Math.max(0, event.secondsLeft) * 1000,
        message: event.message,
      };
      this.#warnings = { ...this.#warnings, [event.kind]: warning };
    } else if (event.type === 'disk') {
      this.disk = { usedBytes: event.usedBytes, totalBytes: event.totalBytes, full: event.full, message: event.message };
    } else if (event.type === 'host') {
      const others = this.hostDown.filter((p) => p !== event.part);
      this.hostDown = event.up ? others : [...others, event.part];
    } else if (event.type === 'error') {
      const message = event.message;
      this.#error = () => message;
    }
    for (const listener of this.#listeners) listener(event);
  }

  #setLifetime(event: Extract<ServerEvent, { type: 'lifetime' }>): void {
    const expires = parseDate(event.expiresAt);
    if (!expires) return;
    const idle = parseDate(event.idleExpiresAt);
    const before = this.lifetime;
    // An end that moved later (extended, or a keystroke) makes its warning stale; both times are the server's.
    const warnings = { ...this.#warnings };
    if (warnings.expiring && before && expires > before.expiresAt) warnings.expiring = null;
    if (warnings.idle && before?.idleExpiresAt && idle && idle > before.idleExpiresAt) warnings.idle = null;
    this.#warnings = warnings;
    this.lifetime = { expiresAt: expires, idleExpiresAt: idle, canExtend: event.canExtend, extensionsLeft: event.extensionsLeft };
    this.expiresAt = expires;
  }

  #stopVisibleReporting(): void {
    this.#stopVisibleReports?.();
    this.#stopVisibleReports = null;
  }

  /** What belongs to one session only: gone on a new start and on every end. */
  #clearSessionState(): void {
    this.queue = null;
    this.lifetime = null;
    this.disk = null;
    this.extending = false;
    this.#extendError = null;
    this.lastExtension = null;
    this.#warnings = { expiring: null, idle: null };
    this.hostDown = [];
    this.endReason = null;
    this.startFailed = false;
  }

  /** Every way a session ends goes through here, exactly once per attempt. */
  #disconnect(end: { reason?: EndReason; detail?: Text; error?: Text; startFailed?: boolean }): void {
    this.#attempt++;
    this.#stopVisibleReporting();
    this.#conn?.close();
    this.#conn = null;
    this.#creds = null;
    saveCreds(null);
    this.id = null;
    this.phase = 'ended';
    this.#clearSessionState();
    this.startFailed = end.startFailed ?? false;
    this.endReason = end.reason ?? null;
    const reason = end.reason;
    this.#detail = end.detail ?? (reason ? (m) => m.endReason[reason] : (m) => m.sessionOver);
    this.#error = end.error ?? null;
  }
}

const RECONNECT_FOR_MS = 2 * 60_000;
/** The server allows an extension only when less than this is left. */
const EXTEND_WINDOW_MS = 10 * 60_000;
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

function parseDate(text: string | undefined): Date | null {
  if (!text) return null;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? null : date;
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.floor(n)));
}
