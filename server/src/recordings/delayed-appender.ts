// Appends lines to an open file at most a second after they are given, in order, without blocking the event
// loop: a crash loses at most that second. A failed write stops all later ones; it is reported, never thrown.
import type fs from 'node:fs/promises';

const FLUSH_AFTER_MS = 1000;
/** A flood is written before the timer fires, so it does not pile up in memory. */
const FLUSH_AT_BYTES = 256 * 1024;

export class DelayedAppender {
  private pending: string[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private writes: Promise<void> = Promise.resolve();
  private error: Error | undefined;

  constructor(private readonly handle: fs.FileHandle) {}

  /** The first failed write, if any: nothing after it reaches the file. */
  get writeError(): Error | undefined {
    return this.error;
  }

  append(text: string, bytes = Buffer.byteLength(text)): void {
    this.pending.push(text);
    this.pendingBytes += bytes;
    if (this.pendingBytes >= FLUSH_AT_BYTES) void this.flush();
    // unref: a recording alone does not keep the process up.
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_AFTER_MS).unref();
  }

  /** Starts writing what is pending; resolves once everything given so far is written (or writing failed). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length > 0) {
      const chunk = Buffer.from(this.pending.join(''));
      this.pending = [];
      this.pendingBytes = 0;
      this.writes = this.writes
        .then(() => (this.error ? undefined : writeAll(this.handle, chunk)))
        .catch((error: unknown) => {
          this.error ??= error instanceof Error ? error : new Error(String(error));
        });
    }
    return this.writes;
  }
}

async function writeAll(handle: fs.FileHandle, chunk: Buffer): Promise<void> {
  for (let offset = 0; offset < chunk.length; ) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset, null);
    offset += bytesWritten;
  }
}
