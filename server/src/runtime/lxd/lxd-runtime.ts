// SandboxRuntime on LXD (BERTH_RUNTIME=lxd): one unprivileged system container per session, its root a uid
// range of its own on the host (security.idmap.isolated, ranges chosen here: LXD's own choice races when
// sandboxes start in parallel), nesting on for the rootful dockerd inside (native/lxd/lxd-init), limits by
// LXD (memory without swap, CPU allowance, processes, the root disk's size on the pool), its NIC on the
// sandboxes' bridge with port isolation behind Berth's firewall chain (native/lxd/lxd-host.sh: only the mirror
// and the caches answer).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { DISK_FULL_BELOW_BYTES, DiskFilledWhileStarting, EXEC_OUTPUT_BYTES, SandboxElsewhere, SandboxError, processBudget, type CreateOptions, type ExecOptions, type ExecResult, type ExecStream, type FollowedProcess, type LeftoversRemoved, type LimitHits, type LostHost, type SandboxRuntime, type SandboxUsage, type ShellStream, type StartPhases } from '../runtime.js';
import { listeningPortsIn, listeningPortsOf } from '../engine-ports.js';
import { localCpuNs, localLimitText, LocalInstances, localMemoryBytes } from './local-instance.js';
import { LocalDiskUsage } from './local-disk-usage.js';
import { endShell } from '../sandbox-shell.js';
import { openServedShell, runServed, TERMINAL_SERVER_PORT } from '../terminal-server.js';
import { LxdApi, isNotFound } from './lxd-api.js';
import { lxdExec, lxdExecStream, lxdFollow, lxdPipe, lxdTerminal } from './lxd-exec.js';
import { IdmapSlots } from './idmap-slots.js';
import { instanceNamePrefix, SandboxPlacement, type InstanceInfo } from './sandbox-placement.js';
import { sandboxInstance } from './sandbox-instance.js';
import type { LxdRuntimeOptions } from './lxd-config.js';

export type { LxdRuntimeOptions } from './lxd-config.js';

export { LXD_INSTANCE_KEY, LXD_SESSION_KEY } from './sandbox-instance.js';
import { LXD_INSTANCE_KEY, LXD_SESSION_KEY } from './sandbox-instance.js';
const SHELL_READY_FILE = '/run/user/1000/shell-ready';
const READY_FILE = '/run/user/1000/engine-ready';
/** The image's own busybox (native/lxd/build-lxd-image.sh), for the relay of a port on another member. */
const BUSYBOX = '/usr/local/lib/berth/busybox';

/** How busybox nc failed to connect, as the error a socket would give ("nc: can't connect to remote host (…): Connection refused"). */
export function relayFailure(exitCode: number, stderr: string): Error | null {
  if (exitCode === 0) return null;
  const code = /Connection refused/i.test(stderr) ? 'ECONNREFUSED' : /timed out/i.test(stderr) ? 'ETIMEDOUT' : /unreachable/i.test(stderr) ? 'EHOSTUNREACH' : null;
  return code ? Object.assign(new Error(`${code}: ${stderr.trim().slice(0, 200)}`), { code }) : null;
}

interface InstanceState {
  status: string;
  pid: number;
  memory?: { usage?: number };
  cpu?: { usage?: number };
  disk?: Record<string, { usage?: number }>;
  network?: Record<string, { host_name?: string; addresses?: { family: string; address: string; scope: string }[] }>;
}

export class LxdRuntime implements SandboxRuntime {
  readonly api: LxdApi;
  private readonly slots = new IdmapSlots();
  private readonly placement: SandboxPlacement;
  /** Sandboxes whose init runs on this machine, read from the host (local-instance.ts). */
  private readonly locals: LocalInstances;
  /** Their disk use, read from the pool for all at once (local-disk-usage.ts). */
  private readonly localDisks: LocalDiskUsage;
  onStartPhases: ((phases: StartPhases) => void) | undefined;

  constructor(private readonly o: LxdRuntimeOptions) {
    this.api = new LxdApi(o.socketPath);
    this.placement = new SandboxPlacement(this.api, o, (id) => this.name(id));
    this.locals = new LocalInstances((id) => this.state(id), (id) => this.name(id), (id) => this.reachable(id));
    this.localDisks = new LocalDiskUsage(path.join(path.dirname(o.socketPath), 'storage-pools', o.pool));
  }

