// The Nodes' images and the one question the extender's choice asks of them
// (service/state/node-images.ts): could kube-scheduler's ImageLocality score this node above 0
// for this pod? score = ⌊100 · (clamp(S, 23 MiB, 1000 MiB · containers) − 23 MiB) / (max − min)⌋
// grows with S, and S ≤ Σ the sizes of the pod's images the node has (every node holding them),
// so a node whose score with that sum is 0 scores 0 whatever kube-scheduler's counts are.

import { describe, expect, it } from 'vitest';
import {
  IMAGE_LOCALITY_MIN_BYTES,
  imageLocalityScore,
  NodeImages,
  normalizedImageName,
  podImages,
} from '../../service/state/node-images.js';

type Obj = Record<string, unknown>;

const MIB = 1024 * 1024;

/** Fluent Node fixture: `node('esx-1').image(['nginx:1.25', 'nginx@sha256:…'], 180 * MIB).rv('7')`. */
function node(name: string) {
  const images: { names: string[]; sizeBytes: number }[] = [];
  let rv: string | undefined;
  const b = {
    image(names: string[], sizeBytes: number) {
      images.push({ names, sizeBytes });
      return b;
    },
    rv(v: string) {
      rv = v;
      return b;
    },
    build(): Obj {
      return { metadata: { name, ...(rv !== undefined && { resourceVersion: rv }) }, status: { images } };
    },
  };
  return b;
}

/** NodeImages.mayScore for a pod of these container images (false when no Node reports any). */
const may = (images: NodeImages, node: string, pod: string[]): boolean => {
  const ids = images.lookup(pod);
  return ids !== null && images.mayScore(node, ids);
};

describe('normalizedImageName: kube-scheduler adds ":latest" when the name has no tag', () => {
  it.each([
    ['nginx', 'nginx:latest'],
    ['nginx:1.25', 'nginx:1.25'],
    ['registry.example:5000/app', 'registry.example:5000/app:latest'], // the port's ':' is before the last '/'
    ['registry.example:5000/app:2', 'registry.example:5000/app:2'],
    ['nginx@sha256:0123abcd', 'nginx@sha256:0123abcd'], // a digest's ':' is after the last '/'
  ])('%s → %s', (name, normalized) => {
    expect(normalizedImageName(name)).toBe(normalized);
  });

  it("a pod's images are its containers', not its init containers'", () => {
    expect(
      podImages({ spec: { initContainers: [{ image: 'busybox' }], containers: [{ image: 'nginx' }, { image: 'envoy:1.30' }] } }),
    ).toEqual(['nginx:latest', 'envoy:1.30']);
    expect(podImages({})).toEqual([]);
  });
});

describe("imageLocalityScore: kube-scheduler's calculatePriority", () => {
  it.each([
    // below or at min = 23 MiB: clamped to min, 100 · 0 / … = 0
    [0, 1, 0],
    [23 * MIB, 1, 0],
    // one container: max − min = 1000 − 23 = 977 MiB; ⌊100 · 477 / 977⌋ = ⌊48.8⌋
    [500 * MIB, 1, 48],
    [1000 * MIB, 1, 100],
    [2000 * MIB, 1, 100], // clamped to max
    // two containers: max = 2000 MiB; ⌊100 · 977 / 1977⌋ = ⌊49.4⌋
    [1000 * MIB, 2, 49],
  ])('S = %d bytes, %d container(s) → %d', (sum, containers, score) => {
    expect(imageLocalityScore(sum, containers)).toBe(score);
  });
});

