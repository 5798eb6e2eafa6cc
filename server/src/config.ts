// Configuration from the environment (BERTH_*), validated once at boot.
import os from 'node:os';
import path from 'node:path';
import { parsePublicUrl, parseTrustProxy, type TrustProxy } from './proxy-config.js';
import { parsePortsUrl } from './ports/ports-origin.js';
import { parseEgressHosts } from './egress/allow-list.js';
import { parseOidc, type OidcConfig } from './people/oidc-config.js';
import { parseDatabaseUrl } from './store/database-url.js';

export interface Config {
  /** HTTP port the server listens on. */
  port: number;
  host: string;
  /** Where Berth keeps its state: engine data-root, session disks, mirror storage, logs. */
  dataDir: string;
  /** Docker engine for sessions: a unix socket path. */
  engineSocket: string;
  /** Where sandboxes run (BERTH_RUNTIME): Berth's own Docker engine on this host (default), or an LXD cluster. */
  runtime: 'docker' | 'lxd';
  /** The lxd runtime's daemon, session image, storage pool and sandboxes' network (native/lxd/lxd-host.sh makes them). */
  lxd: { socket: string; image: string; pool: string; network: string; member?: string };
  /** True when Berth starts and supervises the session engine and its services itself. */
  manageHost: boolean;
  /** Separates the sessions of several Berth servers sharing one engine (tests, staging). */
  instance: string;
  sessionImage: string;
  /** Fixed address on the host's lo where sessions reach the mirror and the package cache. */
  serviceIp: string;
  mirrorPort: number;
  aptCachePort: number;
  /** The pull-through cache of a public registry (BERTH_REGISTRY_UPSTREAM); null: offline only. */
  registryUpstream: RegistryUpstream | null;
  /** Where sessions reach the cache on the service address (only when registryUpstream is set). */
  registryCachePort: number;
  /** The cache's own disk: all that visitors' pulls can make it store on the host. */
  registryCacheBytes: number;
  sessionTtlMs: number;
  idleTimeoutMs: number;
  /** A visible tab counts as activity for up to this long after the last keystroke. */
  idleVisibleTimeoutMs: number;
  /** A session quiet this long (no keystroke, no port link, its sandbox nearly idle) has its sandbox frozen until used; 0: never (naps/). */
  napAfterMs: number;
  memoryBytes: number;
  cpus: number;
  pidsLimit: number;
  diskBytes: number;
  /** The package cache's own disk: what visitors' apt-get can make it store on the host, at most. */
  packageCacheBytes: number;
  /** How long an inner engine may take to come up before the session is declared failed. */
  readyTimeoutMs: number;
  reapIntervalMs: number;
  /** Sandboxes the host may hold at once (live sessions + warm pool). */
  maxSessions: number;
  /** Live sessions per visitor (a browser, known by its learner cookie). */
  maxPerClient: number;
  /** Live sessions per address (IPv4) or /64 (IPv6), whatever cookies its browsers send. */
  maxPerAddress: number;
  /** Session starts per address per minute (the burst allowed is maxPerAddress). */
  startsPerAddressPerMin: number;
  maxQueue: number;
  poolSize: number;
  /** Sandboxes starting at once; more wait their turn (see sessions/start-gate.ts). */
  startsAtOnce: number;
  extendMs: number;
  maxExtensions: number;
  warnBeforeMs: number;
  /** How long a terminal whose socket dropped keeps its shell for the visitor to come back. */
  resumeGraceMs: number;
  /** BERTH_TERMINAL: shells through the sandbox's terminal server (exec when it does not answer), or exec only. */
  terminal: 'server' | 'exec';
  /** BERTH_RECORD=terminals: every session's first terminal is recorded (asciicast v2) under recordingsDir. */
  recordTerminals: boolean;
  recordingsDir: string;
  /** Recordings older than this are removed (BERTH_RECORDINGS_DAYS). */
  recordingsDays: number;
  webDir: string;
  lessonsDir: string;
  /** The SQLite file holding sessions, progress, classes, interviews and staff accounts, unless databaseUrl is set. */
  databaseFile: string;
  /** BERTH_DATABASE_URL: the PostgreSQL database Berth servers share instead (postgres://…); null: databaseFile. */
  databaseUrl: string | null;
  /**
   * Servers share sessions (lxd runtime and a PostgreSQL database): any server of the instance serves any of
   * its sessions, found in the database (sessions/shared-sessions.ts). Warm pool and naps are then off: each
   * is one server's knowledge of sandboxes the others could not see.
   */
  sharedSessions: boolean;
  logLevel: string;
  /** Bearer token that GET /metrics requires; unset: /metrics is off. */
  metricsToken: string | undefined;
  /** The origin visitors use (BERTH_PUBLIC_URL), e.g. "https://try.example.org"; null: Berth's own addresses. */
  publicUrl: string | null;
  /** Where visitors' apps are served (BERTH_PORTS_URL), a pattern or an origin; null: the page's host at portsPort. */
  portsUrl: string | null;
  /** The ports listener, an origin apart from Berth's (BERTH_PORTS_PORT, BERTH_PORTS_HOST). */
  portsPort: number;
  portsHost: string;
  /** Whether (and which) proxies' X-Forwarded-For gives the visitor's address. */
  trustProxy: TrustProxy;
  /** SIGTERM/SIGINT: keep sessions for the next start (detach) or end them all (end-sessions). */
  onStop: 'detach' | 'end-sessions';
  /** Package egress (BERTH_EGRESS): off, or sessions reach allowed registries through the egress proxy. */
  egress: EgressConfig;
  /** Staff sign-in at the school's OpenID provider (BERTH_OIDC_*); null: email and password only. */
  oidc: OidcConfig | null;
}

