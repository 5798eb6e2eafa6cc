// Resizing a terminal is an Engine API call. A visitor can send resize frames as fast as they like, so
// only the latest size is kept and applied a moment later, with at most one call in flight. Input typed
// after a resize waits for it (settle): the program reading that input sees the size the page had.

export const RESIZE_DELAY_MS = 75;
const SETTLE_LIMIT_MS = 1_000;

type Size = { cols: number; rows: number };

export class CoalescedResize {
  private wanted: Size | undefined;
  private applied: Size | undefined;
  private timer: NodeJS.Timeout | undefined;
  private inFlight = false;
  private settled: Array<() => void> = [];

  constructor(
    private readonly apply: (size: Size) => Promise<void>,
    private readonly delayMs = RESIZE_DELAY_MS,
  ) {}

  /** The terminal should become this size (soon). */
  request(size: Size): void {
    this.wanted = size;
    this.schedule();
  }

  /** A new shell was opened at this size. */
  reset(size: Size): void {
    this.applied = size;
  }

  /** A resize is waiting or on its way. */
  get pending(): boolean {
    return this.inFlight || this.timer !== undefined;
  }

  /** Applies a waiting size now; resolves once the latest wanted size has been tried (or after a second). */
  settle(): Promise<void> {
    if (!this.pending) return Promise.resolve();
    const done = new Promise<void>((resolve) => {
      this.settled.push(resolve);
      // An Engine API call that hangs must not freeze typing.
      setTimeout(resolve, SETTLE_LIMIT_MS).unref();
    });
    if (this.timer && !this.inFlight) {
      clearTimeout(this.timer);
      void this.flush();
    }
    return done;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.wanted = undefined;
    this.wake();
  }

  private schedule(): void {
    if (this.timer || this.inFlight) return;
    this.timer = setTimeout(() => void this.flush(), this.delayMs);
  }

  private async flush(): Promise<void> {
    this.timer = undefined;
    const size = this.wanted;
    if (!size || (size.cols === this.applied?.cols && size.rows === this.applied.rows)) return this.wake();
    this.inFlight = true;
    try {
      await this.apply(size);
      this.applied = size;
    } catch {
      // The shell went away; its successor is opened at the wanted size.
    } finally {
      this.inFlight = false;
    }
    if (this.wanted === size) return this.wake();
    // A newer size came meanwhile: at once if input waits for it.
    if (this.settled.length) void this.flush();
    else this.schedule();
  }

  private wake(): void {
    for (const resolve of this.settled.splice(0)) resolve();
  }
}
