// Staff passwords, kept as scrypt hashes (Node's own, a memory-hard KDF): `scrypt$N$r$p$salt$hash`, base64.
// Hashing runs on libuv's threads, a few at a time, so a burst of sign-ins cannot starve the event loop or
// take the host's memory (each one holds 32 MiB while it runs).
import crypto from 'node:crypto';
import { HttpError } from '../errors.js';

const COST = { N: 2 ** 15, r: 8, p: 1 };
const KEY_BYTES = 32;
const SALT_BYTES = 16;
const AT_ONCE = 2;
/** Past this many waiting, a sign-in is refused at once: a flood from many addresses cannot queue without end. */
export const KDF_WAITING_MAX = 32;
export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 256;

let running = 0;
const waiting: (() => void)[] = [];

async function scrypt(password: string, salt: Buffer, cost: typeof COST): Promise<Buffer> {
  if (running >= AT_ONCE) {
    if (waiting.length >= KDF_WAITING_MAX) throw new HttpError(503, 'Sign-in is busy just now: try again in a few seconds.');
    await new Promise<void>((r) => waiting.push(r));
  }
  running += 1;
  try {
    return await new Promise((resolve, reject) =>
      crypto.scrypt(password.normalize('NFC'), salt, KEY_BYTES, { ...cost, maxmem: 256 * cost.N * cost.r }, (err, key) => (err ? reject(err) : resolve(key))),
    );
  } finally {
    running -= 1;
    waiting.shift()?.();
  }
}

/** Why a new password is refused, in a sentence; null when it will do. */
export function passwordProblem(password: string): string | null {
  if (password.length < PASSWORD_MIN) return `A password has at least ${PASSWORD_MIN} characters.`;
  if (password.length > PASSWORD_MAX) return `A password has at most ${PASSWORD_MAX} characters.`;
  return null;
}

export async function hashPassword(password: string): Promise<string> {
  const problem = passwordProblem(password);
  if (problem) throw new HttpError(400, problem);
  const salt = crypto.randomBytes(SALT_BYTES);
  const key = await scrypt(password, salt, COST);
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64'), key.toString('base64')].join('$');
}

/** True when password is the one stored. A missing account is checked against a made-up hash, in the same time. */
export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const parts = (stored ?? '').split('$');
  const [N, r, p] = parts.slice(1, 4).map(Number);
  const known = parts.length === 6 && parts[0] === 'scrypt' && N === COST.N && r === COST.r && p === COST.p;
  const salt = known ? Buffer.from(parts[4]!, 'base64') : crypto.randomBytes(SALT_BYTES);
  const want = known ? Buffer.from(parts[5]!, 'base64') : crypto.randomBytes(KEY_BYTES);
  if (password.length > PASSWORD_MAX) return false;
  const key = await scrypt(password, salt, COST);
  return known && key.length === want.length && crypto.timingSafeEqual(key, want);
}
