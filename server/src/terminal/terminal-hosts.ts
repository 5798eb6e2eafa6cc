import type { SandboxRuntime } from '../runtime/runtime.js';
import type { Logger } from '../sessions/session-manager.js';
import type { CommandEvent, CommandOutputObserver } from './shell-integration.js';
import { DETACHED_GRACE_MS, TerminalHost } from './terminal-host.js';

const ADOPTED_NOTICE = '[the Berth server restarted: here is a new shell; your files, images and containers are all still here]';

/** The live shell of each session, by session id. */
export class TerminalHosts {
  private readonly hosts = new Map<string, TerminalHost>();
  /** Sessions taken back after a server restart whose terminal has not been opened since. */
  private readonly adopted = new Set<string>();

  constructor(
    private readonly runtime: SandboxRuntime,
    private readonly onCommand: (sessionId: string, e: CommandEvent) => void,
    private readonly log: Logger,
    private readonly graceMs = DETACHED_GRACE_MS,
    /** Watches a session's shells (one observer per shell). */
    private readonly observe?: (sessionId: string) => CommandOutputObserver,
  ) {}

  get(sessionId: string): TerminalHost {
    let host = this.hosts.get(sessionId);
    if (!host) {
      const created: TerminalHost = new TerminalHost(
        sessionId,
        this.runtime,
        (e) => this.onCommand(sessionId, e),
        this.log,
        () => {
          if (this.hosts.get(sessionId) === created) this.hosts.delete(sessionId);
        },
        this.graceMs,
        this.observe && (() => this.observe!(sessionId)),
      );
      host = created;
      if (this.adopted.delete(sessionId)) host.restartNotice = ADOPTED_NOTICE;
      this.hosts.set(sessionId, host);
    }
    return host;
  }

  /** The engine is back after a restart: these sessions' sandboxes survived it and get fresh shells. */
  engineBack(sessionIds: string[]): void {
    for (const id of sessionIds) this.hosts.get(id)?.engineBack();
  }

  /** These sessions were taken back after a server restart: their first terminal says so. */
  markAdopted(sessionIds: string[]): void {
    for (const id of sessionIds) this.adopted.add(id);
  }

  /** The session is over: its shell goes with it. */
  end(sessionId: string): void {
    void this.hosts.get(sessionId)?.dispose();
  }

  /** The server stops and keeps its sessions: every shell is ended (an exec cannot be taken back). */
  async endAll(): Promise<void> {
    await Promise.all([...this.hosts.values()].map((h) => h.dispose()));
  }

  get size(): number {
    return this.hosts.size;
  }
}
