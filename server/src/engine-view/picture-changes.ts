// What changed between two pictures of an engine, in sentences a learner reads beside the terminal, in
// English and Chinese: "container web created from nginx", "image demo: 2 layers on top of debian:bookworm",
// "layer added by RUN …".
import type { EnginePicture, PictureChange, PictureImage } from '@berth/shared';

const name = (i: PictureImage): string => i.tags[0] ?? i.id.slice('sha256:'.length, 'sha256:'.length + 12);
const layers = (n: number) => ({ en: `${n} layer${n === 1 ? '' : 's'}`, zh: `${n} 层` });

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
  const say = (kind: PictureChange['kind'], id: string, en: string, zh: string) => changes.push({ kind, id, text: { en, zh } });
  const imagesBefore = new Map(before.images.map((i) => [i.id, i]));
  const layersBefore = new Set(before.images.flatMap((i) => i.layers.map((l) => l.id)));
  const announcedLayers = new Set<string>();
  for (const image of after.images) {
    const old = imagesBefore.get(image.id);
    if (!old) {
      const on = baseOf(image, after.images);
      if (on) {
        const n = layers(image.layers.length - on.shared);
        say('image', image.id, `image ${name(image)}: ${n.en} on top of ${name(on.base)}`, `镜像 ${name(image)}：在 ${name(on.base)} 之上加了 ${n.zh}`);
      } else {
        const n = layers(image.layers.length);
        say('image', image.id, `image ${name(image)} arrived (${n.en})`, `镜像 ${name(image)} 来了（${n.zh}）`);
      }
      for (const layer of image.layers) {
        if (!on || layersBefore.has(layer.id) || announcedLayers.has(layer.id) || on.base.layers.some((l) => l.id === layer.id)) continue;
        announcedLayers.add(layer.id);
        say('layer', layer.id, `layer added by ${layer.createdBy || 'an instruction the history does not name'}`, `新的一层，来自 ${layer.createdBy || '历史里没有记下的指令'}`);
      }
      continue;
    }
    for (const tag of image.tags.filter((t) => !old.tags.includes(t))) say('image', image.id, `image ${name(old)} tagged ${tag}`, `镜像 ${name(old)} 加了标签 ${tag}`);
    for (const tag of old.tags.filter((t) => !image.tags.includes(t))) say('image', image.id, `tag ${tag} removed`, `标签 ${tag} 被删除`);
  }
  const imagesAfter = new Set(after.images.map((i) => i.id));
  for (const image of before.images) if (!imagesAfter.has(image.id)) say('image', image.id, `image ${name(image)} removed`, `镜像 ${name(image)} 被删除`);

  const containersBefore = new Map(before.containers.map((c) => [c.id, c]));
  for (const c of after.containers) {
    const old = containersBefore.get(c.id);
    if (!old) say('container', c.id, `container ${c.name} created from ${c.image}`, `容器 ${c.name} 由 ${c.image} 创建`);
    else if (old.state !== c.state) say('container', c.id, `container ${c.name}: ${old.state} → ${c.state}`, `容器 ${c.name}：${old.state} → ${c.state}`);
    else if (old.name !== c.name) say('container', c.id, `container ${old.name} renamed ${c.name}`, `容器 ${old.name} 改名为 ${c.name}`);
  }
  const containersAfter = new Set(after.containers.map((c) => c.id));
  for (const c of before.containers) if (!containersAfter.has(c.id)) say('container', c.id, `container ${c.name} removed`, `容器 ${c.name} 被删除`);

  const diffNamed = (kind: 'network' | 'volume', a: { name: string }[], b: { name: string }[]) => {
    const was = new Set(a.map((x) => x.name));
    const is = new Set(b.map((x) => x.name));
    const zh = kind === 'network' ? '网络' : '数据卷';
    for (const x of b) if (!was.has(x.name)) say(kind, x.name, `${kind} ${x.name} created`, `${zh} ${x.name} 已创建`);
    for (const x of a) if (!is.has(x.name)) say(kind, x.name, `${kind} ${x.name} removed`, `${zh} ${x.name} 被删除`);
  };
  diffNamed('network', before.networks, after.networks);
  diffNamed('volume', before.volumes, after.volumes);
  return changes;
}
