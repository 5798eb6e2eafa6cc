// One browser websocket <-> one shell in the session's sandbox (protocol in @berth/shared).
import crypto from 'node:crypto';
import type { Duplex } from 'node:stream';
import { CloseCode, parseClientMessage, type ServerEvent } from '@berth/shared';
import type { WebSocket } from 'ws';
import type { SandboxRuntime, ShellStream } from '../runtime/runtime.js';
import type { Logger, SessionManager } from '../sessions/session-manager.js';
import type { Session } from '../sessions/session.js';
import { FlowControl } from './flow-control.js';
import { ShellIntegrationParser, type CommandEvent } from './shell-integration.js';

/** Told of every command a learner's shell finished (shell-integration marks). */
export type CommandListener = (sessionId: string, command: CommandEvent) => void;

/** A client sending this many invalid frames in a row is closed: it is not a Berth page. */
const MAX_BAD_FRAMES = 20;
/** A shell that exits this often within RESTART_WINDOW_MS is not restarted again. */
const MAX_RESTARTS = 3;
const RESTART_WINDOW_MS = 10_000;

export class TerminalBridge {
  private shell: ShellStream | undefined;
  private size = { cols: 80, rows: 24 };
  private closed = false;
  private badFrames = 0;
  private restarts: number[] = [];
  private readonly onSessionEvent: (id: string, e: ServerEvent) => void;

  constructor(
    private readonly ws: WebSocket,
    private readonly session: Session,
    private readonly sessions: SessionManager,
    private readonly runtime: SandboxRuntime,
    private readonly log: Logger,
    private readonly onCommand: CommandListener = () => {},
  ) {
    this.onSessionEvent = (id, event) => {
      if (id !== session.id) return;
      this.sendEvent(event);
      if (event.type === 'status' && event.state === 'ended') this.close(CloseCode.sessionEnded, 'session ended');
    };
  }

  async start(): Promise<void> {
    this.sessions.on('event', this.onSessionEvent);
    this.ws.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    this.ws.on('close', () => this.dispose());
    this.ws.on('error', () => this.dispose());
    this.sendEvent({ type: 'status', state: this.session.state, ...this.endFields() });
    if (this.session.state === 'ended') return this.close(CloseCode.sessionEnded, 'session ended');
    if (!(await this.session.ready) || this.closed) return;
    if (this.session.state === 'ready') await this.openShell();
  }

  private endFields() {
    const s = this.session;
    return s.state === 'ended' ? { reason: s.endReason, message: s.endMessage } : {};
  }

  private async openShell(): Promise<void> {
    let shell: ShellStream;
    const size = this.size;
    // The shell's marks carry this nonce, so output a learner prints cannot pass for a command.
    const nonce = crypto.randomBytes(12).toString('hex');
    try {
      shell = await this.runtime.openShell(this.session.id, size, [`BERTH_SHELL_NONCE=${nonce}`]);
    } catch (err) {
      this.sendEvent({ type: 'error', message: `Could not open a shell: ${(err as Error).message}` });
      return this.close(CloseCode.normal, 'no shell');
    }
    if (this.closed) return void shell.kill();
    this.shell = shell;
    // A resize that arrived while the shell was opening.
    if (this.size !== size) void shell.resize(this.size.cols, this.size.rows);
    const stream: Duplex = shell.stream;
    const flow = new FlowControl(
      () => stream.pause(),
      () => stream.resume(),
    );
    const parser = new ShellIntegrationParser(nonce, (command) => {
      this.sendEvent({ type: 'command', ...command });
      this.onCommand(this.session.id, command);
    });
    stream.on('data', (chunk: Buffer) => {
      if (this.closed) return;
      const out = parser.push(chunk);
      if (!out.length) return;
      const written = flow.sent(out.length);
      this.ws.send(out, { binary: true }, written);
    });
    stream.on('close', () => this.onShellExit(shell));
    stream.on('end', () => this.onShellExit(shell));
    stream.on('error', () => this.onShellExit(shell));
  }

  private onShellExit(shell: ShellStream): void {
    if (this.shell !== shell || this.closed || this.session.state === 'ended') return;
    this.shell = undefined;
    const now = Date.now();
    this.restarts = [...this.restarts.filter((t) => now - t < RESTART_WINDOW_MS), now];
    if (this.restarts.length > MAX_RESTARTS) {
      this.sendEvent({ type: 'error', message: 'The shell keeps exiting; reload the page to open a new one.' });
      return this.close(CloseCode.normal, 'shell exited');
    }
    this.ws.send(Buffer.from('\r\n\x1b[2m[the shell exited; here is a new one]\x1b[0m\r\n'), { binary: true });
    void this.openShell();
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (isBinary) return this.reject('binary frames are not accepted: send JSON text frames');
    const parsed = parseClientMessage(data.toString('utf8'));
    if (!parsed.ok) return this.reject(parsed.reason);
    this.badFrames = 0;
    const msg = parsed.message;
    if (msg.type === 'resize') {
      this.size = { cols: msg.cols, rows: msg.rows };
      void this.shell?.resize(msg.cols, msg.rows);
      return;
    }
    this.sessions.touch(this.session.id);
    // Input before the shell exists is dropped: nothing could have echoed it yet.
    if (this.shell && msg.data.length) this.shell.stream.write(msg.data);
  }

  private reject(reason: string): void {
    this.sendEvent({ type: 'error', message: `Ignored a frame: ${reason}` });
    if (++this.badFrames >= MAX_BAD_FRAMES) this.close(CloseCode.badMessage, 'too many invalid frames');
  }

  private sendEvent(event: ServerEvent): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(event));
  }

  private close(code: number, reason: string): void {
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) this.ws.close(code, reason);
    this.dispose();
  }

  private dispose(): void {
    if (this.closed) return;
    this.closed = true;
    this.sessions.off('event', this.onSessionEvent);
    const shell = this.shell;
    this.shell = undefined;
    if (shell && this.session.state !== 'ended') {
      void shell.kill().catch((err: Error) => this.log.warn({ session: this.session.id, err: err.message }, 'could not end a shell'));
    } else shell?.stream.destroy();
  }
}
