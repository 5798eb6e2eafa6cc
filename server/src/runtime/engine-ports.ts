// The ports of a session, read from the host: the sandbox's own network (what a port link reaches) and
// the rootless engine's network, where the learner's shell runs (host-shell). A server the learner starts
// in the shell listens in the engine's network; it is published to the sandbox's through rootlesskit's
// port API, as `docker run -p` publishes a container's.
import fs from 'node:fs';

/** TCP ports listening on a non-loopback address in the network namespace of a process, or null if it is gone. */
export async function listeningPortsOf(pid: number): Promise<Set<number> | null> {
  const ports = new Set<number>();
  for (const file of ['tcp', 'tcp6']) {
    let text = '';
    try {
      text = await fs.promises.readFile(`/proc/${pid}/net/${file}`, 'utf8');
    } catch {
      return null;
    }
    for (const port of listeningPortsIn(text)) ports.add(port);
  }
  return ports;
}

/**
 * The ports of a /proc/net/tcp or tcp6 table listening on an address a port link can reach. Every loopback
 * address is left out, not only 127.0.0.1: the engine's embedded DNS listens on 127.0.0.11 (a random TCP
 * port in every session), and no visitor opened that. Addresses are in the host's byte order (little-endian).
 */
export function listeningPortsIn(table: string): number[] {
  const ports: number[] = [];
  for (const line of table.split('\n').slice(1)) {
    const [, local, , state] = line.trim().split(/\s+/);
    if (state !== '0A' || !local) continue; // 0A = LISTEN
    const [addr, portHex] = local.split(':');
    if (isLoopback(addr ?? '')) continue;
    ports.push(parseInt(portHex!, 16));
  }
  return ports;
}

// 127.0.0.0/8 (its first byte prints last), ::1, and 127.0.0.0/8 mapped into IPv6 (::ffff:127.x.x.x).
const isLoopback = (addr: string): boolean =>
  /^[0-9A-F]{6}7F$/i.test(addr) || /^0{24}01000000$/.test(addr) || /^0{16}FFFF0000[0-9A-F]{6}7F$/i.test(addr);

/** Children of every thread (rootlesskit is a Go program: any of its threads may have forked the child). */
async function children(pid: number): Promise<number[]> {
  const tasks = await fs.promises.readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  const lists = await Promise.all(tasks.map((t) => fs.promises.readFile(`/proc/${pid}/task/${t}/children`, 'utf8').catch(() => '')));
  return lists.join(' ').split(/\s+/).filter(Boolean).map(Number);
}
const comm = async (pid: number) => (await fs.promises.readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim();
const netns = async (pid: number) => fs.promises.readlink(`/proc/${pid}/ns/net`).catch(() => '');

/**
 * The host pid of a process in the engine's network namespace: rootlesskit's child (the dockerd of
 * berth-entrypoint), found by walking the sandbox's process tree from its first process (tini), never from
 * a file the visitor can write. Undefined while the engine is not up.
 */
export async function engineNetworkPid(sandboxPid: number): Promise<number | undefined> {
  const sandboxNet = await netns(sandboxPid);
  for (const entry of await children(sandboxPid)) {
    if ((await comm(entry)) !== 'berth-entrypoin') continue;
    for (const kit of await children(entry)) {
      if ((await comm(kit)) !== 'rootlesskit') continue;
      for (const child of await children(kit)) {
        const net = await netns(child);
        if (net && net !== sandboxNet) return child;
      }
    }
  }
  return undefined;
}

/** What publishing needs from the runtime: a command run in the sandbox as the visitor. */
export type SandboxCommand = (cmd: string[]) => Promise<{ exitCode: number; output: string }>;

const API = ['rootlessctl', '--socket', '/run/user/1000/rootlesskit/api.sock'];

/**
 * Publishes, for one session, the ports listening in the engine's network but not in the sandbox's (a
 * server in the shell, a `--network host` container), and withdraws them when they close. A port is
 * published once it was seen on two looks in a row: `docker run -p` publishes its own port first and
 * listens in the engine's network a moment later, and must find the port free.
 */
export class ShellPortPublisher {
  private readonly published = new Map<number, string>();
  private seen = new Set<number>();
  private readonly refused = new Set<number>();

  constructor(private readonly run: SandboxCommand) {}

  /** Returns the ports a port link now reaches: the sandbox's, with those just published. */
  async update(sandboxPorts: Set<number>, enginePorts: Set<number>): Promise<Set<number>> {
    const reachable = new Set(sandboxPorts);
    for (const [port, id] of this.published) {
      if (enginePorts.has(port)) continue;
      await this.run([...API, 'remove-ports', id]).catch(() => undefined);
      this.published.delete(port);
      reachable.delete(port);
    }
    for (const port of this.refused) if (!enginePorts.has(port)) this.refused.delete(port);
    const candidates = [...enginePorts].filter((p) => !sandboxPorts.has(p) && !this.published.has(p) && !this.refused.has(p));
    for (const port of candidates) {
      if (!this.seen.has(port)) continue;
      const r = await this.run([...API, 'add-ports', `0.0.0.0:${port}:${port}/tcp`]).catch(() => ({ exitCode: -1, output: '' }));
      const id = r.output.trim();
      if (r.exitCode === 0 && /^\d+$/.test(id)) {
        this.published.set(port, id);
        reachable.add(port);
      } else {
        this.refused.add(port);
      }
    }
    this.seen = new Set(candidates);
    return reachable;
  }
}
