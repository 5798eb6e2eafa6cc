import type { HealthReport } from '@berth/shared';
import type { FastifyInstance } from 'fastify';

export function healthRoutes(app: FastifyInstance, deps: { health: () => Promise<HealthReport> }) {
  app.get('/api/health', async (_req, reply) => {
    const report = await deps.health();
    return reply.code(report.ok ? 200 : 503).send(report);
  });
}
