// Everything Berth runs on the host beside its server: the session engine (a dockerd of its own with
// user-namespace remapping), the registry mirror, the Debian package cache, and the network they share.
import fs from 'node:fs';
import path from 'node:path';
import { type Config, formatSize } from '../config.js';
import { readHostAptSources } from './apt-sources.js';
import { type DaemonSpec, type Log, ensureDaemon, stopDaemon } from './daemon.js';
import { applyFirewall, ensureFirewall } from './firewall.js';
import { httpAnswers, tcpAnswers } from './health-probes.js';
import { raiseKernelLimits } from './kernel-limits.js';
import { rotateLogsIn } from './log-rotation.js';
import { MIRROR_PUSH_ADDR, mirrorConfigText } from './mirror.js';
import { type RegistryCacheMode, registryCacheConfigText, registryCacheModeOf, upstreamAnswers, writePrivateFile } from './registry-cache.js';
import { egressAllowList, egressSpec } from '../egress/egress-daemon.js';
import { ensurePackageCacheDisk, packageCacheConfigText } from './package-cache.js';
import { ENGINE_BRIDGE, RUN_DIR, ensureHostNetwork, remappedUid } from './host-network.js';
import { APT_CACHE_USER, MIRROR_USER, ensureServiceUser, userIds } from './service-users.js';
import { ensureTunDevice, tunDevicePath } from './tun-device.js';


export function hostPaths(config: Config) {
  const d = config.dataDir;
  return {
    engineData: path.join(d, 'engine'),
    logs: path.join(d, 'logs'),
    mirrorData: path.join(d, 'mirror'),
    mirrorConfig: path.join(d, 'mirror.yml'),
    /** The writable registry on the host's loopback that build-images.sh runs while it pushes (mirror.ts). */
    mirrorPushConfig: path.join(d, 'mirror-push.yml'),
    aptCacheDir: path.join(d, 'apt-cache'),
    /** The mount point of the package cache's own disk (package-cache.ts), and that disk's file. */
    aptCacheData: path.join(d, 'apt-cache', 'cache'),
    aptCacheDisk: path.join(d, 'apt-cache', 'cache.ext4'),
    /** The pull-through cache (BERTH_REGISTRY_UPSTREAM): its configuration (0600: it may hold the upstream's password), its disk. */
    registryCacheConfig: path.join(d, 'registry-cache.yml'),
    registryCacheData: path.join(d, 'registry-cache', 'cache'),
    registryCacheDisk: path.join(d, 'registry-cache', 'cache.ext4'),
    seccompProfile: path.join(d, 'seccomp.json'),
    /** Built by native/build-images.sh from native/host/berth-listeners.c (see runtime/listeners-reader.ts). */
    listenersHelper: path.join(d, 'bin', 'berth-listeners'),
    sessions: path.join(d, 'sessions'),
    tunDevice: tunDevicePath(d),
  };
}

export function engineSpec(config: Config): DaemonSpec {
  const p = hostPaths(config);
  return {
    name: 'session engine',
    command: 'dockerd',
    args: [
      '--userns-remap=default',
      `--data-root=${p.engineData}`,
      `--exec-root=${RUN_DIR}/exec`,
      `--pidfile=${RUN_DIR}/engine.pid`,
      `--host=unix://${config.engineSocket}`,
      `--bridge=${ENGINE_BRIDGE}`,
      '--iptables=false',
      '--ip-masq=false',
      '--ip-forward=false',
      `--insecure-registry=${config.serviceIp}:${config.mirrorPort}`,
      // One small network per session: Docker's default pools hold only ~31 networks, which would cap
      // the host at ~31 sessions. A /29 each, from a /12 kept clear of the inner engines' pools.
      '--default-address-pool=base=10.224.0.0/12,size=29',
      '--storage-driver=overlay2',
      '--log-opt=max-size=1m',
      '--log-opt=max-file=2',
      // Sessions outlive a restart of the engine (measured here with --userns-remap: the containers keep
      // running, only exec streams break, so terminals get a fresh shell).
      '--live-restore',
    ],
    pidFile: `${RUN_DIR}/engine.pid`,
    ownPidFile: true,
    argsFile: `${RUN_DIR}/engine.args`,
    logFile: path.join(p.logs, 'engine.log'),
    healthy: () => httpAnswers({ socketPath: config.engineSocket, path: '/_ping' }),
    startTimeoutMs: 60_000,
    childPidFiles: [{ file: `${RUN_DIR}/exec/containerd/containerd.pid`, command: 'containerd' }],
  };
}

