// GET /api/sessions/:id/engine: the engine view's websocket. It only sends (pictures of the session's engine);
// what a page sends on it is read by nobody. One watch per session however many sockets (engine-view/).
import { CloseCode, type EngineItemDetails, type EngineItemKind, type EngineViewMessage } from '@berth/shared';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { EngineWatch } from '../engine-view/engine-watch.js';
import type { SessionManager } from '../sessions/session-manager.js';
import { sessionIdParam } from './sessions.js';
import { authorizeSocket } from './session-socket.js';
import { sessionToken } from './session-token.js';
import { websocketOnly } from './websocket-only.js';

/** A page that does not read its socket gets no more pictures past this (the next one it reads is whole). */
const UNREAD_BYTES_MAX = 4 * 1024 * 1024;

export function engineViewRoutes(
  app: FastifyInstance,
  deps: { sessions: SessionManager; watch: EngineWatch; inspect: (sessionId: string, kind: EngineItemKind, item: string) => Promise<EngineItemDetails> },
) {
  app.get<{ Params: { id: string; kind: EngineItemKind; item: string } }>(
    '/api/sessions/:id/engine/:kind/:item',
    {
      schema: {
        params: {
          type: 'object',
          required: ['id', 'kind', 'item'],
          properties: { id: sessionIdParam.properties.id, kind: { type: 'string', enum: ['container', 'image', 'network', 'volume'] }, item: { type: 'string', maxLength: 128 } },
        },
      },
    },
    async (req, reply) => {
      const s = deps.sessions.requireLive(req.params.id, sessionToken(req));
      reply.header('cache-control', 'no-store');
      return deps.inspect(s.id, req.params.kind, req.params.item);
    },
  );

  app.route<{ Params: { id: string } }>({
    method: 'GET',
    url: '/api/sessions/:id/engine',
    schema: { params: sessionIdParam },
    handler: websocketOnly("a session's engine view"),
    wsHandler: (socket: WebSocket, req: FastifyRequest<{ Params: { id: string } }>) => {
      const session = authorizeSocket(socket, req, deps.sessions, 'engine view');
      if (!session) return;
      const send = (message: EngineViewMessage) => {
        if (socket.readyState === socket.OPEN && socket.bufferedAmount < UNREAD_BYTES_MAX) socket.send(JSON.stringify(message));
      };
      const stop = deps.watch.watch(
        session.id,
        (update) => send({ type: 'picture', ...update }),
        () => socket.close(CloseCode.sessionEnded, 'the session has ended'),
      );
      socket.on('close', stop);
      socket.on('message', () => {}); // nothing is read from the page
    },
  });
}
