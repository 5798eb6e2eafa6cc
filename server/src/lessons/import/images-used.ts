// The images a scenario's commands and scripts use (docker run/create/pull, FROM), checked against what this
// Berth's mirror holds: a scenario written for Docker Hub often asks for tags the mirror lacks (nginx:alpine).
import { hubImage } from '../../missing-images/image-ref.js';
import type { MirrorImages } from '../../missing-images/mirror-catalog.js';
import { has, nearestImage } from '../../missing-images/nearest-image.js';

/** Options of `docker run` / `docker create` that take a value (the image is the first word that is neither). */
const RUN_VALUE_OPTIONS = new Set([
  '-p', '--publish', '-v', '--volume', '-e', '--env', '--env-file', '--name', '--mount', '--network', '--net', '-w', '--workdir',
  '-u', '--user', '--entrypoint', '-l', '--label', '--restart', '-m', '--memory', '--cpus', '-h', '--hostname', '--add-host',
  '--link', '--volumes-from', '--log-driver', '--log-opt', '--device', '--cap-add', '--cap-drop', '--tmpfs', '--ulimit',
  '--pids-limit', '--platform', '--pull', '--dns', '--expose', '--health-cmd', '--security-opt', '--shm-size', '--stop-signal',
  '--ip', '--network-alias', '--group-add', '--runtime', '-c', '--cpu-shares', '--memory-swap', '--label-file', '--cidfile',
]);

/** Image references in a script or command text, in order, each once. */
export function imagesUsed(text: string): string[] {
  const found = new Set<string>();
  for (const line of text.replace(/\\\n/g, ' ').split(/\n|;|&&|\|\|/)) {
    const from = /^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)/i.exec(line);
    if (from && !/\$/.test(from[1]!)) found.add(from[1]!);
    const words = line.trim().split(/\s+/);
    const at = words.indexOf('docker');
    if (at < 0) continue;
    let i = at + 1;
    if (words[i] === 'container' || words[i] === 'image') i++;
    const verb = words[i++];
    if (verb === 'pull') {
      const ref = words.slice(i).find((w) => !w.startsWith('-'));
      if (ref) found.add(ref);
    } else if (verb === 'run' || verb === 'create') {
      for (; i < words.length; i++) {
        const w = words[i]!;
        if (RUN_VALUE_OPTIONS.has(w)) i++;
        else if (!w.startsWith('-')) {
          found.add(w);
          break;
        }
      }
    }
  }
  return [...found].filter((ref) => /^[a-z0-9][\w./:@-]*$/i.test(ref) && !/\$|\{/.test(ref));
}

/** One sentence per image the mirror lacks, with what it has nearest. */
export function missingImages(refs: string[], mirror: MirrorImages): string[] {
  const out: string[] = [];
  for (const ref of refs) {
    const image = hubImage(ref);
    if (!image) continue; // another registry's image: a session reaches only the mirror, said elsewhere
    if (has(mirror, image)) continue;
    const near = nearestImage(image, mirror);
    const instead =
      near.kind === 'image'
        ? `the nearest it has is ${near.image}`
        : near.kind === 'tags'
          ? `it has ${near.repo.replace(/:latest$/, '')} with the tags ${near.tags.slice(0, 8).join(', ')}`
          : 'nothing near it';
    out.push(`image ${ref}: not in this Berth's mirror (${instead}); a pull of it prints Berth's line saying so`);
  }
  return out;
}

/** Images the scenario makes itself (docker build -t, docker tag, docker commit): not the mirror's business. */
export function imagesMade(text: string): Set<string> {
  const made = new Set<string>();
  const name = (ref: string) => (ref.includes(':') && ref.lastIndexOf(':') > ref.lastIndexOf('/') ? ref : `${ref}:latest`);
  for (const m of text.matchAll(/\bdocker\s+(?:image\s+)?build\b[^\n;&|]*?(?:-t|--tag)[\s=]+(\S+)/g)) made.add(name(m[1]!));
  for (const m of text.matchAll(/\bdocker\s+(?:image\s+)?tag\s+\S+\s+(\S+)/g)) made.add(name(m[1]!));
  for (const m of text.matchAll(/\bdocker\s+(?:container\s+)?commit\s+(?:-\S+\s+(?:"[^"]*"|'[^']*'|\S+)\s+)*\S+\s+(\S+)/g)) made.add(name(m[1]!));
  return made;
}

/** The images of refs the mirror lacks, less those the scenario makes. */
export function notMade(refs: string[], made: Set<string>): string[] {
  return refs.filter((ref) => !made.has(ref.includes(':') && ref.lastIndexOf(':') > ref.lastIndexOf('/') ? ref : `${ref}:latest`));
}
