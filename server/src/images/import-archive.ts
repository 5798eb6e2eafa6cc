// `berth images import <archive>`: images carried in on a disk (`docker save` output) into the offline
// mirror, through its writable side. The archive is an operator's file from anywhere, so it is read as
// hostile: unpacked by tar into a private folder (no owners kept), every file it names is looked up inside
// that folder only (a link out of it is refused), every layer must hash to the id its image's config says,
// and every name must be a Docker Hub name (the mirror stands in for Docker Hub). Nothing is pushed unless
// the whole archive checks out; a problem is one sentence naming the file.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { displayName, hubImage, type HubImage } from '../missing-images/image-ref.js';
import { MANIFEST_TYPES, hasBlob, putManifest, uploadBlob } from './registry-client.js';
import type { MirrorWriter } from './mirror-writer.js';

export class ArchiveError extends Error {}

const MAX_INDEX_BYTES = 1024 * 1024;
const CONFIG_TYPE = 'application/vnd.docker.container.image.v1+json';
const LAYER_TYPE = 'application/vnd.docker.image.rootfs.diff.tar.gzip';

interface Blob {
  file: string;
  digest: string;
  size: number;
}

interface ArchivedImage {
  tags: HubImage[];
  config: Blob;
  layers: Blob[];
}

export interface ImportOptions {
  archive: string;
  /** A private folder for the unpacked archive (removed afterwards). */
  workDir: string;
  /** Starts the mirror's writer once the archive has checked out. */
  openWriter: () => Promise<MirrorWriter>;
  say: (line: string) => void;
  /** Free bytes where the archive is unpacked (default: the folder's disk). */
  freeBytes?: (dir: string) => number;
}

