// A ready session whose sandbox must move (its machine is being emptied for maintenance) gets a new one under
// the same id: the old one is removed first (LXD names are cluster-wide), then the session starts again with its
// clock and lesson progress kept. If the old one cannot be removed, the session ends instead.
import type { SandboxRuntime } from '../runtime/runtime.js';
import type { Logger } from './session-manager.js';
import type { Session } from './session.js';

export interface RenewalSteps {
  /** The session is no longer ready (the watcher leaves it alone) and its terminals hear why. */
  begin(s: Session, notice: string): void;
  /** Starts the new sandbox, the visitor reading `notice` meanwhile. */
  restart(s: Session, notice: string): void;
  end(id: string, fallback: string): Promise<void>;
}

const REMOVE_TRIES = 3;
const REMOVE_PAUSE_MS = 2000;

export class SandboxRenewal {
  private readonly renewing = new Set<string>();

  constructor(
    private readonly runtime: SandboxRuntime,
    private readonly log: Logger,
    private readonly steps: RenewalSteps,
  ) {}

  has(id: string): boolean {
    return this.renewing.has(id);
  }

  /** The session is ready (or ended): its renewal, if any, is over. True when it was being renewed. */
  settle(id: string): boolean {
    return this.renewing.delete(id);
  }

  async renew(s: Session, notice: string, fallback: string): Promise<void> {
    if (s.state !== 'ready' || this.renewing.has(s.id)) return;
    this.renewing.add(s.id);
    this.log.warn({ session: s.id }, 'the sandbox is being replaced: its machine is being emptied');
    this.steps.begin(s, notice);
    // The evacuation may still be stopping it: a removal refused meanwhile is tried again.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.runtime.destroySandbox(s.id);
        break;
      } catch (err) {
        if (attempt < REMOVE_TRIES && this.renewing.has(s.id)) {
          await new Promise((r) => setTimeout(r, REMOVE_PAUSE_MS));
          continue;
        }
        this.renewing.delete(s.id);
        this.log.error({ session: s.id, err: (err as Error).message }, 'could not remove the sandbox to replace it');
        return this.steps.end(s.id, fallback);
      }
    }
    // Ended meanwhile (end() settles it).
    if (this.renewing.has(s.id)) this.steps.restart(s, notice);
  }
}
