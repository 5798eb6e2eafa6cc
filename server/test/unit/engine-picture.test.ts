// The engine view's picture (issue 14): which history entry made which layer, what is read from the engine's
// answers (and what is refused: the learner shapes every byte of them), and the sentences said about changes.
// server/test/engine/engine-view.test.ts reads a real session engine.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EnginePicture } from '@berth/shared';
import { instructionText, layersFromHistory } from '../../src/engine-view/layers-from-history.js';
import { pictureChanges } from '../../src/engine-view/picture-changes.js';
import { LIMITS, readPicture, type KnownLayers } from '../../src/engine-view/read-picture.js';
import { layerTree } from '@berth/shared';

const id = (n: number | string) => `sha256:${String(n).padStart(64, '0')}`;
const BASE = id(1);
const DEBIAN = id('a1');
const DEMO = id('a2');

const debianHistory = [
  { CreatedBy: '/bin/sh -c #(nop)  CMD ["bash"]', Size: 0 },
  { CreatedBy: '/bin/sh -c #(nop) ADD file:4b1d1b2c in / ', Size: 116_000_000 },
];
const demoHistory = [
  { CreatedBy: 'CMD ["python3" "app.py"]', Size: 0 },
  { CreatedBy: 'COPY app.py . # buildkit', Size: 120 },
  { CreatedBy: 'WORKDIR /app', Size: 0 },
  { CreatedBy: 'RUN /bin/sh -c apt-get update && apt-get install -y python3 # buildkit', Size: 50_000_000 },
  ...debianHistory,
];

function answer(parts: { images?: unknown; containers?: unknown; networks?: unknown; volumes?: unknown; inspects?: unknown[]; histories?: [string, unknown][] }): string {
  const lines = [
    `images ${JSON.stringify(parts.images ?? [])}`,
    `containers ${JSON.stringify(parts.containers ?? [])}`,
    `networks ${JSON.stringify(parts.networks ?? [])}`,
    `volumes ${JSON.stringify(parts.volumes ?? { Volumes: [] })}`,
    ...(parts.inspects ?? []).map((i) => `inspect ${JSON.stringify(i)}`),
    ...(parts.histories ?? []).map(([of, h]) => `history ${of} ${JSON.stringify(h)}`),
  ];
  return `${lines.join('\n')}\n`;
}

