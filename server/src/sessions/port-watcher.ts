// Notices, within a second, when something in a session starts or stops listening on a TCP port, and
// tells the session's terminals, so the page can show a link to it.
import { PORT_PATH, type ServerEvent } from '@berth/shared';
import type { SandboxRuntime } from '../runtime/runtime.js';
import type { SessionManager } from './session-manager.js';

type PortEvent = Extract<ServerEvent, { type: 'port' }>;

export class PortWatcher {
  private readonly known = new Map<string, Set<number>>();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(
    private readonly sessions: SessionManager,
    private readonly runtime: SandboxRuntime,
    private readonly intervalMs = 1000,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.scan(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** The ports open now, as events: a socket that attaches late (a reload) gets them first. */
  current(sessionId: string): PortEvent[] {
    return [...(this.known.get(sessionId) ?? [])].map((port) => ({ type: 'port', port, url: PORT_PATH(sessionId, port) }));
  }

  async scan(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const live = this.sessions.live().filter((s) => s.state === 'ready');
      for (const id of this.known.keys()) if (!live.some((s) => s.id === id)) this.known.delete(id);
      await Promise.all(live.map((s) => this.scanOne(s.id)));
    } finally {
      this.busy = false;
    }
  }

  private async scanOne(id: string): Promise<void> {
    let ports: number[];
    try {
      ports = await this.runtime.listeningPorts(id);
    } catch {
      return; // ending or not running: the session's own status says so
    }
    const before = this.known.get(id) ?? new Set<number>();
    const now = new Set(ports);
    for (const port of now) if (!before.has(port)) this.sessions.emit('event', id, { type: 'port', port, url: PORT_PATH(id, port) });
    for (const port of before) if (!now.has(port)) this.sessions.emit('event', id, { type: 'port', port, url: PORT_PATH(id, port), closed: true });
    this.known.set(id, now);
  }
}
