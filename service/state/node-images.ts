// The images each Node reports (status.images), for one question: could kube-scheduler's
// ImageLocality tell a pod's passing nodes apart? placer's engine does not score images, so the
// extender lets placer choose the node (--extender-choice placer) only when ImageLocality gives
// every passing node the same score — 0 — and otherwise answers every passing node, for
// kube-scheduler to score with its own plugins.
//
// kube-scheduler's ImageLocality (v1.26, pkg/scheduler/framework/plugins/imagelocality):
//
//   score(node) = ⌊100 · (clamp(S, min, max) − min) / (max − min)⌋
//   S           = Σ over the pod's containers (not init containers) whose image the node has:
//                 ⌊size · numNodes / totalNodes⌋
//   min         = 23 MiB,  max = 1000 MiB · number of containers
//
// numNodes and size come from kube-scheduler's cache: how many nodes had the image when this
// node was last added or updated there, and the size the first node reporting it gave. Neither
// can be known outside kube-scheduler, so placer asks what it can decide exactly: numNodes ≤
// totalNodes, so S ≤ Σ size (every node holding the image), and the score only grows with S — a
// node whose score with S = Σ size is 0 scores 0 whatever the counts. The size is the node's own
// (an image name's size is the same on every node unless a mutable tag was pulled again).
//
// Images are runtime facts, not placer's state: they are not stored, and last seen wins — the pod
// watch's Node events in Kubernetes mode, the Node objects of the filter's arguments in Nodes mode.

type Obj = Record<string, unknown>;

const MIB = 1024 * 1024;
/** ImageLocality's minThreshold: an image sum at or below it scores 0. */
export const IMAGE_LOCALITY_MIN_BYTES = 23 * MIB;
/** ImageLocality's maxContainerThreshold: the sum that scores 100, per container. */
const MAX_BYTES_PER_CONTAINER = 1000 * MIB;

/**
 * kube-scheduler's calculatePriority: 100 · (clamp(sum, min, max) − min) / (max − min), integer
 * division, max = 1000 MiB · containers. Every value stays below 2^53 (100 · 1000 MiB · containers).
 */
export function imageLocalityScore(sum: number, containers: number): number {
  const max = MAX_BYTES_PER_CONTAINER * containers;
  const s = Math.min(Math.max(sum, IMAGE_LOCALITY_MIN_BYTES), max);
  return Math.floor((100 * (s - IMAGE_LOCALITY_MIN_BYTES)) / (max - IMAGE_LOCALITY_MIN_BYTES));
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The name kube-scheduler looks a container's image up by: `:latest` added when the name has no tag. */
export function normalizedImageName(name: string): string {
  return name.lastIndexOf(':') <= name.lastIndexOf('/') ? `${name}:latest` : name;
}

/** A pod's container images (spec.containers, not initContainers), normalized; [] when it names none. */
export function podImages(pod: unknown): string[] {
  const spec = isObj(pod) && isObj(pod.spec) ? pod.spec : {};
  const containers = Array.isArray(spec.containers) ? spec.containers : [];
  const out: string[] = [];
  for (const c of containers) if (isObj(c) && typeof c.image === 'string' && c.image !== '') out.push(normalizedImageName(c.image));
  return out;
}

/** A Node's status.images as name → size in bytes (every name of every image). */
function imagesOf(node: Obj): Map<string, number> {
  const out = new Map<string, number>();
  const status = isObj(node.status) ? node.status : {};
  if (!Array.isArray(status.images)) return out;
  for (const image of status.images) {
    if (!isObj(image) || !Array.isArray(image.names)) continue;
    const size = Number(image.sizeBytes ?? 0);
    for (const name of image.names) if (typeof name === 'string') out.set(name, Number.isFinite(size) && size > 0 ? size : 0);
  }
  return out;
}

/**
 * Image names as small integers: one copy of each name however many Nodes report it (a cluster's
 * Nodes mostly hold the same few hundred images, up to 50 each with a tag and a digest name),
 * given back once no Node reports it, so that new tags rolling through do not grow it.
 */
class ImageNames {
  private readonly ids = new Map<string, number>();
  private readonly names: string[] = [];
  private readonly refs: number[] = [];
  private readonly free: number[] = [];

  get size(): number {
    return this.ids.size;
  }

  id(name: string): number | undefined {
    return this.ids.get(name);
  }

  acquire(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.free.pop() ?? this.names.length;
      this.ids.set(name, id);
      this.names[id] = name;
      this.refs[id] = 0;
    }
    this.refs[id]++;
    return id;
  }

  release(id: number): void {
    if (--this.refs[id] > 0) return;
    this.ids.delete(this.names[id]);
    this.names[id] = '';
    this.free.push(id);
  }
}

