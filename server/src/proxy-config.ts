// BERTH_PUBLIC_URL and BERTH_TRUST_PROXY: how Berth is reached when a reverse proxy stands in front of it.
import type http from 'node:http';
import net from 'node:net';
import proxyAddr from '@fastify/proxy-addr';

/** Fastify's `trustProxy`: off, every hop, a hop count, or the proxies' addresses and networks. */
export type TrustProxy = boolean | number | string[];

/** The address visitors use, as an origin ("https://try.example.org"); null when unset. */
export function parsePublicUrl(raw: string | undefined, problems: string[]): string | null {
  if (raw === undefined || raw === '') return null;
  const wrong = (why: string) => {
    problems.push(`BERTH_PUBLIC_URL=${raw} must be the address visitors open, like https://try.example.org (${why})`);
    return null;
  };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return wrong('not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return wrong('http or https only');
  if (url.username || url.password) return wrong('no user or password');
  if (url.pathname !== '/' || url.search || url.hash || /[?#]/.test(raw)) return wrong('no path, query or fragment: Berth is served at the root');
  return url.origin;
}

// proxy-addr's names for address ranges, accepted as Fastify accepts them.
const RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** Unset or "false": X-Forwarded-For is ignored. "true", a hop count, or a comma list of addresses/CIDRs. */
export function parseTrustProxy(raw: string | undefined, problems: string[]): TrustProxy {
  const text = raw?.trim() ?? '';
  if (text === '' || text === 'false') return false;
  if (text === 'true') return true;
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops >= 1 && hops <= 20) return hops;
    problems.push(`BERTH_TRUST_PROXY=${raw}: a hop count is a whole number from 1 to 20 (or leave it unset to trust no proxy)`);
    return false;
  }
  const items = text.split(',').map((s) => s.trim());
  const bad = items.filter((item) => !RANGE_NAMES.has(item) && !isAddressOrNetwork(item));
  if (bad.length) {
    problems.push(`BERTH_TRUST_PROXY=${raw}: ${bad.map((b) => `"${b}"`).join(', ')} is not an address or network (use true, a hop count, or a comma list like 127.0.0.1,10.0.0.0/8)`);
    return false;
  }
  return items;
}

function isAddressOrNetwork(item: string): boolean {
  const [address = '', prefix, ...rest] = item.split('/');
  const family = net.isIP(address);
  if (!family || rest.length) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * As Fastify takes it. A hop count becomes "trust the nearest N hops" (Fastify itself ignores a number):
 * right only when nothing reaches Berth but through the proxy.
 */
export function fastifyTrustProxy(trust: TrustProxy): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trust !== 'number') return trust;
  return (_address, hop) => hop < trust;
}

/**
 * A request's visitor address as Fastify's request.ip gives it, for the listener outside Fastify (port links):
 * the connection's address, or with BERTH_TRUST_PROXY what the trusted proxies say in X-Forwarded-For.
 */
export function clientAddressOf(trust: TrustProxy): (req: http.IncomingMessage) => string {
  const t = fastifyTrustProxy(trust);
  if (t === false) return (req) => req.socket.remoteAddress ?? '';
  const trusted = typeof t === 'function' ? t : t === true ? () => true : proxyAddr.compile(t);
  return (req) => proxyAddr(req, trusted);
}
