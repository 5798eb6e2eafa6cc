// How the page's files are served: precompressed (brotli, else gzip, as the build wrote them beside each
// file) to browsers that accept it, hashed assets cached for a year, everything else (index.html) revalidated
// on every load so a new release is seen at once.
import type { FastifyStaticOptions } from '@fastify/static';

export const IMMUTABLE = 'public, max-age=31536000, immutable';
export const REVALIDATE = 'no-cache';

/** Vite names what it writes under assets/ by content hash: a changed file is a new URL. */
const HASHED = /\/assets\/[^/]+-[A-Za-z0-9_-]{8,}(\.[a-z0-9]+)+$/;

export function webPageOptions(root: string): FastifyStaticOptions {
  return {
    root,
    wildcard: false,
    preCompressed: true,
    // The .br and .gz files are picked by preCompressed, never asked for by name.
    globIgnore: ['**/*.br', '**/*.gz'],
    cacheControl: false,
    setHeaders(reply, file) {
      reply.header('cache-control', HASHED.test(file.replaceAll('\\', '/')) ? IMMUTABLE : REVALIDATE);
    },
  };
}
