// Process edge: config, host services, listen, signals.
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { claimInstance, type InstanceClaim } from './control/instance-control.js';
import { superviseHost } from './host/supervise-host.js';

/** claim: the instance, already taken by the caller (`berth start` takes it before it prepares the host). */
export async function startServer(env: NodeJS.ProcessEnv = process.env, claim?: InstanceClaim) {
  const config = loadConfig(env);
  // Before anything else: a second server of an instance would take its sessions and sweep its pool.
  claim ??= await claimInstance(config);
  const berth = await buildApp(config);
  const log = berth.app.log;
  const supervisor = config.manageHost ? await superviseHost(config, (line) => log.info(line)) : null;
  // A part seen down is started again at once, not at the supervisor's next round.
  berth.hostWatch.on('change', (now) => {
    if (!now.engine || !now.mirror || !now.packageCache) supervisor?.reviveNow();
  });
  await berth.recover();
  await berth.app.listen({ port: config.port, host: config.host });
  const portsPort = await berth.ports.listen(config.portsPort, config.portsHost).catch((err: Error) => {
    throw new Error(`Berth could not listen for port links on ${config.portsHost}:${config.portsPort} (${err.message}): set BERTH_PORTS_PORT to a free port`);
  });
  log.info(`port links are served ${config.portsUrl ? `at ${config.portsUrl} (listening on port ${portsPort})` : `on port ${portsPort}, at the host name the page was opened at`}`);
  const address = berth.app.server.address();
  if (typeof address === 'object' && address) claim.setPort(address.port);
  log.info(`Berth is ready on ${config.publicUrl ?? `http://localhost:${config.port}`}`);
  if (config.publicUrl?.startsWith('https:') && config.trustProxy === false) {
    log.warn('BERTH_PUBLIC_URL is https but BERTH_TRUST_PROXY is unset: every visitor counts as the proxy\'s address (see README, Deploying behind a proxy)');
  }

  let stopping = false;
  const stop = async (why: string, endSessions: boolean) => {
    if (stopping) return;
    stopping = true;
    log.info(`${why}: ${endSessions ? 'ending every session and stopping' : 'stopping; sessions are kept for the next start'}`);
    supervisor?.stop();
    await (endSessions ? berth.close() : berth.detach());
    claim.release();
    process.exit(0);
  };
  claim.onStop((endSessions) => stop('berth stop', endSessions));
  process.on('SIGTERM', () => void stop('SIGTERM', config.onStop === 'end-sessions'));
  process.on('SIGINT', () => void stop('SIGINT', config.onStop === 'end-sessions'));
  return berth;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  startServer().catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
  });
}
