import { MAX_TERMINALS } from '@berth/shared';
import type { SandboxRuntime } from '../runtime/runtime.js';
import type { Logger } from '../sessions/session-manager.js';
import { CommandHistory } from './command-history.js';
import type { CommandEvent, CommandOutputObserver } from './shell-integration.js';
import { DETACHED_GRACE_MS, TerminalHost, type StaffOnTerminal, type TerminalRecorder } from './terminal-host.js';

const ADOPTED_NOTICE = '[the Berth server restarted: here is a new shell; your files, images and containers are all still here]';
const CLOSED_BY_VISITOR = 'this terminal was closed';

/** The live shells of each session: terminal 0, and the extra terminals (tabs) opened beside it. */
export class TerminalHosts {
  /** By session id, then by terminal index. */
  private readonly hosts = new Map<string, Map<number, TerminalHost>>();
  /** Sessions whose first terminal is recorded, the recorder kept for a shell opened later. */
  private readonly recorders = new Map<string, TerminalRecorder>();
  /** Sessions taken back after a server restart whose terminal has not been opened since. */
  private readonly adopted = new Set<string>();
  /** Every command any of a session's terminals ran, for the end screen's download. */
  readonly history = new CommandHistory();
  /** Told whenever a session's set of open terminals changes (to tell its page). */
  onTerminals: (sessionId: string, open: number[]) => void = () => {};
  /** Told whenever the staff watching a session's first terminal change (to tell its page). */
  onStaff: (sessionId: string, staff: StaffOnTerminal) => void = () => {};
  /** Told of each shell opened, with the path it took (the sandbox's terminal server, or exec). */
  onShellOpened: (sessionId: string, via: 'terminal-server' | 'exec') => void = () => {};
  /** Told whenever a session's shell prints while a page has its terminal. */
  onPrinted: (sessionId: string) => void = () => {};

  constructor(
    private readonly runtime: SandboxRuntime,
    private readonly onCommand: (sessionId: string, e: CommandEvent) => void,
    private readonly log: Logger,
    private readonly graceMs = DETACHED_GRACE_MS,
    /** Watches a session's shells (one observer per shell). */
    private readonly observe?: (sessionId: string) => CommandOutputObserver,
  ) {}

  get(sessionId: string, index = 0): TerminalHost {
    if (!Number.isInteger(index) || index < 0 || index >= MAX_TERMINALS) throw new RangeError(`no terminal ${index}`);
    let terminals = this.hosts.get(sessionId);
    if (!terminals) this.hosts.set(sessionId, (terminals = new Map()));
    let host = terminals.get(index);
    if (!host) {
      const created: TerminalHost = new TerminalHost(
        sessionId,
        this.runtime,
        (e) => {
          this.history.add(sessionId, e.line, e.exit, e.at);
          this.onCommand(sessionId, e);
        },
        this.log,
        () => this.forget(sessionId, index, created),
        this.graceMs,
        this.observe && (() => this.observe!(sessionId)),
      );
      host = created;
      host.onShellOpened = (via) => this.onShellOpened(sessionId, via);
      host.onPrinted = () => this.onPrinted(sessionId);
      if (index === 0) {
        host.onStaff = (staff) => this.onStaff(sessionId, staff);
        host.record(this.recorders.get(sessionId));
      }
      if (this.adopted.delete(sessionId)) host.restartNotice = ADOPTED_NOTICE;
      terminals.set(index, host);
      this.onTerminals(sessionId, this.open(sessionId));
    }
    return host;
  }

  /** Records the session's first terminal from now on (undefined: stops). */
  record(sessionId: string, recorder: TerminalRecorder | undefined): void {
    if (recorder) this.recorders.set(sessionId, recorder);
    else this.recorders.delete(sessionId);
    this.hosts.get(sessionId)?.get(0)?.record(recorder);
  }

  /** The staff watching the session's first terminal now, by name, and who of them can type. */
  staffWatching(sessionId: string): StaffOnTerminal {
    return this.hosts.get(sessionId)?.get(0)?.staffOn() ?? { names: [], typing: [] };
  }

  /** The session's terminals that have a shell (or are opening one), by index; 0 is always among them. */
  open(sessionId: string): number[] {
    return [...new Set([0, ...(this.hosts.get(sessionId)?.keys() ?? [])])].sort((a, b) => a - b);
  }

  /** The visitor closed one of the session's extra terminals: its shell ends, its sockets are closed. */
  close(sessionId: string, index: number): void {
    void this.hosts.get(sessionId)?.get(index)?.dispose(CLOSED_BY_VISITOR);
  }

  /** The engine is back after a restart: these sessions' sandboxes survived it and get fresh shells. */
  engineBack(sessionIds: string[]): void {
    for (const id of sessionIds) for (const host of this.hosts.get(id)?.values() ?? []) host.engineBack();
  }

  /** The session's sandbox is being replaced (SessionManager.renewSandbox): its terminals say so and wait. */
  sandboxReplaced(sessionId: string, notice: string): void {
    for (const host of this.hosts.get(sessionId)?.values() ?? []) host.sandboxReplaced(notice);
  }

  /** The replacement is ready: each terminal opens its shell. */
  sandboxRenewed(sessionId: string, note: string): void {
    for (const host of this.hosts.get(sessionId)?.values() ?? []) host.engineBack(note);
  }

  /** These sessions were taken back after a server restart: their first terminal says so. */
  markAdopted(sessionIds: string[]): void {
    for (const id of sessionIds) this.adopted.add(id);
  }

  /** The session is over: its shells go with it. */
  end(sessionId: string): void {
    for (const host of this.hosts.get(sessionId)?.values() ?? []) void host.dispose();
    this.history.forget(sessionId);
    this.recorders.delete(sessionId);
  }

  /** The server stops and keeps its sessions: every shell is ended (an exec cannot be taken back). */
  async endAll(): Promise<void> {
    await Promise.all([...this.hosts.values()].flatMap((t) => [...t.values()]).map((h) => h.dispose()));
  }

  /** How many shells are open, over all sessions. */
  get size(): number {
    let n = 0;
    for (const t of this.hosts.values()) n += t.size;
    return n;
  }

  private forget(sessionId: string, index: number, host: TerminalHost): void {
    const terminals = this.hosts.get(sessionId);
    if (terminals?.get(index) !== host) return;
    terminals.delete(index);
    if (!terminals.size) this.hosts.delete(sessionId);
    this.onTerminals(sessionId, this.open(sessionId));
  }
}
