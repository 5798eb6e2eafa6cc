import type { FastifyInstance } from 'fastify';
import type { StartsReport } from '../sessions/start-outcomes.js';

export interface HealthReport {
  ok: boolean;
  engine: boolean;
  mirror: boolean;
  packageCache: boolean;
  /** In words, what is not working (empty when ok): "session engine", "registry mirror", "package cache", "sandbox starts: <cause>". */
  down: string[];
  sessions: number;
  /** Recent sandbox starts: a host whose daemons all answer is still down while its latest start failed. */
  starts: StartsReport;
}

export function healthRoutes(app: FastifyInstance, deps: { health: () => Promise<HealthReport> }) {
  app.get('/api/health', async (_req, reply) => {
    const report = await deps.health();
    return reply.code(report.ok ? 200 : 503).send(report);
  });
}
