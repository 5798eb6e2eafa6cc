import type { FastifyInstance } from 'fastify';
import type { IdleLimits } from '../sessions/idle-deadline.js';
import { sessionView } from '../sessions/session.js';
import type { SessionManager } from '../sessions/session-manager.js';
import { learnerId } from './learner.js';
import { sessionToken } from './session-token.js';

export const sessionIdParam = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^[a-z0-9]{9}$' } },
} as const;

export function sessionRoutes(app: FastifyInstance, deps: { sessions: SessionManager; idle: IdleLimits }) {
  const { sessions } = deps;

  app.post<{ Body: { lesson?: string; lang?: 'en' | 'zh' } | undefined }>(
    '/api/sessions',
    {
      schema: {
        body: {
          type: ['object', 'null'],
          additionalProperties: false,
          properties: {
            lesson: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,63}$' },
            lang: { type: 'string', enum: ['en', 'zh'] },
          },
        },
      },
    },
    async (req, reply) => {
      const { session: s, token } = await sessions.create({ ...req.body, learner: learnerId(req), client: req.ip });
      return reply.code(201).send({ id: s.id, token, expiresAt: new Date(s.expiresAt).toISOString() });
    },
  );

  app.get<{ Params: { id: string } }>('/api/sessions/:id', { schema: { params: sessionIdParam } }, async (req) => {
    const s = sessions.authorize(req.params.id, sessionToken(req));
    return sessionView(s, deps.idle);
  });

  app.post<{ Params: { id: string } }>('/api/sessions/:id/extend', { schema: { params: sessionIdParam } }, async (req) => {
    const s = sessions.extend(req.params.id, sessionToken(req));
    return { expiresAt: new Date(s.expiresAt).toISOString(), extensionsLeft: sessions.lifetime(s).extensionsLeft };
  });

  app.delete<{ Params: { id: string } }>('/api/sessions/:id', { schema: { params: sessionIdParam } }, async (req, reply) => {
    const s = sessions.authorize(req.params.id, sessionToken(req));
    await sessions.end(s.id, 'ended-by-user');
    return reply.code(204).send();
  });
}
