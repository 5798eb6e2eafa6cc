// SandboxRuntime on a Docker engine configured as DESIGN.md section 2 says: one unprivileged container
// per session (uid 1000, own seccomp profile, no devices, read-only root, own bridge, own disk)
// running a rootless dockerd.
import fs from 'node:fs';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import Docker from 'dockerode';
import { EXEC_CUT_GRACE_MS, EXEC_OUTPUT_BYTES, DISK_FULL_BELOW_BYTES, DiskFilledWhileStarting, SandboxError, type ExecOptions, type ExecResult, type ExecStream, type FollowedProcess, type SandboxRuntime, type LimitHits, processBudget, type SandboxUsage, type ShellStream, type StartPhases, type CreateOptions } from './runtime.js';
import { engineNetworkPid, listeningPortsOf, ShellPortPublisher } from './engine-ports.js';
import { ListenersReader, type PortsOf } from './listeners-reader.js';
import type { SessionDisks } from './session-disk.js';
import { execStream, followExec } from './exec-streams.js';
import { runServed, TERMINAL_SERVER_PORT } from './terminal-server.js';
import { openSandboxShell, VISITOR } from './sandbox-shell.js';
import { demuxToString, ignoreNotFound, processStartTime, readKernelFile } from './engine-calls.js';

export const SESSION_LABEL = 'berth.session';
export const INSTANCE_LABEL = 'berth.instance';
const READY_FILE = '/run/user/1000/engine-ready';
/** Written once the engine's namespaces are made (native/session/engine-child): a shell can sit in them. */
const SHELL_READY_FILE = '/run/user/1000/shell-ready';
/** The inner engine's --data-root, outside the home (berth-entrypoint uses the same path). */
const ENGINE_DATA = '/var/lib/docker';

export interface DockerRuntimeOptions {
  socketPath: string;
  instance: string;
  image: string;
  seccompProfile: string;
  memoryBytes: number;
  cpus: number;
  pidsLimit: number;
  serviceIp: string;
  /** host:port of the registries the session's engine pulls through, in order (berth-entrypoint writes them into its daemon.json). */
  registryMirrors: string[];
  readyTimeoutMs: number;
  disks: SessionDisks;
  /** The host's tun node bind-mounted as the session's /dev/net/tun (see host/tun-device.ts). */
  tunDevice: string;
  /** More environment for the visitor's shells (e.g. the egress proxy's HTTPS_PROXY). */
  shellEnv?: string[];
  /** Files a new session's home starts with, by path inside it (e.g. ~/.docker/config.json). */
  homeFiles?: Record<string, string>;
  /** How shells reach the sandbox: its terminal server (berth-term; exec when it does not answer), or exec only. */
  terminal?: 'server' | 'exec';
  /** berth-listeners (native/host/): how listening ports are read cheaply; /proc/PID/net/tcp without it. */
  listenersHelper?: string;
}

export class DockerRuntime implements SandboxRuntime {
  readonly docker: Docker;
  private seccomp: string | undefined;

  private readonly portsOf: PortsOf;

  constructor(private readonly o: DockerRuntimeOptions) {
    this.docker = new Docker({ socketPath: o.socketPath });
    this.portsOf = o.listenersHelper
      ? new ListenersReader(o.listenersHelper, listeningPortsOf, (why) => console.error(`berth: ${o.listenersHelper} failed (${why}); ports are read from /proc for a while`)).portsOf
      : listeningPortsOf;
  }

  private names(id: string) {
    return { container: `berth-${this.o.instance}-${id}`, network: `berth-${this.o.instance}-${id}`, bridge: `berth-${id}` };
  }

  private labels(id: string) {
    return { [SESSION_LABEL]: id, [INSTANCE_LABEL]: this.o.instance };
  }

  private seccompProfile(): string {
    if (!this.seccomp) {
      if (!fs.existsSync(this.o.seccompProfile)) {
        throw new SandboxError(`seccomp profile ${this.o.seccompProfile} is missing: run "npm start" once to build the images`);
      }
      // Compact: the engine takes the profile's content inline.
      this.seccomp = JSON.stringify(JSON.parse(fs.readFileSync(this.o.seccompProfile, 'utf8')));
    }
    return this.seccomp;
  }

  onStartPhases: ((phases: StartPhases) => void) | undefined;

