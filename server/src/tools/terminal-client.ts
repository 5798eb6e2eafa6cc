// A terminal client that speaks the websocket protocol like the page does: used by the tests and by
// `berth lessons test`, which plays lessons through the real terminal path.
import crypto from 'node:crypto';
import { input, parseServerEvent, present, resize, restartShell, runLines, STAFF_JOIN_PARAM, staffWatchPath, TERMINAL_PATH,
  WATCH_PARAM, type ServerEvent } from '@berth/shared';
import WebSocket from 'ws';

/** The metrics token servers started by tests, the bench and the soak are given (BERTH_METRICS_TOKEN). */
export const TOOLS_METRICS_TOKEN = `tools-${crypto.randomBytes(18).toString('hex')}`;

/** GET /metrics as the operator. */
export async function fetchMetrics(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOOLS_METRICS_TOKEN}` } });
  if (res.status !== 200) throw new Error(`GET /metrics answered ${res.status}: ${await res.text()}`);
  return res.text();
}

export interface CreatedSession {
  id: string;
  token: string;
  expiresAt: string;
}

export async function createSession(server: { url: string }, body: object = {}): Promise<CreatedSession> {
  const res = await fetch(`${server.url}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 201) throw new Error(`POST /api/sessions: ${res.status} ${await res.text()}`);
  return (await res.json()) as CreatedSession;
}

/** A port link as a browser gets it: a ticket asked for with the token, spent on the ports origin for its cookie. */
export interface OpenedPortLink {
  /** The link on the ports origin (no ticket). */
  url: string;
  /** The Cookie header the ports origin set for it. */
  cookie: string;
}

