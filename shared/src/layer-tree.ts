// The engine view draws images as one tree of layers: a layer shared by several images (their common base)
// is one node, drawn once, and each image hangs at the node of its last layer, with its containers.
import type { EnginePicture, PictureContainer, PictureImage, PictureLayer } from './engine-picture.js';

export interface LayerNode {
  layer: PictureLayer;
  /** How many images have this layer (2 or more: it is shared, and drawn once). */
  usedBy: number;
  /** Images whose last layer this is. */
  images: PictureImage[];
  children: LayerNode[];
}

export interface LayerTree {
  roots: LayerNode[];
  /** Images without layers (not read yet, or empty): drawn apart. */
  bare: PictureImage[];
  /** Containers by the image id they run from. */
  containersOf: Map<string, PictureContainer[]>;
  /** Containers whose image is not in the picture (removed with -f, or left out). */
  orphans: PictureContainer[];
}

export function layerTree(picture: EnginePicture): LayerTree {
  const roots: LayerNode[] = [];
  const bare: PictureImage[] = [];
  const byPath = new Map<string, LayerNode>();
  for (const image of picture.images) {
    if (!image.layers.length) {
      bare.push(image);
      continue;
    }
    let siblings = roots;
    let path = '';
    let node: LayerNode | undefined;
    for (const layer of image.layers) {
      path += `/${layer.id}`;
      node = byPath.get(path);
      if (!node) {
        node = { layer, usedBy: 0, images: [], children: [] };
        byPath.set(path, node);
        siblings.push(node);
      }
      node.usedBy += 1;
      siblings = node.children;
    }
    node!.images.push(image);
  }
  const known = new Set(picture.images.map((i) => i.id));
  const containersOf = new Map<string, PictureContainer[]>();
  const orphans: PictureContainer[] = [];
  for (const c of picture.containers) {
    if (!known.has(c.imageId)) {
      orphans.push(c);
      continue;
    }
    const list = containersOf.get(c.imageId) ?? [];
    list.push(c);
    containersOf.set(c.imageId, list);
  }
  return { roots, bare, containersOf, orphans };
}
