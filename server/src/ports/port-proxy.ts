// A request for a port link, passed to the app in the session's sandbox and its answer back.
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { requestHeadersForApp, responseHeadersForBrowser } from './app-headers.js';
import { failureStatus, nothingAnswers } from './port-pages.js';
import type { PortRoute } from './ports-origin.js';
import { unusableAnswer, writeUpstreamHead } from './upstream-answer.js';

/** Where a port link's requests go: the sandbox's address, or connections the runtime opens to its ports (a
 * sandbox on another machine: SandboxRuntime.openPort). */
export type Upstream = { host: string } | { open: (port: number) => Promise<Duplex> };

/** http.request's options that reach the upstream's port (an agent, even `agent: false`'s, ignores createConnection). */
export function upstreamOptions(to: Upstream, port: number): http.RequestOptions {
  if ('host' in to) return { host: to.host, port };
  const createConnection = (_: unknown, done: (err: Error | null, socket?: Duplex) => void) => {
    to.open(port).then((socket) => done(null, socket), (err: Error) => done(err));
    return undefined;
  };
  return { port, createConnection: createConnection as unknown as http.RequestOptions['createConnection'] };
}

/** Forwards req to the app at the upstream's route.port; every failure becomes a page for the reader, never a throw. */
export function forwardRequest(req: http.IncomingMessage, out: http.ServerResponse, route: PortRoute, to: Upstream): void {
  const { port } = route;
  const badGateway = (why: string) => {
    if (out.headersSent) return out.destroy();
    for (const name of out.getHeaderNames()) out.removeHeader(name);
    // A refused upstream status line may have been half-taken: name the reason phrase anew.
    const status = failureStatus(why);
    out.writeHead(status, http.STATUS_CODES[status], { 'content-type': 'text/html; charset=utf-8' });
    out.end(nothingAnswers(port, why));
  };
  // A connection of its own for every request (no agent, no keep-alive): an app that closes its side after each
  // answer (as `nc -e` servers do) would otherwise make a pooled socket's next request fail with a reset that
  // reads "dropped the connection". A connection the runtime opens is never pooled.
  const headers = requestHeadersForApp(req.headers, port);
  delete headers.connection;
  delete headers['keep-alive'];
  const upstream = http.request({ ...upstreamOptions(to, port), ...('host' in to ? { agent: false } : {}), method: req.method, path: route.appPath, headers, timeout: 10_000 }, (res) => {
    res.on('error', () => out.destroy());
    const unusable = unusableAnswer(res);
    if (unusable || !writeUpstreamHead(out, res, responseHeadersForBrowser(res.headers, route))) {
      upstream.destroy();
      return badGateway(`INVALID: ${unusable ?? 'answered with a status line or header that is not valid HTTP'}`);
    }
    res.pipe(out);
  });
  // An app that answers a plain request with 101 would otherwise hand the server a raw socket.
  upstream.on('upgrade', (res, socket) => {
    socket.destroy();
    badGateway(`INVALID: answered with the status ${res.statusCode} to a request that asked for no upgrade`);
  });
  // Destroying the request may surface as "socket hang up" (ECONNRESET) rather than the error given to it:
  // what the reader hears is decided here, by the timeout having fired.
  let timedOut = false;
  upstream.on('timeout', () => {
    timedOut = true;
    upstream.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }));
  });
  upstream.on('error', (err: NodeJS.ErrnoException) => badGateway(timedOut ? 'ETIMEDOUT' : (err.code ?? err.message)));
  out.on('close', () => upstream.destroy());
  req.pipe(upstream);
}