export function mirrorSpec(config: Config): DaemonSpec {
  const p = hostPaths(config);
  return {
    name: 'registry mirror',
    command: 'docker-registry',
    args: ['serve', p.mirrorConfig],
    pidFile: `${RUN_DIR}/mirror.pid`,
    // A mirror started with another mirror.yml (an older Berth's, writable) is restarted.
    argsFile: `${RUN_DIR}/mirror.args`,
    configFiles: [p.mirrorConfig],
    logFile: path.join(p.logs, 'mirror.log'),
    user: MIRROR_USER.name,
    dataDirs: [p.mirrorData],
    healthy: () => httpAnswers({ url: `http://${config.serviceIp}:${config.mirrorPort}/v2/` }),
  };
}

export function registryCacheSpec(config: Config): DaemonSpec {
  const p = hostPaths(config);
  return {
    name: 'registry cache',
    command: 'docker-registry',
    args: ['serve', p.registryCacheConfig],
    pidFile: `${RUN_DIR}/registry-cache.pid`,
    argsFile: `${RUN_DIR}/registry-cache.args`,
    configFiles: [p.registryCacheConfig],
    logFile: path.join(p.logs, 'registry-cache.log'),
    user: MIRROR_USER.name,
    dataDirs: [p.registryCacheData],
    healthy: () => httpAnswers({ url: `http://${config.serviceIp}:${config.registryCachePort}/v2/` }),
  };
}

/** The daemons this configuration runs (the cache only with an upstream), in start order. */
/** The daemons this configuration runs: the registry cache only with an upstream, the egress proxy only when BERTH_EGRESS allows it. */
async function hostDaemons(config: Config): Promise<DaemonSpec[]> {
  const specs = [engineSpec(config), mirrorSpec(config), aptCacheSpec(config)];
  if (config.registryUpstream) specs.push(registryCacheSpec(config));
  if (config.egress.mode !== 'off') specs.push(egressSpec(config, await egressAllowList(config)));
  return specs;
}

export function aptCacheSpec(config: Config): DaemonSpec {
  const p = hostPaths(config);
  return {
    name: 'package cache',
    command: 'apt-cacher-ng',
    args: ['-c', path.join(p.aptCacheDir, 'conf'), 'ForeGround=1'],
    pidFile: `${RUN_DIR}/apt-cache.pid`,
    argsFile: `${RUN_DIR}/apt-cache.args`,
    configFiles: [path.join(p.aptCacheDir, 'conf', 'acng.conf')],
    logFile: path.join(p.logs, 'apt-cache.log'),
    user: APT_CACHE_USER.name,
    dataDirs: [p.aptCacheData, path.join(p.aptCacheDir, 'log')],
    healthy: () => tcpAnswers(config.serviceIp, config.aptCachePort),
  };
}

