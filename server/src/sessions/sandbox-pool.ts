// The warm pool: sandboxes made ahead of time (inner engine up), so Start hands one over at once.
// Nobody has used a pooled sandbox; it gets its visitor's token and clock only when handed over.
import type { SandboxRuntime } from '../runtime/runtime.js';
import type { Logger } from './session-manager.js';
import { StartDropped, StartGate } from './start-gate.js';
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
    private readonly log: Pick<Logger, 'warn'>,
    /** Refills wait here after visitors' starts. */
    private readonly gate: StartGate = new StartGate(Infinity),
  ) {}

  /** Pooled sandboxes being checked before a hand-over: still counted against the host's capacity. */
  private checking = 0;
  /** Sandboxes wanted beyond the base size now (a class getting ready: classes/class-warmth.ts). */
  private demand: () => number = () => 0;

  /** How many the pool keeps now: its base size and what is wanted beyond it. */
  get wanted(): number {
    return this.target + Math.max(0, this.demand());
  }

  /** Sandboxes wanted beyond the base size, asked at every refill. */
  setDemand(demand: () => number): void {
    this.demand = demand;
  }

  /** Pooled sandboxes, ready or being made: they count against the host's capacity. */
  get size(): number {
    return this.ready.length + this.filling + this.checking;
  }

  get readyCount(): number {
    return this.ready.length;
  }

  /** A pooled sandbox seen running with its inner engine ready; dead ones met on the way are removed. */
  async takeLive(): Promise<string | undefined> {
    for (let id = this.ready.shift(); id !== undefined; id = this.ready.shift()) {
      this.checking++;
      const alive = await this.runtime.isReady(id).catch(() => false);
      if (!alive) {
        this.log.warn({ sandbox: id }, 'a pooled sandbox was not running: removed instead of handed over');
        await this.runtime.destroySandbox(id).catch(() => {});
      }
      this.checking--;
      if (alive) return id;
    }
    return undefined;
  }

  /** A sandbox taken but not handed over after all (the visitor was refused meanwhile). */
  putBack(id: string): void {
    if (this.draining) void this.runtime.destroySandbox(id).catch(() => {});
    else this.ready.unshift(id);
  }

  /**
   * Makes sandboxes in the background until the pool holds what is wanted or the host has no room; ready ones
   * beyond what is wanted (a class that got ready and then ended) are removed.
   */
  refill(): void {
    const wanted = this.wanted;
    while (!this.draining && this.ready.length && this.size > wanted) void this.runtime.destroySandbox(this.ready.pop()!).catch(() => {});
    while (!this.draining && this.size < wanted && this.roomFor()) {
      const id = this.newId();
      this.filling++;
      const work = this.gate.run('pool', () => this.runtime.createSandbox(id), () => !this.draining).then(
        () => {
          this.filling--;
          this.starts.succeeded();
          if (this.draining) return this.runtime.destroySandbox(id);
          this.ready.push(id);
        },
        (err: Error) => {
          this.filling--;
          if (!(err instanceof StartDropped)) this.starts.failed(err, id, 'pool');
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

  /** Pooled sandboxes on a machine that was lost (lost-hosts.ts): removed (once it answers) and replaced. */
  async dropLost(lost: ReadonlyMap<string, unknown>): Promise<void> {
    const gone = this.ready.filter((id) => lost.has(id));
    if (!gone.length) return;
    for (const id of gone) this.ready.splice(this.ready.indexOf(id), 1);
    this.log.warn({ sandboxes: gone }, 'pooled sandboxes were on a lost machine: replaced');
    await Promise.all(gone.map((id) => this.runtime.destroySandbox(id).catch(() => {})));
    this.refill();
  }

  /** Removes every pooled sandbox (server stop). */
  async drain(): Promise<void> {
    this.draining = true;
    await Promise.all([...this.pending]);
    await Promise.all(this.ready.splice(0).map((id) => this.runtime.destroySandbox(id).catch(() => {})));
  }
}
