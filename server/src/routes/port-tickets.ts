import { PORT_TICKET_PARAM, type PortTicketResponse } from '@berth/shared';
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../errors.js';
import { isAppPort, type PortsOrigin } from '../ports/ports-origin.js';
import type { PortTickets } from '../ports/port-tickets.js';
import type { SessionManager } from '../sessions/session-manager.js';
import { sessionToken } from './session-token.js';

const params = {
  type: 'object',
  required: ['id', 'port'],
  properties: { id: { type: 'string', pattern: '^[a-z0-9]{9}$' }, port: { type: 'string', pattern: '^[1-9][0-9]{0,4}$' } },
} as const;

/** POST /api/sessions/:id/ports/:port/ticket: the address that opens a port link, once, within a minute. */
export function portTicketRoutes(app: FastifyInstance, deps: { sessions: SessionManager; tickets: PortTickets; origin: PortsOrigin }) {
  app.post<{ Params: { id: string; port: string } }>('/api/sessions/:id/ports/:port/ticket', { schema: { params } }, async (req, reply): Promise<PortTicketResponse> => {
    const port = Number(req.params.port);
    if (port > 65535) throw new HttpError(400, 'A TCP port is a number from 1 to 65535.');
    if (!isAppPort(port)) throw new HttpError(400, `Port ${port} is where Berth's terminal reaches your sandbox: no app is served there.`);
    const s = deps.sessions.requireLive(req.params.id, sessionToken(req));
    const { ticket, expiresAt } = deps.tickets.issue(s.id, port);
    const link = deps.origin.linkFor(s.id, port, req.headers.host);
    reply.header('cache-control', 'no-store');
    return { url: `${link}?${PORT_TICKET_PARAM}=${ticket}`, expiresAt: new Date(expiresAt).toISOString() };
  });

  // Berth's own origin serves no app: an old-style link gets a sentence, not the page (or the app). `/s/<id>`
  // alone is the session's own address, which is the page.
  app.all('/s/:id/*', async () => {
    throw new HttpError(404, "Port links are served apart from Berth's page now: open them with the port buttons on your session's page.");
  });
}
