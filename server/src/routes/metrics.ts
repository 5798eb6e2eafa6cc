import type { FastifyInstance } from 'fastify';

export function metricsRoutes(app: FastifyInstance, deps: { render: () => Promise<string> }) {
  app.get('/metrics', async (_req, reply) => reply.type('text/plain; version=0.0.4; charset=utf-8').send(await deps.render()));
}
