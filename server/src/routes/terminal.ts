import { CloseCode, type ServerEvent } from '@berth/shared';
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../errors.js';
import type { SessionManager } from '../sessions/session-manager.js';
import { TerminalBridge } from '../terminal/terminal-bridge.js';
import type { TerminalHosts } from '../terminal/terminal-hosts.js';
import { sessionIdParam } from './sessions.js';
import { sessionToken } from './session-token.js';

export function terminalRoutes(app: FastifyInstance, deps: { sessions: SessionManager; hosts: TerminalHosts; initialEvents: (sessionId: string) => ServerEvent[] }) {
  app.route<{ Params: { id: string } }>({
    method: 'GET',
    url: '/api/sessions/:id/terminal',
    schema: { params: sessionIdParam },
    handler: async (_req, reply) => {
      reply.header('upgrade', 'websocket');
      throw new HttpError(426, "This is a session's terminal: it speaks the websocket protocol (see @berth/shared), not plain HTTP.");
    },
    wsHandler: (socket, req) => {
      // Another site's page must not open a visitor's terminal with their cookie.
      if (!req.server.publicOrigin.allows(req.headers.origin)) {
        req.log.info({ origin: req.headers.origin }, 'terminal refused: its page is not at BERTH_PUBLIC_URL (unset: at one of this host\'s own addresses)');
        return socket.close(CloseCode.unauthorized, 'cross-origin terminal connections are refused');
      }
      let session;
      try {
        session = deps.sessions.authorize(req.params.id, sessionToken(req));
      } catch (err) {
        const status = err instanceof HttpError ? err.statusCode : 500;
        return socket.close(status === 404 ? CloseCode.notFound : CloseCode.unauthorized, (err as Error).message.slice(0, 120));
      }
      void new TerminalBridge(socket, session, deps.sessions, deps.hosts, deps.initialEvents).start();
    },
  });
}
