// An operator's log line that a visitor can bring about again and again (a port link whose relay cannot be
// opened, requested in a loop) is written at most once a period; the lines held back are counted in the next.
export class LogBudget {
  private last = -Infinity;
  private held = 0;

  constructor(private readonly periodMs: number, private readonly now: () => number = Date.now) {}

  /** The number of lines held back since the last one written, when this one may be written; null when not. */
  take(): number | null {
    const t = this.now();
    if (t - this.last < this.periodMs) {
      this.held++;
      return null;
    }
    this.last = t;
    const held = this.held;
    this.held = 0;
    return held;
  }
}
