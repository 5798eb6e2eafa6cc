// Sandbox starts at once are bounded: an inner Docker engine coming up costs a few CPU-seconds, and forty at
// once on a small host all miss their deadline (and the host then counts as failing) where a few at a time
// all make it. Starts wait their turn here, a visitor's before the warm pool's refills, so a class joining at
// once gets prompts one after another instead of none, and the pool never slows a visitor's start.
// A start whose visitor left while it waited is dropped when its turn comes.

import type { Lang } from '@berth/shared';

export type StartPriority = 'visitor' | 'pool';

/** A waiting start whose visitor went away meanwhile: never begun, not a failure. */
export class StartDropped extends Error {
  constructor() {
    super('the start was no longer wanted when its turn came');
  }
}

interface Waiting {
  begin: () => void;
  drop: () => void;
  wanted: () => boolean;
  /** Told how many starts are ahead whenever that changes while it waits. */
  place?: (ahead: number) => void;
  told?: number;
}

export class StartGate {
  private active = 0;
  private readonly waiting: Record<StartPriority, Waiting[]> = { visitor: [], pool: [] };

  constructor(readonly atOnce: number) {}

  /** Starts waiting now (visitors' and the pool's). */
  get queued(): number {
    return this.waiting.visitor.length + this.waiting.pool.length;
  }

  /** Starts under way now. */
  get running(): number {
    return this.active;
  }

  /** Every slot is taken: a new start waits. */
  get full(): boolean {
    return this.active >= this.atOnce;
  }

  /** Visitors' starts ahead of a new one. */
  get visitorsWaiting(): number {
    return this.waiting.visitor.length;
  }

  /**
   * Runs `start` when a slot is free; rejects with StartDropped if `wanted()` is false by then. A visitor's
   * start that has to wait hears its place (`place`: starts ahead of it) as the line moves.
   */
  run<T>(priority: StartPriority, start: () => Promise<T>, wanted: () => boolean = () => true, place?: (ahead: number) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const begin = () => {
        this.active++;
        Promise.resolve()
          .then(start)
          .then(resolve, reject)
          .finally(() => {
            this.active--;
            this.next();
          });
      };
      this.waiting[priority].push({ begin, drop: () => reject(new StartDropped()), wanted, ...(place ? { place } : {}) });
      this.next();
    });
  }

  private next(): void {
    while (this.active < this.atOnce) {
      const w = this.waiting.visitor.shift() ?? this.waiting.pool.shift();
      if (!w) break;
      if (w.wanted()) w.begin();
      else w.drop();
    }
    this.waiting.visitor.forEach((w, i) => {
      const ahead = this.active + i;
      if (w.told === ahead) return;
      w.told = ahead;
      w.place?.(ahead);
    });
  }
}

/** What a visitor whose start waits for a slot reads: how many sandboxes are starting before theirs. */
export function startsAheadText(ahead: number, lang: Lang = 'en'): string {
  return lang === 'zh'
    ? `排队启动中：前面还有 ${ahead} 个沙箱正在启动（每次只启动几个，保证每个都能起来）`
    : `waiting to start: ${ahead} sandbox${ahead === 1 ? ' is' : 'es are'} starting before yours (a few at a time, so that each comes up)`;
}
