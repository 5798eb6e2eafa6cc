// Why a sandbox did not start, read from the failure's own text: the engine and the sandbox say what went
// wrong in many lines (rootlesskit's, runc's), an operator needs the cause and the command that fixes it.
// One table of known causes, a generic answer for the rest.
import type { Config } from '../config.js';
import { hostPaths } from './host-services.js';

export interface StartDiagnosis {
  /** A few words, for /api/health's `down` and the log: "the tun device cannot be opened". */
  cause: string;
  /** Why that is likely, with the host's own paths. */
  likely: string;
  /** What to run (or do) about it. */
  fix: string;
}

/** The host facts the diagnosis names (paths and addresses differ per host and per test). */
export interface HostFacts {
  tunDevice: string;
  dataDir: string;
  sessionImage: string;
  seccompProfile: string;
  engineSocket: string;
  mirror: string;
  /** Berth runs the engine, mirror and package cache itself (no BERTH_ENGINE). */
  manageHost: boolean;
}

const PREPARE = 'npx berth prepare';

/** The facts of the host config describes. An engine of the operator's: its host's own /dev/net/tun must be usable by the sessions' uid. */
export function hostFacts(config: Config, tunDevice = config.manageHost ? hostPaths(config).tunDevice : '/dev/net/tun'): HostFacts {
  return {
    tunDevice,
    dataDir: config.dataDir,
    sessionImage: config.sessionImage,
    seccompProfile: hostPaths(config).seccompProfile,
    engineSocket: config.engineSocket,
    mirror: `${config.serviceIp}:${config.mirrorPort}`,
    manageHost: config.manageHost,
  };
}

const KNOWN: { when: RegExp; says: (h: HostFacts) => StartDiagnosis }[] = [
  {
    // rootlesskit says "open: Permission denied" then "setting up tap tap0: executing [[nsenter … ip tuntap add …"
    when: /\/dev\/net\/tun|\btun\b.*(permission denied|operation not permitted)|TUNSETIFF|setting up tap|ip tuntap add/i,
    says: (h) => ({
      cause: 'the tun device cannot be opened by the sessions',
      likely: `${h.tunDevice} is not a tun node (10:200) the sessions' uid may open; a fresh host has /dev/net/tun at mode 0600, owned by root`,
      fix: h.manageHost
        ? `run "${PREPARE}" as root: it makes ${h.tunDevice} again, owned by the sessions' uid`
        : `make the tun node your engine's sessions get usable by their uid, e.g. "chmod 0666 /dev/net/tun"`,
    }),
  },
  {
    when: /disk quota exceeded|unable to create session key/i,
    says: () => ({
      cause: "the kernel's key quota is full",
      likely: 'every session container is started as the same remapped uid, and the kernel allows one user 200 keys by default',
      fix: `run "sysctl -w kernel.keys.maxkeys=20000 kernel.keys.maxbytes=2000000" (or "${PREPARE}", which raises them)`,
    }),
  },
  {
    when: /no space left on device|ENOSPC/i,
    says: (h) => ({
      cause: `the disk holding ${h.dataDir} is full`,
      likely: `session disks, the engine's images and the mirror all live under ${h.dataDir}`,
      fix: `free space on that disk ("df -h ${h.dataDir}" shows it), then try again`,
    }),
  },
  {
    // The sandbox started; its own engine could not get hello-world from the mirror.
    when: /^docker run hello-world:[\s\S]*(unable to find image|error response from daemon|manifest|dial tcp|i\/o timeout)/i,
    says: (h) => ({
      cause: `the registry mirror (${h.mirror}) does not serve hello-world`,
      likely: `sessions pull images from the mirror at ${h.mirror}: it is not answering, is not reachable from sessions (the firewall), or has no hello-world`,
      fix: h.manageHost ? `run "${PREPARE}" as root: it starts the mirror, sets up the firewall and pushes the images` : `check that ${h.mirror} answers from a session`,
    }),
  },
  {
    when: /seccomp profile .* is missing/i,
    says: (h) => ({
      cause: `the seccomp profile ${h.seccompProfile} is missing`,
      likely: 'the images and the profile have not been built on this host (or BERTH_DATA was emptied)',
      fix: `run "${PREPARE}" as root: it builds them`,
    }),
  },
  {
    when: /no such image|pull access denied|repository does not exist/i,
    says: (h) => ({
      cause: `the session image ${h.sessionImage} is missing`,
      likely: `the session engine has no image "${h.sessionImage}" (not built yet, removed, or BERTH_SESSION_IMAGE names another one)`,
      fix: `run "${PREPARE}" as root: it builds the images`,
    }),
  },
  {
    when: /ECONNREFUSED|ENOENT.*\.sock|connect EACCES|socket hang up|Cannot connect to the Docker daemon|\(HTTP code 50[23]\)/i,
    says: (h) => ({
      cause: 'the session engine is not answering',
      likely: `nothing answers on ${h.engineSocket}${h.manageHost ? ` (its log: ${h.dataDir}/logs/engine.log)` : ''}`,
      fix: h.manageHost ? `run "${PREPARE}" as root: it starts the session engine` : 'start the engine BERTH_ENGINE names',
    }),
  },
  {
    when: /did not come up within/i,
    says: () => ({
      cause: "the sandbox's Docker engine did not start in time",
      likely: 'the host is overloaded, or the session image is broken',
      fix: 'look at the host\'s load ("uptime"); rebuild the images with "npx berth prepare"; a slow host may need a larger BERTH_READY_TIMEOUT_MS',
    }),
  },
];

/** The first known cause the text shows, else a generic answer naming the error's first line. */
export function diagnoseStartFailure(text: string, host: HostFacts): StartDiagnosis & { known: boolean } {
  const hit = KNOWN.find((k) => k.when.test(text));
  if (hit) return { ...hit.says(host), known: true };
  const first = text.split('\n').find((l) => l.trim())?.trim().slice(0, 160) ?? '(no output)';
  return {
    cause: 'the sandbox failed to start',
    likely: `a cause Berth does not recognise; the error begins "${first}"`,
    fix: `read the full output, fix what it names, then run "npx berth check"`,
    known: false,
  };
}
