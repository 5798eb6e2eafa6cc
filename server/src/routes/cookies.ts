import type { FastifyReply } from 'fastify';

/** Every value the request's Cookie header holds under `name` (a browser may send several). */
export function readCookies(header: string | undefined, name: string): string[] {
  const values: string[] = [];
  for (const part of header?.split(';') ?? []) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) values.push(part.slice(eq + 1).trim());
  }
  return values;
}

/** Adds a Set-Cookie header, keeping any set before (Fastify appends set-cookie values itself). */
export function addCookie(reply: FastifyReply, cookie: string): void {
  reply.header('set-cookie', cookie);
}
