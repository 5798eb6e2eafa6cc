// Records one terminal as an asciicast v2 file while it happens (appended within a second, see DelayedAppender),
// up to a cap; seal() makes it read-only with a sha256sum-format `.sha256` beside it.
//
// Who typed: input from someone other than the session's owner (a helper who joined) is marked with an "m"
// event `input by <who>` right before the first "i" event of that person's run of input; when the owner types
// again, `input by owner` comes first. So the typist of an "i" event is the last `input by …` marker before it,
// or the owner when there is none. (A marker per keystroke would flood a player's list of markers.)
import fs from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { StringDecoder } from 'node:string_decoder';
import { castFileName, hashFile, isRecordingId, type CastEventCode } from './cast-format.js';
import { DelayedAppender } from './delayed-appender.js';

const MiB = 1024 * 1024;
export const DEFAULT_RECORDING_CAP_BYTES = 64 * MiB;
export const MAX_MARKER_LABEL_CHARS = 1000;
const MAX_TYPIST_NAME_CHARS = 100;
export const OWNER_INPUT_MARKER = 'input by owner';
/** Kept free under the cap for the final "recording cut" marker, so the file never passes the cap. */
const CUT_MARKER_ROOM = 128;
const MAX_TERMINAL_SIDE = 10_000;

export interface CastRecorderOptions {
  /** Server-generated, matching RECORDING_ID; anything else is refused. */
  id: string;
  /** Created 0700 if missing, e.g. `<BERTH_DATA>/recordings`. */
  folder: string;
  width: number;
  height: number;
  title: string;
  /** Wall clock of the start (ms since the epoch), for the header's timestamp. */
  startedAtMs?: number;
  maxBytes?: number;
  /** Monotonic milliseconds; event times count from its value when the recording is created. */
  clock?: () => number;
}

export interface SealedCast {
  file: string;
  sha256: string;
  bytes: number;
  durationSeconds: number;
  /** Event lines in the file (markers included). */
  events: number;
  /** Events left out: past the cap, or after a failed write. */
  dropped: number;
  /** Set when writing failed; the file holds what was written before. */
  writeError?: string;
}

export class CastRecorder {
  /** Creates `<folder>/<id>.cast` (never over an existing file) and writes its header. */
  static async create(options: CastRecorderOptions): Promise<CastRecorder> {
    if (!isRecordingId(options.id)) throw new Error(`not a recording id: ${JSON.stringify(options.id)}`);
    if (!isTerminalSide(options.width) || !isTerminalSide(options.height)) {
      throw new RangeError(`not a terminal size: ${options.width}x${options.height}`);
    }
    const maxBytes = options.maxBytes ?? DEFAULT_RECORDING_CAP_BYTES;
    if (!Number.isInteger(maxBytes) || maxBytes < 4 * CUT_MARKER_ROOM) throw new RangeError(`cap too small: ${maxBytes}`);
    await fs.mkdir(options.folder, { recursive: true, mode: 0o700 });
    const file = path.join(options.folder, castFileName(options.id));
    const handle = await fs.open(file, 'wx', 0o600);
    return new CastRecorder(file, handle, maxBytes, options);
  }

  private readonly clock: () => number;
  private readonly startMs: number;
  private lastSeconds = 0;
  private readonly appender: DelayedAppender;
  private acceptedBytes = 0;
  private readonly outputDecoder = new StringDecoder('utf8');
  /** One per typist: two people's keystrokes never complete each other's characters. */
  private readonly inputDecoders = new Map<string, StringDecoder>();
  private lastTypist = '';
  private eventCount = 0;
  private droppedCount = 0;
  private cut = false;
  private sealing: Promise<SealedCast> | undefined;

  private constructor(
    readonly file: string,
    private readonly handle: fs.FileHandle,
    private readonly maxBytes: number,
    options: CastRecorderOptions,
  ) {
    this.appender = new DelayedAppender(handle);
    this.clock = options.clock ?? (() => performance.now());
    this.startMs = this.clock();
    const header = {
      version: 2,
      width: options.width,
      height: options.height,
      timestamp: Math.floor((options.startedAtMs ?? Date.now()) / 1000),
      title: cleanLabel(options.title, MAX_MARKER_LABEL_CHARS),
      env: { TERM: 'xterm-256color' },
    };
    this.enqueue(`${JSON.stringify(header)}\n`);
    void this.appender.flush();
  }

