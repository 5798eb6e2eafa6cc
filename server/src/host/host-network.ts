// The host's network for sessions (the service address, the engine's bridge) and the user the session
// engine remaps its containers' ids to.
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Config } from '../config.js';
import { run } from './run-command.js';

export const RUN_DIR = '/run/berth';
/** Default bridge of the session engine; image builds run on it. Matches the firewall's berth+. */
export const ENGINE_BRIDGE = 'berth0';
const ENGINE_BRIDGE_CIDR = '10.213.0.1/24';
export const REMAP_USER = 'dockremap';
/** 65536 for the session's own ids plus 65536 for the inner rootless engine's subordinate range. */
const REMAP_RANGE = 131072;

export async function ensureHostNetwork(config: Config): Promise<void> {
  fs.mkdirSync(RUN_DIR, { recursive: true, mode: 0o700 });
  const lo = await run('ip', ['-o', 'addr', 'show', 'dev', 'lo']);
  if (!lo.stdout.includes(` ${config.serviceIp}/`)) await run('ip', ['addr', 'add', `${config.serviceIp}/32`, 'dev', 'lo']);
  const bridge = await run('ip', ['link', 'show', ENGINE_BRIDGE], { allowFailure: true });
  if (bridge.code !== 0) {
    await run('ip', ['link', 'add', ENGINE_BRIDGE, 'type', 'bridge']);
    await run('ip', ['addr', 'add', ENGINE_BRIDGE_CIDR, 'dev', ENGINE_BRIDGE]);
  }
  // A bridge whose MAC was never set takes the lowest MAC of its ports, so it changed as build containers came
  // and went: a container that had cached the old one sent its next packet to the package cache to another
  // container's port, where Berth's FORWARD chain answered with a reset (apt: "Connection refused").
  if (fs.readFileSync(`/sys/class/net/${ENGINE_BRIDGE}/addr_assign_type`, 'utf8').trim() !== ADDRESS_SET) {
    await run('ip', ['link', 'set', 'dev', ENGINE_BRIDGE, 'address', localMac()]);
  }
  await run('ip', ['link', 'set', ENGINE_BRIDGE, 'up']);
  await ensureRemapUser();
}

/** The kernel's NET_ADDR_SET: the MAC was set by hand and stays. */
const ADDRESS_SET = '3';

/** A random, locally administered unicast MAC (as Docker gives its own bridges). */
export function localMac(): string {
  return ['02', ...[...crypto.randomBytes(5)].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

async function ensureRemapUser(): Promise<void> {
  if ((await run('id', [REMAP_USER], { allowFailure: true })).code !== 0) {
    await run('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', REMAP_USER]);
  }
  for (const file of ['/etc/subuid', '/etc/subgid']) {
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    if (new RegExp(`^${REMAP_USER}:`, 'm').test(text)) continue;
    const start = nextFreeSubordinateStart(text);
    fs.appendFileSync(file, `${text && !text.endsWith('\n') ? '\n' : ''}${REMAP_USER}:${start}:${REMAP_RANGE}\n`);
  }
}

/** First subordinate id above every range already handed out (and above 100000). */
export function nextFreeSubordinateStart(subidFile: string): number {
  let next = 231072;
  for (const line of subidFile.split('\n')) {
    const [, start, count] = line.split(':');
    const end = Number(start) + Number(count);
    if (Number.isFinite(end) && end > next) next = end;
  }
  return next;
}

/** The host uid that a session's uid 1000 maps to: the remap range's start + 1000. */
export function remappedUid(uid: number, subidFile = '/etc/subuid'): number {
  const line = fs
    .readFileSync(subidFile, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${REMAP_USER}:`));
  if (!line) throw new Error(`${subidFile} has no range for ${REMAP_USER}: run "npm start" once as root to set the host up`);
  return Number(line.split(':')[1]) + uid;
}
