// A link's token or a class's code looked up: a wrong one (404) counts against the caller's address, and
// past 30 in 15 minutes the address waits (429), so keys cannot be tried by the thousand. A right one is
// given back. Bounded like the sign-in limits it is made of.
import type { FastifyRequest } from 'fastify';
import { HttpError } from '../errors.js';
import { SignInLimits } from '../people/sign-in-limits.js';
import { addressKey } from '../sessions/visitor-limits.js';

export function wrongKeyLimiter(what: string) {
  const wrong = new SignInLimits({ windowMs: 15 * 60_000, perAddress: 30, perEmail: 30, maxKeys: 10_000 });
  return async <T>(req: FastifyRequest, use: () => T | Promise<T>): Promise<T> => {
    const address = addressKey(req.ip);
    const now = Date.now();
    const wait = wrong.waitFor(address, address, now);
    if (wait > 0) throw new HttpError(429, `Too many wrong ${what} from your network. Try again in ${Math.ceil(wait / 60_000)} min.`);
    wrong.attempted(address, address, now);
    let known = true;
    try {
      return await use();
    } catch (err) {
      known = !(err instanceof HttpError && err.statusCode === 404);
      throw err;
    } finally {
      if (known) wrong.succeeded(address, address, now);
    }
  };
}
