// How fast a terminal takes typed input. A visitor's page (or a script posing as one) can send input far
// faster than anyone types or pastes; with the shell in its usual line mode the kernel throws away what a
// sleeping shell is sent, so that input is never held anywhere and, unbounded, it costs the server a frame
// parse and a write per frame for as long as the visitor likes (it slowed every other visitor's echo 16×).

/** Input a terminal takes per second, once its burst is spent. */
export const INPUT_BYTES_PER_SECOND = 1024 * 1024;
/** Input taken at once: a paste of up to this much goes through whole. */
export const INPUT_BURST_BYTES = 2 * 1024 * 1024;

/** A token bucket over bytes of input frames. */
export class InputRate {
  private tokens: number;
  private at: number;

  constructor(
    private readonly perSecond = INPUT_BYTES_PER_SECOND,
    private readonly burst = INPUT_BURST_BYTES,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.at = now();
  }

  /**
   * Takes `bytes` when they fit: 0. Otherwise takes nothing and says how many ms until they would fit. More
   * than a burst fits once the whole burst is there, and spends it.
   */
  take(bytes: number): number {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) * this.perSecond) / 1000);
    this.at = now;
    const need = Math.min(bytes, this.burst);
    if (need <= this.tokens) {
      this.tokens -= need;
      return 0;
    }
    return Math.ceil(((need - this.tokens) * 1000) / this.perSecond);
  }
}