export async function portTicket(server: { url: string }, session: CreatedSession, port: number): Promise<string> {
  const res = await fetch(`${server.url}/api/sessions/${session.id}/ports/${port}/ticket`, { method: 'POST', headers: { authorization: `Bearer ${session.token}` } });
  if (res.status !== 200) throw new Error(`POST ticket for port ${port}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { url: string }).url;
}

export async function openPortLink(server: { url: string }, session: CreatedSession, port: number): Promise<OpenedPortLink> {
  const ticketUrl = await portTicket(server, session, port);
  const res = await fetch(ticketUrl, { redirect: 'manual' });
  if (res.status !== 303) throw new Error(`the ticket for port ${port} answered ${res.status}: ${await res.text()}`);
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]!).join('; ');
  return { url: new URL(res.headers.get('location')!, ticketUrl).href, cookie };
}

const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][A-Z0-9]|\x1b[=>]|\r/g;
export const stripAnsi = (s: string) => s.replace(ANSI, '');

export class TerminalClient {
  readonly events: ServerEvent[] = [];
  /** When each event arrived (performance.now()), for latency figures. */
  readonly arrivedAt = new Map<ServerEvent, number>();
  /** Output received, escape sequences stripped up to `unstripped` (a sequence may be cut between frames). */
  private stripped = '';
  private unstripped = '';
  private received = 0;
  private dropped = 0;
  /** Off for a terminal flooded on purpose (a benchmark's `yes`): output is counted, not kept. */
  keepOutput = true;
  private lastOutputAt = Date.now();
  private readonly decoder = new TextDecoder();
  private waiters: (() => void)[] = [];
  closeInfo: { code: number; reason: string } | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        if (this.keepOutput) {
          const chars = this.decoder.decode(data as Buffer, { stream: true });
          this.unstripped += chars;
          this.received += chars.length;
        } else this.dropped += (data as Buffer).length;
        this.lastOutputAt = Date.now();
      }
      else {
        const e = parseServerEvent(String(data));
        if (e) {
          this.events.push(e);
          this.arrivedAt.set(e, performance.now());
        }
      }
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.closeInfo = { code, reason: reason.toString() };
      this.wake();
    });
  }

  /** opts.headers: sent with the upgrade, e.g. the Origin a browser page would send. */
  /** opts.terminal: which of the session's terminals (0, the first, by default); opts.watch: watch it read-only while another socket has it. */
  static async connect(
    server: { url: string },
    s: { id: string; token: string },
    opts: { cols?: number; rows?: number; headers?: Record<string, string>; terminal?: number; watch?: boolean } = {},
  ) {
    const watch = opts.watch ? `&${WATCH_PARAM}=1` : '';
    const url = `${server.url.replace('http', 'ws')}${TERMINAL_PATH(s.id, opts.terminal)}?token=${encodeURIComponent(s.token)}${watch}`;
    const ws = new WebSocket(url, { headers: opts.headers ?? {} });
    const client = new TerminalClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.send(resize(opts.cols ?? 200, opts.rows ?? 50));
    return client;
  }

  /** A signed-in admin watching a session's first terminal, read-only or joined (who: the sign-in's cookie and check). */
  static async watchAsStaff(server: { url: string }, sessionId: string, who: { cookie: string; check: string }, opts: { headers?: Record<string, string>; join?: boolean } = {}) {
    const join = opts.join ? `&${STAFF_JOIN_PARAM}=1` : '';
    const url = `${server.url.replace('http', 'ws')}${staffWatchPath(sessionId)}?staff=${encodeURIComponent(who.check)}${join}`;
    const headers = opts.headers ?? {};
    const ws = new WebSocket(url, { headers: { cookie: who.cookie, ...headers } });
    const client = new TerminalClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    return client;
  }

  private wake() {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Characters received so far (cheap: no escape stripping), for timing echoes. */
  get rawLength(): number {
    return this.received + this.dropped;
  }

  /** True when nothing was typed or printed for ms milliseconds. */
  quietFor(ms: number): boolean {
    return Date.now() - this.lastOutputAt >= ms;
  }

  /**
   * Everything the terminal printed so far, without escape sequences. Stripped once as it comes, not again at
   * every frame: a test waiting behind a flood of 20 MB would otherwise spend its time here, not the server.
   */
  get text(): string {
    const rest = this.unstripped;
    // Kept back from the last ESC on: the rest of its sequence may be in the next frame (4 KiB at most).
    const esc = rest.lastIndexOf('\x1b');
    const upTo = esc >= 0 && rest.length - esc <= 4096 ? esc : rest.length;
    if (upTo > 0) {
      this.stripped += stripAnsi(rest.slice(0, upTo));
      this.unstripped = rest.slice(upTo);
    }
    return this.unstripped ? this.stripped + stripAnsi(this.unstripped) : this.stripped;
  }

  async waitFor<T>(probe: () => T | undefined | false, timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = probe();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; ${this.whereItStands()}; screen ends with:\n${this.text.slice(-1500)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(250, Math.max(1, deadline - Date.now())));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** For a timeout's message: what the server said besides output, how much output came, and when. */
  private whereItStands(): string {
    const said = this.events.slice(-8).map((e) => (e.type === 'status' ? `status ${e.state}${e.reason ? ` (${e.reason}${e.message ? `: ${e.message}` : ''})` : ''}` : e.type)).join(', ') || 'nothing';
    const socket = this.closeInfo ? `socket closed ${this.closeInfo.code} ${this.closeInfo.reason}` : 'socket open';
    return `events: ${said}; ${this.received + this.dropped} characters of output, the last ${Date.now() - this.lastOutputAt} ms ago (or since typing); ${socket}`;
  }

  waitForText(pattern: RegExp, timeoutMs = 15_000): Promise<RegExpExecArray> {
    return this.waitFor(() => pattern.exec(this.text) ?? undefined, timeoutMs, String(pattern));
  }

  waitForEvent(pred: (e: ServerEvent) => boolean, timeoutMs = 30_000, what = 'an event'): Promise<ServerEvent> {
    return this.waitFor(() => this.events.find(pred), timeoutMs, what);
  }

  async ready(timeoutMs = 30_000): Promise<void> {
    await this.waitForEvent((e) => e.type === 'status' && e.state === 'ready', timeoutMs, 'status ready');
    await this.waitForText(/\$ $/m, timeoutMs);
  }

  type(text: string): void {
    this.lastOutputAt = Date.now(); // quiet is counted from the last keystroke or output, whichever is later
    this.ws.send(input(text));
  }

  /** Like a lesson's Run button: the server clears the typed line and types these (or answers `busy`). */
  runLines(lines: string[]): void {
    this.lastOutputAt = Date.now();
    this.ws.send(runLines(lines));
  }

  /** Like the page when its visitor moves the pointer over it or focuses it: they are at the page. */
  present(): void {
    this.ws.send(present());
  }

  /** Like the page's "Restart shell": ends this terminal's shell and all it started, opens a new one. */
  restartShell(): void {
    this.ws.send(restartShell());
  }

  private runs = 0;
  /** Types a command as a learner would and returns its output and exit status. */
  async run(command: string, timeoutMs = 30_000): Promise<{ output: string; exit: number }> {
    const tag = `END${++this.runs}x${crypto.randomBytes(2).toString('hex')}`;
    const start = this.text.length;
    // The tag is split in the typed line so only the echo's output can match it.
    this.type(`${command}; echo "${tag.slice(0, 3)}""${tag.slice(3)}:$?"\r`);
    // Searched from where the last look ended, not from `start` again: linear in what the command printed.
    let from = start;
    const m = await this.waitFor(() => {
      const text = this.text;
      const at = text.indexOf(`\n${tag}:`, from);
      if (at < 0) {
        from = Math.max(start, text.length - tag.length - 2);
        return undefined;
      }
      from = at;
      const exit = /^(\d+)\n/.exec(text.slice(at + tag.length + 2, at + tag.length + 16));
      return exit ? { index: at - start, exit: Number(exit[1]) } : undefined;
    }, timeoutMs, `${command} to finish`);
    const all = this.text.slice(start, start + m.index);
    // Output begins on the line after the echo of the typed command. Typed ahead of the prompt, the line
    // is echoed twice (by the TTY, then by readline): take the last echo.
    const echoed = all.lastIndexOf(`"${tag.slice(0, 3)}""${tag.slice(3)}:$?"`);
    const lineEnd = all.indexOf('\n', Math.max(0, echoed));
    const output = lineEnd < 0 ? '' : all.slice(lineEnd + 1);
    return { output, exit: m.exit };
  }

  close(): Promise<void> {
    if (this.closeInfo) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}
