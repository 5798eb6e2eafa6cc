// The egress proxy as one of Berth's host services (egress-main.ts in a process of its own, supervised
// like the mirror and the package cache), and the hosts it allows: those the operator lists
// (BERTH_EGRESS_HOSTS) and those of the registries this host itself uses: its npm registry and its Debian
// archives, read from its own configuration (no registry's name is written into Berth).
import path from 'node:path';
import type { Config } from '../config.js';
import type { DaemonSpec } from '../host/daemon.js';
import { readHostAptSources } from '../host/apt-sources.js';
import { tcpAnswers } from '../host/health-probes.js';
import { run } from '../host/run-command.js';
import { parseEgressHosts } from './allow-list.js';
import { RUN_DIR } from '../host/host-network.js';

/** The proxy runs as this user: it needs to read nothing of Berth's or the host's. */
export const EGRESS_USER = 'nobody';

export function egressSpec(config: Config, allow: readonly string[]): DaemonSpec {
  const e = config.egress;
  return {
    name: 'egress proxy',
    command: process.execPath,
    args: [
      // Absolute: the proxy starts in / as its own user, where a bare "tsx" resolves to nothing.
      '--import',
      import.meta.resolve('tsx'),
      path.join(import.meta.dirname, 'egress-main.ts'),
      `--listen=${config.serviceIp}:${e.port}`,
      `--allow=${allow.join(',')}`,
      `--refuse=${config.serviceIp}`,
      `--connections=${e.connections}`,
      `--rate=${e.bytesPerSecond}`,
      `--hour=${e.bytesPerHour}`,
    ],
    pidFile: `${RUN_DIR}/egress.pid`,
    argsFile: `${RUN_DIR}/egress.args`,
    logFile: path.join(config.dataDir, 'logs', 'egress.log'),
    user: EGRESS_USER,
    healthy: () => tcpAnswers(config.serviceIp, e.port),
  };
}

let fromHost: Promise<string[]> | undefined;

/** The allow-list: the operator's hosts, then the host's own registries (read once per process). */
export async function egressAllowList(config: Config): Promise<string[]> {
  fromHost ??= hostRegistries();
  return [...new Set([...config.egress.hosts, ...(await fromHost)])];
}

async function hostRegistries(): Promise<string[]> {
  const urls: string[] = [];
  const npm = await run('npm', ['config', 'get', 'registry'], { allowFailure: true }).catch(() => undefined);
  if (npm?.code === 0) urls.push(npm.stdout.trim());
  try {
    const apt = readHostAptSources();
    urls.push(apt.archive, apt.security);
  } catch {
    // A host without apt sources allows what the operator lists.
  }
  return parseEgressHosts(urls.filter((u) => /^https?:\/\//.test(u)).join(' ')).hosts;
}
