// How a session finds the egress proxy, through the knobs its tools already read: HTTPS_PROXY/https_proxy
// and NO_PROXY/no_proxy in the shell's environment (npm, pip, go, git, curl), and the Docker CLI's
// ~/.docker/config.json "proxies", which the CLI passes to every container it starts and to every build
// (as build arguments a RUN sees). Only https is proxied: every registry and code host speaks it, while a
// plain-http proxy setting would also catch `wget http://web/` between containers on a user network (a
// container's name cannot be listed in NO_PROXY); apt keeps its own path through the package cache. A
// learner who wants plain http through the proxy too sets `http_proxy=$HTTPS_PROXY`.
import type { Config } from '../config.js';

export interface SessionProxy {
  /** For the shell's environment. */
  env: string[];
  /** Files for a new session's home, by path inside it. */
  homeFiles: Record<string, string>;
}

export function sessionProxy(config: Config): SessionProxy | undefined {
  if (config.egress.mode === 'off') return undefined;
  const proxy = `http://${config.serviceIp}:${config.egress.port}`;
  // Everything on the session's own side stays direct: loopback, the mirror, container networks.
  const noProxy = ['localhost', '127.0.0.0/8', '::1', config.serviceIp, 'berth-mirror', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '.local'].join(',');
  const dockerConfig = { proxies: { default: { httpsProxy: proxy, noProxy } } };
  return {
    env: [`HTTPS_PROXY=${proxy}`, `https_proxy=${proxy}`, `NO_PROXY=${noProxy}`, `no_proxy=${noProxy}`],
    homeFiles: { '.docker/config.json': `${JSON.stringify(dockerConfig, null, 2)}\n` },
  };
}
