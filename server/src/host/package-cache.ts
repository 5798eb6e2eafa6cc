// The Debian package cache (apt-cacher-ng) is shared by every visitor and fetches from the internet on
// their behalf, so it must not become a way to fill the host's disk or to download anything at will:
// - ForceManaged: only the Debian archives Berth names (Remap-debrep/secdeb), never an arbitrary URL;
// - only the paths apt-get needs (index files under dists/, packages and sources under pool/): anything
//   else in those archives (installer images, Contents files, tools/, doc/, ...) is answered 403;
// - its cache lives on an ext4 file of a fixed size, loop-mounted like a session's disk: filling it stops
//   caching there and never fills BERTH_DATA.
import fs from 'node:fs';
import path from 'node:path';
import { hostAndPath, type AptSources } from './apt-sources.js';
import { isMounted } from './mount-table.js';
import { run } from './run-command.js';

const COMPRESSED = '(\\.(gz|bz2|lzma|xz|zst))?';
/** Index files apt-get update reads, which change on the server (Release files, Packages, Translations...). */
export const APT_VOLATILE_PATTERN =
  '^(.*/)?dists/[^/]+/(InRelease|Release|Release\\.gpg|[^/]+/(binary-[a-z0-9-]+|source|i18n|dep11|cnf)/' +
  `((Packages|Sources|Translation-[A-Za-z_@.]+|Components-[a-z0-9-]+\\.yml|Commands-[a-z0-9-]+)${COMPRESSED}|[^/]+\\.diff/Index))$`;
/** Files that never change once published: packages and sources in pool/, indexes by their hash, index diffs. */
export const APT_STATIC_PATTERN =
  '^(.*/)?(pool/[^?]+\\.(u?deb|dsc|asc|tar\\.(gz|bz2|lzma|xz|zst)|diff\\.gz)|' +
  'dists/[^/]+/[^/]+/(binary-[a-z0-9-]+|source|i18n|dep11|cnf)/(by-hash/(MD5Sum|SHA1|SHA256|SHA512)/[0-9a-f]+|[^/]+\\.diff/[^/]+\\.gz))$';
/** A pattern no path matches: empties apt-cacher-ng's built-in exception lists. */
const NOTHING = '^$';

export interface PackageCacheOptions {
  cacheDir: string;
  logDir: string;
  bindAddress: string;
  port: number;
  apt: AptSources;
  /** Only noted in the file, so that a new size restarts the cache on its new disk. */
  diskBytes: number;
}

export function packageCacheConfigText(o: PackageCacheOptions): string {
  return [
    `# cache disk: ${o.diskBytes} bytes`,
    `CacheDir: ${o.cacheDir}`,
    `LogDir: ${o.logDir}`,
    'SupportDir: /usr/lib/apt-cacher-ng',
    `BindAddress: ${o.bindAddress}`,
    `Port: ${o.port}`,
    // No admin socket: its default, /run/apt-cacher-ng/socket, is a folder its user owns, shared with any
    // other instance on the host (Berth uses only the TCP port).
    'SocketPath:',
    // ForceManaged: proxy only the Debian archives, never an arbitrary URL past the firewall.
    'ForceManaged: 1',
    `Remap-debrep: file:deb_mirror*.gz /debian ${hostAndPath(o.apt.archive)} ; file:backends_debian`,
    `Remap-secdeb: security.debian.org/debian-security deb.debian.org/debian-security /debian-security${
      o.apt.security ? ` ${hostAndPath(o.apt.security)}` : ''
    } ; file:backends_security`,
    // These replace the built-in patterns (which also take installer images, Contents, changelogs, RPMs...).
    `VfilePattern: ${APT_VOLATILE_PATTERN}`,
    `PfilePattern: ${APT_STATIC_PATTERN}`,
    `SVfilePattern: ${NOTHING}`,
    `SPfilePattern: ${NOTHING}`,
    'ExThreshold: 4',
    'PassThroughPattern: ^$',
    '',
  ].join('\n');
}

/**
 * The cache folder as the mount point of an ext4 file of `bytes` (sparse: it takes on the host only what
 * is cached). Idempotent; a disk of another size is made anew (it is only a cache). Call before starting
 * the cache: a cache already running keeps writing to the folder it opened.
 */
export async function ensurePackageCacheDisk(
  mountPoint: string,
  image: string,
  bytes: number,
  /** The user the cache runs as, when not root: the disk's top folder becomes theirs. */
  owner?: { uid: number; gid: number },
): Promise<'ok' | 'made'> {
  fs.mkdirSync(mountPoint, { recursive: true });
  const sized = fs.existsSync(image) && fs.statSync(image).size === bytes;
  if (await isMounted(mountPoint)) {
    if (sized) {
      if (owner) fs.chownSync(mountPoint, owner.uid, owner.gid);
      return 'ok';
    }
    await run('umount', ['-l', mountPoint]);
  }
  // What an unbounded cache left in the folder (an older Berth) would be hidden under the mount: free it.
  for (const entry of fs.readdirSync(mountPoint)) fs.rmSync(path.join(mountPoint, entry), { recursive: true, force: true });
  let made: 'ok' | 'made' = 'ok';
  if (!sized) {
    fs.rmSync(image, { force: true });
    const fd = fs.openSync(image, 'w', 0o600);
    fs.ftruncateSync(fd, bytes);
    fs.closeSync(fd);
    await run('mkfs.ext4', ['-q', '-F', '-m', '0', '-E', 'lazy_itable_init=1,lazy_journal_init=1,nodiscard', image]);
    made = 'made';
  }
  // After a reboot the disk is still there with its cache: it is mounted again.
  await run('mount', ['-o', 'loop,discard,nosuid,nodev,noexec', image, mountPoint]);
  if (owner) fs.chownSync(mountPoint, owner.uid, owner.gid);
  return made;
}

export async function removePackageCacheDisk(mountPoint: string): Promise<void> {
  if (await isMounted(mountPoint)) await run('umount', ['-l', mountPoint], { allowFailure: true });
}
