// A SandboxRuntime with no engine behind it, for tests of what happens before and around sandboxes (who
// may start one, from where) at numbers a 2-core host cannot start for real. Shells echo what is typed.
import { PassThrough, Readable } from 'node:stream';
import type { LeftoversRemoved, LostHost, ExecResult, ExecStream, FollowedProcess, LimitHits, SandboxRuntime, SandboxUsage, ShellStream } from '../src/runtime/runtime.js';

export class FakeRuntime implements SandboxRuntime {
  readonly sandboxes = new Set<string>();
  /** How many sandboxes were ever made. */
  created = 0;

  async createSandbox(id: string): Promise<void> {
    await new Promise((r) => setTimeout(r, 5));
    this.sandboxes.add(id);
    this.created++;
  }

  async destroySandbox(id: string): Promise<void> {
    this.sandboxes.delete(id);
  }

  async openShell(): Promise<ShellStream> {
    const stream = new PassThrough();
    return { stream, resize: async () => {}, kill: async () => void stream.end() };
  }

  async exec(): Promise<ExecResult> {
    return { exitCode: 0, output: '', timedOut: false };
  }

  async execStream(): Promise<ExecStream> {
    return { stdout: Readable.from([]), exitCode: async () => 0, stop: () => {} };
  }

  async follow(): Promise<FollowedProcess> {
    return { stop: () => {}, ended: Promise.resolve() };
  }

  async isRunning(id: string): Promise<boolean> {
    return this.sandboxes.has(id);
  }

  async isReady(id: string): Promise<boolean> {
    return this.sandboxes.has(id);
  }

  async listSandboxes(): Promise<string[]> {
    return [...this.sandboxes];
  }

  async sweep(keep: Set<string>): Promise<string[]> {
    const gone = [...this.sandboxes].filter((id) => !keep.has(id));
    for (const id of gone) this.sandboxes.delete(id);
    return gone;
  }

  async listeningPorts(): Promise<number[]> {
    return [];
  }

  async address(): Promise<string> {
    return '127.0.0.1';
  }

  async limitHits(): Promise<LimitHits> {
    return { oomKills: 0, forksRefused: 0, processes: 1 };
  }

  async diskUsage(): Promise<{ usedBytes: number; totalBytes: number }> {
    return { usedBytes: 0, totalBytes: 2 ** 30 };
  }

  async usage(): Promise<SandboxUsage> {
    return { memoryBytes: 0, diskUsedBytes: 0, diskTotalBytes: 2 ** 30 };
  }

  /** Sandboxes paused now. */
  readonly paused = new Set<string>();
  /** What cpuUsedNs answers, by sandbox (0 when unset). */
  readonly cpuNs = new Map<string, number>();

  async cpuUsedNs(id: string): Promise<number> {
    return this.cpuNs.get(id) ?? 0;
  }

  async pause(id: string): Promise<void> {
    this.paused.add(id);
  }

  async resume(id: string): Promise<void> {
    this.paused.delete(id);
  }

  async ping(): Promise<boolean> {
    return true;
  }
}

/** A runtime whose sandboxes in `lost` are on a machine that went away: they do not run, as far as anyone can see. */
export class ClusterFake extends FakeRuntime {
  readonly lost = new Map<string, LostHost>();
  /** Lost sandboxes whose machine answers again; each removeLostLeftovers call is counted. */
  readonly back = new Set<string>();
  leftoverSweeps = 0;
  async lostSandboxes(): Promise<Map<string, LostHost>> {
    return new Map(this.lost);
  }
  async removeLostLeftovers(): Promise<LeftoversRemoved> {
    this.leftoverSweeps++;
    const removed = [...this.back];
    for (const id of removed) {
      this.lost.delete(id);
      this.back.delete(id);
      await super.destroySandbox(id);
    }
    return { removed, failed: [] };
  }
  override async isRunning(id: string): Promise<boolean> {
    return !this.lost.has(id) && this.sandboxes.has(id);
  }
  override async isReady(id: string): Promise<boolean> {
    return this.isRunning(id);
  }
  /** Removing it fails while its member is away, and works on an evacuated one (its daemon answers). */
  override async destroySandbox(id: string): Promise<void> {
    const lost = this.lost.get(id);
    if (lost && !lost.evacuated) throw new Error(`the member ${lost.host} does not answer`);
    this.lost.delete(id);
    await super.destroySandbox(id);
  }
}
