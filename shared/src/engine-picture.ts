// The engine view's picture of a session's own Docker engine, as the server sends it to the page (issue 14).
// Layers are named by their content (the image's RootFS diff ids), so a layer shared by several images is
// one layer, drawn once.
import type { Lang } from './lessons.js';

export interface PictureLayer {
  /** The layer's diff id (sha256:…): the same in every image that shares it. */
  id: string;
  /** Bytes the layer adds (0 when the engine did not say). */
  size: number;
  /** The instruction that made it, as the image's history gives it ('' when the history has none for it). */
  createdBy: string;
}

export interface PictureImage {
  id: string;
  /** name:tag, e.g. nginx:latest; empty for an untagged (dangling) image. */
  tags: string[];
  size: number;
  created: string;
  /** Oldest first: the base image's layers come first. */
  layers: PictureLayer[];
}

export interface PicturePort {
  private: number;
  public?: number;
  type: string;
}

export interface PictureMount {
  type: string;
  /** A volume's name (type volume). */
  name?: string;
  /** A bind mount's path in the sandbox (type bind). */
  source?: string;
  destination: string;
}

export interface PictureContainer {
  id: string;
  name: string;
  /** The image id it runs from, and the name it was started with (nginx, or an id when untagged). */
  imageId: string;
  image: string;
  /** created, running, paused, restarting, exited, dead. */
  state: string;
  /** Docker's words: "Up 3 minutes", "Exited (0) 2 seconds ago". */
  status: string;
  ports: PicturePort[];
  networks: string[];
  mounts: PictureMount[];
}

export interface PictureNetwork {
  id: string;
  name: string;
  driver: string;
}

export interface PictureVolume {
  name: string;
}

export interface EnginePicture {
  images: PictureImage[];
  containers: PictureContainer[];
  networks: PictureNetwork[];
  volumes: PictureVolume[];
  /** Some items were left out: the engine held more than the view draws. */
  truncated: boolean;
}

/** A sentence about one change, and the item it is about (for the page's highlight). */
export interface PictureChange {
  kind: 'image' | 'layer' | 'container' | 'network' | 'volume';
  /** The item's id (a volume's or network's name for those). */
  id: string;
  /** The sentence in each of the page's languages. */
  text: Record<Lang, string>;
}

/** The engine view's socket: GET /api/sessions/:id/engine (websocket, ?token=). The server only sends. */
export const ENGINE_VIEW_PATH = (sessionId: string): string => `/api/sessions/${sessionId}/engine`;

/** The whole picture, first on connect and after every change, with what changed (empty the first time). */
export type EngineViewMessage = { type: 'picture'; picture: EnginePicture; changes: PictureChange[] };

export type EngineItemKind = 'container' | 'image' | 'network' | 'volume';

/** GET /api/sessions/:id/engine/:kind/:item — one item's inspect data as a list of readable facts. */
export const ENGINE_ITEM_PATH = (sessionId: string, kind: EngineItemKind, item: string): string =>
  `/api/sessions/${sessionId}/engine/${kind}/${encodeURIComponent(item)}`;

export interface EngineItemDetails {
  kind: EngineItemKind;
  id: string;
  name: string;
  /** Label and value, in the order a learner reads them (Command, Ports, Env, Mounts, Health…). */
  facts: { label: string; value: string[] }[];
}
