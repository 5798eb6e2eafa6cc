// Reads the shell-integration marks the session's bash prints (native/bash/berth.sh) out of the
// terminal byte stream, and turns them into `command` events {line, exit, at}.
//
//   ESC ] 633 ; E ; <escaped command line> ; <nonce> BEL   the command line about to run (VS Code's mark)
//   ESC ] 133 ; C BEL                                       it starts
//   ESC ] 133 ; D ; <exit> ; <nonce> BEL                    it ended with <exit>
//   ESC ] 133 ; A BEL / ESC ] 133 ; B BEL                   prompt start / end
//
// Marks are removed from what reaches the browser. E and D carry the shell's nonce (given to the shell
// when it starts), so text a learner prints cannot pass for a command; a mark with another nonce is
// left in the output as the plain bytes it is. Marks may be split across chunks.

export interface CommandEvent {
  line: string;
  exit: number;
  at: number;
}

const ESC = 0x1b;
const BEL = 0x07;
const OSC_START = Buffer.from([ESC, 0x5d]); // ESC ]
const PREFIXES = ['133;', '633;'].map((p) => Buffer.from(p));
/** A longer mark is not ours (or is abuse): it is passed through untouched. */
const MAX_MARK_BYTES = 256 * 1024;

export class ShellIntegrationParser {
  private held: Buffer = Buffer.alloc(0);
  private pendingLine: string | undefined;

  constructor(
    private readonly nonce: string,
    private readonly onCommand: (e: CommandEvent) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Feeds a chunk of terminal output; returns the bytes to forward to the browser. */
  push(chunk: Buffer): Buffer {
    const data = this.held.length ? Buffer.concat([this.held, chunk]) : chunk;
    this.held = Buffer.alloc(0);
    const out: Buffer[] = [];
    let pos = 0;
    while (pos < data.length) {
      const start = data.indexOf(ESC, pos);
      if (start < 0) {
        out.push(data.subarray(pos));
        break;
      }
      out.push(data.subarray(pos, start));
      const kind = this.classify(data, start);
      if (kind === 'partial') {
        this.held = Buffer.from(data.subarray(start));
        break;
      }
      if (kind === 'other') {
        out.push(data.subarray(start, start + 1));
        pos = start + 1;
        continue;
      }
      // One of ours: find its end (BEL or ESC \).
      const end = findTerminator(data, start + 2);
      if (end === null) {
        if (data.length - start > MAX_MARK_BYTES) {
          out.push(data.subarray(start, start + 1));
          pos = start + 1;
          continue;
        }
        this.held = Buffer.from(data.subarray(start));
        break;
      }
      const body = data.subarray(start + 2, end.at).toString('utf8');
      if (!this.handle(body)) out.push(data.subarray(start, end.next));
      pos = end.next;
    }
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }

  /** Is the ESC at `i` the start of a 133/633 OSC, something else, or too short to tell yet? */
  private classify(data: Buffer, i: number): 'ours' | 'other' | 'partial' {
    const rest = data.subarray(i);
    const head = Buffer.concat([OSC_START, PREFIXES[0]!]).length; // ESC ] 1 3 3 ;
    for (const prefix of PREFIXES) {
      const want = Buffer.concat([OSC_START, prefix]);
      const n = Math.min(rest.length, want.length);
      if (rest.subarray(0, n).equals(want.subarray(0, n))) return rest.length >= head ? 'ours' : 'partial';
    }
    return 'other';
  }

  /** Handles one mark's body ("133;D;0;nonce"); false when it is not a valid mark of this shell. */
  private handle(body: string): boolean {
    const parts = body.split(';');
    const [code, kind] = parts;
    if (code === '133' && (kind === 'A' || kind === 'B' || kind === 'C')) return true;
    if (code === '133' && kind === 'D') {
      if (parts.length !== 4 || parts[3] !== this.nonce || !/^\d{1,3}$/.test(parts[2]!)) return false;
      const line = this.pendingLine;
      this.pendingLine = undefined;
      if (line !== undefined) this.onCommand({ line, exit: Number(parts[2]), at: this.now() });
      return true;
    }
    if (code === '633' && kind === 'E') {
      if (parts.length !== 4 || parts[3] !== this.nonce) return false;
      this.pendingLine = unescapeValue(parts[2]!);
      return true;
    }
    return false;
  }
}

function findTerminator(data: Buffer, from: number): { at: number; next: number } | null {
  for (let i = from; i < data.length; i++) {
    if (data[i] === BEL) return { at: i, next: i + 1 };
    if (data[i] === ESC) {
      if (i + 1 >= data.length) return null;
      if (data[i + 1] === 0x5c) return { at: i, next: i + 2 };
    }
  }
  return null;
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