/** Idempotent: brings every host part up, starting only what is not running. */
export async function ensureHostServices(config: Config, log: Log): Promise<void> {
  for (const change of raiseKernelLimits()) log(`kernel limit raised for many sessions: ${change}`);
  await ensureHostNetwork(config);
  const tun = await ensureTunDevice(hostPaths(config).tunDevice, remappedUid(1000), remappedUid(1000, '/etc/subgid'));
  if (tun !== 'ok') log(`tun device for sessions: ${tun} ${hostPaths(config).tunDevice} (only the sessions' uid may open it)`);
  writeServiceConfigs(config);
  const p = hostPaths(config);
  for (const user of [MIRROR_USER, APT_CACHE_USER]) await ensureServiceUser(user);
  if ((await writeRegistryCacheConfig(config)) === 'kept only') {
    log(`registry cache: ${config.registryUpstream!.url} does not answer; serving only what the cache keeps until it does`);
  }
  rotateHostLogs(config, log);
  if ((await ensurePackageCacheDisk(p.aptCacheData, p.aptCacheDisk, config.packageCacheBytes)) === 'made') {
    log(`package cache: a disk of its own, ${formatSize(config.packageCacheBytes)} (BERTH_PACKAGE_CACHE_SIZE)`);
  }
  if (config.registryUpstream) {
    // A new size makes a new disk; the cache's configuration notes the size, so it restarts onto it.
    if ((await ensurePackageCacheDisk(p.registryCacheData, p.registryCacheDisk, config.registryCacheBytes)) === 'made') {
      log(`registry cache: a disk of its own, ${formatSize(config.registryCacheBytes)} (BERTH_REGISTRY_CACHE_SIZE)`);
    }
  } else if (await stopDaemon(registryCacheSpec(config))) {
    log('registry cache: stopped (BERTH_REGISTRY_UPSTREAM is no longer set)');
  }
  for (const spec of await hostDaemons(config)) {
    const how = await ensureDaemon(spec, log);
    log(`${spec.name}: ${how === 'started' ? 'started' : 'running'}`);
  }
  if (config.egress.mode === 'off') {
    if (await stopDaemon(egressSpec(config, []))) log('egress proxy: stopped (BERTH_EGRESS=off)');
  } else log(`egress proxy: sessions may reach ${(await egressAllowList(config)).join(', ') || 'no host (BERTH_EGRESS_HOSTS is empty)'}`);
  await applyFirewall(firewallOptions(config));
  const reachable = ['the mirror', ...(config.registryUpstream ? ['the registry cache'] : []), 'the package cache', ...(config.egress.mode === 'off' ? [] : ['the egress proxy'])];
  log(`firewall: session bridges may reach only ${reachable.slice(0, -1).join(', ')} and ${reachable.at(-1)}`);
}

/** The periodic check: restarts a daemon that died and restores the firewall if it was flushed. */
export async function reviveHostServices(config: Config, log: Log): Promise<void> {
  rotateHostLogs(config, log);
  for (const spec of await hostDaemons(config)) {
    if (spec.name === registryCacheSpec(config).name) {
      await keepRegistryCacheCurrent(config, spec, log);
      continue;
    }
    if (await spec.healthy()) continue;
    log(`${spec.name} is not answering; starting it again`);
    await ensureDaemon(spec, log);
  }
  const tun = await ensureTunDevice(hostPaths(config).tunDevice, remappedUid(1000), remappedUid(1000, '/etc/subgid'));
  if (tun !== 'ok') log(`the sessions' tun device was ${tun === 'made' ? 'missing' : 'changed'}; restored it`);
  if (await ensureFirewall(firewallOptions(config))) log('firewall rules were missing, emptied or no longer first; restored them');
}

/** The daemons' output and apt-cacher-ng's own logs, kept to 10 MB and two older files each. */
function rotateHostLogs(config: Config, log: Log): void {
  const p = hostPaths(config);
  for (const problem of rotateLogsIn([p.logs, path.join(p.aptCacheDir, 'log')]).failed) log(`log rotation: ${problem}`);
}

/** The registry cache's and the egress proxy's ports are open to sessions only while they are configured (nothing else may listen there). */
export const firewallOptions = (config: Config) => ({
  serviceIp: config.serviceIp,
  allowedPorts: [
    config.mirrorPort,
    config.aptCachePort,
    ...(config.registryUpstream ? [config.registryCachePort] : []),
    ...(config.egress.mode === 'off' ? [] : [config.egress.port]),
  ],
});