  /** LXD's instance name: letters, digits and dashes, at most 63. */
  name(id: string): string {
    const name = `${instanceNamePrefix(this.o.instance)}${id}`;
    if (!/^[a-zA-Z][a-zA-Z0-9-]{0,62}$/.test(name)) throw new SandboxError(`"${name}" cannot name an LXD instance (letters, digits and dashes, at most 63)`);
    return name;
  }

  private path(id: string, rest = ''): string {
    return `/1.0/instances/${encodeURIComponent(this.name(id))}${rest}`;
  }

  async createSandbox(id: string, opts: CreateOptions = {}): Promise<void> {
    const t0 = performance.now();
    let handedOver = false;
    try {
      const instances = await this.instances();
      const slot = this.slots.take(instances.map((i) => i.config?.['security.idmap.base']));
      try {
        await this.api.run('POST', '/1.0/instances', sandboxInstance(this.o, id, this.name(id), slot));
      } finally {
        slot.release();
      }
      const t1 = performance.now();
      await this.api.run('PUT', this.path(id, '/state'), { action: 'start', timeout: 30 });
      const t2 = performance.now();
      await this.placement.location(id);
      const deadline = Date.now() + this.o.readyTimeoutMs;
      await this.waitFor(id, SHELL_READY_FILE, deadline);
      const t3 = performance.now();
      handedOver = true;
      opts.onShellReady?.();
      await this.waitFor(id, READY_FILE, deadline);
      this.onStartPhases?.({ disk: t1 - t0, network: 0, container: t2 - t1, shell: t3 - t2, engine: performance.now() - t3 });
    } catch (err) {
      const full = handedOver ? await this.diskUsage(id).catch(() => undefined) : undefined;
      await this.destroySandbox(id).catch(() => {});
      if (full && full.totalBytes - full.usedBytes < DISK_FULL_BELOW_BYTES) throw new DiskFilledWhileStarting(this.o.diskBytes, (err as Error).message);
      throw err instanceof SandboxError ? err : new SandboxError(`could not create the sandbox: ${(err as Error).message}`);
    }
  }

  /** Until lxd-init writes file: LXD's file API reads it, no process is started in the sandbox. */
  private async waitFor(id: string, file: string, deadline: number): Promise<void> {
    while (Date.now() < deadline) {
      if (await this.fileExists(id, file)) return;
      // Answered from the host while the sandbox runs here (its init's start time): no second call to LXD.
      if (!(await this.isRunning(id))) throw new SandboxError(`the sandbox stopped while starting: ${await this.logTail(id)}`);
      await sleep(50);
    }
    throw new SandboxError(`the sandbox's Docker engine did not come up within ${this.o.readyTimeoutMs / 1000} s: ${await this.logTail(id)}`);
  }

  private async fileExists(id: string, file: string): Promise<boolean> {
    const local = await this.locals.get(id);
    // lstat: a link the visitor put there is not followed.
    if (local) return fs.promises.lstat(`/proc/${local.pid}/root${file}`).then(() => true, () => false);
    return this.api.fileExists(this.name(id), file);
  }

  private async logTail(id: string): Promise<string> {
    const r = await lxdExec(this.api, this.name(id), ['tail', '-n', '10', '/var/log/berth-engine.log'], { user: '0:0', timeoutMs: 5000 }).catch(() => null);
    return r?.output.trim() || '(no log)';
  }

  async destroySandbox(id: string): Promise<void> {
    try {
      await this.remove(id);
    } catch (err) {
      // Its member is away (a lost machine): LXD cannot remove it until that member answers again.
      await this.placement.removalFailed(id);
      throw err;
    }
    this.locals.forget(id);
    this.placement.forget(id);
  }

  private async remove(id: string): Promise<void> {
    let stopFailed = '';
    try {
      await this.api.run('PUT', this.path(id, '/state'), { action: 'stop', force: true, timeout: 30 });
    } catch (err) {
      if (isNotFound(err)) return;
      // Stopped already: LXD says so, and the delete below does the rest. Otherwise the delete's failure says why.
      stopFailed = (err as Error).message;
    }
    try {
      await this.api.run('DELETE', this.path(id), undefined);
    } catch (err) {
      if (!isNotFound(err)) throw new SandboxError(`${(err as Error).message}${stopFailed ? ` (stopping it first: ${stopFailed})` : ''}`);
    }
  }

