import crypto from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { addCookie, readCookies } from './cookies.js';

const LEARNER_ID = /^[A-Za-z0-9_-]{16,64}$/;

/** The browser's learner id (a long-lived cookie), created on first use: progress is kept under it, and sessions counted. */
export function learnerId(req: FastifyRequest, reply: FastifyReply): string {
  const site = req.server.publicOrigin;
  const known = readCookies(req.headers.cookie, site.learnerCookie).find((v) => LEARNER_ID.test(v));
  if (known) return known;
  const id = crypto.randomBytes(18).toString('base64url');
  addCookie(reply, `${site.learnerCookie}=${id}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax${site.cookieFlags}`);
  return id;
}
