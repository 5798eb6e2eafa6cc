// After a failed start the probe starts a sandbox of its own, with a backoff, until one works: a second
// failure confirms the host is failing (Start answers 503), and while it is nobody else would ever find out
// that the cause was fixed. Its outcomes are recorded like any start's, so health and Start recover by themselves.
import type { StartOutcomes } from './start-outcomes.js';

const BACKOFF_MS = [1000, 2000, 5000, 10_000, 15_000];

export class StartProbe {
  private timer: NodeJS.Timeout | undefined;
  private tries = 0;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly starts: StartOutcomes,
    /** Starts one sandbox and removes it again; rejects when it does not start. */
    private readonly tryStart: () => Promise<void>,
    private readonly backoffMs = BACKOFF_MS,
  ) {}

  start(): void {
    this.starts.on('failure', () => {
      if (!this.timer && !this.running) this.schedule();
    });
  }

  /** Try at once (e.g. a host part came back), if the latest start failed. */
  now(): void {
    if (!this.starts.doubtful || this.stopped) return;
    this.tries = 0;
    clearTimeout(this.timer);
    this.timer = undefined;
    void this.attempt();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped || !this.starts.doubtful) return;
    clearTimeout(this.timer);
    const delay = this.backoffMs[Math.min(this.tries, this.backoffMs.length - 1)]!;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.attempt();
    }, delay);
    this.timer.unref();
  }

  private async attempt(): Promise<void> {
    if (this.running || this.stopped || !this.starts.doubtful) return;
    this.tries++;
    this.running = this.tryStart().then(
      () => this.starts.succeeded(),
      (err: Error) => void this.starts.failed(err, 'probe', 'probe'),
    );
    await this.running;
    this.running = undefined;
    if (this.starts.doubtful) this.schedule();
    else this.tries = 0;
  }
}
