// Output flow control: when the browser cannot keep up (a `yes` flood), stop reading from the shell
// until the socket drains, so server memory stays bounded by the high watermark.
export class FlowControl {
  private inFlight = 0;
  private paused = false;

  constructor(
    private readonly pause: () => void,
    private readonly resume: () => void,
    private readonly high = 1024 * 1024,
    private readonly low = 128 * 1024,
  ) {}

  /** Call before sending `bytes`; call the returned function once they are written. */
  sent(bytes: number): () => void {
    this.inFlight += bytes;
    if (!this.paused && this.inFlight >= this.high) {
      this.paused = true;
      this.pause();
    }
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.inFlight -= bytes;
      if (this.paused && this.inFlight <= this.low) {
        this.paused = false;
        this.resume();
      }
    };
  }

  get bytesInFlight(): number {
    return this.inFlight;
  }

  get isPaused(): boolean {
    return this.paused;
  }
}
