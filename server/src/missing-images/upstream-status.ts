// Whether the pull-through cache and its upstream (BERTH_REGISTRY_UPSTREAM) answer, so that Berth's line
// after a failed pull can tell "no such image there" from "out of reach". Docker cannot say it: its error
// is always its last try, Docker Hub itself, which a session never reaches. Like the mirror catalog, this
// never asks about a name a visitor chose: two fixed probes (the cache's /v2/, the upstream's /v2/, where
// 200 or 401 means it answers), at most every 15 s, started when a docker command begins.

export type UpstreamState = 'answers' | 'unreachable';

export interface StatusLogger {
  debug(obj: object, msg: string): void;
}

export const STATUS_MAX_AGE_MS = 15_000;
const PROBE_TIMEOUT_MS = 3000;

export class UpstreamStatus {
  private state: UpstreamState | undefined;
  private takenAt = -Infinity;
  private probing: Promise<void> | undefined;

  constructor(
    /** How a learner knows it: "Docker Hub", or the registry's host. */
    readonly name: string,
    private readonly upstreamUrl: string,
    private readonly cacheUrl: string,
    private readonly log: StatusLogger,
    private readonly now: () => number = Date.now,
  ) {}

  /** The last probe's answer (undefined until the first one is back). */
  get current(): UpstreamState | undefined {
    return this.state;
  }

  freshen(): Promise<void> {
    if (this.now() - this.takenAt < STATUS_MAX_AGE_MS) return Promise.resolve();
    this.probing ??= this.probe()
      .then((state) => {
        if (state !== this.state) this.log.debug({ upstream: this.name, state }, 'registry upstream state');
        this.state = state;
        this.takenAt = this.now();
      })
      .finally(() => (this.probing = undefined));
    return this.probing;
  }

  private async probe(): Promise<UpstreamState> {
    const cache = await status(`${this.cacheUrl}/v2/`);
    if (cache !== 200) return 'unreachable';
    const upstream = await status(`${this.upstreamUrl}/v2/`);
    return upstream !== undefined && upstream < 500 ? 'answers' : 'unreachable';
  }
}

async function status(url: string): Promise<number | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS), redirect: 'manual' });
    await res.body?.cancel();
    return res.status;
  } catch {
    return undefined;
  }
}

/** "Docker Hub" for Docker Hub's registry, else the registry's host. */
export function upstreamName(url: string): string {
  const host = new URL(url).hostname;
  return ['registry-1.docker.io', 'index.docker.io', 'docker.io', 'registry.hub.docker.com'].includes(host) ? 'Docker Hub' : host;
}
