import type { Config } from '../config.js';
import type { Log } from './daemon.js';
import { ensureHostServices, reviveHostServices } from './host-services.js';

/** Brings the host services up now and keeps them up: a daemon that dies is started again. */
export async function superviseHost(config: Config, log: Log, intervalMs = 10_000): Promise<() => void> {
  await ensureHostServices(config, log);
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    reviveHostServices(config, log)
      .catch((err: Error) => log(`host services: ${err.message}`))
      .finally(() => (busy = false));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
