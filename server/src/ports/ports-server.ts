// The ports listener: a server of its own (own port, own origin) that serves port links and nothing else.
// Berth's page, API and terminal are not reachable here, and Berth's own origin serves no app.
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { PORT_TICKET_PARAM } from '@berth/shared';
import type { FastifyBaseLogger } from 'fastify';
import { SandboxElsewhere, type SandboxRuntime } from '../runtime/runtime.js';
import type { Session } from '../sessions/session.js';
import type { SessionManager } from '../sessions/session-manager.js';
import { readCookies } from './cookie-header.js';
import { passMatches, portCookie, portCookieName, portPass } from './port-pass.js';
import { LogBudget } from './log-budget.js';
import { forwardRequest, type Upstream } from './port-proxy.js';
import { needsTicket, notAPortLink, page, sessionGone, stillStarting } from './port-pages.js';
import type { PortRoute, PortsOrigin } from './ports-origin.js';
import { PortTickets } from './port-tickets.js';
import { RelayGate } from './relay-gate.js';
import { forwardUpgrade, PortTunnels } from './port-websocket.js';

interface Deps {
  sessions: SessionManager;
  runtime: SandboxRuntime;
  origin: PortsOrigin;
  tickets: PortTickets;
  log: FastifyBaseLogger;
  /** The visitor's address (proxy-config.ts clientAddressOf): behind a proxy, not the proxy's. */
  clientAddress: (req: http.IncomingMessage) => string;
}

type Verdict = { ok: true; session: Session; route: PortRoute; redirect?: string } | { ok: false; status: number; body: string };

export class PortsServer {
  readonly server: http.Server;
  private readonly tunnels = new PortTunnels();
  /** A browser opens at most 6 connections to one origin at a time (HTTP/1.1), plus its app's websockets. */
  readonly relays = new RelayGate(16);
  /** Why a relay could not be opened, for the operator: a visitor can request it in a loop. */
  private readonly relayWarnings = new LogBudget(10_000);