describe('NodeImages.mayScore: the score with S = every size the node has (every node holding them) above 0', () => {
  // one container scores 1 once 100 · (S − 23 MiB) ≥ 977 MiB = 1,024,458,752 bytes, i.e. S − 23 MiB ≥ 10,244,588 bytes
  const images = new NodeImages(() => true);
  images.replace([
    node('just-zero')
      .image(['nginx:1.25'], IMAGE_LOCALITY_MIN_BYTES + 10_244_587)
      .build(),
    node('just-one')
      .image(['nginx:1.25'], IMAGE_LOCALITY_MIN_BYTES + 10_244_588)
      .build(),
    node('two')
      .image(['envoy:1.30'], 30 * MIB)
      .image(['app:3', 'app@sha256:77'], 30 * MIB)
      .build(),
    node('other')
      .image(['redis:7'], 900 * MIB)
      .build(),
  ]);

  it.each([
    // 100 · 10,244,587 = 1,024,458,700 < 1,024,458,752: score 0
    ['just-zero', ['nginx:1.25'], false],
    // 100 · 10,244,588 = 1,024,458,800 ≥ 1,024,458,752: score 1 when every node has it
    ['just-one', ['nginx:1.25'], true],
    // two containers, 30 + 30 = 60 MiB: ⌊100 · 37 / 1977⌋ = 1
    ['two', ['envoy:1.30', 'app:3'], true],
    // one container, 30 MiB: ⌊100 · 7 / 977⌋ = 0
    ['two', ['envoy:1.30'], false],
    // two containers, only one image there: 30 MiB, ⌊100 · 7 / 1977⌋ = 0
    ['two', ['envoy:1.30', 'nginx:1.25'], false],
    // the same image in two containers counts twice, as kube sums per container: 60 MiB, as above
    ['two', ['app:3', 'app:3'], true],
    // an image the node does not have adds nothing
    ['other', ['nginx:1.25'], false],
    // a node placer has no images for, and a pod without images
    ['unknown', ['nginx:1.25'], false],
    ['other', [], false],
  ])('node %s, pod images %j: %s', (name, pod, expected) => {
    expect(may(images, name, pod)).toBe(expected);
  });
});

describe('NodeImages: what it keeps', () => {
  it('a Node is read again only when its resourceVersion changed; a Node without images is dropped', () => {
    const images = new NodeImages(() => true);
    images.set(
      node('a')
        .image(['nginx:1.25'], 100 * MIB)
        .rv('1')
        .build(),
    );
    // the same version with other images (never so on a real API server): kept as read
    images.set(node('a').rv('1').build());
    expect(may(images, 'a', ['nginx:1.25'])).toBe(true);
    images.set(node('a').rv('2').build());
    expect(may(images, 'a', ['nginx:1.25'])).toBe(false);
    expect(images.size).toBe(0);
    images.set(
      node('b')
        .image(['nginx:1.25'], 100 * MIB)
        .build(),
    );
    images.delete('b');
    expect(images.size).toBe(0);
  });

  it('replace is a relist: Nodes not in it are forgotten', () => {
    const images = new NodeImages(() => true);
    images.set(
      node('a')
        .image(['x:1'], 100 * MIB)
        .build(),
    );
    images.replace([
      node('b')
        .image(['x:1'], 100 * MIB)
        .build(),
    ]);
    expect([may(images, 'a', ['x:1']), may(images, 'b', ['x:1'])]).toEqual([false, true]);
  });

  it('each image name is kept once however many Nodes report it, and given back when none does', () => {
    const images = new NodeImages(() => true);
    // ten Nodes, each rolling through 200 tags of one app over time (a tag and a digest name each)
    for (let v = 0; v < 200; v++)
      for (let n = 0; n < 10; n++)
        images.set(
          node(`n-${n}`)
            .image([`app:${v}`, `app@sha256:${v}`], 100 * MIB)
            .image(['pause:3.10'], MIB)
            .rv(String(v))
            .build(),
        );
    // what the Nodes report now: app:199 (two names) and pause, shared by all ten
    expect(images.imageNames).toBe(3);
    expect(may(images, 'n-3', ['app:199'])).toBe(true);
    expect(may(images, 'n-3', ['app:198'])).toBe(false);
    images.replace([]);
    expect([images.size, images.imageNames]).toEqual([0, 0]);
  });

  it('names that are no host are dropped as the index grows (Nodes mode sees no deletion)', () => {
    const hosts = new Set(Array.from({ length: 10 }, (_, i) => `h-${i}`));
    const images = new NodeImages((name) => hosts.has(name));
    for (let i = 0; i < 1500; i++)
      images.set(
        node(i < 10 ? `h-${i}` : `gone-${i}`)
          .image(['x:1'], 100 * MIB)
          .build(),
      );
    expect(images.size).toBeLessThanOrEqual(1024);
    for (const h of hosts) expect(may(images, h, ['x:1'])).toBe(true);
  });
});
