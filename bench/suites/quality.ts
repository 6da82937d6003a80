// quality: how close bin-packing (MostAllocated) comes to the lower bound max_d ⌈Σ req_d / C_d⌉
// on identical hosts (every workload also takes one of the host's 1024 slots, a dimension too).
//
//   (a) pods, ~1000 per host: the usual skew, a few hundred templates of many replicas
//   (b) VM-sized reservations, ~100 per host, lognormal in cpu and memory
//   (c) random vector instances, 2–5 dimensions, sizes uniform in 10–40% of a host per dimension
//
// Packing orders compared on the same instances: the engine's three batch orders (interleave, the
// default; size = first-fit-decreasing order; input), and two classic baselines computed here:
// first-fit decreasing (by Σ_d size_d / C_d, hosts in order) and the dot-product heuristic (fill
// one host at a time with the remaining item maximizing ⟨size, remaining capacity⟩, normalized).

import { DIM_CPU, DIM_MEMORY, OrderPolicy, Strategy } from '../../core-wasm/src/contract.js';
import { BenchCluster, DIM_GPU, hostsUsed } from '../lib/cluster.js';
import { Gi, Mi, Rng, podRequest, uniformHosts, vmReservation, type HostSpec, type RequestSpec } from '../lib/generators.js';
import { type Cell, type Suite, type SuiteResult, dur, int, pct, progress } from '../lib/report.js';
import { wall } from '../lib/timing.js';
import { vectorPacking } from './quality-vector.js';

interface Instance {
  family: 'a' | 'b' | 'c';
  name: string;
  host: HostSpec;
  /** Distinct request shapes and their counts, in input order. */
  items: { req: RequestSpec; count: number }[];
  /** Extended resources of the vector instances (scored by MostAllocated too). */
  extra: string[];
}

/** Capacity and request vectors over the instance's dimensions (slots included). */
function vectors(inst: Instance): { cap: number[]; sizes: number[][]; counts: number[] } {
  const dims = (r: { cpu: number; memory: number; extra?: Record<string, number> }, slots: number) => [
    r.cpu,
    r.memory,
    slots,
    ...inst.extra.map((k) => r.extra?.[k] ?? 0),
  ];
  return {
    cap: dims({ cpu: inst.host.cpu, memory: inst.host.memory, extra: inst.host.extra }, inst.host.pods),
    sizes: inst.items.map((it) => dims(it.req, 1)),
    counts: inst.items.map((it) => it.count),
  };
}

/** max_d ⌈Σ req_d / C_d⌉ */
function lowerBound(inst: Instance): number {
  const { cap, sizes, counts } = vectors(inst);
  let lb = 0;
  for (let d = 0; d < cap.length; d++) {
    let sum = 0;
    sizes.forEach((s, i) => (sum += s[d] * counts[i]));
    lb = Math.max(lb, Math.ceil(sum / cap[d]));
  }
  return lb;
}

/** Classic first-fit decreasing by Σ_d size_d / C_d; returns hosts opened. */
function firstFitDecreasing(inst: Instance): number {
  const { cap, sizes, counts } = vectors(inst);
  const D = cap.length;
  const key = sizes.map((s) => s.reduce((a, x, d) => a + (d === 2 ? 0 : x / cap[d]), 0));
  const order = sizes.map((_, i) => i).sort((a, b) => key[b] - key[a] || a - b);
  const bins: Float64Array[] = [];
  for (const i of order) {
    const s = sizes[i];
    let from = 0; // bins before `from` cannot take this item (identical items: reuse the scan position)
    for (let k = 0; k < counts[i]; k++) {
      let b = from;
      for (; b < bins.length; b++) {
        const rem = bins[b];
        let ok = true;
        for (let d = 0; d < D; d++) if (s[d] > rem[d]) ok = false;
        if (ok) break;
      }
      if (b === bins.length) bins.push(Float64Array.from(cap));
      const rem = bins[b];
      for (let d = 0; d < D; d++) rem[d] -= s[d];
      from = b;
    }
  }
  return bins.length;
}

