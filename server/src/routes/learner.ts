import crypto from 'node:crypto';
import { LEARNER_COOKIE } from '@berth/shared';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { addCookie, readCookies } from './cookies.js';

const LEARNER_ID = /^[A-Za-z0-9_-]{16,64}$/;

/** The browser's learner id (a long-lived cookie), created on first use: progress is kept under it. */
export function learnerId(req: FastifyRequest, reply: FastifyReply): string {
  const known = readCookies(req.headers.cookie, LEARNER_COOKIE).find((v) => LEARNER_ID.test(v));
  if (known) return known;
  const id = crypto.randomBytes(18).toString('base64url');
  addCookie(reply, `${LEARNER_COOKIE}=${id}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax`);
  return id;
}
