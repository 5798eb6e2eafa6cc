// `berth uninstall`: takes off the host everything Berth put there (Debian packages stay).
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { purgeEngine } from '../runtime/docker-runtime.js';
import type { Log } from './daemon.js';
import { removeFirewall } from './firewall.js';
import { httpAnswers } from './health-probes.js';
import { ENGINE_BRIDGE, REMAP_USER, RUN_DIR } from './host-network.js';
import { hostPaths, stopHostServices } from './host-services.js';
import { removePackageCacheDisk } from './package-cache.js';

const repoRoot = path.resolve(import.meta.dirname, '..', '..', '..');
/** Written by native/lxd/lxd-host.sh when it installed Debian's lxd itself. */
const LXD_INSTALLED_BY_BERTH = '/var/lib/lxd/berth-installed-lxd';
import { run } from './run-command.js';

export async function uninstallHost(config: Config, log: Log, opts: { keepData: boolean }): Promise<void> {
  if (await httpAnswers({ socketPath: config.engineSocket, path: '/_ping' })) {
    log(`removed ${await purgeEngine(config.engineSocket)} session containers and networks`);
  }
  const sessions = hostPaths(config).sessions;
  const mounts = (await run('findmnt', ['-rn', '-o', 'TARGET'], { allowFailure: true })).stdout
    .split('\n')
    .filter((m) => m.startsWith(sessions + path.sep));
  for (const m of mounts) await run('umount', ['-l', m], { allowFailure: true });
  log(`unmounted ${mounts.length} session disks`);
  if (config.manageHost) {
    await stopHostServices(config);
    await removePackageCacheDisk(hostPaths(config).aptCacheData);
    await removePackageCacheDisk(hostPaths(config).registryCacheData);
    log('stopped the session engine, the mirror, the registry cache and the package cache (and unmounted their disks)');
  }
  // The lxd runtime's host, where Berth set it up (native/lxd/lxd-host.sh).
  // Only when Berth installed it: an LXD the operator had before is theirs.
  if (fs.existsSync(LXD_INSTALLED_BY_BERTH)) {
    await run('bash', [path.join(repoRoot, 'native', 'lxd', 'lxd-host.sh'), 'down'], { allowFailure: true });
    log('took LXD off the host (native/lxd/lxd-host.sh down)');
  }
  await removeFirewall();
  log('removed the firewall chains');
  await run('ip', ['link', 'del', ENGINE_BRIDGE], { allowFailure: true });
  await run('ip', ['addr', 'del', `${config.serviceIp}/32`, 'dev', 'lo'], { allowFailure: true });
  log(`removed bridge ${ENGINE_BRIDGE} and ${config.serviceIp} from lo`);
  for (const file of ['/etc/subuid', '/etc/subgid']) {
    if (!fs.existsSync(file)) continue;
    const kept = fs.readFileSync(file, 'utf8').split('\n').filter((l) => !l.startsWith(`${REMAP_USER}:`));
    fs.writeFileSync(file, kept.join('\n'));
  }
  await run('userdel', [REMAP_USER], { allowFailure: true });
  log(`removed user ${REMAP_USER} and its subordinate ids`);
  fs.rmSync(RUN_DIR, { recursive: true, force: true });
  if (!opts.keepData) {
    fs.rmSync(config.dataDir, { recursive: true, force: true });
    log(`removed ${config.dataDir}`);
  } else log(`kept ${config.dataDir}`);
  log('done. Debian packages Berth installed (docker.io, docker-registry, apt-cacher-ng, …) are left in place.');
}
