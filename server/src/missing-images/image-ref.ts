// Image references as Docker reads them, for Docker Hub's names only (the mirror stands in for Docker Hub;
// an image of another registry is not its business). Everything here reads text a visitor typed or printed:
// single passes over bounded strings, no backtracking patterns.

export interface HubImage {
  /** Docker Hub repository: `library/alpine`, `bitnami/redis`. */
  repo: string;
  /** The tag, or undefined for a digest reference (`alpine@sha256:…`). */
  tag: string | undefined;
}

/** Longest reference read (Docker's own limit on a name is 255). */
export const MAX_REF_CHARS = 255;
const HUB_DOMAINS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);
const NAME_COMPONENT = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** A Docker Hub image from a reference as typed (`nginx:alpine`, `docker.io/library/node:18`); undefined otherwise. */
export function hubImage(ref: string): HubImage | undefined {
  if (!ref || ref.length > MAX_REF_CHARS) return undefined;
  let name = ref;
  let tag: string | undefined = 'latest';
  const at = name.indexOf('@');
  if (at >= 0) {
    if (!name.slice(at + 1).startsWith('sha256:')) return undefined;
    name = name.slice(0, at);
    tag = undefined;
  }
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) {
    const t = name.slice(colon + 1);
    name = name.slice(0, colon);
    if (!TAG.test(t)) return undefined;
    if (tag !== undefined) tag = t;
  }
  const parts = name.split('/');
  if (parts.length > 1 && (parts[0]!.includes('.') || parts[0]!.includes(':') || parts[0] === 'localhost')) {
    if (!HUB_DOMAINS.has(parts[0]!)) return undefined;
    parts.shift();
  }
  if (parts.length === 1) parts.unshift('library');
  if (!parts.every((p) => NAME_COMPONENT.test(p))) return undefined;
  return { repo: parts.join('/'), tag };
}

/** How a learner would write it: `alpine`, `nginx:alpine`, `bitnami/redis:7`. */
export function displayName(image: HubImage): string {
  const name = image.repo.startsWith('library/') ? image.repo.slice('library/'.length) : image.repo;
  if (image.tag === undefined) return name;
  return image.tag === 'latest' ? name : `${name}:${image.tag}`;
}

export const sameImage = (a: HubImage, b: HubImage) => a.repo === b.repo && a.tag === b.tag;

/** The command line is read up to here (a longer paste is not a learner typing `docker pull`). */
export const MAX_LINE_CHARS = 4096;
const SEPARATORS = new Set([';', '&', '|', '\n', '(', ')']);
/** Global options of `docker` that take a value. */
const DOCKER_VALUE_OPTIONS = new Set(['-H', '--host', '-c', '--context', '--config', '-l', '--log-level', '--tlscacert', '--tlscert', '--tlskey']);
/** Options of `docker pull` that take a value. */
const PULL_VALUE_OPTIONS = new Set(['--platform']);

/** Images read from one command line, at most (a pasted script of a hundred pulls is not explained pull by pull). */
export const MAX_PULLED = 8;

/** The images a command line asks `docker pull` (or `docker image pull`) for, in order. */
export function pulledRefs(line: string): string[] {
  const refs: string[] = [];
  for (const words of simpleCommands(line.slice(0, MAX_LINE_CHARS))) {
    if (refs.length >= MAX_PULLED) break;
    let i = 0;
    while (i < words.length && (/^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]!) || words[i] === 'sudo' || words[i] === 'command' || words[i] === 'time')) i++;
    if (words[i] !== 'docker' && !words[i]?.endsWith('/docker')) continue;
    i++;
    while (i < words.length && words[i]!.startsWith('-')) i += DOCKER_VALUE_OPTIONS.has(words[i]!) ? 2 : 1;
    if (words[i] === 'image') i++;
    if (words[i] !== 'pull') continue;
    for (i++; i < words.length; i++) {
      const w = words[i]!;
      if (PULL_VALUE_OPTIONS.has(w)) i++;
      else if (!w.startsWith('-')) {
        refs.push(w);
        break;
      }
    }
  }
  return refs;
}

/** Splits a shell line into simple commands of words: quotes kept together and removed, nothing expanded. */
function simpleCommands(line: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  const endWord = () => {
    if (word !== undefined) words.push(word);
    word = undefined;
  };
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else word += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      word ??= '';
    } else if (ch === ' ' || ch === '\t' || ch === '\r') {
      endWord();
    } else if (SEPARATORS.has(ch)) {
      endWord();
      if (words.length) commands.push(words);
      words = [];
    } else {
      word = (word ?? '') + ch;
    }
  }
  endWord();
  if (words.length) commands.push(words);
  return commands;
}
