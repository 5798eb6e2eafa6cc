import crypto from 'node:crypto';
import { LEARNER_COOKIE } from '@berth/shared';
import type { FastifyReply, FastifyRequest } from 'fastify';

const LEARNER_ID = /^[A-Za-z0-9_-]{16,64}$/;

/** The browser's learner id (a long-lived cookie), created on first use: progress is kept under it. */
export function learnerId(req: FastifyRequest, reply: FastifyReply): string {
  for (const part of req.headers.cookie?.split(';') ?? []) {
    const [name, value] = part.trim().split('=');
    if (name === LEARNER_COOKIE && value && LEARNER_ID.test(value)) return value;
  }
  const id = crypto.randomBytes(18).toString('base64url');
  addCookie(reply, `${LEARNER_COOKIE}=${id}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax`);
  return id;
}

export function addCookie(reply: FastifyReply, cookie: string): void {
  const existing = reply.getHeader('set-cookie');
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  reply.header('set-cookie', [...list, cookie]);
}
