import { SESSION_COOKIE } from '@berth/shared';
import type { FastifyRequest } from 'fastify';
import { readCookies } from './cookies.js';

/** The session token from `Authorization: Bearer`, `?token=` (websockets) or the session cookie. */
export function sessionToken(req: FastifyRequest, sessionId: string): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const q = (req.query as { token?: unknown } | undefined)?.token;
  if (typeof q === 'string' && q) return q;
  return cookieToken(req.headers.cookie, sessionId);
}

/** The cookie holds "<id>.<token>" so a stale cookie of another session is never mistaken for this one's. */
export function cookieValue(id: string, token: string): string {
  return `${SESSION_COOKIE}=${id}.${token}; Path=/; HttpOnly; SameSite=Strict`;
}

function cookieToken(header: string | undefined, sessionId: string): string | undefined {
  for (const value of readCookies(header, SESSION_COOKIE)) {
    const dot = value.indexOf('.');
    if (dot > 0 && value.slice(0, dot) === sessionId) return value.slice(dot + 1);
  }
  return undefined;
}
