import type { FastifyRequest } from 'fastify';

/**
 * The session token from `Authorization: Bearer`, or `?token=` (a websocket cannot send headers). Never a
 * cookie: any port of this host (a visitor's app included) could set one.
 */
export function sessionToken(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const q = (req.query as { token?: unknown } | undefined)?.token;
  return typeof q === 'string' && q ? q : undefined;
}
