// Removing an ended session's sandbox can fail while the engine is away; the id is kept and tried again
// when it is back (or at shutdown), so no sandbox outlives its session for good.
import type { SandboxRuntime } from '../runtime/runtime.js';
import type { Logger } from './session-manager.js';

export class SandboxRemovals {
  private readonly unremoved = new Set<string>();

  constructor(
    private readonly runtime: SandboxRuntime,
    private readonly log: Logger,
  ) {}

  /** Removes the sandbox; a failure is logged and remembered for retry(). Never rejects. */
  async remove(id: string): Promise<void> {
    try {
      await this.runtime.destroySandbox(id);
    } catch (err) {
      this.unremoved.add(id);
      this.log.error({ session: id, err: (err as Error).message }, 'could not remove the sandbox; trying again when the engine is back');
    }
  }

  /** Tries again every removal that failed before. */
  async retry(): Promise<void> {
    for (const id of [...this.unremoved]) {
      try {
        await this.runtime.destroySandbox(id);
        this.unremoved.delete(id);
      } catch (err) {
        this.log.error({ session: id, err: (err as Error).message }, 'could not remove the sandbox');
      }
    }
  }
}
