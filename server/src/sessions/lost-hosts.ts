// A machine of the runtime's that stops answering (an LXD cluster member gone offline) takes its sandboxes out
// of reach: their sessions end at once, each page saying so and offering a new session, which LXD places on a
// member still there. What is left of the lost sandboxes the runtime removes once their machine is back.
// A machine emptied for maintenance (evacuated) still answers: its sessions keep going on a new sandbox
// elsewhere (SessionManager.renewSandbox), their visitors told what did not come along.
import type { Lang } from '@berth/shared';
import type { LostHost, SandboxRuntime } from '../runtime/runtime.js';
import type { SandboxPool } from './sandbox-pool.js';
import type { Logger, SessionManager } from './session-manager.js';

/** What the page of a session whose sandbox's machine was lost says, in the visitor's language. */
export function hostLostMessage({ host, evacuated }: LostHost, lang: Lang = 'en'): string {
  if (lang === 'zh') {
    return evacuated
      ? `运行你沙箱的机器（${host}）已停机维护，你的容器和文件也随之不在了；新的会话会在另一台机器上启动`
      : `运行你沙箱的机器（${host}）失去了响应，那里的容器和文件已无法访问；新的会话会在另一台机器上启动`;
  }
  return evacuated
    ? `the machine that ran your sandbox (${host}) was taken out of service for maintenance, and your containers and files went with it; a new session starts on another machine`
    : `the machine that ran your sandbox (${host}) stopped answering, so your containers and files there are out of reach; a new session starts on another machine`;
}

/** What the terminals of a session say while its sandbox is renewed on another machine. */
export function sandboxRenewedNotice(host: string, lang: Lang = 'en'): string {
  return lang === 'zh'
    ? `运行你沙箱的机器（${host}）正在停机维护，所以正在另一台机器上启动一个新的沙箱；你的会话和课程进度都会保留，但旧沙箱里的容器、镜像和文件没有带过来`
    : `the machine that ran your sandbox (${host}) is being taken out of service for maintenance, so a new sandbox is starting on another machine; your session and lesson progress are kept, but the containers, images and files of the old sandbox did not come along`;
}

/** What each terminal says when the new sandbox's shell opens. */
export const sandboxReadyNote = (lang: Lang = 'en') => (lang === 'zh' ? '[新的沙箱已就绪，这是它的 shell]' : '[the new sandbox is ready; here is its shell]');

export class LostHosts {
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private scanStarted = 0;
  private step = '';
  private stuckTold = false;
  private readonly leftoverFailures = new Map<string, string>();

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

  /** A look that does not end holds up every later one: the operator hears where it waits. */
  private tellIfStuck(): void {
    if (this.stuckTold || Date.now() - this.scanStarted < 30_000) return;
    this.stuckTold = true;
    this.log.warn({ step: this.step, seconds: Math.round((Date.now() - this.scanStarted) / 1000) }, 'the look for lost sandbox hosts is taking long');
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async scan(): Promise<void> {
    if (this.busy) return this.tellIfStuck();
    if (!this.runtime.lostSandboxes) return;
    this.busy = true;
    this.scanStarted = Date.now();
    this.stuckTold = false;
    try {
      this.step = 'asking which sandboxes are lost';
      const lost = await this.runtime.lostSandboxes();
      this.step = 'ending or renewing their sessions';
      // Every page is told at once; the sandboxes' removals (which fail while their member is away) after.
      const ends: Promise<void>[] = [];
      for (const s of this.sessions.live()) {
        const host = lost.get(s.id);
        if (!host || this.sessions.isRenewing(s.id)) continue;
        if (host.evacuated && s.state === 'ready') {
          // Not awaited: one session's new sandbox must not hold up the others'.
          void this.sessions.renewSandbox(s.id, sandboxRenewedNotice(host.host, s.lang), hostLostMessage(host, s.lang));
          continue;
        }
        this.log.warn({ session: s.id, ...host }, 'the sandbox host was lost: session ended');
        ends.push(this.sessions.end(s.id, 'host-lost', hostLostMessage(host, s.lang)));
      }
      await Promise.all(ends);
      this.step = 'replacing pooled sandboxes';
      await this.pool?.dropLost(lost);
      this.step = 'removing what is left on machines that are back';
      const leftovers = await this.runtime.removeLostLeftovers?.();
      if (leftovers?.removed.length) this.log.info({ removed: leftovers.removed }, `removed ${leftovers.removed.length} lost sandbox(es) from a machine that is back`);
      for (const { id, reason } of leftovers?.failed ?? []) {
        // Said again only when the reason changes: it is tried every few seconds.
        if (this.leftoverFailures.get(id) === reason) continue;
        this.leftoverFailures.set(id, reason);
        this.log.warn({ sandbox: id, err: reason }, 'could not remove a lost sandbox from a machine that is back; trying again');
      }
      for (const id of leftovers?.removed ?? []) this.leftoverFailures.delete(id);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not ask the runtime for lost sandbox hosts');
    } finally {
      this.busy = false;
    }
  }
}
