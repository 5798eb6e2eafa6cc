// A cap on how fast one terminal's output is read: a `yes` flood would otherwise keep a core of the
// host busy (the engine's exec stream and this server) for output no one can read at that speed.
// Reading stops once a window's budget is spent and starts again when the next window opens; the
// shell then blocks on its full terminal, costing nothing.

/** Bytes per second one terminal may print: far above what a person reads, well below a flood. */
export const TERMINAL_OUTPUT_BYTES_PER_S = 2 * 1024 * 1024;

export class OutputRate {
  private windowStart = 0;
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    /** Stop reading. */
    private readonly hold: () => void,
    /** Reading may start again (if nothing else holds it). */
    private readonly release: () => void,
    private readonly bytesPerSecond = TERMINAL_OUTPUT_BYTES_PER_S,
    private readonly windowMs = 100,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts bytes just read; holds the reader when this window's budget is spent. */
  took(n: number): void {
    const now = this.now();
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.bytes = 0;
    }
    this.bytes += n;
    if (this.timer || this.bytes < (this.bytesPerSecond * this.windowMs) / 1000) return;
    this.hold();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.windowStart = this.now();
      this.bytes = 0;
      this.release();
    }, Math.max(1, this.windowStart + this.windowMs - now));
  }

  get holding(): boolean {
    return this.timer !== undefined;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
