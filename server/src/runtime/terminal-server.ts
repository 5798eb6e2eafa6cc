// The host's side of berth-term (native/session/berth-term.c), the terminal server in each sandbox: one TCP
// connection per shell, to the sandbox's own address on its own bridge (an address the engine gives the host,
// never a path in the sandbox). Keys go in as frames ('d' data, 'r' resize); the shell's output comes back raw,
// after an 8-byte preamble that says the program answering is berth-term and the shell started. The visitor
// can kill or replace berth-term (it runs as their uid): whatever answers is read as untrusted TTY output, and
// anything but the preamble means "no terminal server here" (the runtime then opens the shell by exec).
import net from 'node:net';
import { Duplex } from 'node:stream';

/** Where berth-term listens in every sandbox (above the kernel's default ephemeral range, 32768-60999). */
export const TERMINAL_SERVER_PORT = 61022;
export const TERMINAL_PREAMBLE = Buffer.from('\0BTERM1\n', 'latin1');
/** berth-term closes a connection that sends a larger frame. */
export const MAX_FRAME_PAYLOAD = 65536;
/** How long a connection may take to say it is berth-term (a stand-in that says nothing costs this much). */
const HELLO_TIMEOUT_MS = 2000;

export interface ServedShellRequest {
  cols: number;
  rows: number;
  cwd: string;
  /** NAME=VALUE entries added to berth-term's own environment. */
  env: string[];
  argv: string[];
}

export function frame(type: 'o' | 'd' | 'r', payload: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

function sizePayload(cols: number, rows: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt16BE(Math.max(1, Math.min(cols, 65535)), 0);
  b.writeUInt16BE(Math.max(1, Math.min(rows, 65535)), 2);
  return b;
}

export function openFrame(r: ServedShellRequest): Buffer {
  const strings = [r.cwd, ...r.env, '', ...r.argv].map((s) => Buffer.from(`${s}\0`));
  const payload = Buffer.concat([sizePayload(r.cols, r.rows), ...strings]);
  if (payload.length > MAX_FRAME_PAYLOAD) throw new Error('the shell request is too large for one frame');
  return frame('o', payload);
}

/** Typed input as DATA frames, each within berth-term's frame limit. */
export function dataFrames(chunk: Buffer): Buffer {
  const frames: Buffer[] = [];
  for (let at = 0; at < chunk.length; at += MAX_FRAME_PAYLOAD) frames.push(frame('d', chunk.subarray(at, at + MAX_FRAME_PAYLOAD)));
  return Buffer.concat(frames);
}

/** The shell's TTY both ways over a berth-term connection: writes become DATA frames, reads are raw output. */
class ServedShellStream extends Duplex {
  constructor(private readonly socket: net.Socket, rest: Buffer) {
    super({ allowHalfOpen: false });
    if (rest.length) this.push(rest);
    socket.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('close', () => this.destroy());
    socket.on('error', (err) => this.destroy(err));
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    if (this.socket.write(dataFrames(chunk))) done();
    else this.socket.once('drain', () => done());
  }

  override _final(done: (err?: Error | null) => void): void {
    this.socket.end(() => done());
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    // A reset, not a FIN: a FIN waits behind typed bytes the shell is not reading, and berth-term would not hear it.
    if (!this.socket.destroyed && this.socket.readyState === 'open') this.socket.resetAndDestroy();
    else this.socket.destroy();
    done(err);
  }

  resize(cols: number, rows: number): Promise<void> {
    if (this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => this.socket.write(frame('r', sizePayload(cols, rows)), () => resolve()));
  }
}

/**
 * Starts a shell through the sandbox's berth-term. Resolves null when nothing there says it is berth-term
 * (refused, silent, or something else answering): the caller opens the shell another way.
 */
export function openServedShell(address: string, request: ServedShellRequest, port = TERMINAL_SERVER_PORT): Promise<{ stream: Duplex; resize(cols: number, rows: number): Promise<void> } | null> {
  const open = openFrame(request);
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port, noDelay: true });
    let heard = Buffer.alloc(0);
    const giveUp = () => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on('error', () => {});
      socket.destroy();
      resolve(null);
    };
    const timer = setTimeout(giveUp, HELLO_TIMEOUT_MS);
    socket.on('error', giveUp);
    socket.on('close', giveUp);
    socket.once('connect', () => socket.write(open));
    const onData = (chunk: Buffer) => {
      heard = Buffer.concat([heard, chunk]);
      if (!TERMINAL_PREAMBLE.subarray(0, Math.min(heard.length, TERMINAL_PREAMBLE.length)).equals(heard.subarray(0, TERMINAL_PREAMBLE.length))) return giveUp();
      if (heard.length < TERMINAL_PREAMBLE.length) return;
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.pause();
      const stream = new ServedShellStream(socket, heard.subarray(TERMINAL_PREAMBLE.length));
      resolve({ stream, resize: (cols, rows) => stream.resize(cols, rows) });
    };
    socket.on('data', onData);
  });
}