export async function stopHostServices(config: Config): Promise<void> {
  for (const spec of [egressSpec(config, []), registryCacheSpec(config), aptCacheSpec(config), mirrorSpec(config), engineSpec(config)]) await stopDaemon(spec);
}

/** The mirror's and the package cache's configuration: root's, readable by the services' users. */
export function writeServiceConfigs(config: Config): void {
  const p = hostPaths(config);
  for (const dir of [p.logs, p.mirrorData, p.sessions, ...['log', 'conf'].map((d) => path.join(p.aptCacheDir, d))]) {
    fs.mkdirSync(dir, { recursive: true });
  }
  writeIfChanged(p.mirrorConfig, mirrorConfigText({ storage: p.mirrorData, addr: `${config.serviceIp}:${config.mirrorPort}`, writable: false }));
  writeIfChanged(p.mirrorPushConfig, mirrorConfigText({ storage: p.mirrorData, addr: MIRROR_PUSH_ADDR, writable: true }));
  const apt = readHostAptSources();
  const conf = path.join(p.aptCacheDir, 'conf');
  writeIfChanged(path.join(conf, 'backends_debian'), `${apt.archive}/\n`);
  writeIfChanged(path.join(conf, 'backends_security'), `${apt.security || apt.archive.replace(/\/debian$/, '/debian-security')}/\n`);
  writeIfChanged(
    path.join(conf, 'acng.conf'),
    packageCacheConfigText({
      cacheDir: p.aptCacheData,
      logDir: path.join(p.aptCacheDir, 'log'),
      bindAddress: config.serviceIp,
      port: config.aptCachePort,
      apt,
      diskBytes: config.packageCacheBytes,
    }),
  );
}

/**
 * The registry cache's configuration (registry-cache.ts), or none without an upstream: pulling through when
 * the upstream answers now, else serving only what it keeps.
 */
export async function writeRegistryCacheConfig(config: Config, upstreamAnswered?: boolean): Promise<RegistryCacheMode | null> {
  const p = hostPaths(config);
  if (!config.registryUpstream) {
    fs.rmSync(p.registryCacheConfig, { force: true });
    return null;
  }
  const mode = (upstreamAnswered ?? (await upstreamAnswers(config.registryUpstream.url))) ? 'pull-through' : 'kept only';
  const text = registryCacheConfigText({
    storage: p.registryCacheData,
    addr: `${config.serviceIp}:${config.registryCachePort}`,
    upstream: config.registryUpstream,
    diskBytes: config.registryCacheBytes,
    keptOnly: mode === 'kept only',
  });
  writePrivateFile(p.registryCacheConfig, text, await userIds(MIRROR_USER.name));
  return mode;
}

/**
 * The host check's part for the cache: one pulling through is left alone (it serves what it keeps while the
 * upstream is away); one serving only what it keeps is restarted to pull through once the upstream answers;
 * one that is down starts in the mode the upstream allows now.
 */
export async function keepRegistryCacheCurrent(config: Config, spec: DaemonSpec, log: Log): Promise<void> {
  if (!config.registryUpstream) return;
  const file = hostPaths(config).registryCacheConfig;
  const was = fs.existsSync(file) ? registryCacheModeOf(fs.readFileSync(file, 'utf8')) : null;
  const healthy = await spec.healthy();
  if (healthy && was === 'pull-through') return;
  const answers = await upstreamAnswers(config.registryUpstream.url);
  if (healthy && !answers) return;
  const mode = await writeRegistryCacheConfig(config, answers);
  if (!healthy) log(`${spec.name} is not answering; starting it again (${mode === 'kept only' ? `serving only what it keeps: ${config.registryUpstream.url} does not answer` : 'pulling through'})`);
  else log(`${spec.name}: ${config.registryUpstream.url} answers again; restarting it to pull through`);
  await ensureDaemon(spec, log);
}

function writeIfChanged(file: string, text: string): void {
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === text) return;
  fs.writeFileSync(file, text);
}
