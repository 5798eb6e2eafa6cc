// The warm pool: sandboxes made ahead of time (inner engine up), so Start hands one over at once.
// Nobody has used a pooled sandbox; it gets its visitor's token and clock only when handed over.
import type { SandboxRuntime } from '../runtime/runtime.js';
import type { StartOutcomes } from './start-outcomes.js';

export class SandboxPool {
  private readonly ready: string[] = [];
  private filling = 0;
  private draining = false;
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly runtime: SandboxRuntime,
    private readonly target: number,
    private readonly newId: () => string,
    /** May the pool make one more sandbox now (host capacity, live sessions first)? */
    private readonly roomFor: () => boolean,
    /** Each refill's outcome counts like a session start's (a failure is logged there, with its reference). */
    private readonly starts: StartOutcomes,
  ) {}

  /** Pooled sandboxes, ready or being made: they count against the host's capacity. */
  get size(): number {
    return this.ready.length + this.filling;
  }

  get readyCount(): number {
    return this.ready.length;
  }

  take(): string | undefined {
    return this.ready.shift();
  }

  /** Makes sandboxes in the background until the pool is full or the host has no room. */
  refill(): void {
    while (!this.draining && this.size < this.target && this.roomFor()) {
      const id = this.newId();
      this.filling++;
      const work = this.runtime.createSandbox(id).then(
        () => {
          this.filling--;
          this.starts.succeeded();
          if (this.draining) return this.runtime.destroySandbox(id);
          this.ready.push(id);
        },
        (err: Error) => {
          this.filling--;
          this.starts.failed(err, id, 'pool');
        },
      );
      this.pending.add(work);
      void work.finally(() => this.pending.delete(work));
    }
  }

  /** After the engine restarted: pooled sandboxes that stopped with it are removed and replaced. */
  async dropStopped(): Promise<void> {
    for (const id of [...this.ready]) {
      if (await this.runtime.isRunning(id).catch(() => false)) continue;
      this.ready.splice(this.ready.indexOf(id), 1);
      await this.runtime.destroySandbox(id).catch(() => {});
    }
    this.refill();
  }

  /** Removes every pooled sandbox (server stop). */
  async drain(): Promise<void> {
    this.draining = true;
    await Promise.all([...this.pending]);
    await Promise.all(this.ready.splice(0).map((id) => this.runtime.destroySandbox(id).catch(() => {})));
  }
}
