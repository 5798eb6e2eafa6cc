// The cookie a ticket is traded for on the ports origin. It proves "this browser was given this session's
// port links" and nothing else: it is derived from the session's stored token hash (so it survives a server
// restart and dies with the session), and it can open no API call, terminal or other session.
import crypto from 'node:crypto';
import { PORT_COOKIE } from '@berth/shared';
import type { Session } from '../sessions/session.js';
import type { PortsOrigin, PortRoute } from './ports-origin.js';

export function portPass(session: Pick<Session, 'id' | 'tokenHash'>): string {
  const mac = crypto.createHmac('sha256', Buffer.from(session.tokenHash, 'hex')).update(`berth port links of ${session.id}`).digest('base64url');
  return `${session.id}.${mac}`;
}

export function passMatches(session: Pick<Session, 'id' | 'tokenHash'>, value: string): boolean {
  const a = Buffer.from(portPass(session));
  const b = Buffer.from(value);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/**
 * The cookie's name and attributes. Per link, on https: `__Host-` (this host only, https only, no Domain);
 * on a shared origin, scoped to the link's path (`__Secure-` on https: a `__Host-` cookie must have Path=/).
 */
export function portCookieName(origin: PortsOrigin): string {
  if (!origin.secure) return PORT_COOKIE;
  return origin.mode === 'per-link' ? `__Host-${PORT_COOKIE}` : `__Secure-${PORT_COOKIE}`;
}

export function portCookie(origin: PortsOrigin, route: PortRoute, value: string): string {
  const secure = origin.secure ? '; Secure' : '';
  // Lax, not Strict: the first request comes from Berth's page, another site as far as the browser knows.
  return `${portCookieName(origin)}=${value}; Path=${route.prefix || '/'}; HttpOnly; SameSite=Lax${secure}`;
}
