// What passes between the visitor's browser and the app, in each direction. The app's own cookies and
// Authorization are its business and pass; Berth's port cookie does not reach the app, and an app may not
// answer with headers that reach past its own link into the browser's state for other links or for Berth.
import type http from 'node:http';
import { PORT_COOKIE } from '@berth/shared';
import type { PortRoute } from './ports-origin.js';

/** Response headers an app never gets to send to the browser. */
const DROPPED = new Set([
  'service-worker-allowed', // a worker's scope past the app's own path
  'clear-site-data', // wipes the storage of every link on the origin
  'strict-transport-security', // pins the whole host (and maybe its subdomains) to https
  'public-key-pins',
  'alt-svc',
]);

/** Request headers that say who the visitor is: Berth's proxy may pass them to Berth, never to an app. */
const VISITOR_ADDRESS = ['x-forwarded-for', 'forwarded', 'x-real-ip'];

/**
 * The request headers the app gets: the browser's, without Berth's port cookie or the visitor's address, with
 * the Host it listens on.
 */
export function requestHeadersForApp(headers: http.IncomingHttpHeaders, port: number): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = { ...headers, host: `localhost:${port}` };
  for (const name of VISITOR_ADDRESS) delete out[name];
  const cookies = (headers.cookie ?? '')
    .split(';')
    .map((c) => c.trim())
    .filter((c) => c && !isBerthCookie(c.slice(0, Math.max(0, c.indexOf('=')))));
  if (cookies.length) out.cookie = cookies.join('; ');
  else delete out.cookie;
  return out;
}

/** The response headers the browser gets from the app (names as Node lowercases them). */
export function responseHeadersForBrowser(headers: http.IncomingHttpHeaders, route: PortRoute): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || DROPPED.has(name)) continue;
    if (name === 'set-cookie') {
      const kept = (value as string[]).map((c) => appCookie(c, route)).filter((c): c is string => c !== null);
      if (kept.length) out[name] = kept;
    } else out[name] = value;
  }
  return out;
}

/** berth_port, and any name an app could use to pass for one of Berth's (prefixes and case aside). */
function isBerthCookie(name: string): boolean {
  return /^(__host-|__secure-)?berth/i.test(name.trim()) || name.trim() === PORT_COOKIE;
}

/**
 * An app's Set-Cookie, kept to its own link: none under Berth's names, no Domain (which would reach sibling
 * links or Berth's host), and on a shared origin a Path inside the link's own prefix.
 */
function appCookie(cookie: string, route: PortRoute): string | null {
  const parts = cookie.split(';');
  const eq = parts[0]!.indexOf('=');
  if (eq < 0 || isBerthCookie(parts[0]!.slice(0, eq))) return null;
  const kept = [parts[0]!];
  for (const attr of parts.slice(1)) {
    const key = attr.split('=', 1)[0]!.trim().toLowerCase();
    if (key === 'domain') continue;
    if (key === 'path' && route.prefix) {
      const value = attr.slice(attr.indexOf('=') + 1).trim();
      kept.push(` Path=${route.prefix}${value.startsWith('/') ? value : '/'}`);
      continue;
    }
    kept.push(attr);
  }
  return kept.join(';');
}
