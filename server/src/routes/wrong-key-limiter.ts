// A link's token or a class's code looked up: a wrong one (404) counts against the caller's browser and its
// address. A browser past 10 wrong keys in 15 minutes waits (429), and an address past 300 (a brute forcer
// sending a new browser id with every try), so keys cannot be tried by the thousand, while one student
// mistyping a code behind a school's one address does not lock the classmates out. A right key is given back;
// a browser that already holds the key (`holds`: a student rejoining their class) is never made to wait.
// Bounded like the sign-in limits it is made of.
import type { FastifyRequest } from 'fastify';
import { HttpError } from '../errors.js';
import { SignInLimits } from '../people/sign-in-limits.js';
import { addressKey } from '../sessions/visitor-limits.js';
import { learnerId } from './learner.js';

export const WRONG_KEY_LIMITS = { windowMs: 15 * 60_000, perBrowser: 10, perAddress: 300 };

export function wrongKeyLimiter(what: string, holds: (req: FastifyRequest, learner: string) => Promise<boolean> | boolean = () => false) {
  const { windowMs, perBrowser, perAddress } = WRONG_KEY_LIMITS;
  const wrong = new SignInLimits({ windowMs, perAddress, perEmail: perBrowser, maxKeys: 20_000 });
  return async <T>(req: FastifyRequest, use: () => T | Promise<T>): Promise<T> => {
    const address = addressKey(req.ip);
    const learner = learnerId(req);
    const browser = `${address} ${learner}`;
    if (await holds(req, learner)) return use();
    const now = Date.now();
    const wait = wrong.waitFor(address, browser, now);
    if (wait > 0) {
      const whose = wrong.waitFor(address, address, now) > 0 ? 'your network' : 'this browser';
      throw new HttpError(429, `Too many wrong ${what} from ${whose}. Try again in ${Math.ceil(wait / 60_000)} min.`);
    }
    wrong.attempted(address, browser, now);
    let known = true;
    try {
      return await use();
    } catch (err) {
      known = !(err instanceof HttpError && err.statusCode === 404);
      throw err;
    } finally {
      if (known) wrong.succeeded(address, browser, now);
    }
  };
}
