import type { SandboxRuntime } from '../runtime/runtime.js';
import type { Logger } from '../sessions/session-manager.js';
import type { CommandEvent } from './shell-integration.js';
import { DETACHED_GRACE_MS, TerminalHost } from './terminal-host.js';

/** The live shell of each session, by session id. */
export class TerminalHosts {
  private readonly hosts = new Map<string, TerminalHost>();

  constructor(
    private readonly runtime: SandboxRuntime,
    private readonly onCommand: (sessionId: string, e: CommandEvent) => void,
    private readonly log: Logger,
    private readonly graceMs = DETACHED_GRACE_MS,
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
      );
      host = created;
      this.hosts.set(sessionId, host);
    }
    return host;
  }

  /** The engine is back after a restart: these sessions' sandboxes survived it and get fresh shells. */
  engineBack(sessionIds: string[]): void {
    for (const id of sessionIds) this.hosts.get(id)?.engineBack();
  }

  /** The session is over: its shell goes with it. */
  end(sessionId: string): void {
    this.hosts.get(sessionId)?.dispose();
  }

  get size(): number {
    return this.hosts.size;
  }
}
