// The seam between Berth and a Docker engine. Only runtime/ implements it; everything else uses it.
import type { Duplex, Readable } from 'node:stream';

export interface ExecResult {
  exitCode: number;
  output: string;
  timedOut: boolean;
  /**
   * The host cut the stream: its output passed maxOutputBytes, or it stayed open past the timeout (something
   * in the sandbox, where the visitor is the same uid, wrote into it or held it open). exitCode is then -1.
   */
  cut?: 'output-limit' | 'timeout';
}

export interface ExecOptions {
  /** Default 1000:1000, the visitor. */
  user?: string;
  timeoutMs?: number;
  env?: string[];
  /** Output kept at most (default EXEC_OUTPUT_BYTES); past it the stream is cut. */
  maxOutputBytes?: number;
  /** Given to the command on its standard input, which then ends (e.g. a file's new content). */
  input?: Buffer;
  /**
   * May run through the sandbox's own terminal server instead of a new exec (a lesson's check: asked often, and
   * an exec costs the engine a process tree). As the visitor, with no input; the exec is the fallback.
   */
  served?: boolean;
}

export const EXEC_OUTPUT_BYTES = 1024 * 1024;
/** How long past its timeout an exec's stream may stay open before the host cuts it. */
export const EXEC_CUT_GRACE_MS = 5000;

/** A command's standard output as a stream, with backpressure (a download of the learner's files). */
export interface ExecStream {
  stdout: Readable;
  /** Its exit status, once stdout ended (-1 when the sandbox could not say). */
  exitCode(): Promise<number>;
  /** Cuts the stream; the command ends at its next write. */
  stop(): void;
}

/** A long-running process in a sandbox whose output the host reads as it comes (e.g. `docker events`). */
export interface FollowedProcess {
  /** Cuts the stream; the process ends at its next write (or at its time limit). */
  stop(): void;
  /** Resolves once the stream ended: the process ended, was stopped, or the sandbox went. */
  ended: Promise<void>;
}

export interface ShellStream {
  /** Raw TTY bytes both ways. */
  stream: Duplex;
  resize(cols: number, rows: number): Promise<void>;
  /** Ends the shell (and its jobs) inside the sandbox. */
  kill(): Promise<void>;
  /** The path its bytes take: the sandbox's terminal server, or an Engine API exec (the fallback). */
  via?: 'terminal-server' | 'exec';
}

export interface LimitHits {
  /** Processes the kernel killed for memory so far. */
  oomKills: number;
  /** Forks refused at the session's process limit so far. */
  forksRefused: number;
  /** Processes (threads included) running now. */
  processes: number;
}

export interface SandboxUsage {
  memoryBytes: number;
  diskUsedBytes: number;
  diskTotalBytes: number;
}

/**
 * Where a sandbox's start went, in ms: its disk, its network, its container made and started, the engine's
 * namespaces made (a shell can open: `shell`), its inner engine coming up after that (`engine`).
 */
export interface StartPhases {
  disk: number;
  network: number;
  container: number;
  shell: number;
  engine: number;
}

export interface CreateOptions {
  /**
   * Called once a shell opened now would sit where a Docker host's shell is (in the engine's namespaces),
   * before the inner engine answers: the sandbox's `docker` waits for its engine, so a visitor may type at once.
   */
  onShellReady?: () => void;
}

