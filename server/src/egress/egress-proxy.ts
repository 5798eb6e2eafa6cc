// The egress proxy: an HTTP proxy (CONNECT for https, absolute-form requests for plain http) through which
// sessions may reach the hosts an operator allowed, and nothing else. Every byte of a request head is the
// visitor's to shape and is read by RequestHeadReader (bounded, linear); the head must arrive within
// HEAD_TIMEOUT_MS (a slowloris holds a connection and nothing more); the host must be a name on the
// allow-list (never an address), on 443 or 80; every address it resolves to must be public, and the proxy
// connects to the address it checked. One log entry per request: session address, host, bytes, verdict.
import dns from 'node:dns';
import net from 'node:net';
import { EGRESS_PORTS, hostName, type HostAllowList } from './allow-list.js';
import { isPublicAddress } from './public-address.js';
import { HeadError, RequestHeadReader, type RequestHead } from './request-head.js';
import type { SessionLimits } from './session-limits.js';

export const HEAD_TIMEOUT_MS = 10_000;
const CONNECT_TIMEOUT_MS = 10_000;
const LOOKUP_TIMEOUT_MS = 5_000;
/** A tunnel with no byte either way for this long is closed. */
const IDLE_TIMEOUT_MS = 120_000;

export type Verdict = 'passed' | 'refused' | 'failed';

export interface EgressLogEntry {
  /** The session, known by its address on Berth's network. */
  session: string;
  method: string;
  host: string;
  port: number;
  verdict: Verdict;
  /** Why it was refused or failed. */
  reason?: string;
  /** Bytes the session sent, and received. */
  up: number;
  down: number;
  ms: number;
}

export interface EgressProxyOptions {
  allow: HostAllowList;
  limits: SessionLimits;
  /** Addresses refused besides the non-public ranges (Berth's service address). */
  refuse: readonly string[];
  log: (entry: EgressLogEntry) => void;
  /** Resolves a name to its addresses (tests stand in a resolver that lies, as a rebinding attacker's does). */
  lookup?: (host: string) => Promise<string[]>;
  headTimeoutMs?: number;
  /** Ports a request may name (EGRESS_PORTS; tests use a free one). */
  ports?: readonly number[];
  /** Addresses the proxy may connect to (isPublicAddress; tests allow a loopback upstream of their own). */
  addressAllowed?: (address: string) => boolean;
}

const systemLookup = async (host: string): Promise<string[]> => (await dns.promises.lookup(host, { all: true, verbatim: true })).map((a) => a.address);

class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function createEgressProxy(o: EgressProxyOptions): net.Server {
  const server = net.createServer({ pauseOnConnect: false }, (socket) => handle(socket, o));
  server.maxConnections = 4096;
  return server;
}

function handle(client: net.Socket, o: EgressProxyOptions): void {
  const session = (client.remoteAddress ?? '?').replace(/^::ffff:/, '');
  const started = Date.now();
  const entry: EgressLogEntry = { session, method: '-', host: '-', port: 0, verdict: 'refused', up: 0, down: 0, ms: 0 };
  let logged = false;
  const finish = (verdict: Verdict, reason?: string) => {
    if (logged) return;
    logged = true;
    entry.verdict = verdict;
    if (reason) entry.reason = reason;
    entry.ms = Date.now() - started;
    o.log(entry);
  };
  client.on('error', () => {});
  const refusedBy = o.limits.opened(session);
  if (refusedBy) {
    answer(client, 429, refusedBy);
    finish('refused', refusedBy);
    return;
  }
  let spoke = false;
  client.once('close', () => {
    o.limits.closed(session);
    // A connection that sent nothing (a health probe, a port scan) is not a request: no log line.
    if (!spoke) logged = true;
    finish(entry.verdict === 'passed' ? 'passed' : 'failed', entry.verdict === 'passed' ? undefined : 'the session closed the connection');
  });
  const reader = new RequestHeadReader();
  const timer = setTimeout(() => {
    answer(client, 408, `the request head did not arrive within ${(o.headTimeoutMs ?? HEAD_TIMEOUT_MS) / 1000} s`);
    finish('refused', 'slow request head');
  }, o.headTimeoutMs ?? HEAD_TIMEOUT_MS);
  const onData = (chunk: Buffer) => {
    spoke = true;
    let head: RequestHead | undefined;
    try {
      head = reader.push(chunk);
    } catch (err) {
      if (!(err instanceof HeadError)) throw err;
      clearTimeout(timer);
      client.off('data', onData);
      answer(client, err.status, err.message);
      finish('refused', err.message);
      return;
    }
    if (!head) return;
    clearTimeout(timer);
    client.off('data', onData);
    client.pause();
    entry.method = head.method;
    open(client, head, o, entry).then(
      () => (entry.verdict = 'passed'),
      (err: Error) => {
        const status = err instanceof Refusal ? err.status : 502;
        answer(client, status, err.message);
        finish(err instanceof Refusal ? 'refused' : 'failed', err.message);
      },
    );
  };
  client.on('data', onData);
}

