// Sandbox starts at once are bounded: an inner Docker engine coming up costs a few CPU-seconds, and forty at
// once on a small host all miss their deadline (and the host then counts as failing) where a few at a time
// all make it. Starts wait their turn here, a visitor's before the warm pool's refills, so a class joining at
// once gets prompts one after another instead of none, and the pool never slows a visitor's start.
// Visitors' starts wait in lanes (one per address, one per class or interview) served in turn: one address
// asking for its whole allowance at once delays anyone else's start by at most one start per turn.
// A start whose visitor left while it waited is dropped when its turn comes.

import type { Lang } from '@berth/shared';

/** Whose start it is: the warm pool's, or a visitor's in the lane it shares (an address, a class). */
export type StartFor = 'pool' | { lane: string };

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
  /** Visitors' lanes in the order they are served next (a lane served goes to the back). */
  private readonly lanes = new Map<string, Waiting[]>();
  private readonly pool: Waiting[] = [];
  private waitingVisitors = 0;

  constructor(readonly atOnce: number) {}

  /** Starts waiting now (visitors' and the pool's). */
  get queued(): number {
    return this.waitingVisitors + this.pool.length;
  }

  /** Starts under way now. */
  get running(): number {
    return this.active;
  }

  /** Every slot is taken: a new start waits. */
  get full(): boolean {
    return this.active >= this.atOnce;
  }

  /** Visitors' starts waiting now. */
  get visitorsWaiting(): number {
    return this.waitingVisitors;
  }

  /**
   * Runs `start` when a slot is free; rejects with StartDropped if `wanted()` is false by then. A visitor's
   * start that has to wait hears its place (`place`: starts ahead of it) as the line moves.
   */
  run<T>(who: StartFor, start: () => Promise<T>, wanted: () => boolean = () => true, place?: (ahead: number) => void): Promise<T> {
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
      const waiting: Waiting = { begin, drop: () => reject(new StartDropped()), wanted, ...(place ? { place } : {}) };
      if (who === 'pool') this.pool.push(waiting);
      else {
        const lane = this.lanes.get(who.lane);
        if (lane) lane.push(waiting);
        else this.lanes.set(who.lane, [waiting]);
        this.waitingVisitors++;
      }
      this.next();
    });
  }

  private next(): void {
    while (this.active < this.atOnce) {
      const w = this.nextVisitor() ?? this.pool.shift();
      if (!w) break;
      if (w.wanted()) w.begin();
      else w.drop();
    }
    this.tellPlaces();
  }

  private nextVisitor(): Waiting | undefined {
    const first = this.lanes.entries().next();
    if (first.done) return undefined;
    const [key, lane] = first.value;
    const w = lane.shift()!;
    this.waitingVisitors--;
    this.lanes.delete(key);
    if (lane.length) this.lanes.set(key, lane);
    return w;
  }

  /** The order the waiting visitors' starts will begin in, turn by turn, and each one's place in it. */
  private tellPlaces(): void {
    let ahead = this.active;
    const lanes = [...this.lanes.values()];
    for (let turn = 0; lanes.length; turn++) {
      for (let i = 0; i < lanes.length; i++) {
        const w = lanes[i]![turn];
        if (!w) {
          lanes.splice(i--, 1);
          continue;
        }
        if (w.told !== ahead) {
          w.told = ahead;
          w.place?.(ahead);
        }
        ahead++;
      }
    }
  }
}

/** What a visitor whose start waits for a slot reads: how many sandboxes are starting before theirs. */
export function startsAheadText(ahead: number, lang: Lang = 'en'): string {
  return lang === 'zh'
    ? `排队启动中：前面还有 ${ahead} 个沙箱正在启动（每次只启动几个，保证每个都能起来）`
    : `waiting to start: ${ahead} sandbox${ahead === 1 ? ' is' : 'es are'} starting before yours (a few at a time, so that each comes up)`;
}
