// Reads the picture script's answer into an EnginePicture. Every byte of it is the learner's to shape (names,
// labels, a fake engine on the socket): the whole answer is bounded by the exec, each line is parsed once,
// every field is checked for its type and cut to a length, and every list to a count.
import type { EnginePicture, PictureContainer, PictureImage, PictureLayer, PictureMount, PictureNetwork, PicturePort, PictureVolume } from '@berth/shared';
import { layersFromHistory } from './layers-from-history.js';

export const LIMITS = { images: 200, containers: 300, networks: 100, volumes: 300, layers: 128, ports: 32, mounts: 32, networksPerContainer: 16, tags: 16 };
const TEXT_MAX = 256;
const ID = /^sha256:[0-9a-f]{64}$/;

/** What is kept of an image between runs: its layers (an image id's layers never change). */
export type KnownLayers = Map<string, PictureLayer[]>;

type Json = unknown;
const obj = (v: Json): Record<string, Json> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, Json>) : {});
const arr = (v: Json): Json[] => (Array.isArray(v) ? v : []);
const text = (v: Json, max = TEXT_MAX): string => (typeof v === 'string' ? v.slice(0, max) : '');
const num = (v: Json): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0);

function parseLines(output: string): { answers: Map<string, Json>; inspects: Json[]; histories: Map<string, Json> } {
  const answers = new Map<string, Json>();
  const inspects: Json[] = [];
  const histories = new Map<string, Json>();
  for (const line of output.split('\n')) {
    const space = line.indexOf(' ');
    if (space < 0) continue;
    const kind = line.slice(0, space);
    let rest = line.slice(space + 1);
    let historyOf = '';
    if (kind === 'history') {
      const next = rest.indexOf(' ');
      historyOf = rest.slice(0, next);
      rest = rest.slice(next + 1);
      if (!ID.test(historyOf)) continue;
    }
    let value: Json;
    try {
      value = JSON.parse(rest);
    } catch {
      continue; // an engine that did not answer (curl printed nothing) or garbage: that part stays empty
    }
    if (kind === 'inspect') inspects.push(value);
    else if (kind === 'history') histories.set(historyOf, value);
    else if (['images', 'containers', 'networks', 'volumes'].includes(kind)) answers.set(kind, value);
  }
  return { answers, inspects, histories };
}

/** known: layers of images read on earlier runs; updated in place with the images read on this one. */
export function readPicture(output: string, known: KnownLayers): EnginePicture {
  const { answers, inspects, histories } = parseLines(output);
  let truncated = false;
  const cap = <T>(list: T[], max: number): T[] => {
    if (list.length > max) truncated = true;
    return list.slice(0, max);
  };

  for (const raw of inspects) {
    const inspect = obj(raw);
    const id = text(inspect.Id, 80);
    if (!ID.test(id)) continue;
    const diffIds = cap(arr(obj(inspect.RootFS).Layers).map((l) => text(l, 80)).filter((l) => ID.test(l)), LIMITS.layers);
    known.set(id, layersFromHistory(diffIds, arr(histories.get(id)).map((h) => ({ createdBy: text(obj(h).CreatedBy, 4096), size: num(obj(h).Size) }))));
  }

  const listed = cap(arr(answers.get('images')), LIMITS.images);
  const images: PictureImage[] = [];
  for (const raw of listed) {
    const i = obj(raw);
    const id = text(i.Id, 80);
    if (!ID.test(id)) continue;
    const tags = cap(arr(i.RepoTags).map((t) => text(t)).filter((t) => t && t !== '<none>:<none>'), LIMITS.tags);
    images.push({ id, tags, size: num(i.Size), created: typeof i.Created === 'number' ? new Date(num(i.Created) * 1000).toISOString() : '', layers: known.get(id) ?? [] });
  }
  // Images gone from the engine are forgotten, so the cache holds no more than the engine does.
  const present = new Set(images.map((i) => i.id));
  for (const id of known.keys()) if (!present.has(id)) known.delete(id);

  const containers: PictureContainer[] = cap(arr(answers.get('containers')), LIMITS.containers).map((raw) => {
    const c = obj(raw);
    const ports: PicturePort[] = cap(arr(c.Ports), LIMITS.ports).map((p) => {
      const port = obj(p);
      return { private: num(port.PrivatePort), ...(port.PublicPort ? { public: num(port.PublicPort) } : {}), type: text(port.Type, 8) };
    });
    const mounts: PictureMount[] = cap(arr(c.Mounts), LIMITS.mounts).map((m) => {
      const mount = obj(m);
      const type = text(mount.Type, 16);
      return { type, ...(type === 'volume' ? { name: text(mount.Name) } : { source: text(mount.Source) }), destination: text(mount.Destination) };
    });
    return {
      id: text(c.Id, 80),
      name: text(arr(c.Names)[0]).replace(/^\//, ''),
      imageId: text(c.ImageID, 80),
      image: text(c.Image),
      state: text(c.State, 16),
      status: text(c.Status, 80),
      ports: dedupePorts(ports),
      networks: cap(Object.keys(obj(obj(c.NetworkSettings).Networks)), LIMITS.networksPerContainer).map((n) => n.slice(0, TEXT_MAX)),
      mounts,
    };
  });

  const networks: PictureNetwork[] = cap(arr(answers.get('networks')), LIMITS.networks).map((raw) => {
    const n = obj(raw);
    return { id: text(n.Id, 80), name: text(n.Name), driver: text(n.Driver, 32) };
  });
  const volumes: PictureVolume[] = cap(arr(obj(answers.get('volumes')).Volumes), LIMITS.volumes).map((raw) => ({ name: text(obj(raw).Name) }));
  return { images, containers, networks, volumes, truncated };
}

/** Docker lists a published port once per address family (0.0.0.0 and ::): once is enough here. */
function dedupePorts(ports: PicturePort[]): PicturePort[] {
  const seen = new Set<string>();
  return ports.filter((p) => {
    const key = `${p.private}/${p.type}/${p.public ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
