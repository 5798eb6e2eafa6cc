// How many `command` events one terminal may raise: a person runs a few commands a second (a pasted
// script a burst of them); a visitor printing their shell's marks in a loop raised 340 000 a second, each
// a websocket event and a lesson evaluation. Past the budget, events are dropped.

export const COMMAND_BURST = 50;
export const COMMANDS_PER_S = 10;

export class CommandBudget {
  private tokens: number;
  private last: number;

  constructor(
    private readonly burst = COMMAND_BURST,
    private readonly perSecond = COMMANDS_PER_S,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** True when one more event may go out now. */
  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