  constructor(private readonly deps: Deps) {
    // Header limits as Berth's own listener; slow clients cannot hold a socket open forever.
    this.server = http.createServer({ maxHeaderSize: 16 * 1024, requestTimeout: 120_000, headersTimeout: 20_000 });
    this.server.on('request', (req, res) => void this.request(req, res));
    this.server.on('upgrade', (req, socket) => void this.upgrade(req, socket));
    this.server.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      else socket.destroy();
    });
    deps.sessions.on('event', (id, e) => {
      if (e.type !== 'status' || e.state !== 'ended') return;
      this.tunnels.closeSession(id);
      deps.tickets.forgetSession(id);
    });
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as { port: number }).port);
      });
    });
  }

  /** Whether a websocket to one of the session's apps is open now. */
  hasTunnels(sessionId: string): boolean {
    return this.tunnels.has(sessionId);
  }

  get port(): number | undefined {
    const a = this.server.address();
    return typeof a === 'object' && a ? a.port : undefined;
  }

  async close(): Promise<void> {
    this.tunnels.closeAll();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async request(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      await this.takeUp(req);
      const v = this.admit(req);
      if (!v.ok) return send(res, v.status, v.body);
      if (v.redirect !== undefined) {
        res.writeHead(303, { location: v.redirect, 'set-cookie': portCookie(this.deps.origin, v.route, portPass(v.session)), 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
        return void res.end();
      }
      forwardRequest(req, res, v.route, await this.upstream(v.session.id));
    } catch (err) {
      this.deps.log.warn({ err: (err as Error).message }, 'port link failed');
      if (!res.headersSent) send(res, 502, page('The session could not be reached', '<p>Try again in a moment.</p>'));
      else res.destroy();
    }
  }

  /** The sandbox's address, or (a sandbox on a machine this server cannot dial) connections through the runtime. */
  private async upstream(sessionId: string): Promise<Upstream> {
    const { runtime } = this.deps;
    try {
      return { host: await runtime.address(sessionId) };
    } catch (err) {
      if (!(err instanceof SandboxElsewhere) || !runtime.openPort) throw err;
      return {
        open: (port) =>
          this.relays.relay(sessionId, () => runtime.openPort!(sessionId, port)).catch((err: NodeJS.ErrnoException) => {
            // The visitor reads "did not answer in time"; the operator reads why the relay could not be opened.
            const held = err.code ? null : this.relayWarnings.take();
            if (held !== null) this.deps.log.warn({ sandbox: sessionId, port, err: err.message, heldBack: held }, 'a port link relay could not be opened');
            throw err;
          }),
      };
    }
  }

  private async upgrade(req: http.IncomingMessage, socket: Duplex): Promise<void> {
    socket.on('error', () => socket.destroy());
    try {
      await this.takeUp(req);
      const v = this.admit(req);
      if (!v.ok) return refuse(socket, v.status, v.body);
      if (req.method !== 'GET' || req.headers.upgrade?.toLowerCase() !== 'websocket') return refuse(socket, 400, page('Only websockets', '<p>Only websocket upgrades are passed to apps.</p>'));
      // Only the app's own pages may open its websockets with the visitor's port cookie.
      if (!this.deps.origin.allowsUpgrade(req.headers.origin, v.route)) return refuse(socket, 403, page('Refused', '<p>Websockets to this app open only from its own pages.</p>'));
      forwardUpgrade(req, socket, v.route, await this.upstream(v.session.id), this.tunnels);
    } catch (err) {
      this.deps.log.warn({ err: (err as Error).message }, 'port link websocket failed');
      refuse(socket, 502, page('The session could not be reached', '<p>Try again in a moment.</p>'));
    }
  }

  /**
   * Servers sharing sessions: a link to a session another server made is served here too. Look-ups are
   * limited per visitor address (behind a trusted proxy, the one it forwards).
   */
  private async takeUp(req: http.IncomingMessage): Promise<void> {
    const route = this.deps.origin.route(req.headers.host, req.url ?? '/');
    if (route) await this.deps.sessions.takeUp(route.sessionId, () => this.deps.clientAddress(req));
  }

  /**
   * Which link the request is for and whether this browser may open it: a ticket in the query (spent here,
   * answered by a redirect that sets the port cookie and drops the ticket from the address) or that cookie.
   * A websocket cannot follow a redirect: its ticket admits it at once.
   */
  private admit(req: http.IncomingMessage): Verdict {
    const route = this.deps.origin.route(req.headers.host, req.url ?? '/');
    if (!route) return { ok: false, status: 404, body: notAPortLink };
    const session = this.deps.sessions.get(route.sessionId);
    const query = takeTicket(route.appPath);
    let redirect: string | undefined;
    let admitted = false;
    if (query.ticket !== undefined && session && this.deps.tickets.redeem(query.ticket, route.sessionId, route.port)) {
      admitted = true;
      route.appPath = query.rest;
      if (!req.headers.upgrade) redirect = `${route.prefix}${query.rest}`;
    } else if (session) {
      const name = portCookieName(this.deps.origin);
      admitted = readCookies(req.headers.cookie, name).some((value) => passMatches(session, value));
      if (query.ticket !== undefined) route.appPath = query.rest;
    }
    if (!session || !admitted) return { ok: false, status: 401, body: needsTicket };
    if (session.state === 'ended') return { ok: false, status: 410, body: sessionGone };
    // A spent ticket leaves its cookie even while the session starts: the page it leads to says to wait.
    if (redirect !== undefined) return { ok: true, session, route, redirect };
    if (session.state !== 'ready') return { ok: false, status: 409, body: stillStarting };
    return { ok: true, session, route };
  }
}

/** The app's path with the ticket parameter taken out (the app never sees it). */
function takeTicket(appPath: string): { ticket?: string; rest: string } {
  const q = appPath.indexOf('?');
  if (q < 0) return { rest: appPath };
  const params = new URLSearchParams(appPath.slice(q + 1));
  const ticket = params.get(PORT_TICKET_PARAM) ?? undefined;
  if (ticket === undefined) return { rest: appPath };
  params.delete(PORT_TICKET_PARAM);
  const rest = params.toString();
  return { ticket, rest: `${appPath.slice(0, q)}${rest ? `?${rest}` : ''}` };
}

function send(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(body);
}

function refuse(socket: Duplex, status: number, body: string): void {
  const bytes = Buffer.from(body);
  socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: ${bytes.length}\r\nconnection: close\r\n\r\n${body}`);
}
