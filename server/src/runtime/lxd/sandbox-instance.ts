// What LXD is asked for when a sandbox is made: an unprivileged system container of the session image with
// nesting on (the rootful dockerd inside), a uid range of Berth's choosing (idmap-slots.ts), the session's
// limits, a root disk of the session's size on the pool, and its NIC on the sandboxes' bridge, isolated from
// the other sandboxes' NICs. user.berth.* keys say whose sandbox it is.
import { processBudget } from '../runtime.js';
import type { LxdRuntimeOptions } from './lxd-config.js';

export const LXD_SESSION_KEY = 'user.berth.session';
export const LXD_INSTANCE_KEY = 'user.berth.instance';

export function sandboxInstance(o: LxdRuntimeOptions, id: string, name: string, slot: { base: number; size: number }) {
  return {
    name,
    type: 'container',
    source: { type: 'image', alias: o.image },
    profiles: [],
    config: {
      'security.nesting': 'true',
      'security.idmap.isolated': 'true',
      'security.idmap.base': String(slot.base),
      'security.idmap.size': String(slot.size),
      'limits.memory': String(o.memoryBytes),
      'limits.memory.swap': 'false',
      'limits.memory.enforce': 'hard',
      // A quota of CPU time per 100 ms (a hard limit, as the docker runtime's NanoCpus); a percentage would only
      // be a share, and a sandbox alone on the host took 1.94 cores with "100%".
      'limits.cpu.allowance': `${Math.round(o.cpus * 100)}ms/100ms`,
      'limits.processes': String(o.pidsLimit),
      'boot.autostart': 'false',
      // A member emptied for maintenance stops its sandboxes: Berth starts its visitors anew elsewhere
      // (sessions/lost-hosts.ts) rather than LXD copying a live engine's disk across.
      'cluster.evacuate': 'stop',
      'environment.BERTH_SERVICE_IP': o.serviceIp,
      'environment.BERTH_REGISTRY_MIRRORS': o.registryMirrors.join(' '),
      'environment.BERTH_NESTED_PROCESSES': String(processBudget(o.pidsLimit).nested),
      [LXD_SESSION_KEY]: id,
      [LXD_INSTANCE_KEY]: o.instance,
    },
    devices: {
      root: { type: 'disk', path: '/', pool: o.pool, size: `${o.diskBytes}B` },
      eth0: { type: 'nic', name: 'eth0', network: o.network, 'security.port_isolation': 'true' },
    },
  };
}