/** A Node's images: ids ascending, with their sizes (bytes), and the resourceVersion they were read from. */
interface NodeEntry {
  rv: unknown;
  ids: Int32Array;
  sizes: Float64Array;
}

/** A pod's container images as ids (−1: no Node reports it), and how many containers it has. */
export interface PodImageIds {
  ids: Int32Array;
  containers: number;
}

/** Nodes kept before the first prune of names that are no host (Nodes mode has no deletions). */
const PRUNE_FLOOR = 1024;

export class NodeImages {
  private readonly byNode = new Map<string, NodeEntry>();
  private readonly names = new ImageNames();
  private pruneAt = PRUNE_FLOOR;

  /** `isHost`: whether a node name is a host placer holds (names that are not are dropped as the index grows). */
  constructor(private readonly isHost: (name: string) => boolean) {}

  /** Nodes that report any image. */
  get size(): number {
    return this.byNode.size;
  }

  /** Distinct image names the Nodes report. */
  get imageNames(): number {
    return this.names.size;
  }

  /** Read a Node's images (again only when its resourceVersion changed). */
  set(node: Obj): void {
    const md = isObj(node.metadata) ? node.metadata : {};
    if (typeof md.name !== 'string') return;
    const kept = this.byNode.get(md.name);
    if (kept && md.resourceVersion !== undefined && kept.rv === md.resourceVersion) return;
    const images = imagesOf(node);
    if (images.size === 0) this.delete(md.name);
    else {
      const entries = [...images].map(([name, size]) => [this.names.acquire(name), size] as const).sort((a, b) => a[0] - b[0]);
      if (kept) this.drop(kept);
      this.byNode.set(md.name, {
        rv: md.resourceVersion,
        ids: Int32Array.from(entries, (e) => e[0]),
        sizes: Float64Array.from(entries, (e) => e[1]),
      });
    }
    // Nodes mode sees Nodes only as filters name them, never their deletion: bounded by the hosts
    if (this.byNode.size > this.pruneAt) {
      for (const name of [...this.byNode.keys()]) if (!this.isHost(name)) this.delete(name);
      this.pruneAt = Math.max(PRUNE_FLOOR, 2 * this.byNode.size);
    }
  }

  delete(name: string): void {
    const kept = this.byNode.get(name);
    if (!kept) return;
    this.drop(kept);
    this.byNode.delete(name);
  }

  /** Every Node anew (a relist). */
  replace(nodes: readonly Obj[]): void {
    for (const name of [...this.byNode.keys()]) this.delete(name);
    for (const n of nodes) this.set(n);
  }

  /** A pod's (normalized) container images as ids; null when no Node reports any of them. */
  lookup(images: readonly string[]): PodImageIds | null {
    const ids = new Int32Array(images.length);
    let known = false;
    images.forEach((image, k) => {
      const id = this.names.id(image);
      ids[k] = id ?? -1;
      known ||= id !== undefined;
    });
    return known ? { ids, containers: images.length } : null;
  }

  /**
   * Could ImageLocality score node `name` above 0 for a pod with these container images? Only
   * when it would with every node holding them: S = the sizes of those the node has.
   */
  mayScore(name: string, pod: PodImageIds): boolean {
    const node = this.byNode.get(name);
    if (node === undefined) return false;
    let sum = 0;
    for (const id of pod.ids) if (id >= 0) sum += sizeOf(node, id);
    return imageLocalityScore(sum, pod.containers) > 0;
  }

  private drop(e: NodeEntry): void {
    for (const id of e.ids) this.names.release(id);
  }
}

/** The size of image `id` on a node (0 when it has none): a binary search of its ascending ids. */
function sizeOf(e: NodeEntry, id: number): number {
  let lo = 0;
  let hi = e.ids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = e.ids[mid];
    if (v === id) return e.sizes[mid];
    if (v < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return 0;
}
