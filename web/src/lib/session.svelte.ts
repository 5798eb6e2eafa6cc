// One visitor's sandbox session as reactive state: what the status line shows and what the buttons do.
import {
  END_REASON_TEXT,
  MAX_COLS,
  MAX_ROWS,
  MIN_COLS,
  MIN_ROWS,
  type CreateSessionResponse,
  type EndReason,
  type ServerEvent,
} from '@berth/shared';
import { HttpError, connectTerminal, createSession, deleteSession, type TerminalConnection } from './api.js';
import { closeMessage, isOrderlyClose } from './close-messages.js';

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

export class Session {
  phase = $state<Phase>('idle');
  /** Words after the state word in the status line. */
  detail = $state('');
  /** A failure to show, in words a visitor can act on; null when all is well. */
  error = $state<string | null>(null);
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
    this.detail = 'creating your sandbox';
    this.error = null;
    this.expiresAt = null;

    let created: CreateSessionResponse;
    try {
      created = await createSession({});
    } catch (err) {
      if (attempt === this.#attempt) this.#disconnect({ detail: 'could not start a session', error: errorText(err) });
      return;
    }
    if (attempt !== this.#attempt) {
      // The visitor pressed End while the sandbox was being created: do not leave it running.
      deleteSession(created.id, created.token).catch(() => {});
      return;
    }

    this.#creds = created;
    const expires = new Date(created.expiresAt);
    this.expiresAt = Number.isNaN(expires.getTime()) ? null : expires;
    this.detail = 'connecting to your engine';
    this.#conn = connectTerminal(created.id, created.token, {
      onOpen: () => {
        if (attempt !== this.#attempt) return;
        this.#sendSize();
        this.detail = 'waiting for your engine';
      },
      onOutput: (bytes) => {
        if (attempt === this.#attempt) this.#sink?.write(bytes);
      },
      onEvent: (event) => {
        if (attempt === this.#attempt) this.#handleEvent(event);
      },
      onClose: ({ code, reason, opened }) => {
        if (attempt !== this.#attempt || this.phase === 'ended') return;
        if (isOrderlyClose(code)) this.#disconnect({ detail: reason || 'the server closed the terminal' });
        else this.#disconnect({ detail: 'the terminal disconnected', error: closeMessage(code, reason, opened) });
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
      if (err instanceof HttpError && err.status === 404) this.#disconnect({ detail: 'this session no longer exists' });
      else this.error = `Could not end the session: ${errorText(err)}`;
    } finally {
      this.ending = false;
    }
  }

  sendInput(data: string): void {
    if (this.phase === 'ready') this.#conn?.sendInput(data);
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
        this.#disconnect(event.message ? { detail: event.message } : { reason: event.reason ?? 'error' });
      } else if (event.state === 'ready') {
        this.phase = 'ready';
        this.detail = event.message ?? 'your Docker engine is running';
        this.#sink?.focus();
      } else {
        this.phase = 'starting';
        this.detail = event.message ?? 'your engine is starting';
      }
    } else if (event.type === 'error') {
      this.error = event.message;
    }
    for (const listener of this.#listeners) listener(event);
  }

  /** Every way a session ends goes through here, exactly once per attempt. */
  #disconnect(end: { reason?: EndReason; detail?: string; error?: string }): void {
    this.#attempt++;
    this.#conn?.close();
    this.#conn = null;
    this.#creds = null;
    this.phase = 'ended';
    this.detail = end.detail ?? (end.reason ? END_REASON_TEXT[end.reason] : 'the session is over');
    this.error = end.error ?? null;
  }
}

function errorText(err: unknown): string {
  if (err instanceof Error && err.message) return err.message;
  return 'Something went wrong. Try again.';
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.floor(n)));
}
