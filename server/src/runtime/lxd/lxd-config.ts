// The lxd runtime's options from Berth's config (the registries are the app's to name: registryMirrors).
import type { Config } from '../../config.js';
import type { LxdRuntimeOptions } from './lxd-runtime.js';

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
