import type { FastifyReply, FastifyRequest } from 'fastify';
import { addCookie, readCookies } from './cookies.js';

/** The session token from `Authorization: Bearer`, `?token=` (websockets) or the session cookie. */
export function sessionToken(req: FastifyRequest, sessionId: string): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const q = (req.query as { token?: unknown } | undefined)?.token;
  if (typeof q === 'string' && q) return q;
  return cookieToken(readCookies(req.headers.cookie, req.server.publicOrigin.sessionCookie), sessionId);
}

/** The cookie holds "<id>.<token>" so a stale cookie of another session is never mistaken for this one's. */
export function setSessionCookie(reply: FastifyReply, id: string, token: string): void {
  const site = reply.server.publicOrigin;
  addCookie(reply, `${site.sessionCookie}=${id}.${token}; Path=/; HttpOnly; SameSite=Strict${site.cookieFlags}`);
}

function cookieToken(values: string[], sessionId: string): string | undefined {
  for (const value of values) {
    const dot = value.indexOf('.');
    if (dot > 0 && value.slice(0, dot) === sessionId) return value.slice(dot + 1);
  }
  return undefined;
}
