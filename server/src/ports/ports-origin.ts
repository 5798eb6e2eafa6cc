// Where visitors' apps are served: never Berth's own origin (a page there would be same-origin with Berth).
// BERTH_PORTS_URL picks one of two shapes:
//  - a name per port link, "https://{port}-{session}.ports.example.org" (wildcard DNS and certificate): every
//    app gets an origin, and cookies, of its own;
//  - one origin for every app, "http://workshop.lan:8081" or unset (then: the host the page was opened at, on
//    BERTH_PORTS_PORT): links are /s/<session>/ports/<port>/ there. Apps of different sessions share that
//    origin, but none of them shares Berth's.
import { PORT_PATH } from '@berth/shared';
import { TERMINAL_SERVER_PORT } from '../runtime/terminal-server.js';

export type PortsMode = 'per-link' | 'shared';

/** A request on the ports listener, resolved to the port link it is for. */
export interface PortRoute {
  sessionId: string;
  port: number;
  /** The path and query to ask the app for. */
  appPath: string;
  /** This link's own origin and path prefix ("" per link), for cookies and redirects. */
  origin: string;
  prefix: string;
}

const SESSION = '([a-z0-9]{9})';
const PORT = '([1-9][0-9]{0,4})';

export function parsePortsUrl(raw: string | undefined, problems: string[]): string | null {
  if (raw === undefined || raw === '') return null;
  const wrong = (why: string) => {
    problems.push(`BERTH_PORTS_URL=${raw} must be where visitors' apps are served, like https://{port}-{session}.ports.example.org or http://workshop.lan:8081 (${why})`);
    return null;
  };
  const placeholders = raw.match(/\{[^}]*\}/g) ?? [];
  let url: URL;
  try {
    url = new URL(raw.replace('{port}', '1').replace('{session}', 'a'));
  } catch {
    return wrong('not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return wrong('http or https only');
  const sorted = [...placeholders].sort().join('');
  if (sorted !== '' && sorted !== '{port}{session}') return wrong('either both {port} and {session} or neither');
  const hostPart = raw.replace(/^https?:\/\//, '').split('/')[0]!.replace(/:\d+$/, '');
  if (sorted && !(hostPart.includes('{port}') && hostPart.includes('{session}'))) return wrong('{port} and {session} belong in the host name');
  if (/\{port\}\{session\}|\{session\}\{port\}/.test(raw)) return wrong('put a separator between {port} and {session}, like {port}-{session}');
  if (url.username || url.password || url.pathname !== '/' || /[?#]/.test(raw)) return wrong('no user, path, query or fragment');
  return raw.replace(/\/$/, '');
}

/** Ports a link may reach: any TCP port but the sandbox's terminal server (Berth's, never an app's). */
export function isAppPort(port: number): boolean {
  return port >= 1 && port <= 65535 && port !== TERMINAL_SERVER_PORT;
}

export class PortsOrigin {
  readonly mode: PortsMode;
  private readonly hostPattern: RegExp | null;
  private readonly order: ('port' | 'session')[];

  /**
   * @param url BERTH_PORTS_URL (validated), or null: the page's own host name at the ports listener's port.
   * @param listeningPort the ports listener's port, once it listens.
   */
  constructor(
    readonly url: string | null,
    private readonly listeningPort: () => number | undefined,
  ) {
    this.mode = url?.includes('{session}') ? 'per-link' : 'shared';
    this.order = [];
    if (this.mode === 'per-link') {
      const pattern = url!.replace(/^https?:\/\//, '').replace(/:\d+$/, '');
      this.order = pattern.indexOf('{port}') < pattern.indexOf('{session}') ? ['port', 'session'] : ['session', 'port'];
      const escaped = pattern.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace('{port}', PORT).replace('{session}', SESSION);
      this.hostPattern = new RegExp(`^${escaped}$`);
    } else {
      this.hostPattern = null;
    }
  }

  get secure(): boolean {
    return this.url?.startsWith('https:') ?? false;
  }

  /** Where a port link starts; hostHeader is the Host the page was opened at (used only when BERTH_PORTS_URL is unset). */
  linkFor(sessionId: string, port: number, hostHeader: string | undefined): string {
    if (this.mode === 'per-link') return `${this.url!.replace('{port}', String(port)).replace('{session}', sessionId)}/`;
    return `${this.sharedOrigin(hostHeader)}${PORT_PATH(sessionId, port)}`;
  }

  /** The port link a request on the ports listener is for, or null (nothing is served there). */
  route(hostHeader: string | undefined, url: string): PortRoute | null {
    if (this.mode === 'per-link') {
      const name = hostName(hostHeader);
      const m = name === null ? null : this.hostPattern!.exec(name);
      if (!m) return null;
      const values = { [this.order[0]!]: m[1]!, [this.order[1]!]: m[2]! } as Record<'port' | 'session', string>;
      const port = Number(values.port);
      if (!isAppPort(port) || !url.startsWith('/')) return null;
      return { sessionId: values.session, port, appPath: url, origin: this.linkFor(values.session, port, undefined).slice(0, -1), prefix: '' };
    }
    const m = /^\/s\/([a-z0-9]{9})\/ports\/([1-9][0-9]{0,4})(\/.*|\?.*|)$/s.exec(url);
    if (!m) return null;
    const port = Number(m[2]);
    if (!isAppPort(port)) return null;
    const rest = m[3]!;
    return { sessionId: m[1]!, port, appPath: rest.startsWith('/') ? rest : `/${rest}`, origin: this.sharedOrigin(hostHeader), prefix: PORT_PATH(m[1]!, port).slice(0, -1) };
  }

  /** Whether a websocket's Origin is the app's own page (on the ports origin it asked for). */
  allowsUpgrade(origin: string | undefined, route: PortRoute): boolean {
    return origin === undefined || origin === route.origin;
  }

  private sharedOrigin(hostHeader: string | undefined): string {
    if (this.url) return this.url;
    return `http://${hostName(hostHeader, true) ?? 'localhost'}:${this.listeningPort() ?? 0}`;
  }
}

/**
 * The host name of a Host header, lowercase, without its port; null when it is not a plain host name or
 * address. keepBrackets: an IPv6 address as a URL writes it.
 */
function hostName(header: string | undefined, keepBrackets = false): string | null {
  if (!header || header.length > 255) return null;
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/.exec(header);
  if (!m) return null;
  const name = m[1]!.toLowerCase();
  return keepBrackets || !name.startsWith('[') ? name : name.slice(1, -1);
}
