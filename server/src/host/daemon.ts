// Starting and re-starting the host daemons Berth owns (session engine, mirror, package cache).
// They run detached from the server, so a server restart (even SIGKILL) leaves sessions running.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { rotateLog } from './log-rotation.js';
import { handOver, userIds } from './service-users.js';

export interface DaemonSpec {
  name: string;
  command: string;
  args: string[];
  /** Berth writes it, unless the daemon writes its own (ownPidFile). */
  pidFile: string;
  ownPidFile?: boolean;
  /** Where the running daemon's arguments are noted: a daemon started with other arguments is restarted. */
  argsFile?: string;
  /** Files the daemon reads only at start: a change to one counts as a change of arguments. */
  configFiles?: string[];
  logFile: string;
  /** Runs as this system user (no supplementary groups), owning dataDirs; without it, as root. */
  user?: string;
  dataDirs?: string[];
  healthy(): Promise<boolean>;
  startTimeoutMs?: number;
  /**
   * Pid files the daemon's own children keep (dockerd's containerd): one left by a daemon that died with the
   * machine may name a pid some other program has since been given, and the daemon would wait on it forever.
   */
  childPidFiles?: Array<{ file: string; command: string }>;
}

export type Log = (line: string) => void;

export async function ensureDaemon(spec: DaemonSpec, log: Log): Promise<'running' | 'started'> {
  const argv = [spec.command, ...spec.args, ...(spec.configFiles ?? []).map(fileDigest)];
  const args = JSON.stringify(spec.user ? { user: spec.user, argv } : argv);
  const noted = spec.argsFile && fs.existsSync(spec.argsFile) ? fs.readFileSync(spec.argsFile, 'utf8') : null;
  const healthy = await spec.healthy();
  // Running with other arguments, or with arguments nobody noted (an older Berth started it): restart.
  const outdated = spec.argsFile !== undefined && noted !== args && (noted !== null || healthy);
  if (outdated) {
    const running = readPid(spec.pidFile);
    if (healthy || (running && runs(running, spec.command, spec.args))) log(`${spec.name}: its configuration changed; restarting it (sandboxes running on it stop)`);
    await stopDaemon(spec);
  } else if (healthy) return 'running';
  const pid = readPid(spec.pidFile);
  if (pid && runs(pid, spec.command, spec.args)) {
    // Alive but not answering yet: give it the start timeout before replacing it.
    if (await waitHealthy(spec, spec.startTimeoutMs ?? 30_000, pid)) return 'running';
    log(`${spec.name}: pid ${pid} does not answer; restarting it`);
    await stopPid(pid);
  }
  // A pid file naming a stranger (left from before the machine stopped): dockerd would refuse to start over it.
  if (pid && !runs(pid, spec.command, spec.args)) fs.rmSync(spec.pidFile, { force: true });
  for (const child of spec.childPidFiles ?? []) {
    const childPid = readPid(child.file);
    if (childPid && !runs(childPid, child.command)) {
      log(`${spec.name}: ${child.file} names pid ${childPid}, which is not ${child.command} (left from before the machine stopped); removed`);
      fs.rmSync(child.file, { force: true });
    }
  }
  fs.mkdirSync(path.dirname(spec.logFile), { recursive: true });
  fs.mkdirSync(path.dirname(spec.pidFile), { recursive: true });
  const ids = spec.user ? await userIds(spec.user) : undefined;
  if (ids) for (const dir of spec.dataDirs ?? []) handOver(dir, ids);
  try {
    rotateLog(spec.logFile);
  } catch (err) {
    log(`${spec.name}: its log was not rotated: ${(err as Error).message}`);
  }
  // Appending (O_APPEND) is what lets log-rotation.ts truncate the file under the running daemon.
  const out = fs.openSync(spec.logFile, 'a');
  const child = spawn(spec.command, spec.args, { detached: true, stdio: ['ignore', out, out], ...(ids && { uid: ids.uid, gid: ids.gid, cwd: '/' }) });
  fs.closeSync(out);
  let exited: number | null = null;
  child.on('exit', (code) => (exited = code ?? -1));
  child.on('error', () => (exited = 127));
  child.unref();
  if (!spec.ownPidFile && child.pid) fs.writeFileSync(spec.pidFile, `${child.pid}\n`);
  if (spec.argsFile) fs.writeFileSync(spec.argsFile, args);
  const deadline = Date.now() + (spec.startTimeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    if (await spec.healthy()) return 'started';
    if (exited !== null) break;
    await sleep(100);
  }
  throw new Error(`${spec.name} did not start (${exited !== null ? `exit ${exited}` : 'timed out'}). Last lines of ${spec.logFile}:\n${tail(spec.logFile, 15)}`);
}

export async function stopDaemon(spec: Pick<DaemonSpec, 'pidFile' | 'command'> & { args?: string[] }): Promise<boolean> {
  const pid = readPid(spec.pidFile);
  // A pid file left from before the machine stopped may name a pid another program now has: never signal it.
  if (!pid || !runs(pid, spec.command, spec.args)) return false;
  await stopPid(pid);
  // Only our pid's file: a supervisor may have started a new daemon, and written its pid, meanwhile (a file
  // removed then leaves a running daemon nobody can find to stop).
  if (readPid(spec.pidFile) === pid) fs.rmSync(spec.pidFile, { force: true });
  return true;
}

/** Waits for the daemon to answer; gives up early when its process is gone (it was stopping, not starting). */
async function waitHealthy(spec: DaemonSpec, ms: number, pid: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && isAlive(pid)) {
    if (await spec.healthy()) return true;
    await sleep(200);
  }
  return false;
}

async function stopPid(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 150 && isAlive(pid); i++) await sleep(100);
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}

function fileDigest(file: string): string {
  const text = fs.existsSync(file) ? fs.readFileSync(file) : '';
  return `${file}@sha256:${crypto.createHash('sha256').update(text).digest('hex')}`;
}

export function readPid(file: string): number | null {
  try {
    const n = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether pid is alive and is the program `command` (its argv[0] or its executable), not a stranger given a
 * reused pid. With args, its command line must also hold the first argument that names a file of its own (a
 * node daemon's script: any node process, this server too, would pass for it by name alone).
 */
export function runs(pid: number, command: string, args: string[] = []): boolean {
  if (!isAlive(pid)) return false;
  const want = path.basename(command);
  try {
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const named = path.basename(argv[0] ?? '') === want || path.basename(fs.readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '')) === want;
    const own = args.find((a) => a.startsWith('/') && /\.(ts|js|mjs)$/.test(a));
    // By the script's name: the same daemon started from another checkout of Berth is still this daemon.
    return named && (own === undefined || argv.some((arg) => path.basename(arg) === path.basename(own)));
  } catch {
    return false; // it ended meanwhile, or /proc hides it
  }
}

export function tail(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
