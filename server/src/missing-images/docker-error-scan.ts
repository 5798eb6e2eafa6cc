// Reads what one command printed, line by line, for Docker's signs that an image could not be pulled and for
// the names of the images it tried. The output is the visitor's to shape: each byte is looked at a bounded
// number of times (a line is kept up to MAX_SCANNED_LINE characters, then looked at once for a few fixed
// strings), and at most MAX_REFS names are kept.
//
// What Docker prints when the mirror lacks an image (it then tries Docker Hub, which a session cannot reach):
//   docker pull alpine     Error response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io …: no such host
//   docker run / create    Unable to find image 'nginx:alpine' locally   (then the same error)
//   docker build           Step 1/2 : FROM node:18-alpine                 (then the same error, without a prefix)
//   BuildKit               ERROR [internal] load metadata for docker.io/library/node:18-alpine
//                          … failed to resolve source metadata for docker.io/library/node:18-alpine: … Head "https://registry-1.docker.io/v2/library/node/manifests/18-alpine": … no such host
// With a registry that answers (an upstream), the signs are "pull access denied for …" or "manifest unknown".
import { MAX_REF_CHARS } from './image-ref.js';
import { MAX_LINE, OutputLines } from '../terminal/output-lines.js';

/** A line is read up to this many characters. */
export const MAX_SCANNED_LINE = MAX_LINE;
export const MAX_REFS = 8;

/** Docker Hub was out of reach: the sandbox has no internet. */
const HUB_HOST = 'registry-1.docker.io';
const UNREACHABLE = ['no such host', 'server misbehaving', 'i/o timeout', 'connection refused', 'network is unreachable', 'no route to host', 'name resolution'];
/** The registry answered that it has no such image. */
const NOT_THERE = ['pull access denied for ', 'manifest unknown', 'repository does not exist', 'not found: manifest unknown'];

/** Texts after which Docker names the image it tried, and what ends the name. */
const NAMED_AFTER: { marker: string; needs?: string }[] = [
  { marker: "Unable to find image '" },
  { marker: 'pull access denied for ' },
  { marker: 'manifest for ' },
  { marker: 'failed to resolve source metadata for ' },
  { marker: 'load metadata for ', needs: 'ERROR' },
];
const REF_CHAR = /[A-Za-z0-9._\-/:@]/;
/** A line without any of these is neither a sign nor a name (each marker and sign contains one). */
const KEYWORDS = ['image', 'pull', 'manifest', 'metadata', 'Step ', 'registry-1.docker.io', 'repository'];
const FROM_STEP = /^Step \d+\/\d+ : FROM /i;
const HUB_MANIFEST_URL = `${HUB_HOST}/v2/`;

export class DockerErrorScan {
  /** Some line said an image could not be pulled. */
  pullFailed = false;
  /** … because Docker Hub was out of reach (rather than a registry saying it has no such image). */
  hubUnreachable = false;
  /** Image references named around the failure, as printed (at most MAX_REFS). */
  readonly refs: string[] = [];
  /** Output lines holding one of Docker's words, each read once. */
  private readonly lines = new OutputLines(KEYWORDS, (line) => this.read(line));
  /** The base image of the build step being run (the legacy builder prints it, then the step's error). */
  private fromStep: string | undefined;

  /** The output so far ended a line (Berth's line then needs no line break first). */
  get atLineStart(): boolean {
    return this.lines.atLineStart;
  }

  /** Feeds output (marks already removed). */
  push(bytes: Buffer): void {
    this.lines.push(bytes);
  }

  /** The command ended: a last line without its line break is read too. */
  finish(): void {
    this.lines.finish();
  }

  private read(line: string): void {
    if (FROM_STEP.test(line)) this.fromStep = fromImage(line.slice(line.indexOf(' FROM ') + 6));
    for (const { marker, needs } of NAMED_AFTER) {
      const at = line.indexOf(marker);
      if (at >= 0 && (!needs || line.includes(needs))) this.addRef(refAt(line, at + marker.length));
    }
    const url = line.indexOf(HUB_MANIFEST_URL);
    if (url >= 0) this.addRef(manifestUrlRef(line.slice(url + HUB_MANIFEST_URL.length, url + HUB_MANIFEST_URL.length + MAX_REF_CHARS + 12)));
    const unreachable = line.includes(HUB_HOST) && UNREACHABLE.some((u) => line.includes(u));
    if (unreachable || NOT_THERE.some((n) => line.includes(n))) {
      this.pullFailed = true;
      if (unreachable) this.hubUnreachable = true;
      // The legacy builder names the image only in the step before the error.
      if (this.fromStep) this.addRef(this.fromStep);
    }
  }

  private addRef(ref: string | undefined): void {
    if (ref && this.refs.length < MAX_REFS && !this.refs.includes(ref)) this.refs.push(ref);
  }
}


/** The reference starting at `at` (up to a character no reference has). */
function refAt(line: string, at: number): string | undefined {
  let end = at;
  while (end < line.length && end - at < MAX_REF_CHARS && REF_CHAR.test(line[end]!)) end++;
  // "failed to resolve source metadata for docker.io/library/node:18-alpine: failed…": a trailing colon is not the tag's.
  let ref = line.slice(at, end);
  while (ref.endsWith(':') || ref.endsWith('.') || ref.endsWith(',')) ref = ref.slice(0, -1);
  return ref || undefined;
}

/** `FROM [--platform=…] image [AS name]`: the image. */
function fromImage(rest: string): string | undefined {
  for (const word of rest.split(' ', 8)) if (word && !word.startsWith('--')) return refAt(word, 0);
  return undefined;
}

/** `library/node/manifests/18-alpine"…` (from a registry URL): `library/node:18-alpine`. */
function manifestUrlRef(rest: string): string | undefined {
  const m = rest.indexOf('/manifests/');
  if (m <= 0) return undefined;
  const tag = refAt(rest, m + '/manifests/'.length);
  if (!tag || tag.includes('/')) return undefined;
  return tag.startsWith('sha256:') ? `${rest.slice(0, m)}@${tag}` : `${rest.slice(0, m)}:${tag}`;
}
