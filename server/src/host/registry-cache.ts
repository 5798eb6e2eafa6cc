// The pull-through cache (BERTH_REGISTRY_UPSTREAM): a third docker-registry, in proxy mode, on its own disk.
// Proxy mode serves only what the upstream serves (blobs are checked against their digests) and refuses
// every push, manifest put and delete (405 UNSUPPORTED); read-only maintenance mode closes the upload
// routes once more without stopping the proxy's own writes. What it fetched it keeps for 7 days (the
// registry's proxy expiry), then fetches again when asked.
//
// docker-registry 2.8 asks the upstream once as it starts in proxy mode and exits (a Go panic) when it gets
// no answer: a cache (re)started while the Wi-Fi is down would be gone, with all it keeps. So without an
// answer it starts "kept only": the same storage served as a plain read-only registry, which is everything
// the cache fetched before. The host's check puts it back to pulling through once the upstream answers.
import fs from 'node:fs';
import type { Ids } from './service-users.js';

export interface RegistryCacheConfigOptions {
  storage: string;
  addr: string;
  upstream: { url: string; username?: string; password?: string };
  /** Only noted in the file, so that a new size restarts the cache on its new disk. */
  diskBytes: number;
  /** The upstream did not answer: serve what is kept, pull nothing. */
  keptOnly?: boolean;
}

export type RegistryCacheMode = 'pull-through' | 'kept only';

const KEPT_ONLY_NOTE = '# kept only: the upstream did not answer when the cache started';

export function registryCacheConfigText(o: RegistryCacheConfigOptions): string {
  const quoted = (s: string) => JSON.stringify(s); // a JSON string is a YAML double-quoted scalar
  return [
    `# cache disk: ${o.diskBytes} bytes`,
    ...(o.keptOnly ? [KEPT_ONLY_NOTE] : []),
    'version: 0.1',
    'log:',
    '  level: warn',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${o.storage}`,
    '  maintenance:',
    '    readonly:',
    '      enabled: true',
    // A copy cut short (the upstream went away, the disk filled) is an upload left behind: cleared hourly.
    '    uploadpurging:',
    '      enabled: true',
    '      age: 1h',
    '      interval: 1h',
    '      dryrun: false',
    '  delete:',
    '    enabled: false',
    'http:',
    `  addr: ${o.addr}`,
    ...(o.keptOnly
      ? []
      : [
          'proxy:',
          `  remoteurl: ${quoted(o.upstream.url)}`,
          ...(o.upstream.username && o.upstream.password ? [`  username: ${quoted(o.upstream.username)}`, `  password: ${quoted(o.upstream.password)}`] : []),
        ]),
    '',
  ].join('\n');
}

/** The mode a configuration written by registryCacheConfigText starts the cache in. */
export function registryCacheModeOf(configText: string): RegistryCacheMode {
  return configText.split('\n').includes(KEPT_ONLY_NOTE) ? 'kept only' : 'pull-through';
}

/**
 * Whether the upstream answers at all, as docker-registry asks it at start (GET /v2/): any HTTP status
 * counts (Docker Hub answers 401); no answer within the time does not.
 */
export async function upstreamAnswers(url: string, timeoutMs = 5000): Promise<boolean> {
  try {
    const res = await fetch(`${url.replace(/\/+$/, '')}/v2/`, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    await res.body?.cancel();
    return true;
  } catch {
    return false;
  }
}

/** Writes text into a file that is `owner`'s alone (0600), made private before the secret is in it. */
export function writePrivateFile(file: string, text: string, owner: Ids): void {
  const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW, 0o600);
  try {
    fs.fchmodSync(fd, 0o600);
    fs.fchownSync(fd, owner.uid, owner.gid);
    if (fs.readFileSync(fd, 'utf8') === text) return;
    fs.ftruncateSync(fd, 0);
    fs.writeSync(fd, text, 0);
  } finally {
    fs.closeSync(fd);
  }
}
