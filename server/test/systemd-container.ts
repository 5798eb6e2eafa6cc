// A real systemd for tests on a host whose PID 1 is not systemd: systemd booted as PID 1 of a private PID,
// mount, UTS and cgroup namespace (fixtures/systemd-init.sh), driven with nsenter. It shares the host's
// file system, network and engine socket, so a service it starts is a real Berth on the real engine.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { run, type CommandResult } from '../src/host/run-command.js';

/** What a boot to multi-user.target needs, and the journal; nothing else of the host's units. */
const UNITS = [
  'basic.target', 'sysinit.target', 'multi-user.target', 'network-online.target', 'network.target', 'network-pre.target',
  'local-fs.target', 'local-fs-pre.target', 'swap.target', 'sockets.target', 'timers.target', 'paths.target',
  'slices.target', 'shutdown.target', 'final.target', 'umount.target', 'emergency.target', 'rescue.target',
  'systemd-journald.service', 'systemd-journald.socket', 'systemd-journald-dev-log.socket', 'systemd-journald-audit.socket',
];
const UNIT_SOURCE = '/usr/lib/systemd/system';
const INIT = path.join(import.meta.dirname, 'fixtures', 'systemd-init.sh');

export class SystemdContainer {
  private constructor(
    private readonly unshare: ChildProcess,
    /** systemd's pid as the host sees it. */
    readonly pid: number,
    private readonly stage: string,
    private readonly cgroup: string,
  ) {}

  /** sharedDirs: folders the host has made shared mounts; mounts made under them inside reach the host. */
  static async boot(sharedDirs: string[]): Promise<SystemdContainer> {
    if (!fs.existsSync('/lib/systemd/systemd')) throw new Error('systemd is not installed here (apt-get install systemd)');
    if (!fs.existsSync('/sys/fs/cgroup/systemd/cgroup.procs')) {
      throw new Error('this needs the cgroup v1 name=systemd hierarchy at /sys/fs/cgroup/systemd (a host with cgroup v1 or hybrid cgroups)');
    }
    const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-systemd-'));
    const units = path.join(stage, 'units');
    for (const dir of [units, path.join(stage, 'empty'), path.join(units, 'sockets.target.wants'), path.join(units, 'sysinit.target.wants')]) fs.mkdirSync(dir, { recursive: true });
    for (const unit of UNITS) fs.copyFileSync(path.join(UNIT_SOURCE, unit), path.join(units, unit));
    fs.symlinkSync('multi-user.target', path.join(units, 'default.target'));
    for (const unit of ['systemd-journald.socket', 'systemd-journald-dev-log.socket']) fs.symlinkSync(`../${unit}`, path.join(units, 'sockets.target.wants', unit));
    fs.symlinkSync('../systemd-journald.service', path.join(units, 'sysinit.target.wants', 'systemd-journald.service'));
    fs.writeFileSync(path.join(stage, 'console'), '');

    // A group of its own in the name=systemd hierarchy: everything systemd makes goes under it.
    const own = /^\d+:name=systemd:(.*)$/m.exec(fs.readFileSync('/proc/self/cgroup', 'utf8'))?.[1] ?? '/';
    const cgroup = path.join('/sys/fs/cgroup/systemd', own, `berth-test-${crypto.randomBytes(3).toString('hex')}`);
    fs.mkdirSync(cgroup);
    // If the test process dies, unshare dies with it, and then its child, PID 1: the namespace ends.
    const unshare = spawn(
      'sh',
      [
        '-c',
        'echo $$ > "$1/cgroup.procs" && exec setpriv --pdeathsig KILL unshare --pid --kill-child=SIGKILL --mount --uts --cgroup --propagation unchanged "$2" "$3" "$4"',
        'sh', cgroup, INIT, stage, sharedDirs.join(':'),
      ],
      { stdio: ['ignore', fs.openSync(path.join(stage, 'boot.log'), 'a'), fs.openSync(path.join(stage, 'boot.log'), 'a')] },
    );
    let pid = 0;
    for (let i = 0; i < 100 && !pid; i++) {
      await sleep(100);
      pid = Number(readFile(`/proc/${unshare.pid}/task/${unshare.pid}/children`).trim().split(' ')[0] ?? 0);
    }
    const box = new SystemdContainer(unshare, pid, stage, cgroup);
    try {
      if (!pid) throw new Error(`unshare started no PID 1: ${readFile(path.join(stage, 'boot.log'))}`);
      // "offline" until systemd has mounted its /run, then "starting" until the boot is done.
      let state = '';
      for (const deadline = Date.now() + 30_000; !/^(running|degraded)$/.test(state) && Date.now() < deadline; await sleep(200)) {
        state = (await box.exec('systemctl', ['is-system-running'], {}, 10_000)).stdout.trim();
      }
      if (!/^(running|degraded)$/.test(state)) {
        throw new Error(`systemd did not boot (${state}): ${readFile(path.join(stage, 'boot.log'))}${readFile(path.join(stage, 'console')).slice(-2000)}`);
      }
    } catch (err) {
      await box.close();
      throw err;
    }
    return box;
  }

  /** A command inside (its mounts and PIDs), with the caller's environment plus env. */
  exec(cmd: string, args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): Promise<CommandResult> {
    return run('nsenter', ['--target', String(this.pid), '--mount', '--pid', '--', cmd, ...args], { allowFailure: true, env: { ...process.env, ...env }, timeoutMs });
  }

  /** One property of a unit, as `systemctl show` gives it. */
  async show(unit: string, property: string): Promise<string> {
    return (await this.exec('systemctl', ['show', `--property=${property}`, '--value', unit])).stdout.trim();
  }

  /** The host's PID of a process inside (PIDs inside, e.g. a unit's MainPID, count from 1 in the namespace). */
  hostPid(pidInside: number): number | undefined {
    const ns = fs.readlinkSync(`/proc/${this.pid}/ns/pid`);
    for (const entry of fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
      const nspid = /^NSpid:\s+(.*)$/m.exec(readFile(`/proc/${entry}/status`))?.[1]?.trim().split(/\s+/);
      if (nspid?.at(-1) !== String(pidInside) || nspid.length < 2) continue;
      try {
        if (fs.readlinkSync(`/proc/${entry}/ns/pid`) === ns) return Number(entry);
      } catch {
        /* it ended meanwhile */
      }
    }
    return undefined;
  }

  /** Ends every process inside (SIGKILL to its PID 1 ends the namespace) and removes what the boot made. */
  async close(): Promise<void> {
    if (this.pid) {
      try {
        process.kill(this.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    if (this.unshare.exitCode === null && this.unshare.signalCode === null) await new Promise((resolve) => this.unshare.once('exit', resolve));
    // The kernel empties the groups as the namespace's processes die; then they can go, deepest first.
    for (let i = 0; i < 50 && fs.existsSync(this.cgroup); i++) {
      await run('find', [this.cgroup, '-depth', '-type', 'd', '-exec', 'rmdir', '{}', ';'], { allowFailure: true });
      if (fs.existsSync(this.cgroup)) await sleep(100);
    }
    if (fs.existsSync(this.cgroup)) throw new Error(`cgroup ${this.cgroup} is still in use`);
    fs.rmSync(this.stage, { recursive: true, force: true });
  }
}

function readFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
