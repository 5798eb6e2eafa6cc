// One extra terminal of a session (a tab beside the first one): its own shell in the same sandbox, its own
// socket, reconnecting like the first. Session-wide events (status, lifetime, ports, steps) come on the first
// terminal's socket only; this one carries its shell's output, its commands and its errors.
import { CloseCode, MAX_COLS, MAX_ROWS, MIN_COLS, MIN_ROWS, type CreateSessionResponse, type ServerEvent } from '@berth/shared';
import { connectTerminal, type TerminalConnection } from './api.js';

/** What a terminal widget needs from whatever feeds it (the session for terminal 0, a TerminalTab for the others). */
export interface TerminalSource {
  readonly phase: string;
  attachTerminal(sink: TerminalSink): () => void;
  resize(cols: number, rows: number): void;
  sendInput(data: string): void;
}

/** What the session needs from the terminal widget; TerminalPane provides it. */
export interface TerminalSink {
  write(bytes: Uint8Array): void;
  reset(): void;
  focus(): void;
  size(): { cols: number; rows: number } | null;
}

/** What a tab needs from its session. */
export interface TabOwner {
  readonly phase: string;
  /** This browser tab has the session's terminals (true) or watches them (false). */
  readonly controlling: boolean;
  command(line: string): void;
  error(message: string): void;
  /** The terminal was closed (here, in another tab, or by the server): the tab goes. */
  closed(tab: TerminalTab): void;
  /** Another tab took the terminals over: from now on this tab watches (controlling is false). */
  replaced(): void;
}

const RETRY_FOR_MS = 2 * 60_000;
const EARLY_MAX_BYTES = 256 * 1024;

export class TerminalTab implements TerminalSource {
  #conn: TerminalConnection | null = null;
  #sink: TerminalSink | null = null;
  #size: { cols: number; rows: number } | null = null;
  #disposed = false;
  /** Output that came before the tab's widget was there (it mounts a moment after the socket opens). */
  #early: Uint8Array[] = [];
  #earlyBytes = 0;

  constructor(
    readonly index: number,
    private readonly creds: CreateSessionResponse,
    private readonly owner: TabOwner,
  ) {}

  get phase(): string {
    return this.owner.phase;
  }

  /** Opens (or reopens) the socket: watching when this browser tab watches the session. */
  connect(since = Date.now(), tries = 0): void {
    if (this.#disposed) return;
    this.#conn?.close();
    const conn: TerminalConnection = connectTerminal(
      this.creds.id,
      this.creds.token,
      {
        onOpen: () => {
          this.#sink?.reset(); // the server replays the recent output
          this.#early = [];
          this.#earlyBytes = 0;
          this.#sendSize();
        },
        onOutput: (bytes) => this.#write(bytes),
        onEvent: (event: ServerEvent) => {
          if (event.type === 'command') this.owner.command(event.line);
          else if (event.type === 'error') this.owner.error(event.message);
        },
        onClose: ({ code, opened }) => {
          if (this.#disposed || this.#conn !== conn) return;
          if (code === CloseCode.replaced) {
            // Another tab took the session: this one goes on watching.
            this.owner.replaced();
            return this.connect();
          }
          if (code === CloseCode.normal) return this.owner.closed(this);
          if (code === CloseCode.sessionEnded || this.owner.phase === 'ended') return;
          const next = opened ? { since: Date.now(), tries: 0 } : { since, tries: tries + 1 };
          if (Date.now() - next.since > RETRY_FOR_MS) return this.owner.closed(this);
          setTimeout(() => this.connect(next.since, next.tries), Math.min(10_000, 1000 * 2 ** Math.min(next.tries, 4)));
        },
      },
      { index: this.index, watch: !this.owner.controlling },
    );
    this.#conn = conn;
  }

  attachTerminal(sink: TerminalSink): () => void {
    this.#sink = sink;
    for (const bytes of this.#early) sink.write(bytes);
    this.#early = [];
    this.#earlyBytes = 0;
    return () => {
      if (this.#sink === sink) this.#sink = null;
    };
  }

  resize(cols: number, rows: number): void {
    this.#size = { cols: clamp(cols, MIN_COLS, MAX_COLS), rows: clamp(rows, MIN_ROWS, MAX_ROWS) };
    this.#sendSize();
  }

  sendInput(data: string): void {
    if (this.owner.phase === 'ready' && this.owner.controlling) this.#conn?.sendInput(data);
  }

  restartShell(): void {
    this.#conn?.sendRestartShell();
  }

  focus(): void {
    this.#sink?.focus();
  }

  /** Stops the socket (the shell stays unless the tab was closed on purpose: see Session.closeTerminal). */
  dispose(): void {
    this.#disposed = true;
    this.#conn?.close();
    this.#conn = null;
  }

  #write(bytes: Uint8Array): void {
    if (this.#sink) return this.#sink.write(bytes);
    // The replayed scrollback is at most 64 KiB; keep no more than a few times that.
    if (this.#earlyBytes + bytes.length > EARLY_MAX_BYTES) return;
    this.#early.push(bytes);
    this.#earlyBytes += bytes.length;
  }

  #sendSize(): void {
    const size = this.#size ?? this.#sink?.size() ?? null;
    if (size && this.#conn?.isOpen) this.#conn.sendResize(size.cols, size.rows);
  }
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.floor(n)));
}
