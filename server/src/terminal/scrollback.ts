// The recent output of a terminal, replayed to a socket that (re)attaches: about the last 64 KiB, whole chunks.

export const SCROLLBACK_BYTES = 64 * 1024;

export class Scrollback {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly limit = SCROLLBACK_BYTES) {}

  get bytes(): number {
    return this.size;
  }

  add(out: Buffer): void {
    this.chunks.push(out);
    this.size += out.length;
    while (this.size - (this.chunks[0]?.length ?? 0) >= this.limit && this.chunks.length > 1) {
      this.size -= this.chunks.shift()!.length;
    }
  }

  all(): Buffer {
    return Buffer.concat(this.chunks);
  }
}