export interface EgressConfig {
  mode: 'off' | 'registries';
  /** Hosts the operator allows besides those of the host's own registries (BERTH_EGRESS_HOSTS). */
  hosts: string[];
  /** The proxy's port on the service address. */
  port: number;
  bytesPerSecond: number;
  bytesPerHour: number;
  connections: number;
}

export interface RegistryUpstream {
  /** The registry's origin, e.g. https://registry-1.docker.io (no path, no credentials). */
  url: string;
  /** Against the upstream's rate limits; both or neither. Never logged. */
  username?: string;
  password?: string;
}

export class ConfigError extends Error {}

const repoRoot = path.resolve(import.meta.dirname, '..', '..');

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name}=${raw} must be a whole number from ${min} to ${max}`);
      return fallback;
    }
    return n;
  };
  const size = (name: string, fallback: string): number => {
    const raw = env[name] || fallback;
    const bytes = parseSize(raw);
    if (bytes === null) {
      problems.push(`${name}=${raw} must be a size like 512m, 1g or 2GiB`);
      return parseSize(fallback)!;
    }
    return bytes;
  };
  const minutes = (name: string, fallback: number) => int(name, fallback, 1, 24 * 60) * 60_000;

  const engineEnv = env.BERTH_ENGINE;
  let engineSocket = '/run/berth/engine.sock';
  if (engineEnv) {
    const p = engineEnv.replace(/^unix:\/\//, '');
    if (!p.startsWith('/')) problems.push(`BERTH_ENGINE=${engineEnv} must be a unix socket path (unix:///path or /path)`);
    else engineSocket = p;
  }
  const instance = env.BERTH_INSTANCE || 'main';
  if (!/^[a-z0-9][a-z0-9-]{0,20}$/.test(instance)) problems.push(`BERTH_INSTANCE=${instance} must be 1-21 of a-z, 0-9 and -`);
  const onStop = env.BERTH_ON_STOP || 'detach';
  if (onStop !== 'detach' && onStop !== 'end-sessions') problems.push(`BERTH_ON_STOP=${onStop} must be detach or end-sessions`);
  const egressMode = env.BERTH_EGRESS || 'off';
  if (egressMode !== 'off' && egressMode !== 'registries') problems.push(`BERTH_EGRESS=${egressMode} must be off or registries`);
  const egressHosts = parseEgressHosts(env.BERTH_EGRESS_HOSTS);
  for (const p of egressHosts.problems) problems.push(`BERTH_EGRESS_HOSTS: ${p}`);
  const terminal = env.BERTH_TERMINAL || 'server';
  if (terminal !== 'server' && terminal !== 'exec') problems.push(`BERTH_TERMINAL=${terminal} must be server or exec`);
  const record = env.BERTH_RECORD || 'off';
  if (record !== 'off' && record !== 'terminals') problems.push(`BERTH_RECORD=${record} must be off or terminals`);
  if (env.BERTH_RUNTIME && !['docker', 'lxd'].includes(env.BERTH_RUNTIME)) problems.push(`BERTH_RUNTIME=${env.BERTH_RUNTIME} must be docker or lxd`);
  const cpus = Number(env.BERTH_SESSION_CPUS || '1');
  if (!(cpus > 0 && cpus <= 64)) problems.push(`BERTH_SESSION_CPUS=${env.BERTH_SESSION_CPUS} must be a number above 0`);

  const config: Config = {
    port: int('BERTH_PORT', 8080, 0, 65535),
    host: env.BERTH_HOST || '0.0.0.0',
    dataDir: path.resolve(env.BERTH_DATA || '/var/lib/berth'),
    engineSocket,
    runtime: env.BERTH_RUNTIME === 'lxd' ? 'lxd' : 'docker',
    lxd: {
      socket: env.BERTH_LXD_SOCKET || path.join(env.LXD_DIR || '/var/lib/lxd', 'unix.socket'),
      image: env.BERTH_LXD_IMAGE || 'berth-session',
      pool: 'berth',
      network: 'lxdberth0',
      member: env.BERTH_LXD_MEMBER || undefined,
    },
    manageHost: !engineEnv,
    instance,
    sessionImage: env.BERTH_SESSION_IMAGE || 'berth/session:latest',
    serviceIp: env.BERTH_SERVICE_IP || '198.18.0.1',
    mirrorPort: 5000,
    aptCachePort: 3142,
    registryUpstream: parseRegistryUpstream(env, problems),
    registryCachePort: int('BERTH_REGISTRY_CACHE_PORT', 5002, 1, 65535),
    registryCacheBytes: size('BERTH_REGISTRY_CACHE_SIZE', '20g'),
    sessionTtlMs: minutes('BERTH_SESSION_TTL_MIN', 60),
    idleTimeoutMs: minutes('BERTH_IDLE_TIMEOUT_MIN', 15),
    idleVisibleTimeoutMs: minutes('BERTH_IDLE_VISIBLE_TIMEOUT_MIN', 30),
    napAfterMs: int('BERTH_NAP_AFTER_MIN', 5, 0, 24 * 60) * 60_000,
    memoryBytes: size('BERTH_SESSION_MEMORY', '1g'),
    cpus,
    pidsLimit: int('BERTH_SESSION_PIDS', 512, 64, 100_000),
    diskBytes: size('BERTH_SESSION_DISK', '2g'),
    packageCacheBytes: size('BERTH_PACKAGE_CACHE_SIZE', '4g'),
    readyTimeoutMs: int('BERTH_READY_TIMEOUT_MS', 30_000, 1000, 600_000),
    reapIntervalMs: int('BERTH_REAP_INTERVAL_MS', 5_000, 100, 600_000),
    resumeGraceMs: int('BERTH_RESUME_GRACE_S', 120, 1, 3600) * 1000,
    terminal: terminal as Config['terminal'],
    recordTerminals: record === 'terminals',
    recordingsDir: '',
    recordingsDays: int('BERTH_RECORDINGS_DAYS', 30, 1, 3650),
    maxSessions: 0,
    maxPerClient: int('BERTH_MAX_SESSIONS_PER_CLIENT', 3, 1, 1000),
    maxPerAddress: int('BERTH_MAX_SESSIONS_PER_ADDRESS', 40, 1, 100_000),
    startsPerAddressPerMin: int('BERTH_STARTS_PER_ADDRESS_PER_MIN', 20, 1, 100_000),
    maxQueue: int('BERTH_MAX_QUEUE', 100, 0, 100_000),
    poolSize: int('BERTH_POOL_SIZE', 1, 0, 1000),
    startsAtOnce: int('BERTH_STARTS_AT_ONCE', os.availableParallelism(), 1, 1000),
    extendMs: minutes('BERTH_EXTEND_MIN', 30),
    maxExtensions: int('BERTH_MAX_EXTENSIONS', 2, 0, 100),
    warnBeforeMs: minutes('BERTH_WARN_BEFORE_MIN', 5),
    webDir: path.resolve(env.BERTH_WEB_DIR || path.join(repoRoot, 'web', 'dist')),
    lessonsDir: path.resolve(env.BERTH_LESSONS || path.join(repoRoot, 'lessons')),
    databaseFile: '',
    databaseUrl: parseDatabaseUrl(env.BERTH_DATABASE_URL, problems),
    sharedSessions: false,
    logLevel: env.BERTH_LOG_LEVEL || 'info',
    metricsToken: env.BERTH_METRICS_TOKEN || undefined,
    publicUrl: parsePublicUrl(env.BERTH_PUBLIC_URL, problems),
    portsUrl: parsePortsUrl(env.BERTH_PORTS_URL, problems),
    portsPort: 0,
    portsHost: env.BERTH_PORTS_HOST || env.BERTH_HOST || '0.0.0.0',
    trustProxy: parseTrustProxy(env.BERTH_TRUST_PROXY, problems),
    onStop: onStop === 'end-sessions' ? 'end-sessions' : 'detach',
    egress: {
      mode: egressMode === 'registries' ? 'registries' : 'off',
      hosts: egressHosts.hosts,
      port: int('BERTH_EGRESS_PORT', 3128, 1, 65535),
      bytesPerSecond: size('BERTH_EGRESS_RATE', '4m'),
      bytesPerHour: size('BERTH_EGRESS_HOURLY', '2g'),
      connections: int('BERTH_EGRESS_CONNECTIONS', 16, 1, 1000),
    },
    oidc: null,
  };
  config.oidc = parseOidc(env, config.publicUrl, problems);
  if ([config.mirrorPort, config.aptCachePort].includes(config.egress.port)) problems.push(`BERTH_EGRESS_PORT=${config.egress.port} is taken by the mirror or the package cache`);
  if (config.metricsToken !== undefined && !/^[\x21-\x7e]{16,256}$/.test(config.metricsToken)) {
    problems.push('BERTH_METRICS_TOKEN must be 16 to 256 printable characters without spaces (e.g. openssl rand -hex 24)');
  }
  // Beside Berth's own port by default (8080: 8081); a port of 0 picks a free one.
  config.portsPort = int('BERTH_PORTS_PORT', config.port === 0 ? 0 : Math.min(config.port + 1, 65535), 0, 65535);
  if (config.portsPort !== 0 && config.portsPort === config.port) problems.push(`BERTH_PORTS_PORT=${config.portsPort} must differ from BERTH_PORT: visitors' apps get an origin apart from Berth's`);
  config.databaseFile = path.join(config.dataDir, 'berth.db');
  config.sharedSessions = config.runtime === 'lxd' && config.databaseUrl !== null;
  if (config.sharedSessions) Object.assign(config, { poolSize: 0, napAfterMs: 0 });
  config.recordingsDir = env.BERTH_RECORDINGS_DIR ? path.resolve(env.BERTH_RECORDINGS_DIR) : path.join(config.dataDir, 'recordings');
  // Default capacity: what the host's memory holds if every session used its whole limit (2 GiB kept back).
  const byMemory = Math.max(1, Math.floor((os.totalmem() - 2 * 2 ** 30) / config.memoryBytes));
  config.maxSessions = int('BERTH_MAX_SESSIONS', byMemory, 1, 100_000);
  if (config.diskBytes < 256 * 2 ** 20) problems.push('BERTH_SESSION_DISK must be at least 256m');
  if (config.packageCacheBytes < 256 * 2 ** 20) problems.push('BERTH_PACKAGE_CACHE_SIZE must be at least 256m');
  if (config.registryCacheBytes < 256 * 2 ** 20) problems.push('BERTH_REGISTRY_CACHE_SIZE must be at least 256m');
  if ([config.mirrorPort, config.aptCachePort, 5001].includes(config.registryCachePort)) {
    problems.push(`BERTH_REGISTRY_CACHE_PORT=${config.registryCachePort} is taken by the mirror, its writer or the package cache`);
  }
  if (config.memoryBytes < 256 * 2 ** 20) problems.push('BERTH_SESSION_MEMORY must be at least 256m');
  if (problems.length) throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  return config;
}

