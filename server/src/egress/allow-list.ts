// Which hosts a session may reach through the egress proxy: names only (never an address), each allowed
// exactly or with all its subdomains ("*.example.org"), on the ports the proxy speaks.
import net from 'node:net';

/** CONNECT (TLS) to 443, plain HTTP to 80: what package managers and code hosts use. */
export const EGRESS_PORTS: readonly number[] = [443, 80];
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export type HostVerdict = { ok: true; host: string } | { ok: false; reason: string };

/** A host name as sent (any case, one trailing dot): its canonical form, or why it is not one. */
export function hostName(raw: string): HostVerdict {
  if (raw.startsWith('[') || net.isIP(raw)) return { ok: false, reason: 'an IP address, not a host name' };
  const host = raw.toLowerCase().replace(/\.$/, '');
  if (host.length === 0 || host.length > 253) return { ok: false, reason: 'not a host name' };
  const labels = host.split('.');
  if (!labels.every((l) => LABEL.test(l))) return { ok: false, reason: 'not a host name' };
  // 2130706433, 0x7f.1, 127.1: numeric forms some resolvers read as addresses.
  const last = labels.at(-1)!;
  if (/^(\d+|0x[0-9a-f]*)$/.test(last)) return { ok: false, reason: 'an IP address, not a host name' };
  return { ok: true, host };
}

export class HostAllowList {
  private readonly exact = new Set<string>();
  private readonly suffixes: string[] = [];

  /** Entries: `host` or `*.host`, already validated (parseEgressHosts). */
  constructor(entries: readonly string[]) {
    for (const e of entries) {
      if (e.startsWith('*.')) this.suffixes.push(e.slice(1));
      else this.exact.add(e);
    }
  }

  allows(host: string): boolean {
    if (this.exact.has(host)) return true;
    return this.suffixes.some((s) => host.endsWith(s));
  }

  get entries(): string[] {
    return [...this.exact, ...this.suffixes.map((s) => `*${s}`)];
  }
}

/** A comma or space list of host names (or `*.` patterns, or URLs whose host is taken): entries, and problems. */
export function parseEgressHosts(text: string | undefined): { hosts: string[]; problems: string[] } {
  const hosts: string[] = [];
  const problems: string[] = [];
  for (const word of (text ?? '').split(/[\s,]+/).filter(Boolean)) {
    let raw = word;
    if (/^[a-z]+:\/\//i.test(raw)) {
      try {
        raw = new URL(raw).hostname;
      } catch {
        problems.push(`${word} is not a URL`);
        continue;
      }
    }
    const wildcard = raw.startsWith('*.');
    const v = hostName(wildcard ? raw.slice(2) : raw);
    if (!v.ok) problems.push(`${word} is ${v.reason}`);
    else if (wildcard && !v.host.includes('.')) problems.push(`${word} would allow a whole top-level domain`);
    else hosts.push(wildcard ? `*.${v.host}` : v.host);
  }
  return { hosts: [...new Set(hosts)], problems };
}
