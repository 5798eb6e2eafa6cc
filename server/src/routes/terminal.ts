import { CloseCode, type ServerEvent } from '@berth/shared';
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../errors.js';
import type { SessionManager } from '../sessions/session-manager.js';
import { TerminalBridge } from '../terminal/terminal-bridge.js';
import type { TerminalHosts } from '../terminal/terminal-hosts.js';
import { sessionIdParam } from './sessions.js';
import { sessionToken } from './session-token.js';


export function terminalRoutes(app: FastifyInstance, deps: { sessions: SessionManager; hosts: TerminalHosts; initialEvents: (sessionId: string) => ServerEvent[] }) {
  app.get<{ Params: { id: string } }>(
    '/api/sessions/:id/terminal',
    { websocket: true, schema: { params: sessionIdParam } },
    (socket, req) => {
      // Another site's page must not open a visitor's terminal with their cookie.
      const origin = req.headers.origin;
      if (origin && new URL(origin).host !== req.headers.host) {
        return socket.close(CloseCode.unauthorized, 'cross-origin terminal connections are refused');
      }
      let session;
      try {
        session = deps.sessions.authorize(req.params.id, sessionToken(req, req.params.id));
      } catch (err) {
        const status = err instanceof HttpError ? err.statusCode : 500;
        return socket.close(status === 404 ? CloseCode.notFound : CloseCode.unauthorized, (err as Error).message.slice(0, 120));
      }
      void new TerminalBridge(socket, session, deps.sessions, deps.hosts, deps.initialEvents).start();
    },
  );
}