/** BERTH_REGISTRY_UPSTREAM (+ _USER, _PASSWORD); a problem is described without the credentials. */
function parseRegistryUpstream(env: NodeJS.ProcessEnv, problems: string[]): RegistryUpstream | null {
  const raw = env.BERTH_REGISTRY_UPSTREAM;
  const username = env.BERTH_REGISTRY_UPSTREAM_USER || undefined;
  const password = env.BERTH_REGISTRY_UPSTREAM_PASSWORD || undefined;
  if (!raw) {
    if (username || password) problems.push('BERTH_REGISTRY_UPSTREAM_USER and _PASSWORD need BERTH_REGISTRY_UPSTREAM (the registry they log in to)');
    return null;
  }
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    // not a URL: said below
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    problems.push('BERTH_REGISTRY_UPSTREAM must be a registry URL like https://registry-1.docker.io');
    return null;
  }
  if (url.username || url.password) {
    problems.push('BERTH_REGISTRY_UPSTREAM must not hold credentials: put them in BERTH_REGISTRY_UPSTREAM_USER and BERTH_REGISTRY_UPSTREAM_PASSWORD');
    return null;
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    problems.push(`BERTH_REGISTRY_UPSTREAM=${url.origin}${url.pathname} must be the registry's origin only (e.g. https://registry-1.docker.io), without a path`);
    return null;
  }
  if (!username !== !password) {
    problems.push('BERTH_REGISTRY_UPSTREAM_USER and BERTH_REGISTRY_UPSTREAM_PASSWORD go together: set both or neither');
    return null;
  }
  if (/[\r\n]/.test(`${username ?? ''}${password ?? ''}`)) {
    problems.push('BERTH_REGISTRY_UPSTREAM_USER and _PASSWORD must be one line each');
    return null;
  }
  return { url: url.origin, ...(username && password ? { username, password } : {}) };
}

/** "2g", "512m", "2GiB", "1.5G", plain bytes -> bytes (binary units). */
export function parseSize(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?\s*$/i.exec(text);
  if (!m) return null;
  const unit = { '': 0, k: 1, m: 2, g: 3, t: 4 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  return Math.round(Number(m[1]) * 1024 ** unit);
}

export function formatSize(bytes: number): string {
  const gib = bytes / 2 ** 30;
  if (gib >= 1 && Number.isInteger(Math.round(gib * 10) / 10)) return `${Math.round(gib * 10) / 10} GB`;
  if (gib >= 1) return `${gib.toFixed(1)} GB`;
  return `${Math.round(bytes / 2 ** 20)} MB`;
}