/** Dot-product heuristic (bin-centric): fill one host at a time with the best-aligned remaining item. */
function dotProduct(inst: Instance): number {
  const { cap, sizes, counts } = vectors(inst);
  const D = cap.length;
  const left = [...counts];
  let remaining = left.reduce((a, b) => a + b, 0);
  const norm = sizes.map((s) => s.map((x, d) => x / cap[d]));
  let bins = 0;
  while (remaining > 0) {
    bins++;
    const rem = Float64Array.from(cap);
    for (;;) {
      let best = -1;
      let bestDot = -1;
      for (let i = 0; i < sizes.length; i++) {
        if (left[i] === 0) continue;
        const s = sizes[i];
        let ok = true;
        let dot = 0;
        for (let d = 0; d < D; d++) {
          if (s[d] > rem[d]) {
            ok = false;
            break;
          }
          dot += norm[i][d] * (rem[d] / cap[d]);
        }
        if (ok && dot > bestDot) {
          bestDot = dot;
          best = i;
        }
      }
      if (best < 0) break;
      const s = sizes[best];
      for (let d = 0; d < D; d++) rem[d] -= s[d];
      left[best]--;
      remaining--;
    }
    if (bins > 1e7) throw new Error('dot-product: an item fits no empty host');
  }
  return bins;
}

/** The engine: MostAllocated over every dimension of the instance, one batch, the given order. */
function engine(inst: Instance, order: OrderPolicy, lb: number): { used: number; unplaced: number; ms: number } {
  // Vector instances score every dimension (kube-scheduler's scoringStrategy.resources); extended
  // resources are interned after the five fixed ones, in order.
  const extraDims = inst.extra.map((_, i) => DIM_GPU + 1 + i);
  const c = new BenchCluster('wasm', { order, scoring: [DIM_CPU, DIM_MEMORY, ...extraDims].map((dim) => ({ dim, weight: 1 })) });
  inst.extra.forEach((k, i) => {
    if (c.dim(k) !== extraDims[i]) throw new Error(`quality: ${k} interned as ${c.dim(k)}`);
  });
  // Room enough that a poor order is measured by the hosts it opens, not by what it fails to place.
  const hosts = Math.ceil(lb * 1.6) + 2;
  c.addHosts(Array.from({ length: hosts }, (_, i) => ({ ...inst.host, name: `h-${i}` })));
  const items = inst.items.map((it) => ({ cls: c.defineClass({ ns: 0, req: it.req, strategy: Strategy.MostAllocated }), count: it.count }));
  const { ms, value } = wall(() => c.placeBatch(items));
  let unplaced = 0;
  for (let i = 0; i < value.hostOf.length; i++) if (value.hostOf[i] < 0) unplaced++;
  return { used: hostsUsed(value.hostOf), unplaced, ms };
}

// ---------------------------------------------------------------- instances

/** Split `total` into `templates` lognormal-weighted replica counts (≥ 1 each). */
function counts(rng: Rng, templates: number, total: number): number[] {
  const w = Array.from({ length: templates }, () => rng.lognormal(1, 1));
  const sum = w.reduce((a, b) => a + b, 0);
  return w.map((x) => Math.max(1, Math.round((x / sum) * total)));
}

/** Group identical requests (the engine's equivalence classes), keeping first-appearance order. */
function group(reqs: RequestSpec[]): { req: RequestSpec; count: number }[] {
  const m = new Map<string, { req: RequestSpec; count: number }>();
  for (const r of reqs) {
    const k = JSON.stringify(r);
    const e = m.get(k);
    if (e) e.count++;
    else m.set(k, { req: r, count: 1 });
  }
  return [...m.values()];
}

