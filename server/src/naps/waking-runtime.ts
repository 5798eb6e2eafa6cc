// The runtime the rest of Berth uses when sandboxes may nap (sandbox-naps.ts): whatever reaches into a
// sandbox (a shell, a command, a stream, its address for a port link) wakes it first. Looks from the host
// (ports, disk, limits, whether it runs) leave it asleep.
import type { Duplex } from 'node:stream';
import type { LeftoversRemoved, LostHost, CreateOptions, ExecOptions, ExecResult, ExecStream, FollowedProcess, LimitHits, SandboxRuntime, SandboxUsage, ShellStream } from '../runtime/runtime.js';
import type { SandboxNaps } from './sandbox-naps.js';

export class WakingRuntime implements SandboxRuntime {
  constructor(
    /** The engine's own runtime, which never wakes anything. */
    readonly inner: SandboxRuntime,
    private readonly naps: SandboxNaps,
  ) {}

  createSandbox(id: string, opts?: CreateOptions): Promise<void> {
    return this.inner.createSandbox(id, opts);
  }

  async destroySandbox(id: string): Promise<void> {
    await this.naps.forget(id);
    return this.inner.destroySandbox(id);
  }

  async openShell(id: string, size: { cols: number; rows: number }, env?: string[]): Promise<ShellStream> {
    await this.naps.wake(id);
    const shell = await this.inner.openShell(id, size, env);
    const kill = shell.kill;
    // A shell's end is a command in the sandbox too (or, through the terminal server, its hang-up seen there).
    shell.kill = async () => {
      await this.naps.wake(id);
      return kill.call(shell);
    };
    return shell;
  }

  async exec(id: string, cmd: string[], opts?: ExecOptions): Promise<ExecResult> {
    await this.naps.wake(id);
    return this.inner.exec(id, cmd, opts);
  }

  async execStream(id: string, cmd: string[], opts: { timeoutMs: number }): Promise<ExecStream> {
    await this.naps.wake(id);
    return this.inner.execStream(id, cmd, opts);
  }

  async follow(id: string, cmd: string[], onData: (chunk: Buffer) => void, opts: { timeoutMs: number }): Promise<FollowedProcess> {
    await this.naps.wake(id);
    return this.inner.follow(id, cmd, onData, opts);
  }

  /** Asked to reach the sandbox's ports (a port link): it must be awake to answer. */
  async address(id: string): Promise<string> {
    await this.naps.wake(id);
    return this.inner.address(id);
  }

  /** The inner runtime's, where it has one (a cluster's); the sandbox is woken first, as for address(). */
  get openPort(): ((id: string, port: number) => Promise<Duplex>) | undefined {
    const inner = this.inner;
    if (!inner.openPort) return undefined;
    return async (id, port) => {
      await this.naps.wake(id);
      return inner.openPort!(id, port);
    };
  }

  /** The inner runtime's, where it has one (a cluster's). */
  get lostSandboxes(): (() => Promise<Map<string, LostHost>>) | undefined {
    const inner = this.inner;
    return inner.lostSandboxes ? () => inner.lostSandboxes!() : undefined;
  }

  get removeLostLeftovers(): (() => Promise<LeftoversRemoved>) | undefined {
    const inner = this.inner;
    return inner.removeLostLeftovers ? () => inner.removeLostLeftovers!() : undefined;
  }

  isRunning(id: string): Promise<boolean> {
    return this.inner.isRunning(id);
  }

  isReady(id: string): Promise<boolean> {
    return this.inner.isReady(id);
  }

  listSandboxes(): Promise<string[]> {
    return this.inner.listSandboxes();
  }

  sweep(keep: Set<string>): Promise<string[]> {
    return this.inner.sweep(keep);
  }

  listeningPorts(id: string): Promise<number[]> {
    return this.inner.listeningPorts(id);
  }

  limitHits(id: string): Promise<LimitHits> {
    return this.inner.limitHits(id);
  }

  diskUsage(id: string): Promise<{ usedBytes: number; totalBytes: number }> {
    return this.inner.diskUsage(id);
  }

  usage(id: string): Promise<SandboxUsage> {
    return this.inner.usage(id);
  }

  cpuUsedNs(id: string): Promise<number> {
    return this.inner.cpuUsedNs(id);
  }

  pause(id: string): Promise<void> {
    return this.inner.pause(id);
  }

  resume(id: string): Promise<void> {
    return this.inner.resume(id);
  }

  ping(): Promise<boolean> {
    return this.inner.ping();
  }
}
