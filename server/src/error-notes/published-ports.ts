// The host ports a `docker run`/`docker create` command line publishes (-p, --publish), as typed.

export interface Published {
  hostPort: number;
  /** The container's port, as typed (80, 80/tcp). */
  containerPort: string;
}

/** At most this many words of a command line are read. */
const MAX_WORDS = 200;

export function publishedPorts(line: string): Published[] {
  const words = line.split(/\s+/, MAX_WORDS);
  const found: Published[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    let value: string | undefined;
    if (w === '-p' || w === '--publish') value = words[++i];
    else if (w.startsWith('--publish=')) value = w.slice('--publish='.length);
    else if (/^-p\d/.test(w)) value = w.slice(2);
    const p = value === undefined ? undefined : parsePublish(value.replace(/^['"]|['"]$/g, ''));
    if (p) found.push(p);
  }
  return found;
}

/** `8080:80`, `127.0.0.1:8080:80/tcp`, `8080-8081:80-81`: the first host port; `80` alone publishes none of the learner's choosing. */
function parsePublish(value: string): Published | undefined {
  const parts = value.split(':');
  if (parts.length < 2) return undefined;
  const host = /^(\d{1,5})/.exec(parts[parts.length - 2]!);
  const port = host ? Number(host[1]) : 0;
  if (!(port > 0 && port < 65536)) return undefined;
  return { hostPort: port, containerPort: parts[parts.length - 1]! };
}

/** `--name web`, `--name=web`: the container's name. */
export function containerName(line: string): string | undefined {
  const m = /(?:^|\s)--name(?:=|\s+)([A-Za-z0-9][A-Za-z0-9_.-]{0,63})(?=\s|$)/.exec(line.slice(0, 4096));
  return m?.[1];
}
