// The registry mirror every session pulls from is shared by all visitors, so sessions may only read it.
// Two docker-registry processes share one storage folder: the one sessions reach on the service address
// runs read-only (storage.maintenance.readonly: only GET and HEAD, 405 for any upload or delete), and a
// writable one on the host's loopback, started by native/build-images.sh only while it pushes Berth's
// starter images. A session cannot reach the host's loopback: the kernel never routes 127.0.0.0/8 in from
// another interface (route_localnet is 0), and the firewall lets sessions reach only the service ports.

/** Where build-images.sh runs the writable registry while it pushes (Docker treats 127.0.0.0/8 as insecure). */
export const MIRROR_PUSH_ADDR = '127.0.0.1:5001';

export interface MirrorConfigOptions {
  storage: string;
  /** host:port the registry listens on. */
  addr: string;
  writable: boolean;
}

export function mirrorConfigText(o: MirrorConfigOptions): string {
  return [
    'version: 0.1',
    'log:',
    '  level: warn',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${o.storage}`,
    // The served side: no upload, no delete, for anyone. The writer may push but never deletes either.
    ...(o.writable ? [] : ['  maintenance:', '    readonly:', '      enabled: true']),
    '  delete:',
    '    enabled: false',
    'http:',
    `  addr: ${o.addr}`,
    '',
  ].join('\n');
}

// The pull-through cache (BERTH_REGISTRY_UPSTREAM): a third docker-registry, in proxy mode, on its own disk.
// Proxy mode serves only what the upstream serves (blobs are checked against their digests) and refuses
// every push, manifest put and delete (405 UNSUPPORTED); read-only maintenance mode closes the upload
// routes once more without stopping the proxy's own writes. What it fetched it keeps for 7 days (the
// registry's proxy expiry), then fetches again when asked.
export interface RegistryCacheConfigOptions {
  storage: string;
  addr: string;
  upstream: { url: string; username?: string; password?: string };
  /** Only noted in the file, so that a new size restarts the cache on its new disk. */
  diskBytes: number;
}

export function registryCacheConfigText(o: RegistryCacheConfigOptions): string {
  const quoted = (s: string) => JSON.stringify(s); // a JSON string is a YAML double-quoted scalar
  return [
    `# cache disk: ${o.diskBytes} bytes`,
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
    'proxy:',
    `  remoteurl: ${quoted(o.upstream.url)}`,
    ...(o.upstream.username && o.upstream.password ? [`  username: ${quoted(o.upstream.username)}`, `  password: ${quoted(o.upstream.password)}`] : []),
    '',
  ].join('\n');
}
