// One browser websocket attached to one of its session's terminals (protocol in @berth/shared).
import { CloseCode, parseClientMessage, type ServerEvent } from '@berth/shared';
import type { WebSocket } from 'ws';
import type { SessionManager } from '../sessions/session-manager.js';
import type { Session } from '../sessions/session.js';
import { closeSocket, noticeBytes, sendBytes, sendEvent } from './socket-out.js';
import type { TerminalHost, TerminalSink } from './terminal-host.js';
import type { TerminalHosts } from './terminal-hosts.js';

/** A client sending this many invalid frames in a row is closed: it is not a Berth page. */
const MAX_BAD_FRAMES = 20;
/**
 * Input the shell does not read, or sent faster than the input rate, is dropped; reading the socket pauses
 * this long meanwhile, so a visitor flooding input waits in TCP instead of costing the server a frame parse
 * each (a Restart shell still gets in).
 */
const INPUT_DROPPED_PAUSE_MS = 500;
/** A watching socket this far behind the output is closed (it reconnects and gets the scrollback instead). */
const WATCHER_BACKLOG_BYTES = 1024 * 1024;

export class TerminalBridge {
  private host: TerminalHost | undefined;
  private size: { cols: number; rows: number } | undefined;
  private closed = false;
  private badFrames = 0;
  /** This socket has the terminal (as opposed to watching it while another socket has it). */
  private controlling = false;
  private readonly sink: TerminalSink;
  private readonly onSessionEvent: (id: string, e: ServerEvent) => void;

  constructor(
    private readonly ws: WebSocket,
    private readonly session: Session,
    private readonly sessions: SessionManager,
    private readonly hosts: TerminalHosts,
    /** Events a socket needs on arrival beyond the status (the ports open now). */
    private readonly initialEvents: (sessionId: string) => ServerEvent[] = () => [],
    /** Which of the session's terminals; the session's own events (lifetime, ports, steps…) go to terminal 0's sockets only. */
    private readonly index = 0,
    /** Watch read-only while another socket has this terminal, rather than take it. */
    private readonly watch = false,
  ) {
    this.onSessionEvent = (id, event) => {
      if (id !== session.id) return;
      if (this.index === 0 || event.type === 'status') this.sendEvent(event);
      if (event.type === 'status' && event.state === 'ended') this.close(CloseCode.sessionEnded, 'session ended');
    };
    this.sink = {
      output: (bytes, written) => {
        if (!this.controlling && this.ws.bufferedAmount > WATCHER_BACKLOG_BYTES) return this.close(CloseCode.behind, 'too far behind the output');
        sendBytes(this.ws, bytes, written);
      },
      command: (e, written) => this.sendEvent({ type: 'command', ...e }, written),
      notice: (message) => sendBytes(this.ws, noticeBytes(message)),
      warn: (message) => this.sendEvent({ type: 'error', message }),
      busy: (command) => this.sendEvent({ type: 'busy', command }),
      gone: (message, replaced) => this.close(replaced ? CloseCode.replaced : CloseCode.normal, message),
      control: (controlling) => {
        this.controlling = controlling;
        this.sendEvent({ type: 'control', controlling });
        // A watcher handed the terminal: its own size counts from now on.
        if (controlling && this.size) this.host?.resize(this.size.cols, this.size.rows);
      },
    };
  }

  async start(): Promise<void> {
    this.sessions.on('event', this.onSessionEvent);
    this.ws.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    this.ws.on('close', () => this.dispose());
    this.ws.on('error', () => this.dispose());
    const s = this.session;
    this.sendEvent({
      type: 'status',
      state: s.state,
      ...(s.state === 'ended' ? { reason: s.endReason, message: s.endMessage } : {}),
      ...(s.state === 'starting' && s.startNote ? { message: s.startNote } : {}),
    });
    if (s.state === 'ended') return this.close(CloseCode.sessionEnded, 'session ended');
    // A queued visitor learns their place at once; the rest comes once the sandbox is ready.
    if (s.state === 'queued' && this.index === 0) for (const event of this.initialEvents(s.id)) this.sendEvent(event);
    if (!(await s.ready) || this.closed || s.state !== 'ready') return;
    if (this.index === 0) for (const event of this.initialEvents(s.id)) this.sendEvent(event);
    this.host = this.hosts.get(s.id, this.index);
    try {
      await this.host.attach(this.sink, this.size, this.watch);
    } catch (err) {
      this.sendEvent({ type: 'error', message: `Could not open a shell: ${(err as Error).message}` });
      this.close(CloseCode.normal, 'no shell');
    }
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (isBinary) return this.reject('binary frames are not accepted: send JSON text frames');
    const parsed = parseClientMessage(data.toString('utf8'));
    if (!parsed.ok) return this.reject(parsed.reason);
    this.badFrames = 0;
    const msg = parsed.message;
    if (msg.type === 'resize') {
      this.size = { cols: msg.cols, rows: msg.rows };
      if (this.controlling) this.host?.resize(msg.cols, msg.rows);
      return;
    }
    if (msg.type === 'visible') return this.sessions.sawVisible(this.session.id);
    if (msg.type === 'present') return this.sessions.sawPresent(this.session.id);
    // Input before the shell is attached is dropped: nothing could have echoed it yet. A watching tab shows
    // the terminal read-only: what it sends is not the learner's typing.
    if (!this.host) return void this.sessions.touch(this.session.id);
    if (!this.controlling) return this.sendEvent({ type: 'error', message: 'This tab only watches the terminal: take it over to type.' });
    this.sessions.touch(this.session.id);
    if (msg.type === 'restart-shell') return void this.host.restart();
    if (msg.type === 'run') {
      if (!this.host.run(msg.lines)) this.pauseReading();
      return;
    }
    if (!this.host.write(msg.data)) this.pauseReading();
  }

  private pauseReading(): void {
    if (this.ws.isPaused || this.closed) return;
    this.ws.pause();
    setTimeout(() => {
      if (!this.closed) this.ws.resume();
    }, INPUT_DROPPED_PAUSE_MS).unref();
  }

  private reject(reason: string): void {
    this.sendEvent({ type: 'error', message: `Ignored a frame: ${reason}` });
    if (++this.badFrames >= MAX_BAD_FRAMES) this.close(CloseCode.badMessage, 'too many invalid frames');
  }

  private sendEvent(event: ServerEvent, written?: () => void): void {
    sendEvent(this.ws, event, written);
  }

  private close(code: number, reason: string): void {
    closeSocket(this.ws, code, reason);
    this.dispose();
  }

  private dispose(): void {
    if (this.closed) return;
    this.closed = true;
    this.sessions.off('event', this.onSessionEvent);
    this.host?.detach(this.sink);
  }
}
