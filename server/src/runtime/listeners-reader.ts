// The TCP ports listening in a process's network namespace, asked of berth-listeners (native/host/, built by
// `berth prepare`): one helper process for the whole server, asking the kernel for listening sockets only.
// Reading /proc/PID/net/tcp instead costs a walk of the host's whole connection hash (0.8 ms against 0.04 ms
// a look on this project's machine); it stays the fallback while the helper is missing, broken or slow.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';

export type PortsOf = (pid: number) => Promise<Set<number> | null>;

/** An answer is at most 4096 ports of 6 characters: a longer line is a broken helper. */
const MAX_LINE = 64 * 1024;
const ANSWER_MS = 2000;
/** After the helper failed, how long the fallback is used before it is started again. */
const RETRY_MS = 10_000;

interface Asked {
  pid: number;
  resolve: (ports: Set<number> | null) => void;
  fallback: () => void;
}

export class ListenersReader {
  private child: ChildProcessWithoutNullStreams | undefined;
  private asked: Asked[] = [];
  private partial = '';
  private brokenUntil = 0;

  constructor(
    private readonly binary: string,
    private readonly fallback: PortsOf,
    private readonly onFailure: (reason: string) => void = () => {},
    private readonly retryMs = RETRY_MS,
  ) {}

  readonly portsOf: PortsOf = (pid) => {
    const child = this.helper();
    if (!child) return this.fallback(pid);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(`no answer within ${ANSWER_MS} ms`), ANSWER_MS);
      const done = (ports: Set<number> | null) => (clearTimeout(timer), resolve(ports));
      this.asked.push({ pid, resolve: done, fallback: () => (clearTimeout(timer), this.fallback(pid).then(resolve, reject)) });
      child.stdin.write(`${pid}\n`);
    });
  };

  close(): void {
    this.brokenUntil = Infinity;
    this.stop();
  }

  private helper(): ChildProcessWithoutNullStreams | undefined {
    if (this.child) return this.child;
    if (Date.now() < this.brokenUntil || !fs.existsSync(this.binary)) return undefined;
    const child = spawn(this.binary, [], { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdout.setEncoding('utf8');
    // What a helper given up on still had on its way (answers come late on a loaded host) is not read: it would
    // be taken for the next helper's answers, and that one given up on too.
    child.stdout.on('data', (text: string) => this.child === child && this.read(text));
    let said = '';
    child.stderr.on('data', (b: Buffer) => (said = (said + b.toString()).slice(-500)));
    child.on('error', (err) => this.fail(err.message));
    child.on('exit', (code, signal) => this.child === child && this.fail(`it ended (${signal ?? `code ${code}`}) ${said.trim()}`));
    child.stdin.on('error', () => {}); // an ended helper: its exit says why
    child.unref();
    for (const s of [child.stdin, child.stdout, child.stderr] as unknown as { unref?: () => void }[]) s.unref?.();
    this.child = child;
    return child;
  }

  private read(text: string): void {
    this.partial += text;
    let nl: number;
    while ((nl = this.partial.indexOf('\n')) >= 0) {
      const line = this.partial.slice(0, nl);
      this.partial = this.partial.slice(nl + 1);
      const asked = this.asked.shift();
      if (!asked) return this.fail('an answer nobody asked for');
      const [pid, ...rest] = line.split(' ');
      if (pid !== String(asked.pid)) {
        this.asked.unshift(asked);
        return this.fail(`answered "${line.slice(0, 40)}" for pid ${asked.pid}`);
      }
      if (rest.length === 1 && rest[0] === '-') asked.resolve(null);
      else if (rest.every((p) => /^\d{1,5}$/.test(p))) asked.resolve(new Set(rest.map(Number)));
      else {
        this.asked.unshift(asked);
        return this.fail(`answered "${line.slice(0, 40)}"`);
      }
    }
    if (this.partial.length > MAX_LINE) this.fail('an answer past its longest');
  }

  /** The helper is stopped; what it was asked is read from /proc instead, and so is everything for a while. */
  private fail(reason: string): void {
    if (!this.child) return;
    this.onFailure(reason);
    this.brokenUntil = Math.max(this.brokenUntil, Date.now() + this.retryMs);
    this.stop();
  }

  private stop(): void {
    const child = this.child;
    this.child = undefined;
    this.partial = '';
    child?.kill('SIGKILL');
    const asked = this.asked;
    this.asked = [];
    for (const a of asked) a.fallback();
  }
}