  async openShell(id: string, size: { cols: number; rows: number }, env: string[] = []): Promise<ShellStream> {
    const pidFile = `/run/user/1000/.terminal-${crypto.randomBytes(6).toString('hex')}.pid`;
    const shell = processBudget(this.o.pidsLimit).shell;
    const argv = ['bash', '-c', `ulimit -u ${shell} && echo $$ > ${pidFile} && exec bash -l`];
    const shellEnv = ['TERM=xterm-256color', 'COLORTERM=truecolor', ...(this.o.shellEnv ?? []), ...env];
    const kill = (stream: { destroy(): void }) => async () => {
      stream.destroy();
      await endShell({ exec: (cmd, o) => this.exec(id, cmd, o) }, pidFile);
    };
    if (this.o.terminal !== 'exec' && (await this.reachable(id))) {
      const served = await openServedShell(await this.address(id), { ...size, cwd: '/home/user', env: shellEnv, argv });
      if (served) return { stream: served.stream, resize: served.resize, kill: kill(served.stream), via: 'terminal-server' };
    }
    const t = await lxdTerminal(this.api, this.name(id), argv, shellEnv, size);
    return {
      stream: t.stream,
      resize: t.resize,
      kill: kill(t.stream),
      via: 'exec',
    };
  }

  async exec(id: string, cmd: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    if (opts.served && this.o.terminal !== 'exec' && opts.user === undefined && opts.input === undefined && (await this.reachable(id))) {
      const request = { cwd: '/home/user', env: opts.env ?? [], argv: cmd };
      const served = await runServed(await this.address(id), request, { timeoutMs: opts.timeoutMs ?? 30_000, maxOutputBytes: opts.maxOutputBytes ?? EXEC_OUTPUT_BYTES });
      if (served) return served;
    }
    return lxdExec(this.api, this.name(id), cmd, opts);
  }

  execStream(id: string, cmd: string[], opts: { timeoutMs: number }): Promise<ExecStream> {
    return lxdExecStream(this.api, this.name(id), cmd, opts);
  }

  follow(id: string, cmd: string[], onData: (chunk: Buffer) => void, opts: { timeoutMs: number }): Promise<FollowedProcess> {
    return lxdFollow(this.api, this.name(id), cmd, onData, opts);
  }

  private async state(id: string): Promise<InstanceState> {
    return this.api.request<InstanceState>('GET', this.path(id, '/state'), undefined, 10_000);
  }

