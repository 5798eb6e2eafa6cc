// What the registry mirror holds, as sessions see it (its read-only side): repositories and their tags,
// asked of the mirror itself (`/v2/_catalog`, `/v2/<name>/tags/list`) and kept as a snapshot. A visitor's
// command never makes Berth ask the mirror about a name they chose: the snapshot is refreshed as a whole,
// at most once a minute, and read in memory when a command ends (Berth's line must be ready before the
// next prompt).
import { readBounded } from '../images/read-bounded.js';

export interface MirrorImages {
  /** Tags of a repository (`library/nginx`), or undefined when the mirror has no such repository. */
  tags(repo: string): readonly string[] | undefined;
  /** Every repository, sorted. */
  repos(): readonly string[];
}

export interface CatalogLogger {
  debug(obj: object, msg: string): void;
}

/** Fresh enough: the mirror changes only when an operator builds or imports images. */
export const CATALOG_MAX_AGE_MS = 60_000;
const REQUEST_TIMEOUT_MS = 3000;
const RETRY_MS = 10_000;
/** Mirror answers are read up to this size (a catalog page of 1000 names fits). */
const MAX_ANSWER_BYTES = 256 * 1024;
const MAX_REPOS = 1000;
const PARALLEL = 4;

export class MirrorCatalog {
  private snapshot: MirrorImages | undefined;
  private takenAt = -Infinity;
  private refreshing: Promise<void> | undefined;

  constructor(
    /** `http://198.18.0.1:5000` */
    private readonly baseUrl: string,
    private readonly log: CatalogLogger,
    private readonly now: () => number = Date.now,
  ) {}

  /** The last snapshot (undefined until the mirror first answered). */
  get current(): MirrorImages | undefined {
    return this.snapshot;
  }

  /** Asks the mirror again when the snapshot is older than a minute (one request at a time); resolves when done. */
  freshen(): Promise<void> {
    if (this.now() - this.takenAt < CATALOG_MAX_AGE_MS) return Promise.resolve();
    this.refreshing ??= this.load()
      .then((images) => {
        this.snapshot = images;
        this.takenAt = this.now();
      })
      .catch((err: Error) => {
        // Kept: the last snapshot. Asked again in a while, not at every command meanwhile.
        this.takenAt = this.now() - CATALOG_MAX_AGE_MS + RETRY_MS;
        this.log.debug({ err: err.message }, 'could not read the mirror catalog');
      })
      .finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async load(): Promise<MirrorImages> {
    const catalog = (await this.getJson(`/v2/_catalog?n=${MAX_REPOS}`)) as { repositories?: unknown };
    const names = Array.isArray(catalog.repositories) ? catalog.repositories.filter((r): r is string => typeof r === 'string').slice(0, MAX_REPOS) : [];
    const tags = new Map<string, string[]>();
    for (let i = 0; i < names.length; i += PARALLEL) {
      await Promise.all(
        names.slice(i, i + PARALLEL).map(async (name) => {
          const answer = (await this.getJson(`/v2/${name.split('/').map(encodeURIComponent).join('/')}/tags/list?n=1000`).catch(() => ({}))) as { tags?: unknown };
          const list = Array.isArray(answer.tags) ? answer.tags.filter((t): t is string => typeof t === 'string') : [];
          if (list.length) tags.set(name, list.sort());
        }),
      );
    }
    const repos = [...tags.keys()].sort();
    return { tags: (repo) => tags.get(repo), repos: () => repos };
  }

  private async getJson(path: string): Promise<unknown> {
    const res = await fetch(`${this.baseUrl}${path}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`${path} answered ${res.status}`);
    }
    const body = await readBounded(res, MAX_ANSWER_BYTES);
    if (!body) throw new Error(`${path} answered more than ${MAX_ANSWER_BYTES} bytes`);
    return JSON.parse(body.toString('utf8'));
  }
}
