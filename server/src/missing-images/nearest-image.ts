// The nearest image the mirror has for one it lacks (the table is nearest-images.ts).
import type { Lang } from '@berth/shared';
import { displayName, hubImage, type HubImage } from './image-ref.js';
import type { MirrorImages } from './mirror-catalog.js';
import { DEBIAN_TAG_NOTE, NEAREST_VERSION_NOT_DEBIAN_NOTE, NEAREST_VERSION_NOTE, NEWEST_VERSION_NOTE, NOT_DEBIAN_TAG_SUFFIX, STAND_INS } from './nearest-images.js';

export type Nearest =
  /** Use this image instead. */
  | { kind: 'image'; image: string; note?: Record<Lang, string> }
  /** The mirror has the repository, but none of the tags near the one asked for: these are its tags. */
  | { kind: 'tags'; repo: string; tags: readonly string[] }
  /** A stand-in is known (mysql → mariadb) but the mirror lacks it too; `images` is what it has. */
  | { kind: 'no-stand-in'; standIn: string; images: readonly string[] }
  /** Nothing near: `images` is what the mirror has. */
  | { kind: 'none'; images: readonly string[] };

export function has(mirror: MirrorImages, image: HubImage): boolean {
  const tags = mirror.tags(image.repo);
  return !!tags && (image.tag === undefined || tags.includes(image.tag));
}

export function nearestImage(wanted: HubImage, mirror: MirrorImages): Nearest {
  const standIn = STAND_INS[wanted.repo];
  if (standIn) {
    for (const ref of standIn.instead) {
      const image = hubImage(ref);
      if (image && has(mirror, image)) return { kind: 'image', image: displayName(image), note: standIn.note };
    }
    return { kind: 'no-stand-in', standIn: standIn.instead[0]!, images: allImages(mirror) };
  }
  const tags = mirror.tags(wanted.repo);
  if (!tags) return { kind: 'none', images: allImages(mirror) };
  const notDebian = NOT_DEBIAN_TAG_SUFFIX.test(wanted.tag ?? '');
  for (const tag of nearTags(wanted.tag ?? 'latest')) {
    if (tags.includes(tag)) return { kind: 'image', image: displayName({ repo: wanted.repo, tag }), ...(notDebian ? { note: DEBIAN_TAG_NOTE } : {}) };
  }
  const version = nearestVersion(wanted.tag ?? '', tags);
  if (version) {
    const note = version.newest ? NEWEST_VERSION_NOTE : notDebian ? NEAREST_VERSION_NOT_DEBIAN_NOTE : NEAREST_VERSION_NOTE;
    return { kind: 'image', image: displayName({ repo: wanted.repo, tag: version.tag }), note };
  }
  return { kind: 'tags', repo: displayName({ repo: wanted.repo, tag: 'latest' }), tags };
}

/** `3.12.1-alpine3.19` → `3.12.1`, `3.12`, `3`, `latest`: the same image, Debian-based, then less precise. */
function nearTags(tag: string): string[] {
  const near: string[] = [];
  let t = tag.replace(NOT_DEBIAN_TAG_SUFFIX, '');
  if (t !== tag && t) near.push(t);
  // Drop trailing version parts: "3.12.1" → "3.12" → "3"; "18-bookworm" stays as it is.
  while (/^\d+(\.\d+)+$/.test(t)) {
    t = t.slice(0, t.lastIndexOf('.'));
    near.push(t);
  }
  near.push('latest');
  return near.filter((x) => x !== tag);
}

/**
 * For a version the mirror lacks (`postgres:16-alpine`, `golang:1.21`, `node:16`), the version tag nearest to it
 * (`15`, `1.24`, `18`), written as precisely as the one asked for when the mirror has such tags (at most
 * major.minor), the newer one on a tie; for `latest` or a tag without a version (`postgres:alpine`), the newest.
 */
function nearestVersion(tag: string, tags: readonly string[]): { tag: string; newest: boolean } | undefined {
  const asked = /^(\d+)(?:\.(\d+))?/.exec(tag.replace(NOT_DEBIAN_TAG_SUFFIX, ''));
  const want = asked ? [Number(asked[1]), Number(asked[2] ?? 0)] : [Infinity, Infinity];
  const versions = tags.flatMap((t) => {
    const m = /^(\d+)(?:\.(\d+))?$/.exec(t);
    return m ? [{ tag: t, parts: m[2] === undefined ? 1 : 2, v: [Number(m[1]), Number(m[2] ?? 0)] }] : [];
  });
  const parts = asked?.[2] === undefined ? 1 : 2;
  const sameParts = versions.filter((x) => x.parts === parts);
  const candidates = sameParts.length ? sameParts : versions;
  const distance = (x: { v: number[] }) => (asked ? [Math.abs(x.v[0]! - want[0]!), Math.abs(x.v[1]! - want[1]!)] : [-x.v[0]!, -x.v[1]!]);
  const best = candidates.sort((x, y) => {
    const [dx, dy] = [distance(x), distance(y)];
    return dx[0]! - dy[0]! || dx[1]! - dy[1]! || y.v[0]! - x.v[0]! || y.v[1]! - x.v[1]! || x.parts - y.parts;
  })[0];
  return best && { tag: best.tag, newest: !asked };
}

/** What the mirror has, as a learner names it (`debian`, `nginx`, `bitnami/redis`). */
function allImages(mirror: MirrorImages): string[] {
  return mirror.repos().map((repo) => displayName({ repo, tag: 'latest' }));
}