function podsInstance(seed: number, hosts: number): Instance {
  const rng = new Rng(seed);
  const host = uniformHosts(1, 95_800, 760 * Gi, 1024)[0];
  const templates = Math.max(20, Math.round(hosts * 3));
  const cs = counts(rng, templates, hosts * 1000);
  return { family: 'a', name: `pods, ~${hosts} hosts`, host, items: cs.map((count) => ({ req: podRequest(rng, 55), count })), extra: [] };
}

function vmInstance(seed: number, hosts: number): Instance {
  const rng = new Rng(seed);
  const host = uniformHosts(1, 95_800, 760 * Gi, 1024)[0];
  const reqs = Array.from({ length: hosts * 100 }, () => vmReservation(rng));
  return { family: 'b', name: `VMs, ~${hosts} hosts`, host, items: group(reqs), extra: [] };
}

function vectorInstance(seed: number, dims: number, n: number): Instance {
  const rng = new Rng(seed);
  const extra = ['example.com/r2', 'example.com/r3', 'example.com/r4'].slice(0, dims - 2);
  const C = 100_000;
  const host = uniformHosts(1, C, C * Mi, 100_000, Object.fromEntries(extra.map((k) => [k, C])))[0];
  const u = () => Math.round(C * (0.1 + 0.3 * rng.next()));
  const reqs: RequestSpec[] = Array.from({ length: n }, () => ({
    kind: 'Pod',
    cpu: u(),
    memory: u() * Mi,
    gpu: 0,
    extra: Object.fromEntries(extra.map((k) => [k, u()])),
  }));
  // Vector dimensions beyond cpu and memory: d = 2 uses cpu and memory only.
  return { family: 'c', name: `vectors, ${dims}-d, n=${n}`, host, items: reqs.map((req) => ({ req, count: 1 })), extra };
}

const ORDERS = [
  ['engine: interleave (default)', OrderPolicy.Interleave],
  ['engine: size (FFD order)', OrderPolicy.Size],
  ['engine: input order', OrderPolicy.Input],
] as const;

