// Websocket upgrades on a port link: the handshake (its headers filtered as any answer's) and every frame
// after it pass through as raw bytes, so subprotocols, extensions and close codes are the sandboxed app's own.
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { requestHeadersForApp, responseHeadersForBrowser } from './app-headers.js';
import { failureStatus, nothingAnswers } from './port-pages.js';
import type { PortRoute } from './ports-origin.js';
import { upstreamOptions, type Upstream } from './port-proxy.js';


/** The open tunnels per session, so a session's end (or the server's) closes them at once. */
export class PortTunnels {
  private readonly bySession = new Map<string, Set<Duplex>>();

  add(sessionId: string, ...sockets: Duplex[]): void {
    let set = this.bySession.get(sessionId);
    if (!set) this.bySession.set(sessionId, (set = new Set()));
    for (const socket of sockets) {
      set.add(socket);
      socket.once('close', () => {
        set.delete(socket);
        if (!set.size && this.bySession.get(sessionId) === set) this.bySession.delete(sessionId);
      });
    }
  }

  has(sessionId: string): boolean {
    return this.bySession.has(sessionId);
  }

  closeSession(sessionId: string): void {
    for (const socket of this.bySession.get(sessionId) ?? []) socket.destroy();
  }

  closeAll(): void {
    for (const id of [...this.bySession.keys()]) this.closeSession(id);
  }
}

/**
 * Sends the visitor's upgrade on to the sandbox and splices the two sockets once it answers 101.
 * The client's bytes after its request head are not forwarded: RFC 6455 (4.1) has a client wait for the
 * 101 before sending anything, and Node leaves whatever arrives later buffered in the socket.
 */
export function forwardUpgrade(req: http.IncomingMessage, client: Duplex, route: PortRoute, to: Upstream, tunnels: PortTunnels): void {
  client.on('error', () => client.destroy());
  const headers = requestHeadersForApp(req.headers, route.port);
  const upstream = http.request({ ...upstreamOptions(to, route.port), method: 'GET', path: route.appPath, headers, timeout: 10_000 });
  upstream.on('upgrade', (res, socket, head) => {
    socket.setTimeout(0); // the connect timeout above must not end a quiet websocket
    if (client.destroyed) return socket.destroy();
    client.write(responseHead(res, responseHeadersForBrowser(res.headers, route)));
    if (head.length) client.write(head);
    socket.setNoDelay(true);
    tunnels.add(route.sessionId, client, socket);
    splice(client, socket);
  });
  // The app answered without upgrading (a plain HTTP server, or it refused): the visitor hears that answer.
  upstream.on('response', (res) => {
    res.on('error', () => client.destroy());
    const headers = { ...responseHeadersForBrowser(res.headers, route), connection: 'close' };
    delete headers['transfer-encoding'];
    delete headers['content-length'];
    client.write(responseHead(res, headers));
    res.pipe(client);
  });
  // As in port-proxy.ts: a destroyed request may report "socket hang up"; the timeout decides the reason.
  let timedOut = false;
  upstream.on('timeout', () => {
    timedOut = true;
    upstream.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }));
  });
  upstream.on('error', (err: NodeJS.ErrnoException) => {
    if (client.destroyed) return;
    const code = timedOut ? 'ETIMEDOUT' : (err.code ?? err.message);
    const body = Buffer.from(nothingAnswers(route.port, code));
    const status = failureStatus(code);
    client.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`);
  });
  client.once('close', () => upstream.destroy());
  upstream.end();
}

/** Both directions flow until either side closes (the other is ended, its last bytes flushed) or fails (both drop). */
function splice(a: Duplex, b: Duplex): void {
  a.pipe(b);
  b.pipe(a);
  const endOther = (other: Duplex) => () => {
    if (other.destroyed) return;
    other.end();
    setTimeout(() => other.destroy(), 5000).unref();
  };
  a.once('close', endOther(b));
  b.once('close', endOther(a));
  const drop = () => {
    a.destroy();
    b.destroy();
  };
  a.on('error', drop);
  b.on('error', drop);
}

function responseHead(res: http.IncomingMessage, headers: http.OutgoingHttpHeaders): string {
  const lines = [`HTTP/1.1 ${res.statusCode} ${res.statusMessage}`];
  for (const [name, value] of Object.entries(headers)) {
    for (const v of Array.isArray(value) ? value : [value]) if (v !== undefined) lines.push(`${name}: ${v}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}
