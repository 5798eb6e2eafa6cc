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

