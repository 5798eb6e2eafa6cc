// GET /metrics (Prometheus) for the operator only: it names live sessions, so it needs a token of its own.
import crypto from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../errors.js';

export function metricsRoutes(app: FastifyInstance, deps: { token: string | undefined; render: () => Promise<string> }) {
  app.get('/metrics', async (req, reply) => {
    if (!deps.token) throw new HttpError(404, 'Metrics are off: set BERTH_METRICS_TOKEN and scrape with "Authorization: Bearer <token>".');
    const auth = req.headers.authorization;
    const given = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : '';
    if (!sameSecret(given, deps.token)) throw new HttpError(401, 'GET /metrics needs "Authorization: Bearer <BERTH_METRICS_TOKEN>".');
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(await deps.render());
  });
}

function sameSecret(a: string, b: string): boolean {
  const [x, y] = [a, b].map((s) => crypto.createHash('sha256').update(s).digest());
  return crypto.timingSafeEqual(x!, y!);
}
