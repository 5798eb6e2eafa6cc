// How many `command` events one terminal may raise: a person runs a few commands a second (a pasted
// script a burst of them); a visitor printing their shell's marks in a loop raised 340 000 a second, each
// a websocket event and a lesson evaluation. Past the budget, events are dropped.

import { TokenBucket } from './token-bucket.js';

export const COMMAND_BURST = 50;
export const COMMANDS_PER_S = 10;

export class CommandBudget {
  private readonly bucket: TokenBucket;

  constructor(burst = COMMAND_BURST, perSecond = COMMANDS_PER_S, now: () => number = Date.now) {
    this.bucket = new TokenBucket(perSecond, burst, now);
  }

  /** True when one more event may go out now. */
  take(): boolean {
    return this.bucket.take(1) === 0;
  }
}
