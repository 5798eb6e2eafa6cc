// `berth service install | uninstall`: Berth as a systemd service (started at boot, restarted after a
// crash, logging to the journal), run from this checkout with the operator's BERTH_* settings.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Config } from '../config.js';
import { run } from '../host/run-command.js';
import { ENVIRONMENT_FILE, UNIT_FILE, UNIT_NAME, berthVariables, environmentFile, serviceUnit } from './service-unit.js';

type Log = (line: string) => void;

export class ServiceSetupError extends Error {}

const checkout = path.resolve(import.meta.dirname, '..', '..', '..');

export async function serviceCommand(args: string[], config: Config, log: Log): Promise<number> {
  const [sub] = args;
  if (sub === 'install') await installService(config, log);
  else if (sub === 'uninstall') await uninstallService(log);
  else {
    console.error('Usage: berth service install | berth service uninstall');
    return 2;
  }
  return 0;
}

export async function installService(config: Config, log: Log): Promise<void> {
  await needSystemd('install');
  const running = await isActive();
  if (!running && (await portAnswers(config.port))) {
    throw new ServiceSetupError(
      `port ${config.port} is already in use (a Berth started with "npm start"?). Stop it first, or set BERTH_PORT, then install again.`,
    );
  }
  const names = berthVariables(process.env);
  fs.writeFileSync(ENVIRONMENT_FILE, environmentFile(process.env), { mode: 0o600 });
  log(`wrote ${ENVIRONMENT_FILE} with ${names.length ? names.join(', ') : 'no BERTH_* settings (all defaults)'}`);
  fs.writeFileSync(UNIT_FILE, serviceUnit({ checkout, node: process.execPath, environmentFile: ENVIRONMENT_FILE }), { mode: 0o644 });
  log(`wrote ${UNIT_FILE} (runs ${process.execPath} ${path.join(checkout, 'scripts', 'berth.mjs')} start)`);
  await systemctl('daemon-reload');
  await systemctl('enable', UNIT_NAME);
  // restart, not start: an installed service picks up the new settings.
  await systemctl(running ? 'restart' : 'start', UNIT_NAME);
  log(`${UNIT_NAME} is enabled and ${running ? 'restarted' : 'started'}: it starts at boot, and again 3 s after a crash.`);
  log(`It now prepares the host and then serves on port ${config.port} (a few minutes on a fresh host).`);
  log(`Follow it: journalctl -u berth -f    Status: systemctl status berth    Remove: npx berth service uninstall`);
}

export async function uninstallService(log: Log): Promise<void> {
  await needSystemd('uninstall');
  const loaded = (await systemctl('show', '--property=LoadState', '--value', UNIT_NAME)).trim() !== 'not-found';
  if (!loaded && !fs.existsSync(UNIT_FILE)) {
    log(`Berth is not installed as a service (no ${UNIT_FILE}); nothing to do.`);
    return;
  }
  // disable --now stops it: SIGTERM to the server, waiting for it to finish (TimeoutStopSec).
  await systemctl('disable', '--now', UNIT_NAME);
  log(`stopped and disabled ${UNIT_NAME}`);
  for (const file of [UNIT_FILE, ENVIRONMENT_FILE]) {
    if (fs.existsSync(file)) {
      fs.rmSync(file);
      log(`removed ${file}`);
    }
  }
  await systemctl('daemon-reload');
  await run('systemctl', ['reset-failed', UNIT_NAME], { allowFailure: true });
  log('The session engine, mirror and package cache keep running (npx berth uninstall removes them).');
}

async function needSystemd(what: string): Promise<void> {
  if (process.getuid?.() !== 0) throw new ServiceSetupError(`berth service ${what} writes ${UNIT_FILE}, so it must run as root (sudo -E npx berth service ${what}).`);
  // What sd_booted() checks: this directory exists only when systemd is PID 1.
  if (!fs.existsSync('/run/systemd/system')) {
    const init = fs.readFileSync('/proc/1/comm', 'utf8').trim();
    throw new ServiceSetupError(
      `systemd is not running on this machine (PID 1 is "${init}"), so Berth cannot be ${what}ed as a service. ` +
        'Run it with "npm start" under the supervisor this machine has instead.',
    );
  }
}

async function isActive(): Promise<boolean> {
  return (await run('systemctl', ['is-active', '--quiet', UNIT_NAME], { allowFailure: true })).code === 0;
}

async function systemctl(...args: string[]): Promise<string> {
  return (await run('systemctl', args)).stdout;
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1', timeout: 1000 });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}
