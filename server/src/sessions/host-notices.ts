// Tells every live session's page when a part of the sandbox host it depends on goes down or comes back,
// in words that say what fails meanwhile (a pull's own error only names a registry it cannot reach).
import type { HostPart, ServerEvent } from '@berth/shared';
import type { HostParts, HostWatch } from '../host/host-watch.js';
import type { SessionManager } from './session-manager.js';

type HostEvent = Extract<ServerEvent, { type: 'host' }>;

const DOWN: Record<HostPart, string> = {
  engine: 'The sandbox host is restarting: your terminal stops answering for a moment and comes back when it is up.',
  mirror:
    "Berth's image mirror is not answering, so pulling an image (docker pull, or docker run of an image you do not have yet) fails for now. Berth is restarting it: try again in a few seconds.",
  packageCache: "Berth's package cache is not answering, so apt-get inside containers fails for now. Berth is restarting it: try again in a few seconds.",
};

const UP: Record<HostPart, string> = {
  engine: 'The sandbox host is back.',
  mirror: 'The image mirror is back: docker pull works again.',
  packageCache: 'The package cache is back: apt-get works again.',
};

export const hostEvent = (part: HostPart, up: boolean): HostEvent => ({ type: 'host', part, up, message: (up ? UP : DOWN)[part] });

export class HostNotices {
  constructor(
    private readonly sessions: SessionManager,
    private readonly watch: HostWatch,
  ) {}

  start(): void {
    this.watch.on('change', (now, before) => {
      for (const part of Object.keys(now) as HostPart[]) {
        // The engine's return is told once its sessions were checked (recoverFromEngineRestart).
        if (now[part] === before[part] || (part === 'engine' && now.engine)) continue;
        this.tell(hostEvent(part, now[part]));
      }
    });
  }

  /** For a socket that attaches while a part is down (a reload): what is down now. */
  current(): HostEvent[] {
    const parts: HostParts = this.watch.current;
    return (Object.keys(parts) as HostPart[]).filter((p) => !parts[p]).map((p) => hostEvent(p, false));
  }

  tell(event: HostEvent, ids = this.sessions.live().map((s) => s.id)): void {
    for (const id of ids) this.sessions.emit('event', id, event);
  }
}
