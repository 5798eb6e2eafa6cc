import type { FastifyInstance } from 'fastify';

export interface HealthReport {
  ok: boolean;
  engine: boolean;
  mirror: boolean;
  packageCache: boolean;
  /** In words, what is not answering (empty when ok): "session engine", "registry mirror", "package cache". */
  down: string[];
  sessions: number;
}

export function healthRoutes(app: FastifyInstance, deps: { health: () => Promise<HealthReport> }) {
  app.get('/api/health', async (_req, reply) => {
    const report = await deps.health();
    return reply.code(report.ok ? 200 : 503).send(report);
  });
}