/** Checks the request and opens its tunnel (CONNECT) or passes it on (plain http); rejects with a Refusal. */
async function open(client: net.Socket, head: RequestHead, o: EgressProxyOptions, entry: EgressLogEntry): Promise<void> {
  const { host: rawHost, port, path } = requestTarget(head);
  const name = hostName(rawHost);
  entry.host = name.ok ? name.host : rawHost.slice(0, 100);
  entry.port = port;
  if (!name.ok) throw new Refusal(403, `${entry.host} is ${name.reason}: the proxy reaches only allowed host names`);
  const ports = o.ports ?? EGRESS_PORTS;
  if (!ports.includes(port)) throw new Refusal(403, `port ${port} is not proxied (only ${ports.join(' and ')})`);
  if (!o.allow.allows(name.host)) throw new Refusal(403, `${name.host} is not on this host's egress allow-list`);
  const addresses = await withTimeout((o.lookup ?? systemLookup)(name.host), LOOKUP_TIMEOUT_MS, `${name.host} did not resolve in time`).catch((err: Error) => {
    throw new Refusal(502, err.message.includes('in time') ? err.message : `${name.host} does not resolve`);
  });
  if (!addresses.length) throw new Refusal(502, `${name.host} does not resolve`);
  // Every address, not only the one used: a name that resolves to the host's own networks at all is not one to trust.
  const allowed = o.addressAllowed ?? ((a: string) => isPublicAddress(a, o.refuse));
  const inside = addresses.find((a) => !allowed(a));
  if (inside) throw new Refusal(403, `${name.host} resolves to ${inside}, an address on the host's own networks`);
  const address = addresses.find((a) => net.isIPv4(a)) ?? addresses[0]!;
  const upstream = await connect(address, port);
  if (client.destroyed) {
    upstream.destroy();
    return;
  }
  if (head.method === 'CONNECT') client.write('HTTP/1.1 200 Connection established\r\n\r\n');
  else upstream.write(plainRequestHead(head, path, rawHost, port));
  if (head.rest.length) {
    entry.up += head.rest.length;
    upstream.write(head.rest);
  }
  relay(client, upstream, o.limits, entry);
}

function requestTarget(head: RequestHead): { host: string; port: number; path: string } {
  if (head.method === 'CONNECT') {
    const colon = head.target.lastIndexOf(':');
    const portText = colon > 0 ? head.target.slice(colon + 1) : '';
    if (!/^\d{1,5}$/.test(portText)) throw new Refusal(400, 'CONNECT needs host:port');
    return { host: head.target.slice(0, colon), port: Number(portText), path: '' };
  }
  if (!head.target.startsWith('http://')) throw new Refusal(400, 'a proxied request names an absolute http:// URL (https goes through CONNECT)');
  let url: URL;
  try {
    url = new URL(head.target);
  } catch {
    throw new Refusal(400, 'malformed URL');
  }
  if (url.username || url.password) throw new Refusal(400, 'credentials in the URL are not passed on');
  return { host: url.hostname, port: url.port ? Number(url.port) : 80, path: `${url.pathname}${url.search}` };
}

/** The request as the origin server reads it: origin-form, its own Host, one request per connection. */
function plainRequestHead(head: RequestHead, path: string, host: string, port: number): string {
  const drop = new Set(['host', 'connection', 'proxy-connection', 'proxy-authorization', 'keep-alive']);
  const lines = [`${head.method} ${path} ${head.version}`, `Host: ${port === 80 ? host : `${host}:${port}`}`];
  for (const [name, value] of head.headers) if (!drop.has(name.toLowerCase())) lines.push(`${name}: ${value}`);
  lines.push('Connection: close');
  return `${lines.join('\r\n')}\r\n\r\n`;
}

function connect(address: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: address, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`${address}:${port} did not answer in time`));
    }, CONNECT_TIMEOUT_MS);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      resolve(socket);
    });
    const onError = (err: Error) => {
      clearTimeout(timer);
      reject(new Error(`could not connect to ${address}:${port}: ${err.message}`));
    };
    socket.once('error', onError);
  });
}

/** Passes bytes both ways, counting them against the session's limits (a paused side waits its turn). */
function relay(client: net.Socket, upstream: net.Socket, limits: SessionLimits, entry: EgressLogEntry): void {
  const end = () => {
    client.destroy();
    upstream.destroy();
  };
  upstream.on('error', end);
  client.on('error', end);
  upstream.on('close', () => client.end());
  client.on('close', () => upstream.destroy());
  for (const s of [client, upstream]) s.setTimeout(IDLE_TIMEOUT_MS, end);
  const pass = (from: net.Socket, to: net.Socket, count: (n: number) => void) => {
    from.on('data', (chunk: Buffer) => {
      count(chunk.length);
      const full = !to.write(chunk);
      const wait = limits.passed(entry.session, chunk.length);
      if (wait === Infinity) {
        entry.reason = 'the session used its download allowance for the hour';
        end();
        return;
      }
      if (!full && wait === 0) return;
      from.pause();
      let pending = (full ? 1 : 0) + (wait > 0 ? 1 : 0);
      const resume = () => --pending === 0 && !from.destroyed && from.resume();
      if (full) to.once('drain', resume);
      if (wait > 0) setTimeout(resume, wait).unref();
    });
    from.on('end', () => to.end());
  };
  pass(client, upstream, (n) => (entry.up += n));
  pass(upstream, client, (n) => (entry.down += n));
  client.resume();
}

function answer(socket: net.Socket, status: number, reason: string): void {
  const text = `Berth's egress proxy: ${reason}.\n`;
  const title = STATUS_TEXT[status] ?? 'Error';
  socket.end(`HTTP/1.1 ${status} ${title}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
  // A peer that never closes its side after the answer holds nothing for long.
  setTimeout(() => socket.destroy(), 2000).unref();
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  408: 'Request Timeout',
  414: 'URI Too Long',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  501: 'Not Implemented',
  502: 'Bad Gateway',
};

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]).finally(() => clearTimeout(timer));
}
