// /s/:id/ports/:port/... -> HTTP and websockets on that port in the session's sandbox, for the session's own visitor only.
import http from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../errors.js';
import type { SandboxRuntime } from '../runtime/runtime.js';
import type { SessionManager } from '../sessions/session-manager.js';
import { forwardUpgrade, PortTunnels } from './port-websocket.js';
import { unusableAnswer, writeUpstreamHead } from './upstream-answer.js';
import { sessionToken, setSessionCookie } from './session-token.js';

const params = {
  type: 'object',
  required: ['id', 'port'],
  properties: { id: { type: 'string', pattern: '^[a-z0-9]{9}$' }, port: { type: 'string', pattern: '^[1-9][0-9]{0,4}$' } },
} as const;

type ProxyRequest = FastifyRequest<{ Params: { id: string; port: string; '*'?: string } }>;
type Deps = { sessions: SessionManager; runtime: SandboxRuntime };

export function portProxyRoutes(app: FastifyInstance, deps: Deps) {
  const tunnels = new PortTunnels();
  deps.sessions.on('event', (id, e) => {
    if (e.type === 'status' && e.state === 'ended') tunnels.closeSession(id);
  });
  void app.register(async (proxy) => {
    // Bodies pass through untouched: no parsing here.
    proxy.removeAllContentTypeParsers();
    proxy.addContentTypeParser('*', (_req, _payload, done) => done(null));
    // @fastify/websocket routes every upgrade through the router and would answer it itself (accept, then
    // close) in the route handler; a hook before that hands this path's upgrades to the sandbox instead.
    proxy.addHook('preHandler', async (req, reply) => {
      if (req.ws) await upgrade(req as ProxyRequest, reply, deps, tunnels);
    });
    proxy.addHook('preClose', async () => tunnels.closeAll());
    proxy.all('/s/:id/ports/:port', { schema: { params } }, async (req, reply) =>
      reply.redirect(`${req.url.split('?')[0]}/${query(req.url)}`),
    );
    proxy.all('/s/:id/ports/:port/*', { schema: { params } }, (req, reply) => forward(req as ProxyRequest, reply, deps));
  });
}

