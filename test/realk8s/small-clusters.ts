// Seeded small clusters for the differential tests against the real kube-scheduler: a few Nodes
// (cpu, memory, pods, a zone label, sometimes a NoSchedule taint), pods already bound to them
// (within their allocatable), and one pending pod that may select a zone, tolerate the taint, or
// ask for more than any node has. Every object is the JSON both sides read: the API server's
// input and `placer place`'s.
//
// Kept inside what placer and kube-scheduler 1.26 define alike (docs/placement-rules.md,
// Kubernetes versions): bound pods never over-commit a node (1.26 rejects zero requests there),
// and the pending pod requests both cpu and memory (1.32+ skips BalancedAllocation for
// best-effort pods), without RuntimeClass overhead.

import type { Obj } from './kube.js';

export interface SmallCluster {
  name: string;
  nodes: Obj[];
  bound: Obj[];
  pending: Obj;
}

/** mulberry32: a small deterministic PRNG, so that a failing case is found again by its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const NAMESPACE = 'kdiff';
export const TAINT = { key: 'dedicated', value: 'batch', effect: 'NoSchedule' };

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

function podObj(name: string, cpuMilli: number, memMi: number, extra: Obj = {}): Obj {
  const requests: Record<string, string> = {};
  if (cpuMilli > 0) requests.cpu = `${cpuMilli}m`;
  if (memMi > 0) requests.memory = `${memMi}Mi`;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NAMESPACE },
    spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'x', resources: { requests } }], ...extra },
  };
}

/** Case `i` of the seeded family `seed`: names carry the case, so cases never share an object. */
export function smallCluster(seed: number, i: number): SmallCluster {
  const r = rng(seed * 1000 + i);
  const name = `c${i}`;
  const nodeCount = 2 + Math.floor(r() * 4); // 2..5
  const nodes: Obj[] = [];
  const bound: Obj[] = [];
  for (let n = 0; n < nodeCount; n++) {
    const node = `${name}-n${n}`;
    const cpu = pick(r, [2000, 4000, 8000]);
    const memMi = pick(r, [2048, 4096, 8192, 16384]);
    const pods = pick(r, [110, 110, 110, 2, 3]);
    const tainted = r() < 0.2;
    nodes.push({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: node, labels: { 'kubernetes.io/hostname': node, zone: pick(r, ['a', 'b']) } },
      spec: tainted ? { taints: [TAINT] } : {},
      status: {
        capacity: { cpu: `${cpu}m`, memory: `${memMi}Mi`, pods: String(pods) },
        allocatable: { cpu: `${cpu}m`, memory: `${memMi}Mi`, pods: String(pods) },
      },
    });
    // Bound pods within the node's allocatable; some request only cpu or only memory.
    let freeCpu = cpu;
    let freeMem = memMi;
    const count = Math.min(pods - 1, Math.floor(r() * 4));
    for (let p = 0; p < count; p++) {
      const c = pick(r, [0, 250, 500, 1000, 2000]);
      const m = pick(r, [0, 256, 1024, 2048]);
      if (c > freeCpu || m > freeMem) continue;
      freeCpu -= c;
      freeMem -= m;
      bound.push(podObj(`${node}-run${p}`, c, m, { nodeName: node }));
    }
  }
  const extra: Obj = {};
  if (r() < 0.25) extra.nodeSelector = { zone: pick(r, ['a', 'b']) };
  if (r() < 0.3) extra.tolerations = [{ key: TAINT.key, operator: 'Equal', value: TAINT.value, effect: TAINT.effect }];
  const big = r() < 0.2;
  const cpu = big ? pick(r, [4000, 6000, 9000]) : pick(r, [100, 250, 500, 1000, 1500]);
  const mem = big ? pick(r, [4096, 12288, 20000]) : pick(r, [64, 128, 512, 1024, 1536]);
  return { name, nodes, bound, pending: podObj(`${name}-pending`, cpu, mem, extra) };
}
