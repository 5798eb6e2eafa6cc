import { MAX_TERMINALS, WATCH_PARAM, type ServerEvent } from '@berth/shared';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { HttpError } from '../errors.js';
import type { SessionManager } from '../sessions/session-manager.js';
import { TerminalBridge } from '../terminal/terminal-bridge.js';
import type { TerminalHosts } from '../terminal/terminal-hosts.js';
import { sessionIdParam } from './sessions.js';
import { authorizeSocket } from './session-socket.js';
import { sessionToken } from './session-token.js';
import { websocketOnly } from './websocket-only.js';

const notAWebsocket = websocketOnly("a session's terminal");

type Deps = { sessions: SessionManager; hosts: TerminalHosts; initialEvents: (sessionId: string) => ServerEvent[] };
type TerminalParams = { id: string; n?: string };

const terminalParams = {
  type: 'object',
  required: ['id', 'n'],
  properties: {
    id: sessionIdParam.properties.id,
    n: { type: 'string', pattern: '^[0-9]{1,3}$' },
  },
} as const;

export function terminalRoutes(app: FastifyInstance, deps: Deps) {
  // Terminal 0 (the session's first shell) at its historical address; extra terminals by number.
  app.route<{ Params: TerminalParams }>({
    method: 'GET',
    url: '/api/sessions/:id/terminal',
    schema: { params: sessionIdParam },
    preValidation: checkIndex,
    handler: notAWebsocket,
    wsHandler: (socket, req) => openTerminal(socket, req, deps),
  });
  app.route<{ Params: TerminalParams }>({
    method: 'GET',
    url: '/api/sessions/:id/terminals/:n',
    schema: { params: terminalParams },
    preValidation: checkIndex,
    handler: notAWebsocket,
    wsHandler: (socket, req) => openTerminal(socket, req, deps),
  });

  app.delete<{ Params: TerminalParams }>('/api/sessions/:id/terminals/:n', { schema: { params: terminalParams }, preValidation: checkIndex }, async (req, reply) => {
    const s = deps.sessions.authorize(req.params.id, sessionToken(req));
    const n = Number(req.params.n);
    if (n === 0) throw new HttpError(400, "Terminal 0 is the session's own: it closes when the session ends (End session).");
    deps.hosts.close(s.id, n);
    return reply.code(204).send();
  });

  app.get<{ Params: { id: string } }>('/api/sessions/:id/history', { schema: { params: sessionIdParam } }, async (req, reply) => {
    const s = deps.sessions.authorize(req.params.id, sessionToken(req));
    return reply
      .type('text/plain; charset=utf-8')
      .header('content-disposition', `attachment; filename="berth-${s.id}-commands.txt"`)
      .header('cache-control', 'no-store')
      .send(deps.hosts.history.text(s.id));
  });
}

async function checkIndex(req: FastifyRequest<{ Params: TerminalParams }>): Promise<void> {
  const n = Number(req.params.n ?? '0');
  if (!(n < MAX_TERMINALS)) {
    throw new HttpError(400, `There is no terminal ${req.params.n}: a session has terminals 0 to ${MAX_TERMINALS - 1}.`);
  }
}

function openTerminal(socket: WebSocket, req: FastifyRequest<{ Params: TerminalParams }>, deps: Deps): void {
  const session = authorizeSocket(socket, req, deps.sessions, 'terminal');
  if (!session) return;
  const watch = (req.query as Record<string, unknown> | undefined)?.[WATCH_PARAM] === '1';
  void new TerminalBridge(socket, session, deps.sessions, deps.hosts, deps.initialEvents, Number(req.params.n ?? '0'), watch).start();
}
