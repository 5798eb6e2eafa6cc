// `berth images list`: what visitors can pull. The offline mirror is asked over HTTP, as sessions see it
// (its read-only side); the pull-through cache is read from its own disk, because asking the cache itself
// about a tag asks the upstream (it would list the upstream's tags, not what is kept here).
import fs from 'node:fs';
import path from 'node:path';
import { catalog, getManifest, isIndex, platformEntry, type Manifest } from './registry-client.js';

export interface ListedImage {
  /** `nginx`, `bitnami/redis` */
  name: string;
  tags: string[];
  /** Compressed size of this platform's layers and config, as a pull transfers it. */
  bytes: number;
}

export async function listOffline(mirrorUrl: string): Promise<ListedImage[]> {
  const out: ListedImage[] = [];
  for (const [repo, tags] of await catalog(mirrorUrl)) {
    // Tags of one image share a digest: one row per image, its tags together.
    const byDigest = new Map<string, { tags: string[]; bytes: number }>();
    for (const tag of tags) {
      const { manifest, digest } = await getManifest(mirrorUrl, repo, tag);
      const row = byDigest.get(digest) ?? { tags: [], bytes: await sizeOf(manifest, (d) => getManifest(mirrorUrl, repo, d).then((m) => m.manifest)) };
      row.tags.push(tag);
      byDigest.set(digest, row);
    }
    for (const row of byDigest.values()) out.push({ name: shortName(repo), ...row });
  }
  return out;
}

/** What the cache keeps, from its storage folder (docker-registry's filesystem layout). */
export async function listCached(storage: string): Promise<ListedImage[]> {
  const root = path.join(storage, 'docker', 'registry', 'v2');
  const repos = path.join(root, 'repositories');
  const blob = (digest: string) => path.join(root, 'blobs', 'sha256', digest.slice(7, 9), digest.slice(7), 'data');
  const readManifest = async (digest: string) => JSON.parse(fs.readFileSync(blob(digest), 'utf8')) as Manifest;
  const out: ListedImage[] = [];
  for (const repo of findRepos(repos)) {
    const tagsDir = path.join(repos, repo, '_manifests', 'tags');
    const byDigest = new Map<string, { tags: string[]; bytes: number }>();
    for (const tag of fs.existsSync(tagsDir) ? fs.readdirSync(tagsDir).sort() : []) {
      try {
        const digest = fs.readFileSync(path.join(tagsDir, tag, 'current', 'link'), 'utf8').trim();
        const row = byDigest.get(digest) ?? { tags: [], bytes: await sizeOf(await readManifest(digest), readManifest) };
        row.tags.push(tag);
        byDigest.set(digest, row);
      } catch {
        // a tag whose manifest is not kept (expired, or being fetched): not pullable from here
      }
    }
    for (const row of byDigest.values()) out.push({ name: shortName(repo), ...row });
  }
  return out;
}

function findRepos(dir: string, prefix = ''): string[] {
  if (!fs.existsSync(dir)) return [];
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.name === '_manifests') return [prefix];
    if (!entry.name.startsWith('_')) found.push(...findRepos(path.join(dir, entry.name), rel));
  }
  return found.sort();
}

async function sizeOf(manifest: Manifest, get: (digest: string) => Promise<Manifest>): Promise<number> {
  let m = manifest;
  if (isIndex(m)) {
    const entry = platformEntry(m);
    if (!entry) return 0;
    m = await get(entry.digest).catch(() => ({}));
  }
  return (m.config?.size ?? 0) + (m.layers ?? []).reduce((n, l) => n + (l.size || 0), 0);
}

const shortName = (repo: string) => (repo.startsWith('library/') ? repo.slice('library/'.length) : repo);

export function formatImageTable(rows: ListedImage[]): string[] {
  const width = Math.max(5, ...rows.map((r) => r.name.length));
  const size = (b: number) => (b < 1e6 ? `${(b / 1e3).toFixed(1)} kB` : `${(b / 1e6).toFixed(1)} MB`);
  return rows.map((r) => `  ${r.name.padEnd(width)}  ${size(r.bytes).padStart(9)}  ${r.tags.join(', ')}`);
}
