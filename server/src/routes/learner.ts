import crypto from 'node:crypto';
import { LEARNER_HEADER, LEARNER_ID_PATTERN } from '@berth/shared';
import type { FastifyRequest } from 'fastify';

/**
 * The browser's learner id, from the header Berth's page sends (it keeps the id in its own storage). Without
 * one, a learner of this request alone: nothing is kept for it, and it is counted as a browser of its own.
 */
export function learnerId(req: FastifyRequest): string {
  const sent = req.headers[LEARNER_HEADER];
  if (typeof sent === 'string' && LEARNER_ID_PATTERN.test(sent)) return sent;
  return crypto.randomBytes(18).toString('base64url');
}
