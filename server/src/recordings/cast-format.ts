// The asciicast v2 format (https://docs.asciinema.org/manual/asciicast/v2/) as Berth writes it: a header
// object on the first line, then one event per line, `[seconds, code, data]`. checkCast reads a file back
// the way a player would and says where it stops making sense; verifySeal checks a sealed file is unchanged.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

/** Recording ids are made by the server; nothing else ever becomes part of a recording's path. */
export const RECORDING_ID = /^[a-z0-9-]{8,64}$/;

export function isRecordingId(id: unknown): id is string {
  return typeof id === 'string' && RECORDING_ID.test(id);
}

export function castFileName(id: string): string {
  return `${id}.cast`;
}

export type CastEventCode = 'o' | 'i' | 'r' | 'm';
export type CastEvent = [seconds: number, code: CastEventCode, data: string];

export interface CastHeader {
  version: 2;
  width: number;
  height: number;
  timestamp?: number;
  title?: string;
  env?: Record<string, string>;
  [field: string]: unknown;
}

export type CastCheck =
  | { ok: true; header: CastHeader; events: CastEvent[] }
  | { ok: false; line: number; reason: string };

export const MAX_CAST_LINE_BYTES = 1024 * 1024;

const EVENT_CODES: ReadonlySet<string> = new Set(['o', 'i', 'r', 'm']);
const RESIZE_DATA = /^\d+x\d+$/;

/** Reads a whole cast; each line is looked at once. */
export function checkCast(text: string): CastCheck {
  let header: CastHeader | undefined;
  const events: CastEvent[] = [];
  let previousSeconds = 0;
  let lineNumber = 0;
  for (let start = 0; start < text.length || lineNumber === 0; ) {
    lineNumber++;
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    const fail = (reason: string): CastCheck => ({ ok: false, line: lineNumber, reason });
    // A UTF-16 unit is 1 to 3 UTF-8 bytes: the byte count is only needed when the length alone cannot decide.
    if (end - start > MAX_CAST_LINE_BYTES) return fail('line longer than 1 MiB');
    const line = text.slice(start, end);
    if (line.length * 3 > MAX_CAST_LINE_BYTES && Buffer.byteLength(line) > MAX_CAST_LINE_BYTES) {
      return fail('line longer than 1 MiB');
    }
    start = end + 1;
    if (line === '') return fail(lineNumber === 1 ? 'no header' : 'empty line');
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      return fail(lineNumber === 1 ? 'no header: the first line is not JSON' : 'not JSON');
    }
    if (!header) {
      const problem = headerProblem(value);
      if (problem) return fail(problem);
      header = value as CastHeader;
      continue;
    }
    const problem = eventProblem(value, previousSeconds);
    if (problem) return fail(problem);
    const event = value as CastEvent;
    previousSeconds = event[0];
    events.push(event);
  }
  return { ok: true, header: header!, events };
}

function headerProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'no header: the first line is not an object';
  }
  const header = value as Record<string, unknown>;
  if (header.version !== 2) return 'header: version is not 2';
  for (const size of ['width', 'height'] as const) {
    const n = header[size];
    if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0) return `header: ${size} is not a whole number above 0`;
  }
  if (header.timestamp !== undefined && typeof header.timestamp !== 'number') return 'header: timestamp is not a number';
  if (header.title !== undefined && typeof header.title !== 'string') return 'header: title is not a string';
  if (header.env !== undefined && (typeof header.env !== 'object' || header.env === null || Array.isArray(header.env))) {
    return 'header: env is not an object';
  }
  return undefined;
}

function eventProblem(value: unknown, previousSeconds: number): string | undefined {
  if (!Array.isArray(value) || value.length !== 3) return 'event is not [time, code, data]';
  const [seconds, code, data] = value as unknown[];
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return 'event time is not a number of seconds';
  if (seconds < previousSeconds) return `time goes backwards: ${seconds} after ${previousSeconds}`;
  if (typeof code !== 'string' || !EVENT_CODES.has(code)) return `unknown event code ${JSON.stringify(code)}`;
  if (typeof data !== 'string') return 'event data is not a string';
  if (code === 'r' && !RESIZE_DATA.test(data)) return `resize data ${JSON.stringify(data.slice(0, 40))} is not COLSxROWS`;
  return undefined;
}

/** Streams a file through sha256; also counts its bytes. */
export async function hashFile(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

export type SealCheck = { ok: true; sha256: string } | { ok: false; reason: string };

/** Compares `<cast>.sha256` (sha256sum format) with the cast's hash now. */
export async function verifySeal(castPath: string): Promise<SealCheck> {
  let sealText: string;
  try {
    sealText = await fs.readFile(`${castPath}.sha256`, 'utf8');
  } catch {
    return { ok: false, reason: 'no .sha256 beside the recording' };
  }
  const seal = /^([0-9a-f]{64}) {2}(.+)\n?$/.exec(sealText);
  if (!seal) return { ok: false, reason: 'the .sha256 file is not in sha256sum format' };
  if (seal[2] !== path.basename(castPath)) return { ok: false, reason: `the .sha256 file names ${seal[2]}` };
  let now: string;
  try {
    now = (await hashFile(castPath)).sha256;
  } catch {
    return { ok: false, reason: 'the recording cannot be read' };
  }
  if (now !== seal[1]) return { ok: false, reason: 'the recording changed after it was sealed' };
  return { ok: true, sha256: now };
}
