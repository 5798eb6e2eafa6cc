// What the host needs from Debian's packages, and installing it when we may (Debian/Ubuntu, root).
import fs from 'node:fs';
import { commandExists, run } from './run-command.js';

/** [command that proves it is there, Debian package] */
export const HOST_REQUIREMENTS: [string, string][] = [
  ['dockerd', 'docker.io'],
  ['docker', 'docker.io'],
  ['debootstrap', 'debootstrap'],
  ['docker-registry', 'docker-registry'],
  ['apt-cacher-ng', 'apt-cacher-ng'],
  ['newuidmap', 'uidmap'],
  ['iptables', 'iptables'],
  ['mkfs.ext4', 'e2fsprogs'],
  ['busybox', 'busybox-static'],
  ['setcap', 'libcap2-bin'],
  ['gcc', 'gcc'],
  ['jq', 'jq'],
  ['ip', 'iproute2'],
  ['curl', 'curl'],
  ['mountpoint', 'util-linux'],
];

export async function missingPackages(): Promise<string[]> {
  const missing = new Set<string>();
  for (const [cmd, pkg] of HOST_REQUIREMENTS) if (!(await commandExists(cmd))) missing.add(pkg);
  return [...missing];
}

export function isDebianLike(): boolean {
  try {
    return /^(ID|ID_LIKE)=.*\b(debian|ubuntu)\b/m.test(fs.readFileSync('/etc/os-release', 'utf8'));
  } catch {
    return false;
  }
}

export async function installPackages(packages: string[], log: (line: string) => void): Promise<void> {
  log(`installing ${packages.join(' ')} (apt-get)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['update', '-q'], { env });
  const r = await run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...packages], { env, allowFailure: true });
  if (r.code !== 0) throw new Error(`apt-get install failed:\n${r.stdout.split('\n').slice(-15).join('\n')}\n${r.stderr}`);
}

export class HostNotReadyError extends Error {}

/** Checks the host; on Debian/Ubuntu as root installs what is missing, elsewhere says exactly what to do. */
export async function ensureHostPackages(log: (line: string) => void): Promise<void> {
  if (process.platform !== 'linux') {
    throw new HostNotReadyError('Berth runs its sandboxes on Linux. Run it on a Linux host (Debian 12 or Ubuntu 22.04+ recommended).');
  }
  const missing = await missingPackages();
  if (!missing.length) return log('host packages: all present');
  if (process.getuid?.() !== 0) {
    throw new HostNotReadyError(
      `Berth manages a Docker engine, loop disks and firewall rules, so it must run as root.\n` +
        `Run it as root (sudo -E npm start), after installing: apt-get install ${missing.join(' ')}`,
    );
  }
  if (!isDebianLike()) {
    throw new HostNotReadyError(`Missing on this host: ${missing.join(', ')}. Install their equivalents with your package manager, then run again.`);
  }
  await installPackages(missing, log);
}