export interface SandboxRuntime {
  /** Resolves once the sandbox's inner engine answers. On failure nothing of it is left behind. */
  createSandbox(id: string, opts?: CreateOptions): Promise<void>;
  /** Told where each sandbox start that succeeded spent its time (GET /metrics sums it by phase). */
  onStartPhases?: (phases: StartPhases) => void;
  /** Removes the sandbox and everything it owns; safe to call twice. */
  destroySandbox(id: string): Promise<void>;
  /** A login shell as the visitor, with a TTY; env adds variables to its environment. */
  openShell(id: string, size: { cols: number; rows: number }, env?: string[]): Promise<ShellStream>;
  exec(id: string, cmd: string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Starts cmd as the visitor; its stdout is read as a stream (stderr is dropped); it ends by timeoutMs at the latest. */
  execStream(id: string, cmd: string[], opts: { timeoutMs: number }): Promise<ExecStream>;
  /** Starts cmd as the visitor and hands its output to onData as it comes; it ends by timeoutMs at the latest. */
  follow(id: string, cmd: string[], onData: (chunk: Buffer) => void, opts: { timeoutMs: number }): Promise<FollowedProcess>;
  /**
   * Sandboxes whose host was lost (a cluster member that stopped answering, or one emptied for maintenance), by
   * id. Only runtimes that spread sandboxes over machines have it; their isRunning says false for these.
   */
  lostSandboxes?(): Promise<Map<string, LostHost>>;
  /** Removes what is left of lost sandboxes whose machine answers again (LXD could not while it was away). */
  removeLostLeftovers?(): Promise<LeftoversRemoved>;
  /** Whether the sandbox's container is running (false when it is stopped or gone). */
  isRunning(id: string): Promise<boolean>;
  /** Whether the sandbox runs and its inner engine finished starting (false when stopped, gone or half-started). */
  isReady(id: string): Promise<boolean>;
  /** Ids of every sandbox this Berth instance has on the engine, live or not. */
  listSandboxes(): Promise<string[]>;
  /** Removes sandboxes (and stray disks) whose ids are not in keep. Returns the ids removed. */
  sweep(keep: Set<string>): Promise<string[]>;
  /** TCP ports something listens on in the sandbox (its own address, or all), ascending. */
  listeningPorts(id: string): Promise<number[]>;
  /** Where the host reaches the sandbox's ports (its address on its own bridge). SandboxElsewhere: not from here. */
  address(id: string): Promise<string>;
  /** A connection to a port of a sandbox whose address this server cannot dial (SandboxElsewhere), through the runtime. */
  openPort?(id: string, port: number): Promise<Duplex>;
  /** How often the sandbox has hit its limits so far, and how many processes it runs now. */
  limitHits(id: string): Promise<LimitHits>;
  /** The sandbox's own disk: bytes used and its size. */
  diskUsage(id: string): Promise<{ usedBytes: number; totalBytes: number }>;
  /** Memory the sandbox uses now (page cache excluded) and its disk. */
  usage(id: string): Promise<SandboxUsage>;
  /** CPU time all the sandbox's processes have used so far, in nanoseconds. */
  cpuUsedNs(id: string): Promise<number>;
  /** Freezes every process of the sandbox (a nap, sessions/sandbox-naps.ts): memory, files and sockets stay. */
  pause(id: string): Promise<void>;
  /** Thaws a paused sandbox; nothing when it is not paused or gone. */
  resume(id: string): Promise<void>;
  ping(): Promise<boolean>;
}

/** The machine a lost sandbox ran on: its name, and whether its operator emptied it (evacuation) or it went away. */
export interface LostHost {
  host: string;
  evacuated: boolean;
}

/** What removeLostLeftovers did: what it removed, and what it could not (tried again at its next call). */
export interface LeftoversRemoved {
  removed: string[];
  failed: { id: string; reason: string }[];
}

export class SandboxError extends Error {}

/** The sandbox runs on a machine whose sandbox addresses this server does not reach (another cluster member). */
export class SandboxElsewhere extends SandboxError {}

/** Below this much free space, writes fail: a session's disk counts as full. */
export const DISK_FULL_BELOW_BYTES = 16 * 2 ** 20;

/**
 * The sandbox was handed over (its prompt came, onShellReady) and its engine then could not start, with the
 * session's disk full: the visitor filled it first (sessions/engine-start-lost.ts).
 */
export class DiskFilledWhileStarting extends SandboxError {
  /** diskBytes: the session's disk quota. */
  constructor(readonly diskBytes: number, said: string) {
    super(said);
  }
}

/**
 * How the session's process limit (the container's pids cgroup) is shared out. The learner's shell and
 * the containers they start each get a per-user process ceiling (RLIMIT_NPROC) below it, so a fork bomb
 * in either stops there and leaves the inner engine room to fork: Go daemons die when they cannot start
 * a thread. The ceilings count the session's processes of one user, the engine's own included.
 */
export function processBudget(pidsLimit: number): { shell: number; nested: number } {
  return { shell: Math.floor(pidsLimit * 0.75), nested: Math.floor(pidsLimit * 0.5) };
}
