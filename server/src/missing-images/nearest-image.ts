// The nearest image the mirror has for one it lacks (the table is nearest-images.ts).
import type { Lang } from '@berth/shared';
import { displayName, hubImage, type HubImage } from './image-ref.js';
import type { MirrorImages } from './mirror-catalog.js';
import { DEBIAN_TAG_NOTE, NOT_DEBIAN_TAG_SUFFIX, STAND_INS } from './nearest-images.js';

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
  for (const tag of nearTags(wanted.tag ?? 'latest')) {
    if (tags.includes(tag)) {
      const notDebian = NOT_DEBIAN_TAG_SUFFIX.test(wanted.tag ?? '');
      return { kind: 'image', image: displayName({ repo: wanted.repo, tag }), ...(notDebian ? { note: DEBIAN_TAG_NOTE } : {}) };
    }
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

/** What the mirror has, as a learner names it (`debian`, `nginx`, `bitnami/redis`). */
function allImages(mirror: MirrorImages): string[] {
  return mirror.repos().map((repo) => displayName({ repo, tag: 'latest' }));
}
