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
  type EngineViewMessage,
  type EngineItemDetails,
  type EngineItemKind,
} from '@berth/shared';
import {
  portTicket,
  HttpError,
  connectEngineView,
  engineItem,
  filesApi,
  type FilesApi,
  connectTerminal,
  createSession,
  deleteSession,
  extendSession,
  getHistory,
  getSession,
  setSessionLesson,
  skipSessionStep,
  checkSessionStep,
  type TerminalConnection,
} from './api.js';
import { closeMessage, isOrderlyClose } from './close-messages.js';
import { errorText } from './error-text.js';
import { reportPresence, reportVisibility } from './visibility-reports.js';
import { addressedSession, loadCreds, markTab, saveCreds, tabMark } from './session-store.js';
import type { TabOwner, TerminalSink, TerminalSource } from './terminal-tab.svelte.js';
import { ExtraTerminals } from './terminal-tabs.svelte.js';
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

export type { TerminalSink, TerminalSource } from './terminal-tab.svelte.js';

/**
 * How this browser tab holds the session: it has the terminals (types into them), watches them read-only
 * while another tab of this browser has them, or had them until another tab took them over.
 */
export type Control = 'controlling' | 'watching' | 'taken-over';

export type EventListener = (event: ServerEvent) => void;

export interface SessionOptions {
  /** The UI strings in the visitor's language, read whenever a text is shown. */
  messages(): Messages;
  /** What to tell the server when a session starts (the open lesson, the language). */
  startRequest?(): CreateSessionRequest;
  /** Starts the session another way than POST /api/sessions (an interview's link). */
  create?(): Promise<CreateSessionResponse>;
}

export class Session implements TerminalSource {
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
  /** Staff watching this session's terminal now, by name, and those of them who joined to type. */
  watchedBy = $state<{ names: string[]; typing: string[] }>({ names: [], typing: [] });
  /** The server records this session's terminal, keeping it this many days (null: not recorded). */
  recordedDays = $state<number | null>(null);
  /** The teacher's last message to the class, until the student closes it. */
  broadcast = $state.raw<{ from: string; message: string } | null>(null);
  /** After an end: why, when the server or the visitor said (null for a lost connection or a failed start). */
  endReason = $state<EndReason | null>(null);
  /** After an end: true when no session was ever made (the Start request failed, e.g. 429 or 503). */
  startFailed = $state(false);
  /** How this tab holds the session's terminals; null until the server said (and with no session). */
  control = $state<Control | null>(null);
  /** The socket dropped and reconnecting keeps failing (not a server restart: that has its own words). */
  connectionLost = $state(false);
  /** The connection came back after being lost: said for a few seconds. */
  reconnected = $state(false);
  /** The session's extra terminals (tabs beside terminal 0, the session's own). */
  readonly tabs: ExtraTerminals;
  /** The commands this session ran, from all its terminals, oldest first: kept after the end for download. */
  history = $state<string[]>([]);
  /** A live session of this browser that this tab does not show: the home page offers to continue it. */
  resumable = $state<string | null>(null);
  /** A session address (`/s/<id>`) this browser holds no live session for: said instead of opening anything. */
  unknownAddress = $state(false);

  readonly live = $derived(this.phase === 'queued' || this.phase === 'starting' || this.phase === 'ready');

  /** The warning to show: the one whose end comes first. */
  readonly warning = $derived.by((): SessionWarning | null => {
    const { expiring, idle } = this.#warnings;
    if (!expiring || !idle) return expiring ?? idle;
    return idle.endsAt < expiring.endsAt ? idle : expiring;
  });

  /** The server says more time can be asked for now. */
  readonly canExtend = $derived(this.phase === 'ready' && (this.lifetime?.canExtend ?? false));

  /** Another terminal tab may be opened now. */
  get canOpenTerminal(): boolean {
    return this.phase === 'ready' && this.control === 'controlling' && !this.tabs.full;
  }

