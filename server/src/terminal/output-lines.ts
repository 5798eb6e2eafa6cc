// What one command printed, a line at a time, for the few lines that hold a given word. The output is the
// visitor's to shape: a line is kept up to MAX_LINE characters, a chunk without any of the words is passed
// over at once (only the line it continues and the one it leaves open are read), and each kept line is
// looked at once for the words.
export const MAX_LINE = 2048;

export class OutputLines {
  /** The output so far ended a line (a note then needs no line break first). */
  atLineStart = true;
  private line = '';
  private lineCut = false;

  constructor(
    /** A line that holds none of these is not read. */
    private readonly words: readonly string[],
    /** A line with one of the words, as seen on screen (escape sequences and carriage returns left out). */
    private readonly onLine: (line: string) => void,
  ) {}

  push(bytes: Buffer): void {
    // latin1: one character per byte, so a split multibyte character costs nothing; the words are ASCII.
    const text = bytes.toString('latin1');
    const last = text.lastIndexOf('\n');
    if (last >= 0 && !this.words.some((w) => text.includes(w))) {
      this.take(text.slice(0, text.indexOf('\n')));
      this.endLine();
      this.take(text.slice(last + 1));
    } else {
      let from = 0;
      for (;;) {
        const nl = text.indexOf('\n', from);
        this.take(text.slice(from, nl < 0 ? text.length : nl));
        if (nl < 0) break;
        this.endLine();
        from = nl + 1;
      }
    }
    if (text.length) this.atLineStart = text.endsWith('\n');
  }

  finish(): void {
    if (this.line) this.endLine();
  }

  private take(part: string): void {
    if (this.lineCut || !part) return;
    const room = MAX_LINE - this.line.length;
    if (part.length > room) this.lineCut = true;
    this.line += part.slice(0, room);
  }

  private endLine(): void {
    const raw = this.line;
    this.line = '';
    this.lineCut = false;
    if (!this.words.some((w) => raw.includes(w))) return;
    const line = plain(raw);
    if (line) this.onLine(line);
  }
}

/** The line as seen on screen: carriage returns and escape sequences (colours, cursor moves) left out. */
export function plain(line: string): string {
  if (!line.includes('\x1b') && !line.includes('\r')) return line.trim();
  const parts: string[] = [];
  let from = 0;
  let i = 0;
  while (i < line.length) {
    const c = line.charCodeAt(i);
    if (c !== 0x1b && c !== 0x0d) {
      i++;
      continue;
    }
    parts.push(line.slice(from, i));
    if (c === 0x0d) i++;
    else if (line[i + 1] === '[') {
      // ESC [ params final: up to the final byte (0x40-0x7e).
      i += 2;
      while (i < line.length && (line.charCodeAt(i) < 0x40 || line.charCodeAt(i) > 0x7e)) i++;
      i++;
    } else i += 2; // any other escape: ESC and one byte
    from = i;
  }
  if (from < line.length) parts.push(line.slice(from));
  return parts.join('').trim();
}
