// Reads the head of one HTTP request a session sends the egress proxy (request line and headers), from
// bytes a visitor shapes at will: each byte is looked at a bounded number of times (the search for the
// head's end resumes where it stopped), the head is held up to MAX_HEAD_BYTES, and a request line or a
// header count past its limit is refused with the status that names it.

export const MAX_HEAD_BYTES = 8 * 1024;
export const MAX_REQUEST_LINE = 2 * 1024;
export const MAX_HEADERS = 64;

export interface RequestHead {
  method: string;
  /** As sent: `host:port` for CONNECT, `http://host/path` for a proxied request. */
  target: string;
  version: string;
  /** Header lines as sent (name, value), in order. */
  headers: [string, string][];
  /** Bytes after the head (a request body, or a TLS hello sent early): the upstream's. */
  rest: Buffer;
}

export class HeadError extends Error {
  constructor(
    readonly status: 400 | 414 | 431 | 501,
    message: string,
  ) {
    super(message);
  }
}

const METHODS = new Set(['CONNECT', 'GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const VERSION = /^HTTP\/1\.[01]$/;
const CRLF2 = Buffer.from('\r\n\r\n');

export class RequestHeadReader {
  /** The head so far, copied in once (never more than MAX_HEAD_BYTES). */
  private readonly buf = Buffer.allocUnsafe(MAX_HEAD_BYTES);
  private held = 0;
  /** Where the search for the head's end resumes (3 bytes back: a terminator may span two chunks). */
  private searched = 0;
  /** Whether the request line has ended (a line feed was seen). */
  private lineEnded = false;
  /** Bytes looked at so far: a test holds it to a small multiple of the input. */
  examined = 0;

  /** Feeds bytes; returns the head once it is complete, undefined while more is needed; throws HeadError. */
  push(chunk: Buffer): RequestHead | undefined {
    const taken = Math.min(chunk.length, MAX_HEAD_BYTES - this.held);
    const before = this.held;
    chunk.copy(this.buf, this.held, 0, taken);
    this.held += taken;
    const from = Math.max(0, this.searched - 3);
    const at = this.buf.subarray(from, this.held).indexOf(CRLF2);
    this.examined += this.held - from;
    if (at < 0) {
      this.searched = this.held;
      if (!this.lineEnded) {
        this.lineEnded = this.buf.subarray(before, this.held).includes(0x0a);
        if (!this.lineEnded && this.held > MAX_REQUEST_LINE + 2) throw new HeadError(414, 'request line too long');
      }
      if (this.held === MAX_HEAD_BYTES) throw new HeadError(431, 'request head too large');
      return undefined;
    }
    const end = from + at;
    this.examined += end;
    const head = parseHead(this.buf.subarray(0, end).toString('latin1'));
    const rest = Buffer.concat([this.buf.subarray(end + 4, this.held), chunk.subarray(taken)]);
    return { ...head, rest };
  }
}

function parseHead(text: string): Omit<RequestHead, 'rest'> {
  const lines = text.split('\r\n');
  const requestLine = lines[0]!;
  if (requestLine.length > MAX_REQUEST_LINE) throw new HeadError(414, 'request line too long');
  const parts = requestLine.split(' ');
  if (parts.length !== 3) throw new HeadError(400, 'malformed request line');
  const [method, target, version] = parts as [string, string, string];
  if (!TOKEN.test(method)) throw new HeadError(400, 'malformed method');
  if (!METHODS.has(method)) throw new HeadError(501, `method ${method} is not proxied`);
  if (!VERSION.test(version)) throw new HeadError(400, 'only HTTP/1.0 and HTTP/1.1 are spoken');
  if (!target || /[\x00-\x20\x7f-\xff]/.test(target)) throw new HeadError(400, 'malformed request target');
  if (lines.length - 1 > MAX_HEADERS) throw new HeadError(431, 'too many header lines');
  const headers: [string, string][] = [];
  for (const line of lines.slice(1)) {
    // Folded lines (obsolete) and bare CR or LF inside a head are how requests are smuggled: refused.
    if (line.startsWith(' ') || line.startsWith('\t')) throw new HeadError(400, 'folded header line');
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    const value = line.slice(colon + 1).trim();
    if (!TOKEN.test(name)) throw new HeadError(400, 'malformed header name');
    if (/[\x00-\x08\x0a-\x1f\x7f]/.test(value)) throw new HeadError(400, 'control character in a header value');
    headers.push([name, value]);
  }
  return { method, target, version, headers };
}
