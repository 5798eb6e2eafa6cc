// The systemd unit that runs Berth as a service, and the file holding the operator's BERTH_* settings.
// Pure text: install-service.ts writes them.
import { pathToFileURL } from 'node:url';

export const UNIT_NAME = 'berth.service';
export const UNIT_FILE = `/etc/systemd/system/${UNIT_NAME}`;
export const ENVIRONMENT_FILE = '/etc/default/berth';

export interface ServiceUnitOptions {
  /** The Berth checkout the service runs from. */
  checkout: string;
  /** Absolute path of the node binary. */
  node: string;
  environmentFile: string;
}

export function serviceUnit(o: ServiceUnitOptions): string {
  for (const [name, value] of Object.entries(o)) {
    if (!value.startsWith('/')) throw new Error(`${name} must be an absolute path (got "${value}")`);
    if (/[\n\r]/.test(value)) throw new Error(`${name} must not contain a line break`);
  }
  return [
    '# Written by `npx berth service install`; `npx berth service uninstall` removes it.',
    '[Unit]',
    'Description=Berth: a Docker sandbox for every visitor',
    `Documentation=${unitValue(pathToFileURL(`${o.checkout}/README.md`).href)}`,
    'Wants=network-online.target',
    'After=network-online.target',
    // A start that keeps failing (a wrong setting) is given up after 5 tries in 5 minutes.
    'StartLimitIntervalSec=300',
    'StartLimitBurst=5',
    '',
    '[Service]',
    'Type=simple',
    `WorkingDirectory=${unitValue(o.checkout)}`,
    `EnvironmentFile=-${unitValue(o.environmentFile)}`,
    `ExecStart=${execArg(o.node)} ${execArg(`${o.checkout}/scripts/berth.mjs`)} start`,
    'Restart=on-failure',
    'RestartSec=3',
    // Only the server gets the signal: the session engine, mirror and package cache it may have started
    // live in this unit's cgroup but must outlive a restart of the server (sessions run on them).
    'KillMode=process',
    'KillSignal=SIGTERM',
    'TimeoutStopSec=300',
    // The session engine's containerd shims (several threads per session) count as this unit's tasks.
    'TasksMax=infinity',
    'StandardOutput=journal',
    'StandardError=journal',
    'SyslogIdentifier=berth',
    // No PrivateTmp/ProtectSystem/PrivateMounts: the server loop-mounts each session's disk, and the engine
    // (outside this unit) must see those mounts.
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/** The BERTH_* variables of env, one `NAME="value"` line each (systemd's EnvironmentFile syntax). */
export function environmentFile(env: NodeJS.ProcessEnv): string {
  const names = berthVariables(env);
  const lines = names.map((name) => {
    const value = env[name]!;
    if (/[\n\r\0]/.test(value)) throw new Error(`${name} must not contain a line break`);
    return `${name}="${value.replace(/[\\"`$]/g, (c) => `\\${c}`)}"`;
  });
  return [
    '# Berth settings for berth.service, written by `npx berth service install` from its environment.',
    '# Change a value, then: systemctl restart berth. Unset variables take their defaults (see README.md).',
    ...lines,
    '',
  ].join('\n');
}

export function berthVariables(env: NodeJS.ProcessEnv): string[] {
  return Object.keys(env)
    .filter((name) => /^BERTH_[A-Z0-9_]+$/.test(name) && env[name] !== undefined)
    .sort();
}

/** systemd expands % specifiers everywhere in a unit. */
function unitValue(text: string): string {
  return text.replaceAll('%', '%%');
}

/** One ExecStart word: quoted when it holds spaces or quotes; $ would be expanded from the environment. */
function execArg(word: string): string {
  const safe = unitValue(word).replaceAll('$', '$$$$');
  return /[\s"'\\]/.test(safe) ? `"${safe.replace(/[\\"]/g, (c) => `\\${c}`)}"` : safe;
}
