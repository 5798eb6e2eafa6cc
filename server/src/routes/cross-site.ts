// A page of another site may make the visitor's browser send a form POST (no preflight, with any cookies)
// to Berth, and a DNS-rebinding name makes Berth look like that site. Calls that change state therefore need
// what only Berth's own page sends: an Origin Berth owns (when there is one) and a JSON body or an
// Authorization header, either of which a cross-site page cannot send without a CORS preflight Berth never grants.
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../errors.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function refuseCrossSiteCalls(app: FastifyInstance): void {
  app.addHook('onRequest', async (req) => {
    if (SAFE_METHODS.has(req.method) || !req.routeOptions.url?.startsWith('/api/')) return;
    if (!req.server.publicOrigin.allows(req.headers.origin) || req.headers['sec-fetch-site'] === 'cross-site') {
      throw new HttpError(403, "Calls from another site's page are refused: open Berth at its own address.");
    }
    if (!req.headers.authorization && !/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) {
      throw new HttpError(415, 'This call needs a JSON body (Content-Type: application/json) or an Authorization header.');
    }
  });
}
