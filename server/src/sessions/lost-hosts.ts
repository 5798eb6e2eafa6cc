// A machine of the runtime's that stops answering (an LXD cluster member gone offline) takes its sandboxes out
// of reach: their sessions end at once, each page saying so and offering a new session, which LXD places on a
// member still there. What is left of the lost sandboxes the runtime removes once their machine is back.
// A machine emptied for maintenance (evacuated) still answers: its sessions keep going on a new sandbox
// elsewhere (SessionManager.renewSandbox), their visitors told what did not come along.
import type { LostHost, SandboxRuntime } from '../runtime/runtime.js';
import type { SandboxPool } from './sandbox-pool.js';
import type { Logger, SessionManager } from './session-manager.js';

export const hostLostMessage = ({ host, evacuated }: LostHost) =>
  evacuated
    ? `the machine that ran your sandbox (${host}) was taken out of service for maintenance, and your containers and files went with it; a new session starts on another machine`
    : `the machine that ran your sandbox (${host}) stopped answering, so your containers and files there are out of reach; a new session starts on another machine`;

export const sandboxRenewedNotice = (host: string) =>
  `the machine that ran your sandbox (${host}) is being taken out of service for maintenance, so a new sandbox is starting on another machine; your session and lesson progress are kept, but the containers, images and files of the old sandbox did not come along`;

export class LostHosts {
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(
    private readonly sessions: SessionManager,
    private readonly runtime: SandboxRuntime,
    private readonly log: Logger,
    /** Its sandboxes on a lost machine are replaced, not left to be found at hand-over. */
    private readonly pool?: Pick<SandboxPool, 'dropLost'>,
    private readonly intervalMs = 2000,
  ) {}

  start(): void {
    if (!this.runtime.lostSandboxes) return;
    this.timer = setInterval(() => void this.scan(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async scan(): Promise<void> {
    if (this.busy || !this.runtime.lostSandboxes) return;
    this.busy = true;
    try {
      const lost = await this.runtime.lostSandboxes();
      for (const s of this.sessions.live()) {
        const host = lost.get(s.id);
        if (!host || this.sessions.isRenewing(s.id)) continue;
        if (host.evacuated && s.state === 'ready') {
          // Not awaited: one session's new sandbox must not hold up the others'.
          void this.sessions.renewSandbox(s.id, sandboxRenewedNotice(host.host), hostLostMessage(host));
          continue;
        }
        this.log.warn({ session: s.id, ...host }, 'the sandbox host was lost: session ended');
        await this.sessions.end(s.id, 'host-lost', hostLostMessage(host));
      }
      await this.pool?.dropLost(lost);
      const removed = (await this.runtime.removeLostLeftovers?.()) ?? [];
      if (removed.length) this.log.info({ removed }, `removed ${removed.length} lost sandbox(es) from a machine that is back`);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not ask the runtime for lost sandbox hosts');
    } finally {
      this.busy = false;
    }
  }
}
