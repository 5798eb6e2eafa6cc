// The host's side of berth-term (native/session/berth-term.c), the terminal server in each sandbox: one TCP
// connection per shell, to the sandbox's own address on its own bridge (an address the engine gives the host,
// never a path in the sandbox). Keys go in as frames ('d' data, 'r' resize); the shell's output comes back raw,
// after an 8-byte preamble that says the program answering is berth-term and the shell started. The visitor
// can kill or replace berth-term (it runs as their uid): whatever answers is read as untrusted TTY output, and
// anything but the preamble means "no terminal server here" (the runtime then opens the shell by exec).
// A RUN (runServed) is a lesson's check the same way: its output and exit status come back as frames.
import net from 'node:net';
import { Duplex } from 'node:stream';
import type { ExecResult } from './runtime.js';

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

export function frame(type: 'o' | 'x' | 'd' | 'r', payload: Buffer): Buffer {
  const f = Buffer.allocUnsafe(5 + payload.length);
  f.write(type, 0, 'latin1');
  f.writeUInt32BE(payload.length, 1);
  payload.copy(f, 5);
  return f;
}

function sizePayload(cols: number, rows: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt16BE(Math.max(1, Math.min(cols, 65535)), 0);
  b.writeUInt16BE(Math.max(1, Math.min(rows, 65535)), 2);
  return b;
}

export function openFrame(r: ServedShellRequest, type: 'o' | 'x' = 'o'): Buffer {
  const strings = [r.cwd, ...r.env, '', ...r.argv].map((s) => Buffer.from(`${s}\0`));
  const payload = Buffer.concat([sizePayload(r.cols, r.rows), ...strings]);
  if (payload.length > MAX_FRAME_PAYLOAD) throw new Error('the shell request is too large for one frame');
  return frame(type, payload);
}

/** Typed input as DATA frames, each within berth-term's frame limit. */
export function dataFrames(chunk: Buffer): Buffer {
  // A key is one frame: one buffer, one copy.
  if (chunk.length <= MAX_FRAME_PAYLOAD) return frame('d', chunk);
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
export async function openServedShell(address: string, request: ServedShellRequest, port = TERMINAL_SERVER_PORT): Promise<{ stream: Duplex; resize(cols: number, rows: number): Promise<void> } | null> {
  const hello = await connectServed(address, openFrame(request), port);
  if (!hello) return null;
  const stream = new ServedShellStream(hello.socket, hello.rest);
  return { stream, resize: (cols, rows) => stream.resize(cols, rows) };
}

/** A socket whose far end said it is berth-term and started the program (paused), with what came after. */
function connectServed(address: string, open: Buffer, port: number): Promise<{ socket: net.Socket; rest: Buffer } | null> {
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
      resolve({ socket, rest: heard.subarray(TERMINAL_PREAMBLE.length) });
    };
    socket.on('data', onData);
  });
}

export interface ServedRunOptions {
  timeoutMs: number;
  maxOutputBytes: number;
}

/**
 * Runs a program (a lesson's check) through the sandbox's berth-term: no terminal, no input, its output and exit
 * status back as frames. Resolves null when nothing there says it is berth-term (the caller runs it by exec).
 * Past its time the connection is dropped (berth-term then ends the program's whole session) and the result is
 * what a killed exec gives (137, timed out); output past maxOutputBytes is cut (-1), as an exec's is; a broken
 * frame or a close before the status is -1 (not met).
 */
export async function runServed(address: string, request: Omit<ServedShellRequest, 'cols' | 'rows'>, o: ServedRunOptions, port = TERMINAL_SERVER_PORT): Promise<ExecResult | null> {
  const started = Date.now();
  const hello = await connectServed(address, openFrame({ ...request, cols: 80, rows: 24 }, 'x'), port);
  if (!hello) return null;
  const { socket } = hello;
  return new Promise((resolve) => {
    const reader = new RunFrameReader(o.maxOutputBytes);
    let done = false;
    const finish = (r: Omit<ExecResult, 'output'>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on('error', () => {});
      if (!socket.destroyed) socket.resetAndDestroy();
      resolve({ ...r, output: reader.output() });
    };
    const timer = setTimeout(() => finish({ exitCode: 137, timedOut: true }), Math.max(0, o.timeoutMs - (Date.now() - started)));
    const take = (chunk: Buffer) => {
      const state = reader.push(chunk);
      if (state === 'too-much') finish({ exitCode: -1, timedOut: false, cut: 'output-limit' });
      // Not berth-term's frames after all (a stand-in that learnt the preamble): no status to believe.
      else if (state === 'broken') finish({ exitCode: -1, timedOut: false });
      else if (reader.status !== undefined) finish({ exitCode: reader.status, timedOut: false });
    };
    socket.on('data', take);
    // berth-term gone mid-run (the visitor killed it): no status; the next run finds no berth-term and uses exec.
    socket.on('error', () => finish({ exitCode: -1, timedOut: false }));
    socket.on('close', () => finish({ exitCode: -1, timedOut: false }));
    if (hello.rest.length) take(hello.rest);
    socket.resume();
  });
}

/** A RUN's frames as they arrive in pieces: linear in what arrives, output kept up to a bound. */
export class RunFrameReader {
  status: number | undefined;
  private readonly kept: Buffer[] = [];
  private keptBytes = 0;
  private head = Buffer.alloc(5);
  private headBytes = 0;
  private left = 0;
  private type = '';
  private exit = Buffer.alloc(4);

  constructor(private readonly maxOutputBytes: number) {}

  output(): string {
    return Buffer.concat(this.kept).toString('utf8');
  }

  push(chunk: Buffer): 'ok' | 'too-much' | 'broken' {
    let at = 0;
    while (at < chunk.length) {
      if (this.status !== undefined) return 'broken'; // nothing may follow the status
      if (this.headBytes < 5) {
        const n = Math.min(5 - this.headBytes, chunk.length - at);
        chunk.copy(this.head, this.headBytes, at, at + n);
        this.headBytes += n;
        at += n;
        if (this.headBytes < 5) break;
        this.type = String.fromCharCode(this.head[0]!);
        this.left = this.head.readUInt32BE(1);
        if (this.type === 'd' ? this.left > MAX_FRAME_PAYLOAD : this.type !== 'x' || this.left !== 4) return 'broken';
        if (this.left === 0) this.headBytes = 0;
        continue;
      }
      const n = Math.min(this.left, chunk.length - at);
      const piece = chunk.subarray(at, at + n);
      if (this.type === 'd') {
        if (this.keptBytes + n > this.maxOutputBytes) return 'too-much';
        this.kept.push(piece);
        this.keptBytes += n;
      } else {
        piece.copy(this.exit, 4 - this.left);
      }
      this.left -= n;
      at += n;
      if (this.left === 0) {
        this.headBytes = 0;
        if (this.type === 'x') this.status = this.exit.readUInt32BE(0);
      }
    }
    return 'ok';
  }
}
