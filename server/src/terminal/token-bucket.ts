// A token bucket: a burst at once, then a steady rate. What a terminal lets through of what a visitor's
// page (or a script posing as one) sends or makes it raise (input bytes, command events).

export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.at = now();
  }

  /**
   * Takes `n` tokens when they are there: 0. Otherwise takes nothing and says how many ms until they would
   * be. More than a burst is taken once the whole burst is there, and spends it.
   */
  take(n: number): number {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) * this.perSecond) / 1000);
    this.at = now;
    const need = Math.min(n, this.burst);
    if (need <= this.tokens) {
      this.tokens -= need;
      return 0;
    }
    return Math.ceil(((need - this.tokens) * 1000) / this.perSecond);
  }
}
