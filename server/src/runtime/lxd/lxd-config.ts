// The lxd runtime's options, and how Berth's config makes them (the registries are the app's to name: registryMirrors).
import type { Config } from '../../config.js';

export interface LxdRuntimeOptions {
  socketPath: string;
  instance: string;
  /** The session image's alias (native/lxd/build-lxd-image.sh). */
  image: string;
  pool: string;
  network: string;
  memoryBytes: number;
  cpus: number;
  pidsLimit: number;
  diskBytes: number;
  serviceIp: string;
  registryMirrors: string[];
  readyTimeoutMs: number;
  shellEnv?: string[];
  /** In a cluster, the member on this machine: its sandboxes' addresses are reachable from here. Unset: the member whose socket is used. */
  member?: string;
  /** How shells and lesson checks reach the sandbox: its terminal server (berth-term; LXD exec when it does not answer), or LXD exec only. */
  terminal?: 'server' | 'exec';
}

export function lxdRuntimeOptions(config: Config): Omit<LxdRuntimeOptions, 'registryMirrors'> {
  return {
    socketPath: config.lxd.socket,
    instance: config.instance,
    image: config.lxd.image,
    pool: config.lxd.pool,
    network: config.lxd.network,
    member: config.lxd.member,
    memoryBytes: config.memoryBytes,
    cpus: config.cpus,
    pidsLimit: config.pidsLimit,
    diskBytes: config.diskBytes,
    serviceIp: config.serviceIp,
    readyTimeoutMs: config.readyTimeoutMs,
    terminal: config.terminal,
  };
}
