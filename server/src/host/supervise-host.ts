import type { Config } from '../config.js';
import type { Log } from './daemon.js';
import { ensureHostServices, reviveHostServices } from './host-services.js';

export interface HostSupervisor {
  /** Checks now (e.g. when a probe saw a part go down) instead of at the next tick. */
  reviveNow(): void;
  stop(): void;
}

/** Brings the host services up now and keeps them up: a daemon that dies is started again. */
export async function superviseHost(config: Config, log: Log, intervalMs = 10_000): Promise<HostSupervisor> {
  await ensureHostServices(config, log);
  let busy = false;
  const revive = () => {
    if (busy) return;
    busy = true;
    reviveHostServices(config, log)
      .catch((err: Error) => log(`host services: ${err.message}`))
      .finally(() => (busy = false));
  };
  const timer = setInterval(revive, intervalMs);
  timer.unref();
  return { reviveNow: revive, stop: () => clearInterval(timer) };
}
