// Berth's own origin: which pages may open its websockets and make calls that change state.
import os from 'node:os';

declare module 'fastify' {
  interface FastifyInstance {
    publicOrigin: PublicOrigin;
  }
}

export class PublicOrigin {
  /**
   * @param url BERTH_PUBLIC_URL as an origin, or null.
   * @param listeningPort the port Berth listens on (known once it does).
   */
  constructor(
    readonly url: string | null,
    private readonly listeningPort: () => number | undefined,
  ) {}

  /**
   * Whether a page of this Origin may open a websocket with the visitor's credentials. With BERTH_PUBLIC_URL,
   * only that origin; without it, Berth's own addresses at its listening port. Never the request's Host: a
   * DNS-rebinding name points at Berth and sends itself as both Host and Origin. No Origin (not a browser): allowed.
   */
  allows(origin: string | undefined): boolean {
    if (origin === undefined) return true;
    let page: URL;
    try {
      page = new URL(origin);
    } catch {
      return false; // "null" (a sandboxed frame, a file) or garbage
    }
    if (this.url) return page.origin === this.url;
    const port = Number(page.port || (page.protocol === 'https:' ? 443 : 80));
    return page.protocol === 'http:' && port === this.listeningPort() && ownHostNames().has(page.hostname.replace(/^\[|\]$/g, ''));
  }
}

/** localhost, this host's name and every address of its interfaces (lowercase, IPv6 without brackets). */
function ownHostNames(): Set<string> {
  const names = new Set(['localhost', '127.0.0.1', '::1', os.hostname().toLowerCase()]);
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) names.add(a.family === 'IPv6' ? new URL(`http://[${a.address.split('%')[0]}]`).hostname.slice(1, -1) : a.address);
  }
  return names;
}
