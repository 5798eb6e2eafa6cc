// The host's own Debian mirror, read from its apt configuration, so Berth works behind any mirror
// and never hard-codes a package host.
import fs from 'node:fs';
import path from 'node:path';

export interface AptSources {
  /** e.g. http://mirror.example/debian */
  archive: string;
  /** e.g. http://mirror.example/debian-security (may be empty when the host has none) */
  security: string;
}

export function readHostAptSources(etcApt = '/etc/apt'): AptSources {
  const uris: string[] = [];
  const listFile = path.join(etcApt, 'sources.list');
  if (fs.existsSync(listFile)) {
    for (const line of fs.readFileSync(listFile, 'utf8').split('\n')) {
      const m = /^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)/.exec(line);
      if (m) uris.push(m[1]!);
    }
  }
  const dir = path.join(etcApt, 'sources.list.d');
  for (const name of fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []) {
    const text = fs.readFileSync(path.join(dir, name), 'utf8');
    if (name.endsWith('.sources')) {
      for (const stanza of text.split(/\n\s*\n/)) {
        if (/^Enabled:\s*no/im.test(stanza) || !/^Types:.*\bdeb\b/im.test(stanza)) continue;
        const m = /^URIs:\s*(.+)$/im.exec(stanza);
        if (m) uris.push(...m[1]!.trim().split(/\s+/));
      }
    } else if (name.endsWith('.list')) {
      for (const line of text.split('\n')) {
        const m = /^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)/.exec(line);
        if (m) uris.push(m[1]!);
      }
    }
  }
  const clean = (u: string) => u.replace(/\/+$/, '');
  const http = uris.filter((u) => /^https?:\/\//.test(u)).map(clean);
  const security = http.find((u) => /security/.test(u)) ?? '';
  const archive = http.find((u) => !/security/.test(u) && /debian/.test(u)) ?? http.find((u) => !/security/.test(u));
  if (!archive) throw new Error(`No Debian archive found in ${etcApt}/sources.list or sources.list.d: Berth builds its images from it`);
  return { archive, security };
}

/** "http://host/path" -> "host/path", as apt-cacher-ng's Remap lines want it. */
export const hostAndPath = (uri: string) => uri.replace(/^https?:\/\//, '');
