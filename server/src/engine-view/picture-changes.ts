// What changed between two pictures of an engine, in sentences a learner reads beside the terminal:
// "container web created from nginx", "image demo: 2 layers on top of debian:bookworm", "layer added by RUN …".
import type { EnginePicture, PictureChange, PictureImage } from '@berth/shared';

const name = (i: PictureImage): string => i.tags[0] ?? i.id.slice('sha256:'.length, 'sha256:'.length + 12);

/** The image the new one was built on: the one whose layers start it, most of them. */
function baseOf(image: PictureImage, others: PictureImage[]): { base: PictureImage; shared: number } | undefined {
  let best: { base: PictureImage; shared: number } | undefined;
  for (const other of others) {
    if (other.id === image.id || other.layers.length === 0 || other.layers.length > image.layers.length) continue;
    if (!other.layers.every((l, i) => image.layers[i]?.id === l.id)) continue;
    if (!best || other.layers.length > best.shared) best = { base: other, shared: other.layers.length };
  }
  return best;
}

export function pictureChanges(before: EnginePicture, after: EnginePicture): PictureChange[] {
  const changes: PictureChange[] = [];
  const imagesBefore = new Map(before.images.map((i) => [i.id, i]));
  const layersBefore = new Set(before.images.flatMap((i) => i.layers.map((l) => l.id)));
  const announcedLayers = new Set<string>();
  for (const image of after.images) {
    const old = imagesBefore.get(image.id);
    if (!old) {
      const on = baseOf(image, after.images);
      const added = image.layers.length - (on?.shared ?? 0);
      const text = on
        ? `image ${name(image)}: ${added} layer${added === 1 ? '' : 's'} on top of ${name(on.base)}`
        : `image ${name(image)} arrived (${image.layers.length} layer${image.layers.length === 1 ? '' : 's'})`;
      changes.push({ kind: 'image', id: image.id, text });
      for (const layer of image.layers) {
        if (layersBefore.has(layer.id) || announcedLayers.has(layer.id) || (on && on.base.layers.some((l) => l.id === layer.id))) continue;
        announcedLayers.add(layer.id);
        if (on) changes.push({ kind: 'layer', id: layer.id, text: `layer added by ${layer.createdBy || 'an instruction the history does not name'}` });
      }
      continue;
    }
    const newTags = image.tags.filter((t) => !old.tags.includes(t));
    for (const tag of newTags) changes.push({ kind: 'image', id: image.id, text: `image ${name(old)} tagged ${tag}` });
    for (const tag of old.tags.filter((t) => !image.tags.includes(t))) changes.push({ kind: 'image', id: image.id, text: `tag ${tag} removed` });
  }
  const imagesAfter = new Set(after.images.map((i) => i.id));
  for (const image of before.images) if (!imagesAfter.has(image.id)) changes.push({ kind: 'image', id: image.id, text: `image ${name(image)} removed` });

  const containersBefore = new Map(before.containers.map((c) => [c.id, c]));
  for (const c of after.containers) {
    const old = containersBefore.get(c.id);
    if (!old) changes.push({ kind: 'container', id: c.id, text: `container ${c.name} created from ${c.image}` });
    else if (old.state !== c.state) changes.push({ kind: 'container', id: c.id, text: `container ${c.name}: ${old.state} → ${c.state}` });
    else if (old.name !== c.name) changes.push({ kind: 'container', id: c.id, text: `container ${old.name} renamed ${c.name}` });
  }
  const containersAfter = new Set(after.containers.map((c) => c.id));
  for (const c of before.containers) if (!containersAfter.has(c.id)) changes.push({ kind: 'container', id: c.id, text: `container ${c.name} removed` });

  const diffNamed = (kind: 'network' | 'volume', a: { name: string }[], b: { name: string }[]) => {
    const was = new Set(a.map((x) => x.name));
    const is = new Set(b.map((x) => x.name));
    for (const x of b) if (!was.has(x.name)) changes.push({ kind, id: x.name, text: `${kind} ${x.name} created` });
    for (const x of a) if (!is.has(x.name)) changes.push({ kind, id: x.name, text: `${kind} ${x.name} removed` });
  };
  diffNamed('network', before.networks, after.networks);
  diffNamed('volume', before.volumes, after.volumes);
  return changes;
}
