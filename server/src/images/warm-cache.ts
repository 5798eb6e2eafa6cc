// `berth images pull <refs…>`: fills the pull-through cache before a workshop, by asking it for each image
// as a session's engine would (the manifest for this host's platform, then every blob), so that it fetches
// and keeps them. The bytes are counted and checked against their digests, then dropped.
import { displayName, hubImage } from '../missing-images/image-ref.js';
import { getManifest, isIndex, platformEntry, readBlob, RegistryError } from './registry-client.js';

export interface WarmOptions {
  /** The cache, http://<service ip>:<cache port>. */
  cacheUrl: string;
  refs: string[];
  /** Progress and outcome lines. */
  say: (line: string) => void;
  /** Repositories and tags the offline mirror has (they win in sessions: said, not an error). */
  offline?: Map<string, string[]>;
}

/** Resolves with the refs that failed (empty: all cached). */
export async function warmCache(o: WarmOptions): Promise<string[]> {
  const failed: string[] = [];
  for (const ref of o.refs) {
    const image = hubImage(ref);
    if (!image) {
      o.say(`${ref}: not a Docker Hub image name (e.g. nginx:1.27, bitnami/redis:7); skipped`);
      failed.push(ref);
      continue;
    }
    const name = image.tag === undefined ? ref : displayName(image);
    const reference = image.tag ?? ref.slice(ref.indexOf('@') + 1);
    try {
      let { manifest, digest } = await getManifest(o.cacheUrl, image.repo, reference);
      if (isIndex(manifest)) {
        const entry = platformEntry(manifest);
        if (!entry) throw new RegistryError(`it has no image for linux/${process.arch === 'x64' ? 'amd64' : process.arch}`);
        ({ manifest } = await getManifest(o.cacheUrl, image.repo, entry.digest));
      }
      const blobs = [...(manifest.config ? [manifest.config] : []), ...(manifest.layers ?? [])];
      const total = blobs.reduce((n, b) => n + (b.size || 0), 0);
      let done = 0;
      let shown = 0;
      for (const [i, blob] of blobs.entries()) {
        await readBlob(o.cacheUrl, image.repo, blob.digest, (n) => {
          done += n;
          // A line per 10% (and per blob): readable in a log, alive on a slow link.
          if (done - shown >= total / 10) {
            shown = done;
            o.say(`${name}: ${mb(done)} of ${mb(total)} (${i + 1}/${blobs.length})`);
          }
        });
      }
      const kept = image.tag !== undefined && o.offline?.get(image.repo)?.includes(image.tag);
      o.say(`${name}: cached, ${mb(total)}, ${digest}${kept ? ' (the offline mirror has its own ' + name + ', which sessions get first)' : ''}`);
    } catch (err) {
      const why = err instanceof RegistryError && (err.status === 404 || err.status === 401) ? 'the upstream registry has no such image (or it is private)' : (err as Error).message;
      o.say(`${name}: not cached: ${why}`);
      failed.push(ref);
    }
  }
  return failed;
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