  output(bytes: Buffer): void {
    if (this.sealing) return;
    const text = this.outputDecoder.write(bytes);
    if (text) this.append('o', text);
  }

  /** `who` names a typist other than the session's owner, e.g. a helper who joined. */
  input(bytes: Buffer, who?: string): void {
    if (this.sealing) return;
    const typist = who ? cleanLabel(who, MAX_TYPIST_NAME_CHARS) : '';
    let decoder = this.inputDecoders.get(typist);
    if (!decoder) this.inputDecoders.set(typist, (decoder = new StringDecoder('utf8')));
    this.appendInput(decoder.write(bytes), typist);
  }

  /** Sizes outside 1..10000 are not terminal sizes and are left out. */
  resize(cols: number, rows: number): void {
    if (this.sealing || !isTerminalSide(cols) || !isTerminalSide(rows)) return;
    this.append('r', `${cols}x${rows}`);
  }

  /** E.g. "command `ls` exit 0", "step 2 done", "paste". Cut to 1000 characters, on one line. */
  marker(label: string): void {
    if (this.sealing) return;
    this.append('m', cleanLabel(label, MAX_MARKER_LABEL_CHARS));
  }

  /** Writes what is left, closes the file, makes it read-only and writes its .sha256. Later calls get the same. */
  seal(): Promise<SealedCast> {
    return (this.sealing ??= this.sealNow());
  }

  private async sealNow(): Promise<SealedCast> {
    const outputTail = this.outputDecoder.end();
    if (outputTail) this.append('o', outputTail);
    for (const [typist, decoder] of this.inputDecoders) this.appendInput(decoder.end(), typist);
    const durationSeconds = this.secondsNow();
    await this.appender.flush();
    await this.handle.close();
    const { sha256, bytes } = await hashFile(this.file);
    await fs.chmod(this.file, 0o400);
    const sealText = `${sha256}  ${path.basename(this.file)}\n`;
    await fs.writeFile(`${this.file}.sha256`, sealText, { flag: 'wx', mode: 0o400 });
    const [events, dropped] = [this.eventCount, this.droppedCount];
    const sealed: SealedCast = { file: this.file, sha256, bytes, durationSeconds, events, dropped };
    if (this.appender.writeError) sealed.writeError = this.appender.writeError.message;
    return sealed;
  }

  private appendInput(text: string, typist: string): void {
    if (!text) return;
    if (typist !== this.lastTypist) {
      this.lastTypist = typist;
      this.append('m', typist ? `input by ${typist}` : OWNER_INPUT_MARKER);
    }
    this.append('i', text);
  }

  private append(code: CastEventCode, data: string): void {
    if (this.cut || this.appender.writeError) {
      this.droppedCount++;
      return;
    }
    const seconds = this.secondsNow();
    let line = `${JSON.stringify([seconds, code, data])}\n`;
    if (this.acceptedBytes + Buffer.byteLength(line) > this.maxBytes - CUT_MARKER_ROOM) {
      this.cut = true;
      this.droppedCount++;
      const mib = Number((this.maxBytes / MiB).toPrecision(3));
      line = `${JSON.stringify([seconds, 'm', `recording cut: it reached ${mib} MiB`])}\n`;
    }
    this.eventCount++;
    this.enqueue(line);
  }

  private secondsNow(): number {
    const seconds = Math.round((this.clock() - this.startMs) * 1000) / 1e6;
    this.lastSeconds = Math.max(this.lastSeconds, seconds);
    return this.lastSeconds;
  }

  private enqueue(line: string): void {
    const size = Buffer.byteLength(line);
    this.acceptedBytes += size;
    this.appender.append(line, size);
  }
}

function isTerminalSide(n: number): boolean {
  return Number.isInteger(n) && n > 0 && n <= MAX_TERMINAL_SIDE;
}

/** One line, at most `maxChars`, never ending in half a surrogate pair. */
function cleanLabel(label: string, maxChars: number): string {
  let clean = label.replace(/[\u0000-\u001f\u007f]/g, ' ');
  if (clean.length > maxChars) {
    clean = clean.slice(0, maxChars);
    if (/[\ud800-\udbff]$/.test(clean)) clean = clean.slice(0, -1);
  }
  return clean;
}
