// Process edge: config, host services, listen, signals.
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { superviseHost } from './host/supervise-host.js';

export async function startServer(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(env);
  const berth = await buildApp(config);
  const log = berth.app.log;
  const supervisor = config.manageHost ? await superviseHost(config, (line) => log.info(line)) : null;
  // A part seen down is started again at once, not at the supervisor's next round.
  berth.hostWatch.on('change', (now) => {
    if (!now.engine || !now.mirror || !now.packageCache) supervisor?.reviveNow();
  });
  await berth.recover();
  await berth.app.listen({ port: config.port, host: config.host });
  log.info(`Berth is ready on ${config.publicUrl ?? `http://localhost:${config.port}`}`);
  if (config.publicUrl?.startsWith('https:') && config.trustProxy === false) {
    log.warn('BERTH_PUBLIC_URL is https but BERTH_TRUST_PROXY is unset: every visitor counts as the proxy\'s address (see README, Deploying behind a proxy)');
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: ending sessions and stopping`);
    supervisor?.stop();
    await berth.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  return berth;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  startServer().catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
  });
}
