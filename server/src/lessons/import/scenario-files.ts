// Reading a scenario's files: a scenario is untrusted input. Every path it names stays inside its folder
// (no "..", no absolute path, no symbolic link on the way), every file is bounded, and text must be text.
import fs from 'node:fs';
import path from 'node:path';

/** One file of a scenario is at most this big (Markdown and scripts are a few KiB). */
export const MAX_FILE_BYTES = 256 * 1024;
/** All the files an import reads, together. */
export const MAX_TOTAL_BYTES = 4 * 1024 * 1024;

/** The scenario cannot be imported: the message names the file (and line, for JSON). */
export class ScenarioRefusedError extends Error {}

export class ScenarioFiles {
  readonly root: string;
  private readBytes = 0;

  constructor(folder: string) {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(folder);
    } catch {
      throw new ScenarioRefusedError(`${folder}: no such folder`);
    }
    if (st.isSymbolicLink()) throw new ScenarioRefusedError(`${folder}: is a symbolic link; give the scenario's folder itself`);
    if (!st.isDirectory()) throw new ScenarioRefusedError(`${folder}: not a folder (give the folder that holds index.json)`);
    this.root = path.resolve(folder);
  }

  /** Whether the scenario names a file that exists (after the same checks as read). */
  exists(rel: string, what: string): boolean {
    return fs.existsSync(this.resolve(rel, what));
  }

  /** The text of a file the scenario names (e.g. "step1/text.md"); refuses anything that leaves the folder. */
  read(rel: string, what: string): string {
    const file = this.resolve(rel, what);
    const shown = this.shown(rel);
    let fd: number;
    try {
      // O_NOFOLLOW: a link put in place after the checks above is still refused.
      fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new ScenarioRefusedError(`${shown}: missing (${what} names it)`);
      if (code === 'ELOOP') throw new ScenarioRefusedError(`${shown}: is a symbolic link (${what}); a scenario's files must be its own`);
      throw new ScenarioRefusedError(`${shown}: cannot be read (${code ?? (err as Error).message})`);
    }
    try {
      const st = fs.fstatSync(fd);
      if (!st.isFile()) throw new ScenarioRefusedError(`${shown}: not a regular file (${what})`);
      if (st.size > MAX_FILE_BYTES) throw new ScenarioRefusedError(`${shown}: ${st.size} bytes, more than the ${MAX_FILE_BYTES / 1024} KiB a scenario file may have`);
      // Read at most one byte past the limit: a file that grows meanwhile is still caught.
      const buf = Buffer.alloc(MAX_FILE_BYTES + 1);
      let n = 0;
      for (let got = -1; got !== 0 && n < buf.length; n += got) got = fs.readSync(fd, buf, n, buf.length - n, null);
      if (n > MAX_FILE_BYTES) throw new ScenarioRefusedError(`${shown}: more than the ${MAX_FILE_BYTES / 1024} KiB a scenario file may have`);
      this.readBytes += n;
      if (this.readBytes > MAX_TOTAL_BYTES) throw new ScenarioRefusedError(`${shown}: the scenario's files pass ${MAX_TOTAL_BYTES / 1024 / 1024} MiB together`);
      const bytes = buf.subarray(0, n);
      if (bytes.includes(0)) throw new ScenarioRefusedError(`${shown}: not a text file (it holds NUL bytes)`);
      const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
      return text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
    } finally {
      fs.closeSync(fd);
    }
  }

  shown(rel: string): string {
    return path.join(path.basename(this.root), rel);
  }

  private resolve(rel: string, what: string): string {
    if (typeof rel !== 'string' || !rel.trim()) throw new ScenarioRefusedError(`${what}: a file name is expected, got ${JSON.stringify(rel)}`);
    if (rel.includes('\0')) throw new ScenarioRefusedError(`${what}: the file name holds a NUL byte`);
    if (path.isAbsolute(rel) || /^[a-zA-Z]:|^\\/.test(rel)) throw new ScenarioRefusedError(`${what}: "${rel}" is an absolute path; a scenario names its files relative to its folder`);
    const parts = rel.split(/[\\/]+/).filter((p) => p && p !== '.');
    if (parts.includes('..')) throw new ScenarioRefusedError(`${what}: "${rel}" leaves the scenario's folder ("..")`);
    if (!parts.length) throw new ScenarioRefusedError(`${what}: "${rel}" names no file`);
    // No symbolic link anywhere on the way: a linked folder could lead anywhere on the host.
    let at = this.root;
    for (const part of parts) {
      at = path.join(at, part);
      let st: fs.Stats;
      try {
        st = fs.lstatSync(at);
      } catch {
        return at; // missing: read() says so with the name
      }
      if (st.isSymbolicLink()) throw new ScenarioRefusedError(`${this.shown(path.relative(this.root, at))}: is a symbolic link (${what}); a scenario's files must be its own`);
    }
    return at;
  }
}

/** A JSON parse error located as file:line:column (V8 names no position for some errors: a scan finds it). */
export function parseJsonAt(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const pos = Number(/at position (\d+)/.exec(message)?.[1] ?? jsonErrorAt(text));
    const before = text.slice(0, pos).split('\n');
    const why = message.replace(/ in JSON at position \d+.*$/, '').replace(/, (\.\.\.)?".*" is not valid JSON$/s, '');
    throw new ScenarioRefusedError(`${file}:${before.length}:${before.at(-1)!.length + 1}: not valid JSON: ${why}`);
  }
}

/** Where JSON text first goes wrong: a small recursive scan of the grammar (used only once JSON.parse failed). */
export function jsonErrorAt(text: string): number {
  let i = 0;
  const fail = (): never => {
    throw i;
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const literal = (word: string) => (text.startsWith(word, i) ? (i += word.length) : fail());
  const string = () => {
    if (text[i] !== '"') fail();
    for (i++; i < text.length && text[i] !== '"'; i++) {
      if (text[i]! < ' ') fail();
      if (text[i] === '\\') i++;
    }
    if (i >= text.length) fail();
    i++;
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) fail();
    i += m![0].length;
  };
  const value = (depth: number): void => {
    if (depth > 512) fail();
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        string();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail();
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value(depth + 1);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail();
      }
    }
    if (c === '"') return string();
    if (c === 't') return void literal('true');
    if (c === 'f') return void literal('false');
    if (c === 'n') return void literal('null');
    return number();
  };
  try {
    value(0);
    ws();
    return i < text.length ? i : text.length;
  } catch (at) {
    return Math.min(at as number, text.length);
  }
}
