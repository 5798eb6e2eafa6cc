// Reads the shell-integration marks the session's bash prints (native/bash/berth.sh) out of the
// terminal byte stream, and turns them into `command` events {line, exit, at}.
//
//   ESC ] 633 ; E ; <escaped command line> ; <nonce> BEL   the command line about to run (VS Code's mark)
//   ESC ] 133 ; C BEL                                       it starts
//   ESC ] 133 ; D ; <exit> ; <nonce> BEL                    it ended with <exit>
//   ESC ] 133 ; A BEL / ESC ] 133 ; B BEL                   prompt start / end (B is in PS1: readline reads keys)
//
// Marks are removed from what reaches the browser. E and D carry the shell's nonce (given to the shell
// when it starts), so text a learner prints cannot pass for a command; a mark with another nonce is
// left in the output as the plain bytes it is. Marks may be split across chunks.
//
// The output is the visitor's to shape, so the parser is a state machine that looks at each byte once,
// carrying its state across chunks: a flood of mark starts costs the same as a flood of letters.

export interface CommandEvent {
  line: string;
  exit: number;
  at: number;
}

/**
 * Sees a shell's output as it passes, in order with its commands (marks removed), and may print a line of
 * Berth's where a command's end mark was: after everything the command printed, before the next prompt.
 */
export interface CommandOutputObserver {
  /** A command line is about to run (its E mark). */
  started(line: string): void;
  /** Output on its way to the browser (the visitor's to shape: read it in linear time). */
  text(bytes: Buffer): void;
  /** The command ended: bytes to print in its end mark's place, if any. */
  ended(e: CommandEvent): Buffer | undefined;
  /** Readline printed the prompt and reads the terminal (the B mark, in PS1: no nonce, so it may be forged; nothing may hang on it but a wait). */
  prompt?(): void;
}

const ESC = 0x1b;
const BEL = 0x07;
const BACKSLASH = 0x5c;
const PREFIXES = ['\x1b]133;', '\x1b]633;'].map((p) => Buffer.from(p));
const PREFIX_BYTES = PREFIXES[0]!.length;
/** The longest mark read (a long pasted command line fits); a longer one is passed through as plain bytes. */
export const MAX_MARK_BYTES = 64 * 1024;

type State =
  /** Plain output. */
  | 'text'
  /** `held` is a prefix of one of PREFIXES (ESC, ESC ], ESC ] 1 …). */
  | 'prefix'
  /** Inside a mark: `held` is the mark so far, waiting for BEL or ESC \. */
  | 'body'
  /** Inside a mark, right after an ESC: a backslash ends it, anything else aborts it. */
  | 'body-esc'
  /** A mark past MAX_MARK_BYTES: forwarded as it comes, up to its end. */
  | 'oversized';

export class ShellIntegrationParser {
  private state: State = 'text';
  /** The mark (or mark prefix) read so far: copied out of the chunks, each byte once. */
  private held = Buffer.allocUnsafe(64);
  private heldBytes = 0;
  private pendingLine: string | undefined;
  /** Bytes looked at so far, revisits included: stays within a small multiple of the input (tests). */
  examined = 0;

  constructor(
    private readonly nonce: string,
    private readonly onCommand: (e: CommandEvent) => void,
    private readonly now: () => number = Date.now,
    private readonly maxMarkBytes = MAX_MARK_BYTES,
    private readonly observer?: CommandOutputObserver,
  ) {}

