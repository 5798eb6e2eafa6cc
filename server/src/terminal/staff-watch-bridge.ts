// A staff member's websocket on a session's first terminal, never taking the terminal: read-only, or joined
// to type beside its owner. It sees what the owner sees from the start of the scrollback, and closes when the
// session ends.
import { CloseCode, parseClientMessage, type ServerEvent } from '@berth/shared';
import type { WebSocket } from 'ws';
import type { SessionManager } from '../sessions/session-manager.js';
import type { Session } from '../sessions/session.js';
import { closeSocket, noticeBytes, sendBytes, sendEvent } from './socket-out.js';
import type { TerminalHost } from './terminal-host.js';
import type { TerminalHosts } from './terminal-hosts.js';
import type { TerminalSink } from './terminal-sink.js';

/** A watcher this far behind the output is closed (it reconnects and gets the scrollback instead). */
const BACKLOG_BYTES = 1024 * 1024;
/** Frames a watcher may send (it has nothing to say), or invalid frames in a row from one who joined: past this, closed. */
const MAX_FRAMES = 20;
export const READ_ONLY_MESSAGE = 'You are watching this terminal: it is read-only, and the learner sees that you are here.';

export class StaffWatchBridge {
  private host: TerminalHost | undefined;
  private closed = false;
  private frames = 0;
  private readonly sink: TerminalSink;
  private readonly onSessionEvent: (id: string, e: ServerEvent) => void;

  constructor(
    private readonly ws: WebSocket,
    private readonly session: Session,
    private readonly name: string,
    private readonly sessions: SessionManager,
    private readonly hosts: TerminalHosts,
    /** Joined: what this socket types goes to the shell, as the owner's typing does. */
    private readonly join = false,
  ) {
    this.onSessionEvent = (id, event) => {
      if (id !== session.id) return;
      if (event.type === 'status' || event.type === 'step' || event.type === 'watchers') sendEvent(this.ws, event);
      if (event.type === 'status' && event.state === 'ended') this.close(CloseCode.sessionEnded, 'session ended');
    };
    this.sink = {
      output: (bytes, written) => {
        if (this.ws.bufferedAmount > BACKLOG_BYTES) return this.close(CloseCode.behind, 'too far behind the output');
        sendBytes(this.ws, bytes, written);
      },
      command: (e, written) => sendEvent(this.ws, { type: 'command', ...e }, written),
      notice: (message) => sendBytes(this.ws, noticeBytes(message)),
      warn: () => {},
      gone: (message) => this.close(CloseCode.normal, message),
      control: () => sendEvent(this.ws, { type: 'control', controlling: false }),
    };
  }

  start(): void {
    this.sessions.on('event', this.onSessionEvent);
    this.ws.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    this.ws.on('close', () => this.dispose());
    this.ws.on('error', () => this.dispose());
    const s = this.session;
    sendEvent(this.ws, { type: 'status', state: s.state });
    if (s.state !== 'ready') return this.close(CloseCode.sessionEnded, 'the session is not running');
    this.host = this.hosts.get(s.id, 0);
    this.host.watchAsStaff(this.sink, this.name, this.join);
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    const parsed = this.join && !isBinary ? parseClientMessage(data.toString('utf8')) : null;
    if (!parsed?.ok) {
      sendEvent(this.ws, { type: 'error', message: this.join ? `Ignored a frame: ${parsed?.reason ?? 'binary frames are not accepted'}` : READ_ONLY_MESSAGE });
      if (++this.frames >= MAX_FRAMES) this.close(CloseCode.badMessage, this.join ? 'too many invalid frames' : 'a watcher sends nothing');
      return;
    }
    this.frames = 0;
    const msg = parsed.message;
    if (msg.type === 'input' || msg.type === 'run') this.sessions.touch(this.session.id);
    // Keystrokes only: the terminal keeps its owner's size, and Restart shell is the owner's to choose.
    if (msg.type === 'input') this.host?.writeAsStaff(this.sink, msg.data);
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
