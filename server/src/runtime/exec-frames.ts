// The Engine API's multiplexed exec stream (no TTY), read as a stream: each frame is an 8-byte header (the
// stream it belongs to, then its length, big-endian) and its bytes. This passes stdout's bytes on as they
// come, with backpressure, holding no more than one header: a frame's length is counted down, never buffered.
import { Transform, type TransformCallback } from 'node:stream';

const STDOUT = 1;

export class StdoutOfExec extends Transform {
  private header = Buffer.alloc(0);
  private left = 0;
  private current = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.left === 0) {
        const need = 8 - this.header.length;
        this.header = Buffer.concat([this.header, chunk.subarray(at, at + need)]);
        at += Math.min(need, chunk.length - at);
        if (this.header.length < 8) break;
        this.current = this.header[0]!;
        this.left = this.header.readUInt32BE(4);
        this.header = Buffer.alloc(0);
        continue;
      }
      const take = Math.min(this.left, chunk.length - at);
      if (this.current === STDOUT) this.push(chunk.subarray(at, at + take));
      this.left -= take;
      at += take;
    }
    done();
  }
}
