// The plain-HTTP answer of a websocket-only address: 426 with `Upgrade: websocket` and what the address is.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../errors.js';

export function websocketOnly(what: string) {
  return async (_req: FastifyRequest, reply: FastifyReply): Promise<never> => {
    reply.header('upgrade', 'websocket');
    throw new HttpError(426, `This is ${what}: it speaks the websocket protocol (see @berth/shared), not plain HTTP.`);
  };
}