  async isRunning(id: string): Promise<boolean> {
    // A sandbox on a member that is away may still run there, but nothing reaches it through LXD.
    if (await this.placement.isAway(id)) return false;
    // Asked every second for every session: the sandbox's init, still alive here, answers without LXD.
    if (await this.locals.knownRunning(id)) return true;
    try {
      // The instance, not its state: LXD answers it without walking the sandbox's processes and disk.
      return (await this.api.request<{ status: string }>('GET', this.path(id), undefined, 10_000)).status === 'Running';
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async isReady(id: string): Promise<boolean> {
    return (await this.isRunning(id)) && (await this.fileExists(id, READY_FILE));
  }


  private instances(): Promise<InstanceInfo[]> {
    return this.placement.list();
  }

  lostSandboxes(): Promise<Map<string, LostHost>> {
    return this.placement.lost();
  }

  async removeLostLeftovers(): Promise<LeftoversRemoved> {
    const done: LeftoversRemoved = { removed: [], failed: [] };
    for (const id of await this.placement.orphansBack()) {
      // What fails is tried again at the next look.
      await this.destroySandbox(id).then(
        () => done.removed.push(id),
        (err: Error) => done.failed.push({ id, reason: err.message }),
      );
    }
    return done;
  }

  async listSandboxes(): Promise<string[]> {
    return (await this.instances()).map((i) => this.placement.idOf(i)).filter((x): x is string => !!x);
  }

  /** Every Berth instance with a sandbox on this LXD. */
  async instancesOnEngine(): Promise<string[]> {
    return [...new Set((await this.instances()).map((i) => i.config?.[LXD_INSTANCE_KEY]).filter((x): x is string => !!x))];
  }

  async sweep(keep: Set<string>): Promise<string[]> {
    const removed: string[] = [];
    for (const id of await this.listSandboxes()) {
      if (keep.has(id)) continue;
      await this.destroySandbox(id);
      removed.push(id);
    }
    return removed;
  }

  async listeningPorts(id: string): Promise<number[]> {
    const local = await this.locals.get(id);
    if (local) {
      const ports = await listeningPortsOf(local.pid);
      if (!ports) throw new SandboxError('the sandbox is not running');
      ports.delete(TERMINAL_SERVER_PORT);
      return [...ports].sort((a, b) => a - b);
    }
    const r = await this.exec(id, ['cat', '/proc/net/tcp', '/proc/net/tcp6'], { timeoutMs: 10_000, maxOutputBytes: 4 * 2 ** 20 });
    if (r.exitCode !== 0) throw new SandboxError('the sandbox is not running');
    // The two tables, one after the other: each starts with its own header line, which listeningPortsIn skips.
    const ports = new Set(r.output.split(/\n(?=\s*sl\s)/).flatMap((table) => [...listeningPortsIn(table)]));
    ports.delete(TERMINAL_SERVER_PORT);
    return [...ports].sort((a, b) => a - b);
  }

  private reachable(id: string): Promise<boolean> {
    return this.placement.reachable(id, async () => (await this.state(id)).network?.eth0?.host_name);
  }

  async address(id: string): Promise<string> {
    if (!(await this.reachable(id))) throw new SandboxElsewhere('the sandbox runs on another LXD cluster member, which this server does not reach by address');
    return this.ownAddress(id);
  }

  /** Its address on its member's bridge (meaningful there only). */
  private async ownAddress(id: string): Promise<string> {
    const eth0 = (await this.state(id)).network?.eth0?.addresses ?? [];
    const inet = eth0.find((a) => a.family === 'inet' && a.scope === 'global');
    if (!inet) throw new SandboxError('the sandbox has no address yet');
    return inet.address;
  }

  /** A port of a sandbox on another member: a relay inside it (the image's own busybox nc, as the visitor) to
   * its own address, where its apps and published ports listen, over LXD's exec. */
  async openPort(id: string, port: number): Promise<Duplex> {
    return lxdPipe(this.api, this.name(id), [BUSYBOX, 'nc', '-w', '10', await this.ownAddress(id), String(port)], relayFailure);
  }

  async limitHits(id: string): Promise<LimitHits> {
    const local = await this.locals.get(id);
    // Here: the host's view of its cgroups. Elsewhere: the sandbox's own, as its init mounted them (a cgroup
    // namespace: the files are the container's).
    const text = local
      ? localLimitText(local)
      : (await this.exec(id, ['cat', '/sys/fs/cgroup/memory/memory.oom_control', '/sys/fs/cgroup/pids/pids.events', '/sys/fs/cgroup/pids/pids.current'], { user: '0:0', timeoutMs: 10_000 })).output;
    return {
      oomKills: Number(/^oom_kill (\d+)/m.exec(text)?.[1] ?? 0),
      forksRefused: Number(/^max (\d+)/m.exec(text)?.[1] ?? 0),
      processes: Number(/^(\d+)$/m.exec(text)?.[1] ?? 0),
    };
  }

  async diskUsage(id: string): Promise<{ usedBytes: number; totalBytes: number }> {
    const root = (await this.localDiskBytes(id)) ?? (await this.state(id)).disk?.root?.usage ?? 0;
    return { usedBytes: root, totalBytes: this.o.diskBytes };
  }

  /** A sandbox of this machine: its pool's figure, the one LXD gives (the subvolume's exclusive bytes). */
  private async localDiskBytes(id: string): Promise<number | undefined> {
    return (await this.locals.get(id)) ? this.localDisks.of(this.name(id)) : undefined;
  }

  async usage(id: string): Promise<SandboxUsage> {
    const local = await this.locals.get(id);
    const disk = local ? await this.localDisks.of(this.name(id)) : undefined;
    if (local && disk !== undefined) return { memoryBytes: localMemoryBytes(local), diskUsedBytes: disk, diskTotalBytes: this.o.diskBytes };
    const s = await this.state(id);
    return { memoryBytes: s.memory?.usage ?? 0, diskUsedBytes: s.disk?.root?.usage ?? 0, diskTotalBytes: this.o.diskBytes };
  }

  async cpuUsedNs(id: string): Promise<number> {
    const local = await this.locals.get(id);
    if (local) return localCpuNs(local);
    return (await this.state(id)).cpu?.usage ?? 0;
  }

  async pause(id: string): Promise<void> {
    await this.api.run('PUT', this.path(id, '/state'), { action: 'freeze', timeout: 30 });
  }

  async resume(id: string): Promise<void> {
    try {
      await this.api.run('PUT', this.path(id, '/state'), { action: 'unfreeze', timeout: 30 });
    } catch (err) {
      if (isNotFound(err) || /not frozen|not running/i.test((err as Error).message)) return;
      throw err;
    }
  }

  async ping(): Promise<boolean> {
    try {
      await this.api.request('GET', '/1.0', undefined, 5000);
      return true;
    } catch {
      return false;
    }
  }
}