  /** The extra terminals, in tab order. */
  get terminals() {
    return this.tabs.list;
  }

  /** The terminal on screen (0 or an extra one's index): the key bar and Run type into it. */
  get active(): number {
    return this.tabs.active;
  }

  set active(index: number) {
    this.tabs.active = index;
  }

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
  #lostTimer: ReturnType<typeof setTimeout> | undefined;
  #backTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #tabOwner: TabOwner;


  constructor(options: SessionOptions) {
    this.#options = options;
    const session = this;
    this.#tabOwner = {
      get phase() {
        return session.phase;
      },
      get controlling() {
        return session.control !== 'watching' && session.control !== 'taken-over';
      },
      command: (line) => this.#recordCommand(line),
      error: (message) => (this.#error = () => message),
      closed: (tab) => this.tabs.drop(tab),
      replaced: () => this.#takenOver(),
    };
    this.tabs = new ExtraTerminals(this.#tabOwner);
    // Another tab of this browser started or ended a session: the home page's offer follows.
    window.addEventListener('storage', () => {
      if (this.live || this.phase === 'ended') return;
      this.resumable = loadCreds()?.id ?? null;
    });
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
    this.history = [];
    this.resumable = null;
    this.unknownAddress = false;

    let created: CreateSessionResponse;
    try {
      created = await (this.#options.create?.() ?? createSession(this.#options.startRequest?.() ?? {}));
    } catch (err) {
      if (attempt === this.#attempt) this.#disconnect({ detail: (m) => m.couldNotStart, error: errorText(err), startFailed: true });
      return;
    }
    if (attempt !== this.#attempt) {
      // The visitor pressed End while the sandbox was being created: do not leave it running.
      deleteSession(created.id, created.token).catch(() => {});
      return;
    }

    markTab(created.id, 'control');
    this.#attach(created, attempt);
  }

  /**
   * On load. A reload comes back to this tab's session as it was (same shell, recent output replayed); the
   * session's address (`/s/<id>`) opens it, watching while another tab has it; any other page of this
   * browser offers to continue a live session (resumable). A session another browser holds opens nowhere here.
   */
  async resume(): Promise<void> {
    const saved = loadCreds();
    const addressed = addressedSession(location.pathname);
    if (addressed) window.history.replaceState(null, '', '/' + location.search);
    if (this.live) return;
    if (addressed && saved?.id !== addressed) {
      this.unknownAddress = true;
      return;
    }
    if (!saved) return;
    const mark = tabMark();
    if (addressed || mark?.id === saved.id) return this.continue(mark?.id === saved.id && mark.mode === 'control' ? 'control' : 'watch');
    // Another tab's session (or one whose tab was closed): offered on the home page while it lives.
    try {
      const view = await getSession(saved.id, saved.token);
      if (view.state !== 'ended' && !this.live) this.resumable = saved.id;
      else if (view.state === 'ended') saveCreds(null);
    } catch (err) {
      if (err instanceof HttpError && err.status >= 400 && err.status < 500) saveCreds(null);
    }
  }

  /** Opens this browser's live session here: taking its terminals, or watching them while another tab has them. */
  async continue(mode: 'control' | 'watch' = 'watch'): Promise<void> {
    const saved = loadCreds();
    this.resumable = null;
    this.unknownAddress = false;
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
    } catch (err) {
      if (attempt !== this.#attempt) return;
      // Gone or not this browser's (4xx): forgotten. Unreachable for now: still offered.
      if (err instanceof HttpError && err.status >= 400 && err.status < 500) saveCreds(null);
      else this.resumable = saved.id;
      this.phase = 'idle';
      return;
    }
    this.history = await getHistory(saved.id, saved.token).catch(() => this.history);
    if (attempt !== this.#attempt) return;
    markTab(saved.id, mode);
    this.#attach(saved, attempt, undefined, mode === 'watch');
  }

  /** This tab takes the session's terminals (from the tab that has them, which then shows it was taken over). */
  takeOver(): void {
    const creds = this.#creds;
    if (!creds || this.phase !== 'ready' || this.control === 'controlling') return;
    const attempt = ++this.#attempt;
    this.#conn?.close();
    this.control = 'controlling';
    markTab(creds.id, 'control');
    this.#attach(creds, attempt);
    this.tabs.reconnect();
  }

  /** Opens another shell in the sandbox, in a new tab (up to MAX_TERMINALS in all). */
  openTerminal(): void {
    if (this.#creds && this.canOpenTerminal) this.tabs.open(this.#creds);
  }

  /** Closes an extra terminal: its shell, and everything started from it, ends. */
  closeTerminal(index: number): void {
    if (this.#creds) this.tabs.close(this.#creds, index);
  }

  #recordCommand(line: string): void {
    const text = line.trim();
    if (text) this.history = [...this.history, text];
  }

  /** Another tab took the terminals: this one watches them from now on, and says it was taken over. */
  #takenOver(): void {
    const creds = this.#creds;
    if (this.control === 'taken-over' || !creds) return;
    const attempt = ++this.#attempt; // late events of the old socket are ignored
    this.#conn?.close();
    this.#stopVisibleReporting();
    this.control = 'taken-over';
    markTab(creds.id, 'watch');
    this.#attach(creds, attempt, undefined, true);
  }

  /** retry: set while reconnecting after the network dropped or the server restarted (how many tries, since when). */
  #attach(creds: CreateSessionResponse, attempt: number, retry?: { count: number; since: number; restarting: boolean }, watch = false): void {
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
        const stopVisible = reportVisibility(() => this.#conn?.sendVisible());
        const stopPresent = reportPresence(() => this.#conn?.sendPresent());
        this.#stopVisibleReports = () => (stopVisible(), stopPresent());
        this.#detail = (m) => m.waiting;
        // Commands run while this tab was away (in another tab, or while the network was down).
        if (retry) void getHistory(creds.id, creds.token).then((h) => attempt === this.#attempt && (this.history = h), () => {});
      },
      onOutput: (bytes) => {
        if (attempt === this.#attempt) this.#sink?.write(bytes);
      },
      onEvent: (event) => {
        if (attempt !== this.#attempt) return;
        if (event.type === 'status') this.#setLost(false);
        this.#handleEvent(event);
      },
      onClose: ({ code, reason, opened }) => {
        if (attempt !== this.#attempt || this.phase === 'ended') return;
        this.#stopVisibleReporting();
        if (code === CloseCode.replaced) return this.#takenOver();
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
        if (!restarting) this.#setLost(true);
        const delay = Math.min(10_000, 1000 * 2 ** Math.min(next.count, 4));
        // A watching tab comes back watching; one that had the terminals takes them back.
        const watchAgain = this.control === 'watching' || this.control === 'taken-over';
        setTimeout(() => {
          if (attempt === this.#attempt) this.#attach(creds, attempt, next, watchAgain);
        }, delay);
      },
    }, { watch });
  }

  /**
   * lost: the socket dropped; said once reconnecting has not worked for a moment (a blip is not news).
   * Cleared when the server speaks again, with a few seconds of "connected again" if it had been said.
   */
  #setLost(lost: boolean): void {
    if (lost) {
      // Counted from the first drop: failing retries do not put it off.
      this.#lostTimer ??= setTimeout(() => {
        this.#lostTimer = undefined;
        this.connectionLost = true;
      }, LOST_AFTER_MS);
      return;
    }
    clearTimeout(this.#lostTimer);
    this.#lostTimer = undefined;
    if (!this.connectionLost) return;
    this.connectionLost = false;
    this.reconnected = true;
    clearTimeout(this.#backTimer);
    this.#backTimer = setTimeout(() => (this.reconnected = false), BACK_NOTE_MS);
  }

  /** A runaway loop the learner cannot stop with Ctrl-C: a new shell, files, images and containers kept. */
  restartShell(): void {
    const tab = this.tabs.onScreen;
    if (tab) tab.restartShell();
    else this.#conn?.sendRestartShell();
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

  /** Types into the terminal on screen (terminal 0's own pane calls this only while it is on screen). */
  sendInput(data: string): void {
    if (this.phase !== 'ready' || this.control === 'watching' || this.control === 'taken-over') return;
    const tab = this.tabs.onScreen;
    if (tab) return tab.sendInput(data);
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
    const tab = this.tabs.onScreen;
    if (tab) tab.focus();
    else this.#sink?.focus();
  }

  /** A one-time address that opens `port` of this session on the ports origin; null without a live session. */
  async portLink(port: number): Promise<string | null> {
    const creds = this.#creds;
    if (!creds || this.phase !== 'ready') return null;
    return (await portTicket(creds.id, creds.token, port)).url;
  }

  /** Follows the session's engine (the engine view); returns how to stop. Nothing without a live session. */
  watchEngine(onMessage: (message: EngineViewMessage) => void, onClose: () => void): () => void {
    const creds = this.#creds;
    if (!creds || this.phase !== 'ready') return () => {};
    return connectEngineView(creds.id, creds.token, onMessage, onClose);
  }

  /** One item of the engine view, inspected; null without a live session. */
  async engineItem(kind: EngineItemKind, item: string): Promise<EngineItemDetails | null> {
    const creds = this.#creds;
    return creds && this.phase === 'ready' ? engineItem(creds.id, creds.token, kind, item) : null;
  }

  /** The session's files; null without a live session. */
  files(): FilesApi | null {
    const creds = this.#creds;
    return creds && this.phase === 'ready' ? filesApi(creds.id, creds.token) : null;
  }

  /** Tells the server which lesson step to watch; null when there is no live session to tell. */
  async setLesson(body: SetLessonRequest): Promise<SetLessonResponse | null> {
    const creds = this.#creds;
    // A watching tab follows the session; the tab that has it says which step the learner is on.
    if (!creds || this.phase !== 'ready' || this.control === 'watching' || this.control === 'taken-over') return null;
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
    } else if (event.type === 'control') {
      // Watching after a take-over still says so (with Take it back) until this tab has the terminals again.
      this.control = event.controlling ? 'controlling' : this.control === 'taken-over' ? 'taken-over' : 'watching';
      if (this.#creds) markTab(this.#creds.id, event.controlling ? 'control' : 'watch');
    } else if (event.type === 'recorded') {
      this.recordedDays = event.keptDays;
    } else if (event.type === 'broadcast') {
      this.broadcast = { from: event.from.slice(0, 100), message: event.message.slice(0, 500) };
    } else if (event.type === 'watchers') {
      this.watchedBy = { names: event.names.slice(0, 10), typing: event.typing.slice(0, 10) };
    } else if (event.type === 'terminals') {
      if (this.#creds) this.tabs.sync(this.#creds, event.open);
    } else if (event.type === 'command') {
      this.#recordCommand(event.line);
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
    this.watchedBy = { names: [], typing: [] };
    this.recordedDays = null;
    this.broadcast = null;
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
    markTab(null);
    this.tabs.clear();
    this.control = null;
    clearTimeout(this.#lostTimer);
    this.#lostTimer = undefined;
    this.connectionLost = false;
    this.reconnected = false;
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
/** A dropped connection not back within this long is said to be lost. */
const LOST_AFTER_MS = 2500;
/** How long "connected again" stays up. */
const BACK_NOTE_MS = 4000;
/** The server allows an extension only when less than this is left. */
const EXTEND_WINDOW_MS = 10 * 60_000;
function parseDate(text: string | undefined): Date | null {
  if (!text) return null;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? null : date;
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.floor(n)));
}