/** Left free on BERTH_DATA's disk whatever an import needs: sessions start and progress is saved there. */
const ROOM_KEPT = 512 * 2 ** 20;
const gb = (bytes: number) => (bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${Math.ceil(bytes / 1e6)} MB`);

function freeBytesIn(dir: string): number {
  const s = fs.statfsSync(dir);
  return s.bavail * s.bsize;
}

/** The sum of the sizes tar lists for the archive's members (what unpacking it writes). */
function listedBytes(archive: string, name: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const tar = spawn('tar', ['-tvf', archive], { stdio: ['ignore', 'pipe', 'pipe'] });
    let total = 0;
    let rest = '';
    let err = '';
    tar.stdout.on('data', (c: Buffer) => {
      const lines = (rest + c.toString('latin1')).split('\n');
      rest = lines.pop()!;
      for (const line of lines) total += Number(/^\S+\s+\S+\s+(\d+)\s/.exec(line)?.[1] ?? 0);
    });
    tar.stderr.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-2000)));
    tar.on('error', (e) => reject(new ArchiveError(`${name} could not be read: ${e.message}.`)));
    tar.on('close', (code) => {
      if (code === 0) return resolve(total);
      const lines = err.trim().split('\n').filter((l) => l && !/Exiting with failure status/.test(l));
      reject(new ArchiveError(`${name} is not a docker save archive: tar could not read it (${lines[0]?.replace(/^tar: /, '') ?? `tar exit ${code}`}).`));
    });
  });
}

/** Imports every tagged image of the archive; resolves with the names pushed (`nginx:1.25`). */
export async function importArchive(o: ImportOptions): Promise<string[]> {
  const name = path.basename(o.archive);
  let st: fs.Stats;
  try {
    st = fs.statSync(o.archive);
  } catch {
    throw new ArchiveError(`${o.archive} does not exist or cannot be read.`);
  }
  if (!st.isFile()) throw new ArchiveError(`${o.archive} is not a file (give the archive that "docker save -o" wrote).`);
  const dir = fs.mkdtempSync(path.join(o.workDir, 'import-'));
  fs.chmodSync(dir, 0o700);
  try {
    // A compressed archive may unpack to far more than it weighs: its listed sizes are checked against the
    // room left, before anything is written (room for the files and a compressed copy of each layer).
    const unpacked = await listedBytes(o.archive, name);
    const free = (o.freeBytes ?? freeBytesIn)(dir);
    if (unpacked * 2 + ROOM_KEPT > free) {
      throw new ArchiveError(`${name} would take ${gb(unpacked * 2)} to import, and ${o.workDir} has ${gb(free)} free (${gb(ROOM_KEPT)} is kept for Berth): free some space there first.`);
    }
    o.say(`unpacking ${name} (${(unpacked / 1e6).toFixed(1)} MB)`);
    await untar(o.archive, dir, name);
    const images = await readImages(dir, name, o.say);
    const writer = await o.openWriter();
    const pushed: string[] = [];
    try {
      for (const image of images) {
        const repo = image.tags[0]!.repo;
        const blobs = [image.config, ...image.layers];
        for (const [i, blob] of blobs.entries()) {
          if (!(await hasBlob(writer.url, repo, blob.digest))) await uploadBlob(writer.url, repo, blob.file, blob.digest, blob.size);
          if (i > 0) o.say(`${displayName(image.tags[0]!)}: layer ${i}/${image.layers.length} (${(blob.size / 1e6).toFixed(1)} MB) stored`);
        }
        const manifest = Buffer.from(
          JSON.stringify({
            schemaVersion: 2,
            mediaType: MANIFEST_TYPES.dockerV2,
            config: { mediaType: CONFIG_TYPE, size: image.config.size, digest: image.config.digest },
            layers: image.layers.map((l) => ({ mediaType: LAYER_TYPE, size: l.size, digest: l.digest })),
          }),
        );
        for (const tag of image.tags) {
          // Other repositories of the same image get its blobs too (a registry keeps them per repository).
          if (tag.repo !== repo) for (const blob of blobs) if (!(await hasBlob(writer.url, tag.repo, blob.digest))) await uploadBlob(writer.url, tag.repo, blob.file, blob.digest, blob.size);
          await putManifest(writer.url, tag.repo, tag.tag!, MANIFEST_TYPES.dockerV2, manifest);
          pushed.push(displayName(tag));
          o.say(`${displayName(tag)}: in the offline mirror`);
        }
      }
    } finally {
      await writer.stop();
    }
    return pushed;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function untar(archive: string, dir: string, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // No owners or modes kept; GNU tar refuses members with "..", strips leading "/", and reads a gzipped archive too.
    const tar = spawn('tar', ['-xf', archive, '-C', dir, '--no-same-owner', '--no-same-permissions', '--delay-directory-restore'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    tar.stderr.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-2000)));
    tar.on('error', (e) => reject(new ArchiveError(`${name} could not be unpacked: ${e.message}.`)));
    tar.on('close', (code) => {
      if (code === 0) return resolve();
      const lines = err.trim().split('\n').filter((l) => l && !/Exiting with failure status/.test(l));
      const why = lines[0]?.replace(/^tar: /, '') ?? `tar exit ${code}`;
      reject(new ArchiveError(`${name} is not a docker save archive: tar could not unpack it (${why}).`));
    });
  });
}

/** A file the archive's index names: inside the unpacked folder, a regular file, whatever links lead there. */
function fileIn(dir: string, rel: unknown, name: string): string {
  if (typeof rel !== 'string' || !rel || rel.length > 1024) throw new ArchiveError(`${name}: its manifest.json names a file that is not a path.`);
  const full = path.resolve(dir, rel);
  let real: string;
  try {
    real = fs.realpathSync(full);
  } catch {
    throw new ArchiveError(`${name}: ${rel}, named in its manifest.json, is not in the archive.`);
  }
  if (!real.startsWith(fs.realpathSync(dir) + path.sep)) throw new ArchiveError(`${name}: ${rel} leads out of the archive (a link to ${real}); refused.`);
  if (!fs.lstatSync(real).isFile()) throw new ArchiveError(`${name}: ${rel} is not a regular file.`);
  return real;
}

async function readImages(dir: string, name: string, say: (line: string) => void): Promise<ArchivedImage[]> {
  const indexFile = path.join(dir, 'manifest.json');
  if (!fs.existsSync(indexFile)) throw new ArchiveError(`${name} is not a docker save archive: it has no manifest.json.`);
  const index = fileIn(dir, 'manifest.json', name);
  if (fs.statSync(index).size > MAX_INDEX_BYTES) throw new ArchiveError(`${name}: its manifest.json is larger than 1 MB.`);
  let entries: unknown;
  try {
    entries = JSON.parse(fs.readFileSync(index, 'utf8'));
  } catch {
    throw new ArchiveError(`${name}: its manifest.json is not JSON.`);
  }
  if (!Array.isArray(entries) || !entries.length) throw new ArchiveError(`${name}: its manifest.json lists no images.`);
  const layers = new Map<string, Promise<Blob & { diffId: string }>>();
  const images: ArchivedImage[] = [];
  for (const entry of entries as { Config?: unknown; RepoTags?: unknown; Layers?: unknown }[]) {
    const tags = Array.isArray(entry?.RepoTags) ? entry.RepoTags : [];
    if (!tags.length) {
      say('an image without a name in the archive was left out (docker save it by name: docker save -o file.tar name:tag)');
      continue;
    }
    const hub = tags.map((t) => {
      const image = typeof t === 'string' ? hubImage(t) : undefined;
      if (!image?.tag) throw new ArchiveError(`${name}: "${String(t).slice(0, 100)}" is not a Docker Hub image name; the offline mirror stands in for Docker Hub only.`);
      return image;
    });
    const configFile = fileIn(dir, entry.Config, name);
    const config = await blobOf(configFile);
    let diffIds: unknown;
    try {
      diffIds = (JSON.parse(fs.readFileSync(configFile, 'utf8')) as { rootfs?: { diff_ids?: unknown } }).rootfs?.diff_ids;
    } catch {
      throw new ArchiveError(`${name}: the configuration of ${String(tags[0])} is not JSON.`);
    }
    if (!Array.isArray(entry.Layers) || !Array.isArray(diffIds) || diffIds.length !== entry.Layers.length) {
      throw new ArchiveError(`${name}: ${String(tags[0])} lists other layers than its configuration says.`);
    }
    const blobs: Blob[] = [];
    for (const [i, rel] of entry.Layers.entries()) {
      const file = fileIn(dir, rel, name);
      if (!layers.has(file)) layers.set(file, layerBlob(file, dir));
      const layer = await layers.get(file)!;
      // The id the configuration gives this layer is the hash of its uncompressed content.
      if (layer.diffId !== diffIds[i]) throw new ArchiveError(`${name}: layer ${i + 1} of ${String(tags[0])} does not match its configuration (the archive is damaged).`);
      blobs.push(layer);
    }
    images.push({ tags: hub, config, layers: blobs });
  }
  if (!images.length) throw new ArchiveError(`${name} holds no named image (docker save it by name: docker save -o file.tar name:tag).`);
  return images;
}

async function blobOf(file: string): Promise<Blob> {
  const hash = crypto.createHash('sha256');
  await pipeline(fs.createReadStream(file), hash);
  return { file, digest: `sha256:${hash.digest('hex')}`, size: fs.statSync(file).size };
}

/** A layer as the registry keeps it (gzipped), and the hash of its uncompressed content. */
async function layerBlob(file: string, dir: string): Promise<Blob & { diffId: string }> {
  const head = Buffer.alloc(2);
  const fd = fs.openSync(file, 'r');
  fs.readSync(fd, head, 0, 2, 0);
  fs.closeSync(fd);
  const gzipped = head[0] === 0x1f && head[1] === 0x8b;
  const raw = crypto.createHash('sha256');
  if (gzipped) {
    await pipeline(fs.createReadStream(file), zlib.createGunzip(), raw).catch(() => {
      throw new ArchiveError(`${path.basename(file)} in the archive is a damaged gzip file.`);
    });
    return { ...(await blobOf(file)), diffId: `sha256:${raw.digest('hex')}` };
  }
  const out = path.join(dir, `.layer-${crypto.randomBytes(8).toString('hex')}.tar.gz`);
  const gzip = zlib.createGzip({ level: 6 });
  const input = fs.createReadStream(file);
  input.on('data', (c) => raw.update(c));
  await pipeline(input, gzip, fs.createWriteStream(out, { mode: 0o600 }));
  return { ...(await blobOf(out)), diffId: `sha256:${raw.digest('hex')}` };
}