export const qualitySuite: Suite = async (ctx) => {
  const q = ctx.quick;
  const instances: Instance[] = [
    podsInstance(ctx.seed + 11, q ? 10 : 100),
    vmInstance(ctx.seed + 12, q ? 10 : 100),
    ...[2, 3, 4, 5].flatMap((d) => Array.from({ length: q ? 1 : 3 }, (_, k) => vectorInstance(ctx.seed + 100 * d + k, d, q ? 100 : 500))),
  ];
  const methods = [...ORDERS.map(([n]) => n), 'FFD (bench baseline)', 'dot-product (bench baseline)'];
  const rows: Cell[][] = [];
  const figures: SuiteResult['figures'] = {};
  // Per family and method: Σ hosts used / Σ lower bounds − 1 over the family's instances.
  const agg = new Map<string, { used: number; lb: number; unplaced: number }>();
  const vectorRows = new Map<
    string,
    { inst: string; method: string; n: number; workloads: number; lb: number; used: number; unplaced: number; ms: number }
  >();
  for (const inst of instances) {
    progress(`quality: ${inst.name}`);
    const lb = lowerBound(inst);
    const workloads = inst.items.reduce((s, it) => s + it.count, 0);
    const results: { method: string; used: number; unplaced: number; ms: number | null }[] = [];
    for (const [name, order] of ORDERS) results.push({ method: name, ...engine(inst, order, lb) });
    const ffd = wall(() => firstFitDecreasing(inst));
    results.push({ method: 'FFD (bench baseline)', used: ffd.value, unplaced: 0, ms: null });
    const dp = wall(() => dotProduct(inst));
    results.push({ method: 'dot-product (bench baseline)', used: dp.value, unplaced: 0, ms: null });
    for (const r of results) {
      // Vector instances are summarized per dimension count (several instances each).
      const row = inst.family === 'c' ? `${inst.family} ${inst.extra.length + 2}-d ${r.method}` : null;
      if (row) {
        const v = vectorRows.get(row) ?? {
          inst: `vectors, ${inst.extra.length + 2}-d (n=${workloads} each)`,
          method: r.method,
          n: 0,
          workloads: 0,
          lb: 0,
          used: 0,
          unplaced: 0,
          ms: 0,
        };
        v.n++;
        v.workloads += workloads;
        v.lb += lb;
        v.used += r.used;
        v.unplaced += r.unplaced;
        v.ms += r.ms ?? 0;
        vectorRows.set(row, v);
      } else {
        const over = (100 * (r.used - lb)) / lb;
        rows.push([
          inst.family,
          inst.name,
          int(workloads),
          int(inst.items.length),
          r.method,
          int(lb),
          int(r.used),
          r.unplaced > 0 ? `${int(r.unplaced)} unplaced` : pct(over),
          r.ms === null ? '' : dur(r.ms),
        ]);
      }
      const key = `${inst.family}.${r.method.split(' ')[0].replace(':', '')}${r.method.startsWith('engine') ? `-${r.method.split(' ')[1]}` : ''}`;
      const a = agg.get(key) ?? { used: 0, lb: 0, unplaced: 0 };
      a.used += r.used;
      a.lb += lb;
      a.unplaced += r.unplaced;
      agg.set(key, a);
    }
  }
  for (const v of vectorRows.values()) {
    const over = (100 * (v.used - v.lb)) / v.lb;
    rows.push([
      'c',
      `${v.inst} × ${v.n}`,
      int(v.workloads),
      int(v.workloads),
      v.method,
      int(v.lb),
      int(v.used),
      v.unplaced > 0 ? `${int(v.unplaced)} unplaced` : pct(over),
      v.method.startsWith('engine') ? dur(v.ms) : '',
    ]);
  }
  const summary: Cell[][] = [];
  for (const fam of ['a', 'b', 'c'] as const) {
    const row: Cell[] = [{ a: '(a) pods ~1000/host', b: '(b) VMs ~100/host', c: '(c) vectors 2–5-d' }[fam]];
    for (const m of methods) {
      const key = `${fam}.${m.split(' ')[0].replace(':', '')}${m.startsWith('engine') ? `-${m.split(' ')[1]}` : ''}`;
      const a = agg.get(key)!;
      const over = (100 * (a.used - a.lb)) / a.lb;
      figures[`${key}.overLowerBoundPct`] = a.unplaced > 0 ? null : over;
      figures[`${key}.unplaced`] = a.unplaced;
      row.push(a.unplaced > 0 ? `${a.unplaced} unplaced` : pct(over, 2));
    }
    summary.push(row);
  }
  const vector = vectorPacking(ctx);
  Object.assign(figures, vector.figures);
  return {
    status: 'ok',
    description:
      "Hosts used vs the lower bound max_d ⌈Σreq/cap⌉ with MostAllocated on identical hosts: (a) ~1000 pods per host, (b) VM reservations ~100 per host (lognormal), (c) random 2–5-dimensional vectors; the engine's three batch orders against first-fit decreasing and the dot-product heuristic on the same instances; then generated Caprara–Toth class instances (d = 3, 5, 10; 250 and 500 items): placer greedy, placer with the packing phase, FFD by sum and DotProduct against the L1 lower bound.",
    tables: [
      {
        title: 'quality: hosts used above the lower bound (Σ used / Σ bound − 1 per family; lower is better)',
        columns: ['family', ...methods],
        rows: summary,
        notes: ['engine rows: one Wasm placeBatch with MostAllocated; baselines are computed by the bench on the same instances.'],
      },
      {
        title: 'quality: every instance ((c): summed over the instances of each dimension count)',
        columns: ['family', 'instance', 'workloads', 'shapes', 'method', 'lower bound', 'hosts used', 'over bound', 'batch time'],
        rows,
      },
      ...vector.tables,
    ],
    figures,
  };
};
