// A websocket of a visitor's session (its terminal, its engine view): from Berth's own page, with the
// session's token; otherwise closed with a code and a reason, and null returned.
import { CloseCode } from '@berth/shared';
import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { HttpError } from '../errors.js';
import type { Session } from '../sessions/session.js';
import type { SessionManager } from '../sessions/session-manager.js';
import { sessionToken } from './session-token.js';

export function authorizeSocket(socket: WebSocket, req: FastifyRequest<{ Params: { id: string } }>, sessions: SessionManager, what: string): Session | null {
  // Another site's page must not open a visitor's terminal with their cookie.
  if (!req.server.publicOrigin.allows(req.headers.origin)) {
    req.log.info({ origin: req.headers.origin }, `${what} refused: its page is not at BERTH_PUBLIC_URL (unset: at one of this host's own addresses)`);
    socket.close(CloseCode.unauthorized, `cross-origin ${what} connections are refused`);
    return null;
  }
  try {
    return sessions.authorize(req.params.id, sessionToken(req));
  } catch (err) {
    const status = err instanceof HttpError ? err.statusCode : 500;
    socket.close(status === 404 ? CloseCode.notFound : CloseCode.unauthorized, (err as Error).message.slice(0, 120));
    return null;
  }
}
