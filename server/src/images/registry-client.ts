// The few calls of the registry HTTP API (distribution v2) that Berth's image commands make, to Berth's
// own registries (the offline mirror, its writer, the pull-through cache). Answers are read up to a bound.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { readBounded } from './read-bounded.js';

export const MANIFEST_TYPES = {
  dockerV2: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
} as const;
const ACCEPT = Object.values(MANIFEST_TYPES).join(', ');
const MAX_MANIFEST_BYTES = 4 * 2 ** 20;
const TIMEOUT_MS = 30_000;

export interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
  platform?: { os?: string; architecture?: string; variant?: string };
}

export interface Manifest {
  mediaType?: string;
  config?: Descriptor;
  layers?: Descriptor[];
  manifests?: Descriptor[];
}

export class RegistryError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

const repoPath = (repo: string) => repo.split('/').map(encodeURIComponent).join('/');

async function readAtMost(res: Response, max: number, what: string): Promise<Buffer> {
  const body = await readBounded(res, max);
  if (!body) throw new RegistryError(`${what} is larger than ${max} bytes`);
  return body;
}

export function isIndex(m: Manifest): boolean {
  return Array.isArray(m.manifests) && !m.layers;
}

/** The manifest of repo:reference (a tag or a digest): parsed, its digest and media type. */
export async function getManifest(base: string, repo: string, reference: string): Promise<{ manifest: Manifest; digest: string; mediaType: string; bytes: number }> {
  const res = await fetch(`${base}/v2/${repoPath(repo)}/manifests/${encodeURIComponent(reference)}`, { headers: { Accept: ACCEPT }, signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (!res.ok) {
    const text = (await readAtMost(res, 64 * 1024, 'an error answer').catch(() => Buffer.alloc(0))).toString('utf8');
    throw new RegistryError(registryErrorText(text) ?? `answered ${res.status}`, res.status);
  }
  const body = await readAtMost(res, MAX_MANIFEST_BYTES, 'the manifest');
  const digest = res.headers.get('docker-content-digest') ?? `sha256:${crypto.createHash('sha256').update(body).digest('hex')}`;
  const manifest = JSON.parse(body.toString('utf8')) as Manifest;
  return { manifest, digest, mediaType: res.headers.get('content-type') ?? manifest.mediaType ?? '', bytes: body.length };
}

/** The registry's own words from an error answer ({"errors":[{"message":…}]}). */
function registryErrorText(text: string): string | undefined {
  try {
    const errors = (JSON.parse(text) as { errors?: { code?: string; message?: string }[] }).errors;
    return errors?.map((e) => e.message ?? e.code).join('; ') || undefined;
  } catch {
    return undefined;
  }
}

/** The entry of an index for this host's platform (linux/amd64 on an amd64 host). */
export function platformEntry(index: Manifest): Descriptor | undefined {
  const arch = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' }[process.arch as string] ?? process.arch;
  return index.manifests?.find((m) => m.platform?.os === 'linux' && m.platform.architecture === arch);
}

/** Reads a blob through to its end (the cache stores what it is asked for), reporting bytes as they come. */
export async function readBlob(base: string, repo: string, digest: string, onBytes: (n: number) => void): Promise<void> {
  const res = await fetch(`${base}/v2/${repoPath(repo)}/blobs/${digest}`, { signal: AbortSignal.timeout(60 * 60_000) });
  if (!res.ok || !res.body) throw new RegistryError(`blob ${digest.slice(0, 19)}… answered ${res.status}`, res.status);
  const hash = crypto.createHash('sha256');
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    onBytes(chunk.length);
  }
  if (`sha256:${hash.digest('hex')}` !== digest) throw new RegistryError(`blob ${digest.slice(0, 19)}… did not match its digest`);
}

export async function hasBlob(base: string, repo: string, digest: string): Promise<boolean> {
  const res = await fetch(`${base}/v2/${repoPath(repo)}/blobs/${digest}`, { method: 'HEAD', signal: AbortSignal.timeout(TIMEOUT_MS) });
  return res.ok;
}

/** A monolithic upload of a file whose digest is known. */
export async function uploadBlob(base: string, repo: string, file: string, digest: string, size: number): Promise<void> {
  const start = await fetch(`${base}/v2/${repoPath(repo)}/blobs/uploads/`, { method: 'POST', signal: AbortSignal.timeout(TIMEOUT_MS) });
  await start.body?.cancel();
  const location = start.headers.get('location');
  if (start.status !== 202 || !location) throw new RegistryError(`an upload to ${repo} answered ${start.status}`, start.status);
  const url = new URL(location, base);
  url.searchParams.set('digest', digest);
  const put = await fetch(url, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) },
    body: fs.createReadStream(file) as unknown as BodyInit,
    duplex: 'half',
    signal: AbortSignal.timeout(60 * 60_000),
  } as RequestInit);
  const text = await put.text();
  if (put.status !== 201) throw new RegistryError(`uploading ${digest.slice(0, 19)}… answered ${put.status}: ${registryErrorText(text) ?? ''}`, put.status);
}

export async function putManifest(base: string, repo: string, tag: string, mediaType: string, body: Buffer): Promise<void> {
  const res = await fetch(`${base}/v2/${repoPath(repo)}/manifests/${encodeURIComponent(tag)}`, {
    method: 'PUT',
    headers: { 'Content-Type': mediaType },
    body: new Uint8Array(body),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const text = await res.text();
  if (res.status !== 201) throw new RegistryError(`tagging ${repo}:${tag} answered ${res.status}: ${registryErrorText(text) ?? ''}`, res.status);
}

/** Every repository and its tags (the offline mirror has at most a few hundred). */
export async function catalog(base: string): Promise<Map<string, string[]>> {
  const get = async (p: string) => {
    const res = await fetch(`${base}${p}`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (!res.ok) throw new RegistryError(`${p} answered ${res.status}`, res.status);
    return JSON.parse((await readAtMost(res, MAX_MANIFEST_BYTES, p)).toString('utf8')) as { repositories?: string[]; tags?: string[] | null };
  };
  const repos: string[] = [];
  for (;;) {
    const page = (await get(`/v2/_catalog?n=1000${repos.length ? `&last=${encodeURIComponent(repos.at(-1)!)}` : ''}`)).repositories ?? [];
    repos.push(...page);
    if (page.length < 1000) break;
  }
  const out = new Map<string, string[]>();
  for (const repo of repos) out.set(repo, ((await get(`/v2/${repoPath(repo)}/tags/list`)).tags ?? []).sort());
  return out;
}