  /** Feeds a chunk of terminal output; returns the bytes to forward to the browser. */
  push(chunk: Buffer): Buffer {
    const out: Buffer[] = [];
    let i = 0;
    /** Start of the current run of bytes to forward (text, oversized) or to hold (body). */
    let from = 0;
    while (i < chunk.length) {
      switch (this.state) {
        case 'text': {
          const esc = chunk.indexOf(ESC, i);
          this.examined += (esc < 0 ? chunk.length : esc + 1) - i;
          if (esc < 0) {
            i = chunk.length;
            break;
          }
          if (esc > from) this.forward(out, chunk.subarray(from, esc));
          this.held[this.heldBytes++] = ESC; // nothing is held in text: the first byte always fits
          this.state = 'prefix';
          i = from = esc + 1;
          break;
        }
        case 'prefix': {
          this.examined++;
          const at = this.heldBytes;
          const b = chunk[i]!;
          // The two prefixes differ only in their third byte ("1" or "6"): one comparison per byte, no copies.
          if (at === 2 ? b === PREFIXES[0]![2] || b === PREFIXES[1]![2] : PREFIXES[0]![at] === b) {
            this.held[this.heldBytes++] = b;
            i = from = i + 1;
            if (this.heldBytes === PREFIX_BYTES) this.state = 'body';
            break;
          }
          // Not ours: what was held is plain output; this byte is looked at again as text (it may be an ESC).
          this.forward(out, this.heldPrefix());
          this.state = 'text';
          from = i;
          break;
        }
        case 'body': {
          let j = i;
          while (j < chunk.length && chunk[j] !== BEL && chunk[j] !== ESC) j++;
          this.examined += Math.min(j + 1, chunk.length) - i;
          if (this.heldBytes + (j - i) > this.maxMarkBytes) {
            this.forward(out, this.release());
            this.state = 'oversized';
            from = i;
            break;
          }
          if (j === chunk.length) {
            this.hold(chunk.subarray(from, j));
            i = from = j;
            break;
          }
          if (chunk[j] === BEL) {
            this.hold(chunk.subarray(from, j + 1));
            this.finish(out, 1);
            this.state = 'text';
          } else {
            this.hold(chunk.subarray(from, j + 1));
            this.state = 'body-esc';
          }
          i = from = j + 1;
          break;
        }
        case 'body-esc': {
          this.examined++;
          if (chunk[i] === BACKSLASH) {
            this.hold(chunk.subarray(i, i + 1));
            this.finish(out, 2);
            i = from = i + 1;
            this.state = 'text';
            break;
          }
          // ESC followed by something else ends the string (as in a terminal): the mark was never one.
          // Its bytes are plain output; the ESC starts whatever comes next. (A bare prefix, as a flood of
          // mark starts sends, is forwarded without a copy.)
          if (this.heldBytes === PREFIX_BYTES + 1) {
            this.heldBytes--;
            this.forward(out, this.heldPrefix());
          } else this.forward(out, this.release().subarray(0, -1));
          this.held[this.heldBytes++] = ESC;
          this.state = 'prefix';
          from = i;
          break;
        }
        case 'oversized': {
          let j = i;
          while (j < chunk.length && chunk[j] !== BEL && chunk[j] !== ESC) j++;
          this.examined += Math.min(j + 1, chunk.length) - i;
          if (j < chunk.length && chunk[j] === BEL) j++;
          // An ESC (the start of ESC \ or of anything else) is handled as text from here.
          if (j < chunk.length) this.state = 'text';
          i = j;
          break;
        }
      }
    }
    if ((this.state === 'text' || this.state === 'oversized') && from < chunk.length) this.forward(out, chunk.subarray(from));
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }

  /** Output for the browser, seen by the observer on its way. */
  private forward(out: Buffer[], bytes: Buffer): void {
    out.push(bytes);
    if (bytes.length) this.observer?.text(bytes);
  }

  /** The held bytes while they are a prefix of a mark, no longer held: a view of the constant, not a copy. */
  private heldPrefix(): Buffer {
    const prefix = PREFIXES[this.heldBytes > 2 && this.held[2] === PREFIXES[1]![2] ? 1 : 0]!.subarray(0, this.heldBytes);
    this.heldBytes = 0;
    return prefix;
  }

  private hold(bytes: Buffer): void {
    if (this.heldBytes + bytes.length > this.held.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.held.length * 2, this.heldBytes + bytes.length));
      this.held.copy(bigger, 0, 0, this.heldBytes);
      this.held = bigger;
    }
    bytes.copy(this.held, this.heldBytes);
    this.heldBytes += bytes.length;
  }

  /** The held bytes, no longer held. */
  private release(): Buffer {
    const held = this.held.subarray(0, this.heldBytes);
    this.held = Buffer.allocUnsafe(64);
    this.heldBytes = 0;
    return held;
  }

  /** The held mark ended with a terminator of `terminatorBytes`: handled (forwards what the observer adds), or plain output. */
  private finish(out: Buffer[], terminatorBytes: number): void {
    const mark = this.release();
    this.examined += mark.length; // decoding and splitting the body
    const handled = this.handle(mark.subarray(2, mark.length - terminatorBytes).toString('utf8'));
    if (handled === false) this.forward(out, mark);
    else if (handled !== true) out.push(handled); // Berth's own line: not the shell's output, not observed
  }

  /** Handles one mark's body ("133;D;0;nonce"); false when it is not a valid mark of this shell, bytes to print in its place. */
  private handle(body: string): boolean | Buffer {
    const parts = body.split(';');
    const [code, kind] = parts;
    if (code === '133' && kind === 'B') {
      this.observer?.prompt?.();
      return true;
    }
    if (code === '133' && (kind === 'A' || kind === 'C')) return true;
    if (code === '133' && kind === 'D') {
      if (parts.length !== 4 || parts[3] !== this.nonce || !/^\d{1,3}$/.test(parts[2]!)) return false;
      const line = this.pendingLine;
      this.pendingLine = undefined;
      if (line === undefined) return true;
      const event = { line, exit: Number(parts[2]), at: this.now() };
      this.onCommand(event);
      return this.observer?.ended(event) ?? true;
    }
    if (code === '633' && kind === 'E') {
      if (parts.length !== 4 || parts[3] !== this.nonce) return false;
      this.pendingLine = unescapeValue(parts[2]!);
      this.observer?.started(this.pendingLine);
      return true;
    }
    return false;
  }
}

/** VS Code's escaping for 633 values: "\\" is a backslash, "\xHH" a byte (";" and control characters). */
export function unescapeValue(v: string): string {
  return v.replace(/\\(\\|x([0-9a-fA-F]{2}))/g, (_, what: string, hex: string | undefined) =>
    hex ? String.fromCharCode(parseInt(hex, 16)) : what,
  );
}

/** The inverse, for tests and tools that print marks. */
export function escapeValue(v: string): string {
  return v.replace(/[\\;\x00-\x1f]/g, (c) => (c === '\\' ? '\\\\' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}