  async createSandbox(id: string, opts: CreateOptions = {}): Promise<void> {
    const n = this.names(id);
    const t0 = performance.now();
    let handedOver = false;
    try {
      const disk = await this.o.disks.create(id);
      await this.writeHomeFiles(disk.home);
      const t1 = performance.now();
      await this.docker.createNetwork({
        Name: n.network,
        Driver: 'bridge',
        Labels: this.labels(id),
        Options: {
          'com.docker.network.bridge.name': n.bridge,
          'com.docker.network.bridge.enable_icc': 'false',
          'com.docker.network.bridge.enable_ip_masquerade': 'false',
        },
      });
      // Traffic from the session to anything but the host is forwarded only so that the firewall's
      // BERTH-FORWARD chain can REJECT it at once; with forwarding off it would vanish and time out.
      await fs.promises.writeFile(`/proc/sys/net/ipv4/conf/${n.bridge}/forwarding`, '1').catch(() => {});
      // No IPv6 on the host side of the bridge either (the session's side has none): no link-local
      // address through which a session could reach the host's IPv6 services.
      await fs.promises.writeFile(`/proc/sys/net/ipv6/conf/${n.bridge}/disable_ipv6`, '1').catch(() => {});
      const t2 = performance.now();
      const container = await this.docker.createContainer({
        name: n.container,
        Image: this.o.image,
        User: VISITOR,
        Hostname: 'berth',
        Env: [`BERTH_NESTED_PROCESSES=${processBudget(this.o.pidsLimit).nested}`, `BERTH_REGISTRY_MIRRORS=${this.o.registryMirrors.join(' ')}`],
        Labels: this.labels(id),
        HostConfig: {
          NetworkMode: n.network,
          Memory: this.o.memoryBytes,
          MemorySwap: this.o.memoryBytes,
          NanoCpus: Math.round(this.o.cpus * 1e9),
          PidsLimit: this.o.pidsLimit,
          SecurityOpt: [`seccomp=${this.seccompProfile()}`, 'apparmor=unconfined'],
          // = --security-opt systempaths=unconfined: the kernel refuses the inner engine a new procfs
          // while paths are masked; harmless here because no uid in a session is a host uid.
          MaskedPaths: [],
          ReadonlyPaths: [],
          ReadonlyRootfs: true,
          Tmpfs: {
            '/tmp': 'rw,nosuid,nodev,size=256m',
            '/run/user/1000': 'rw,nosuid,nodev,size=64m,uid=1000,gid=1000,mode=0700',
          },
          // A tun node for slirp4netns: runc's default device rules already allow 10:200, so no --device.
          // The home and the engine's data-root, two folders of the session's one disk (session-disk.ts).
          Binds: [`${disk.home}:/home/user`, `${disk.engineData}:${ENGINE_DATA}`, `${this.o.tunDevice}:/dev/net/tun`],
          ExtraHosts: [`berth-mirror:${this.o.serviceIp}`],
          RestartPolicy: { Name: 'no' },
          LogConfig: { Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '1' } },
        },
      });
      await container.start();
      const t3 = performance.now();
      const deadline = Date.now() + this.o.readyTimeoutMs;
      await this.waitFor(id, SHELL_READY_FILE, deadline);
      const t4 = performance.now();
      handedOver = true;
      opts.onShellReady?.();
      await this.waitFor(id, READY_FILE, deadline);
      this.onStartPhases?.({ disk: t1 - t0, network: t2 - t1, container: t3 - t2, shell: t4 - t3, engine: performance.now() - t4 });
    } catch (err) {
      // Once handed over the sandbox is the visitor's: a full disk then is their doing, not the host's.
      const full = handedOver ? await this.diskUsage(id).catch(() => undefined) : undefined;
      await this.destroySandbox(id).catch(() => {});
      if (full && full.totalBytes - full.usedBytes < DISK_FULL_BELOW_BYTES) throw new DiskFilledWhileStarting(this.o.disks.sizeBytes, (err as Error).message);
      throw err instanceof SandboxError ? err : new SandboxError(`could not create the sandbox: ${(err as Error).message}`);
    }
  }

  /** Written on the host into the home the disk was just made with: nothing of the visitor's is there yet. */
  private async writeHomeFiles(home: string): Promise<void> {
    const owner = (await fs.promises.stat(home)).uid;
    for (const [file, text] of Object.entries(this.o.homeFiles ?? {})) {
      let dir = home;
      for (const part of file.split('/').slice(0, -1)) {
        dir = `${dir}/${part}`;
        await fs.promises.mkdir(dir, { mode: 0o700 }).catch((err: NodeJS.ErrnoException) => (err.code === 'EEXIST' ? undefined : Promise.reject(err)));
        await fs.promises.chown(dir, owner, owner);
      }
      await fs.promises.writeFile(`${home}/${file}`, text, { mode: 0o600, flag: 'wx' });
      await fs.promises.chown(`${home}/${file}`, owner, owner);
    }
  }

  /** Until the entrypoint writes file (shell-ready, then engine-ready): the sandbox's start goes on meanwhile. */
  private async waitFor(id: string, file: string, deadline: number): Promise<void> {
    const stopped = async () => new SandboxError(`the sandbox stopped while starting: ${await this.logTail(id)}`);
    const { pid, startTime } = await this.facts(id).catch(async () => Promise.reject(await stopped()));
    // The host looks at the sandbox's own files (the engine is local): an exec per look cost the engine a
    // process start, competing with the starting inner engine. lstat: a link there is not followed.
    const readyFile = `/proc/${pid}/root${file}`;
    while (Date.now() < deadline) {
      if (await fs.promises.lstat(readyFile).then(() => true, () => false)) return;
      if ((await processStartTime(pid)) !== startTime) throw await stopped();
      await sleep(20);
    }
    throw new SandboxError(`the sandbox's Docker engine did not come up within ${this.o.readyTimeoutMs / 1000} s: ${await this.logTail(id)}`);
  }

  private async logTail(id: string): Promise<string> {
    try {
      const buf = await this.docker.getContainer(this.names(id).container).logs({ stdout: true, stderr: true, tail: 10 });
      return demuxToString(buf as unknown as Buffer).trim() || '(no output)';
    } catch {
      return '(no logs)';
    }
  }

  async destroySandbox(id: string): Promise<void> {
    const n = this.names(id);
    this.hostFacts.delete(id);
    this.shellPorts.delete(id);
    await ignoreNotFound(this.docker.getContainer(n.container).remove({ force: true, v: true }));
    await ignoreNotFound(this.docker.getNetwork(n.network).remove());
    await this.o.disks.remove(id);
  }

  openShell(id: string, size: { cols: number; rows: number }, env: string[] = []): Promise<ShellStream> {
    return openSandboxShell(
      {
        container: this.docker.getContainer(this.names(id).container),
        address: () => this.address(id),
        exec: (cmd, opts) => this.exec(id, cmd, opts),
        shellProcesses: processBudget(this.o.pidsLimit).shell,
        shellEnv: this.o.shellEnv ?? [],
        terminal: this.o.terminal,
      },
      size,
      env,
    );
  }

  async exec(id: string, cmd: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const timeoutMs = opts.timeoutMs ?? 30_000;
    if (opts.served && this.o.terminal !== 'exec' && opts.user === undefined && opts.input === undefined) {
      const request = { cwd: '/home/user', env: opts.env ?? [], argv: cmd };
      const served = await runServed(await this.address(id), request, { timeoutMs, maxOutputBytes: opts.maxOutputBytes ?? EXEC_OUTPUT_BYTES });
      if (served) return served;
    }
    const timeoutS = Math.max(1, Math.ceil(timeoutMs / 1000));
    const exec = await this.docker.getContainer(this.names(id).container).exec({
      // timeout(1) inside the sandbox: an exec cannot be killed through the Engine API.
      Cmd: ['timeout', '-s', 'KILL', String(timeoutS), ...cmd],
      User: opts.user ?? VISITOR,
      Env: opts.env,
      AttachStdin: opts.input !== undefined,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
    });
    const stream = await exec.start({ hijack: true, stdin: opts.input !== undefined });
    if (opts.input !== undefined) stream.end(opts.input); // the half-close is the command's end of input
    // --- issue 11: the visitor (the same uid) can write into an exec's output or hold it open: both bounded.
    const maxOutput = opts.maxOutputBytes ?? EXEC_OUTPUT_BYTES;
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    let received = 0;
    let cut: ExecResult['cut'];
    const cutWith = (why: NonNullable<ExecResult['cut']>) => {
      cut ??= why;
      stream.destroy();
    };
    out.on('data', (c: Buffer) => {
      if (cut) return;
      if (received < maxOutput) chunks.push(c.subarray(0, maxOutput - received));
      received += c.length;
      if (received > maxOutput) cutWith('output-limit');
    });
    this.docker.modem.demuxStream(stream, out, out);
    const timer = setTimeout(() => cutWith('timeout'), timeoutS * 1000 + EXEC_CUT_GRACE_MS);
    try {
      await new Promise<void>((resolve, reject) => {
        stream.on('end', resolve);
        stream.on('close', resolve);
        stream.on('error', (err) => (cut ? resolve() : reject(err)));
      });
    } finally {
      clearTimeout(timer);
    }
    const output = Buffer.concat(chunks).toString('utf8');
    if (cut) return { exitCode: -1, output, timedOut: cut === 'timeout', cut };
    // ---
    const info = await exec.inspect();
    const exitCode = info.ExitCode ?? -1;
    return { exitCode, output, timedOut: exitCode === 137 || exitCode === 124 };
  }

  execStream(id: string, cmd: string[], opts: { timeoutMs: number }): Promise<ExecStream> {
    return execStream(this.docker.getContainer(this.names(id).container), VISITOR, cmd, opts);
  }

  follow(id: string, cmd: string[], onData: (chunk: Buffer) => void, opts: { timeoutMs: number }): Promise<FollowedProcess> {
    return followExec(this.docker.getContainer(this.names(id).container), VISITOR, cmd, onData, opts);
  }

  async isRunning(id: string): Promise<boolean> {
    // Asked every second for every session: the sandbox's first process, still alive, answers without the engine.
    const known = this.hostFacts.get(id);
    if (known?.startTime && (await processStartTime(known.pid)) === known.startTime) return true;
    try {
      const info = await this.docker.getContainer(this.names(id).container).inspect();
      if (info.State.Running) return true;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
    }
    this.hostFacts.delete(id);
    return false;
  }

  async isReady(id: string): Promise<boolean> {
    if (!(await this.isRunning(id))) return false;
    const facts = await this.facts(id).catch(() => null);
    return !!facts && (await fs.promises.lstat(`/proc/${facts.pid}/root${READY_FILE}`).then(() => true, () => false));
  }

  async listSandboxes(): Promise<string[]> {
    const containers = await this.docker.listContainers({ all: true, filters: { label: [`${INSTANCE_LABEL}=${this.o.instance}`] } });
    return containers.map((c) => c.Labels[SESSION_LABEL]).filter((x): x is string => !!x);
  }

  /** Every Berth instance with a sandbox or a session network on this engine (of any instance). */
  async instancesOnEngine(): Promise<string[]> {
    const filters = { label: [INSTANCE_LABEL] };
    const [containers, networks] = await Promise.all([this.docker.listContainers({ all: true, filters }), this.docker.listNetworks({ filters })]);
    return [...new Set([...containers.map((c) => c.Labels[INSTANCE_LABEL]), ...networks.map((n) => n.Labels?.[INSTANCE_LABEL])])].filter((x): x is string => !!x);
  }

  async sweep(keep: Set<string>): Promise<string[]> {
    const filters = { label: [`${INSTANCE_LABEL}=${this.o.instance}`] };
    const ids = new Set<string>(await this.listSandboxes());
    for (const net of await this.docker.listNetworks({ filters })) {
      const id = net.Labels?.[SESSION_LABEL];
      if (id) ids.add(id);
    }
    for (const id of this.o.disks.list()) ids.add(id);
    const removed: string[] = [];
    for (const id of ids) {
      if (keep.has(id)) continue;
      await this.destroySandbox(id);
      removed.push(id);
    }
    return removed;
  }

  private readonly hostFacts = new Map<string, { pid: number; startTime: string; ip: string; containerId: string }>();

  private async facts(id: string): Promise<{ pid: number; startTime: string; ip: string; containerId: string }> {
    const known = this.hostFacts.get(id);
    if (known) return known;
    const info = await this.docker.getContainer(this.names(id).container).inspect();
    const ip = info.NetworkSettings.Networks[this.names(id).network]?.IPAddress ?? '';
    if (!info.State.Running || !info.State.Pid || !ip) throw new SandboxError('the sandbox is not running');
    // The start time tells the sandbox's process from a later one that got the same pid.
    const facts = { pid: info.State.Pid, startTime: await processStartTime(info.State.Pid), ip, containerId: info.Id };
    this.hostFacts.set(id, facts);
    return facts;
  }

  async address(id: string): Promise<string> {
    return (await this.facts(id)).ip;
  }

  private readonly shellPorts = new Map<string, { enginePid: number; publisher: ShellPortPublisher }>();

  async listeningPorts(id: string): Promise<number[]> {
    // Read from the host (the engine is local): no exec, so watching ports every second costs next to nothing.
    const { pid } = await this.facts(id);
    const sandboxPorts = await this.portsOf(pid);
    if (!sandboxPorts) {
      this.hostFacts.delete(id);
      this.shellPorts.delete(id);
      throw new SandboxError('the sandbox is not running');
    }
    sandboxPorts.delete(TERMINAL_SERVER_PORT);
    // The learner's shell runs in the engine's network (host-shell): its servers are published to the sandbox's.
    let shell = this.shellPorts.get(id);
    let enginePorts = shell ? await this.portsOf(shell.enginePid) : null;
    if (!enginePorts) {
      const enginePid = await engineNetworkPid(pid);
      if (enginePid === undefined) return [...sandboxPorts].sort((a, b) => a - b);
      shell = { enginePid, publisher: shell?.publisher ?? new ShellPortPublisher((cmd) => this.exec(id, cmd, { timeoutMs: 10_000 })) };
      this.shellPorts.set(id, shell);
      enginePorts = (await this.portsOf(enginePid)) ?? new Set();
    }
    enginePorts.delete(TERMINAL_SERVER_PORT);
    return [...(await shell!.publisher.update(sandboxPorts, enginePorts))].sort((a, b) => a - b);
  }

  async limitHits(id: string): Promise<LimitHits> {
    // The session engine uses cgroupfs (v1): the counters are plain files on the host.
    const { containerId } = await this.facts(id);
    const memory = readKernelFile(`/sys/fs/cgroup/memory/docker/${containerId}/memory.oom_control`);
    const pids = readKernelFile(`/sys/fs/cgroup/pids/docker/${containerId}/pids.events`);
    const processes = readKernelFile(`/sys/fs/cgroup/pids/docker/${containerId}/pids.current`);
    return {
      oomKills: Number(/^oom_kill (\d+)/m.exec(memory)?.[1] ?? 0),
      forksRefused: Number(/^max (\d+)/m.exec(pids)?.[1] ?? 0),
      processes: Number(processes.trim() || 0),
    };
  }

  async cpuUsedNs(id: string): Promise<number> {
    const { containerId } = await this.facts(id);
    return Number(readKernelFile(`/sys/fs/cgroup/cpuacct/docker/${containerId}/cpuacct.usage`).trim() || 0);
  }

  async pause(id: string): Promise<void> {
    await this.docker.getContainer(this.names(id).container).pause();
  }

  async resume(id: string): Promise<void> {
    try {
      await this.docker.getContainer(this.names(id).container).unpause();
    } catch (err) {
      // Gone (404), or not paused (409 on newer engines, a 500 saying so on Debian's 20.10): nothing to thaw.
      const { statusCode, message } = err as { statusCode?: number; message?: string };
      if (statusCode !== 404 && statusCode !== 409 && !/is not paused/.test(message ?? '')) throw err;
    }
  }

  async diskUsage(id: string): Promise<{ usedBytes: number; totalBytes: number }> {
    const d = await this.o.disks.usage(id);
    return { usedBytes: d.used, totalBytes: d.total };
  }

  async usage(id: string): Promise<SandboxUsage> {
    // one-shot: one sample at once, instead of waiting a second for a CPU delta.
    const stats = (await this.docker.getContainer(this.names(id).container).stats({ stream: false, 'one-shot': true } as { stream: false })) as unknown as {
      memory_stats: { usage?: number; stats?: { cache?: number; total_inactive_file?: number } };
    };
    const m = stats.memory_stats;
    const disk = await this.o.disks.usage(id);
    return { memoryBytes: (m.usage ?? 0) - (m.stats?.cache ?? m.stats?.total_inactive_file ?? 0), diskUsedBytes: disk.used, diskTotalBytes: disk.total };
  }

  async ping(): Promise<boolean> {
    try {
      await this.docker.ping();
      return true;
    } catch {
      return false;
    }
  }
}

/** Removes every container and network labelled by Berth on an engine, whatever its instance. */
export async function purgeEngine(socketPath: string): Promise<number> {
  const docker = new Docker({ socketPath });
  const filters = { label: [SESSION_LABEL] };
  const containers = await docker.listContainers({ all: true, filters });
  for (const c of containers) await ignoreNotFound(docker.getContainer(c.Id).remove({ force: true, v: true }));
  const networks = await docker.listNetworks({ filters });
  for (const n of networks) await ignoreNotFound(docker.getNetwork(n.Id).remove());
  return containers.length + networks.length;
}