const twoImages = answer({
  images: [
    { Id: DEBIAN, RepoTags: ['debian:bookworm'], Size: 116_000_000, Created: 1_700_000_000 },
    { Id: DEMO, RepoTags: ['demo:latest'], Size: 166_000_120, Created: 1_700_000_100 },
  ],
  inspects: [
    { Id: DEBIAN, RootFS: { Layers: [BASE] } },
    { Id: DEMO, RootFS: { Layers: [BASE, id(2), id(3)] } },
  ],
  histories: [
    [DEBIAN, debianHistory],
    [DEMO, demoHistory],
  ],
  containers: [
    {
      Id: 'c1',
      Names: ['/web'],
      Image: 'nginx',
      ImageID: id('b1'),
      State: 'running',
      Status: 'Up 2 seconds',
      Ports: [
        { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
        { IP: '::', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
      ],
      NetworkSettings: { Networks: { bridge: {}, appnet: {} } },
      Mounts: [{ Type: 'volume', Name: 'data', Source: '/home/user/.local/share/docker/volumes/data/_data', Destination: '/data' }],
    },
  ],
  networks: [{ Id: 'n1', Name: 'bridge', Driver: 'bridge' }],
  volumes: { Volumes: [{ Name: 'data' }] },
});

test('each layer gets the instruction that made it: RUN, COPY and ADD make one, CMD and an empty WORKDIR none', () => {
  const layers = layersFromHistory(
    [BASE, id(2), id(3)],
    demoHistory.map((h) => ({ createdBy: h.CreatedBy, size: h.Size })),
  );
  assert.deepEqual(
    layers.map((l) => l.createdBy),
    ['ADD file:4b1d1b2c in /', 'RUN apt-get update && apt-get install -y python3', 'COPY app.py .'],
  );
  assert.deepEqual(layers.map((l) => l.size), [116_000_000, 50_000_000, 120]);
});

test('a history shorter than the layers (an imported image) leaves the oldest layers without an instruction', () => {
  const layers = layersFromHistory([BASE, id(2)], [{ createdBy: 'RUN /bin/sh -c true # buildkit', size: 0 }]);
  assert.deepEqual(layers.map((l) => l.createdBy), ['', 'RUN true']);
});

test('instructions read as a learner wrote them', () => {
  assert.equal(instructionText('/bin/sh -c #(nop)  CMD ["bash"]'), 'CMD ["bash"]');
  assert.equal(instructionText('/bin/sh -c apt-get   update'), 'RUN apt-get update');
  assert.equal(instructionText('|2 A=1 B=2 /bin/sh -c make # buildkit'), 'RUN make');
  assert.equal(instructionText(`RUN ${'x'.repeat(1000)}`).length, 300);
});

test('a picture: images with their layers, a shared base layer named once, containers with ports once per port', () => {
  const known: KnownLayers = new Map();
  const picture = readPicture(twoImages, known);
  assert.deepEqual(picture.images.map((i) => [i.tags, i.layers.length]), [[['debian:bookworm'], 1], [['demo:latest'], 3]]);
  assert.equal(picture.images[0]!.layers[0]!.id, picture.images[1]!.layers[0]!.id, 'the base layer is one layer');
  assert.deepEqual(picture.containers, [
    {
      id: 'c1',
      name: 'web',
      imageId: id('b1'),
      image: 'nginx',
      state: 'running',
      status: 'Up 2 seconds',
      ports: [{ private: 80, public: 8080, type: 'tcp' }],
      networks: ['bridge', 'appnet'],
      mounts: [{ type: 'volume', name: 'data', destination: '/data' }],
    },
  ]);
  assert.deepEqual(picture.volumes, [{ name: 'data' }]);
  assert.equal(picture.truncated, false);
  // Known images are not asked about again: their layers come from what was read before.
  const again = readPicture(answer({ images: [{ Id: DEMO, RepoTags: ['demo:latest'] }] }), known);
  assert.equal(again.images[0]!.layers.length, 3);
  assert.deepEqual([...known.keys()], [DEMO], 'an image gone from the engine is forgotten');
});

test('hostile answers: garbage lines, wrong types, bad ids, huge names and too many items are refused, cut or counted', () => {
  const many = Array.from({ length: LIMITS.containers + 5 }, (_, n) => ({ Id: `c${n}`, Names: [`/${'n'.repeat(10_000)}`], Ports: 'not a list', State: 7 }));
  const output = [
    'images {"not": "a list"',
    'garbage without json',
    `containers ${JSON.stringify(many)}`,
    `inspect ${JSON.stringify({ Id: '../../etc/passwd', RootFS: { Layers: [BASE] } })}`,
    `history ../x ${JSON.stringify(debianHistory)}`,
    `networks ${JSON.stringify([{ Id: { $gt: 1 }, Name: ['x'], Driver: null }])}`,
    'volumes null',
    '\u0000\u0001 \u0002',
    '',
  ].join('\n');
  const known: KnownLayers = new Map();
  const picture = readPicture(output, known);
  assert.deepEqual(picture.images, []);
  assert.equal(picture.containers.length, LIMITS.containers);
  assert.equal(picture.truncated, true);
  assert.equal(picture.containers[0]!.name.length, 255, 'a name is cut (its leading slash dropped)');
  assert.deepEqual(picture.containers[0]!.ports, []);
  assert.equal(picture.containers[0]!.state, '');
  assert.deepEqual(picture.networks, [{ id: '', name: '', driver: '' }]);
  assert.deepEqual(picture.volumes, []);
  assert.equal(known.size, 0, 'an inspect with a bad id is not kept');
});

test('changes said in sentences: a container from nginx, an image built on debian with its new layers, removals', () => {
  const empty: EnginePicture = { images: [], containers: [], networks: [], volumes: [], truncated: false };
  const debianOnly = readPicture(answer({ images: [{ Id: DEBIAN, RepoTags: ['debian:bookworm'] }], inspects: [{ Id: DEBIAN, RootFS: { Layers: [BASE] } }], histories: [[DEBIAN, debianHistory]] }), new Map());
  const both = readPicture(twoImages, new Map());
  assert.deepEqual(
    pictureChanges(debianOnly, both).map((c) => c.text.en),
    [
      'image demo:latest: 2 layers on top of debian:bookworm',
      'layer added by RUN apt-get update && apt-get install -y python3',
      'layer added by COPY app.py .',
      'container web created from nginx',
      'network bridge created',
      'volume data created',
    ],
  );
  const stopped = structuredClone(both);
  stopped.containers[0]!.state = 'exited';
  assert.deepEqual(pictureChanges(both, stopped).map((c) => c.text.en), ['container web: running → exited']);
  assert.deepEqual(
    pictureChanges(both, empty).map((c) => c.text.en),
    ['image debian:bookworm removed', 'image demo:latest removed', 'container web removed', 'network bridge removed', 'volume data removed'],
  );
});

test("the layer tree draws a shared base once: debian's layer has two images, demo hangs below it with its own", () => {
  const picture = readPicture(twoImages, new Map());
  picture.containers.push({ ...picture.containers[0]!, id: 'c2', name: 'app', imageId: DEMO, image: 'demo' });
  const tree = layerTree(picture);
  assert.equal(tree.roots.length, 1, 'one base layer');
  const base = tree.roots[0]!;
  assert.equal(base.usedBy, 2);
  assert.deepEqual(base.images.map((i) => i.tags[0]), ['debian:bookworm']);
  const top = base.children[0]!.children[0]!;
  assert.deepEqual(top.images.map((i) => i.tags[0]), ['demo:latest']);
  assert.equal(top.usedBy, 1);
  assert.deepEqual(tree.containersOf.get(DEMO)!.map((c) => c.name), ['app']);
  assert.deepEqual(tree.orphans.map((c) => c.name), ['web'], 'nginx is not in this picture');
});