async function forward(req: ProxyRequest, reply: FastifyReply, deps: Deps) {
  const { id } = req.params;
  const port = Number(req.params.port);
  if (port > 65535) throw new HttpError(400, 'A TCP port is a number from 1 to 65535.');
  const s = deps.sessions.requireLive(id, sessionToken(req, id));
  const q = new URLSearchParams(query(req.url).slice(1));
  if (q.has('token')) {
    // A shared link carried the token: keep it in a cookie instead of the address bar.
    setSessionCookie(reply, s.id, q.get('token')!);
    q.delete('token');
    const rest = q.toString();
    return reply.redirect(`${req.url.split('?')[0]}${rest ? `?${rest}` : ''}`);
  }
  if (s.state !== 'ready') throw new HttpError(409, 'The session is still starting; try again in a moment.');
  const host = await deps.runtime.address(id);
  const path = `/${req.params['*'] ?? ''}${query(req.url)}`;
  const headers = upstreamHeaders(req, port);
  reply.hijack();
  const badGateway = (why: string) => {
    if (reply.raw.headersSent) return reply.raw.destroy();
    for (const name of reply.raw.getHeaderNames()) reply.raw.removeHeader(name);
    // A refused upstream status line may have been half-taken: name the reason phrase anew.
    reply.raw.writeHead(502, 'Bad Gateway', { 'content-type': 'text/html; charset=utf-8' });
    reply.raw.end(nothingAnswers(port, why));
  };
  const upstream = http.request({ host, port, method: req.method, path, headers, timeout: 10_000 }, (res) => {
    res.on('error', () => reply.raw.destroy());
    const unusable = unusableAnswer(res);
    if (unusable || !writeUpstreamHead(reply.raw, res, res.headers)) {
      upstream.destroy();
      return badGateway(`INVALID: ${unusable ?? 'answered with a status line or header that is not valid HTTP'}`);
    }
    res.pipe(reply.raw);
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
  reply.raw.on('close', () => upstream.destroy());
  req.raw.pipe(upstream);
}

/** A websocket upgrade: the same visitor check as HTTP, refused with a status (and its reason) before any 101. */
async function upgrade(req: ProxyRequest, reply: FastifyReply, deps: Deps, tunnels: PortTunnels) {
  if (req.method !== 'GET' || req.headers.upgrade?.toLowerCase() !== 'websocket') throw new HttpError(400, 'Only websocket upgrades are proxied.');
  // Like the terminal: another site's page must not reach the visitor's apps with their cookie.
  if (!req.server.publicOrigin.allows(req.headers.origin)) throw new HttpError(403, 'Cross-origin websocket connections to a session port are refused.');
  const { id } = req.params;
  const port = Number(req.params.port);
  if (port > 65535) throw new HttpError(400, 'A TCP port is a number from 1 to 65535.');
  const s = deps.sessions.requireLive(id, sessionToken(req, id));
  if (s.state !== 'ready') throw new HttpError(409, 'The session is still starting; try again in a moment.');
  const host = await deps.runtime.address(id);
  // A websocket cannot follow a redirect, so a `?token=` authenticates here and is kept from the app.
  const q = new URLSearchParams(query(req.url).slice(1));
  q.delete('token');
  const rest = q.toString();
  const path = `/${req.params['*'] ?? ''}${rest ? `?${rest}` : ''}`;
  reply.hijack();
  forwardUpgrade(req.raw.socket, { sessionId: id, host, port, path, headers: upstreamHeaders(req, port) }, tunnels, (code) => nothingAnswers(port, code));
}

function upstreamHeaders(req: FastifyRequest, port: number): http.OutgoingHttpHeaders {
  const headers = { ...req.headers, host: `localhost:${port}` };
  delete headers.cookie; // the visitor's Berth cookies are not the sandboxed app's business
  delete headers.authorization;
  return headers;
}

function query(url: string): string {
  const i = url.indexOf('?');
  return i < 0 ? '' : url.slice(i);
}

/** The parser's error codes (HPE_*) and the checks above, in words. */
function invalidHttp(code: string): string {
  if (code.startsWith('INVALID: ')) return code.slice(9);
  if (code === 'HPE_HEADER_OVERFLOW') return 'sent more header bytes than a browser would take';
  return `sent something that is not valid HTTP (${code.replace(/[^A-Z0-9_]/g, '').slice(0, 40)})`;
}

/** Instead of a bare 502: what probably went wrong, in words a learner can act on. */
function nothingAnswers(port: number, code: string): string {
  const why =
    code === 'ECONNREFUSED'
      ? `Nothing in your session accepts connections on port ${port}.`
      : code === 'ECONNRESET' || code === 'EPIPE'
        ? `Something on port ${port} accepted the connection and dropped it.`
        : code.startsWith('HPE_') || code.startsWith('INVALID: ')
          ? `What answered on port ${port} is not a web server Berth can pass on: it ${invalidHttp(code)}.`
          : `Port ${port} did not answer in time.`;
  return `<!doctype html><meta charset="utf-8"><title>Port ${port}: no answer</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1d2733}code{background:#eef2f6;padding:0 .3em;border-radius:4px}</style>
<h1>Port ${port} did not answer</h1>
<p>${why} The usual causes:</p>
<ul>
<li><b>Not started yet</b> or it exited: check with <code>docker ps</code> and <code>docker logs &lt;name&gt;</code>.</li>
<li><b>Listening on 127.0.0.1 inside its container</b>: a server must listen on <code>0.0.0.0</code> to be reachable through a published port.</li>
<li><b>Not published</b>: run the container with <code>-p ${port}:&lt;container port&gt;</code>.</li>
<li><b>Not HTTP</b>: this link speaks HTTP; a database or a raw TCP service cannot be opened in a browser.</li>
</ul>
<p>Reload this page once it is running.</p>`;
}
