// The packing phase of a bin-packing batch: after the greedy MostAllocated batch, fewer hosts.
//
//   1. Greedy orders. The batch is placed again in other orders — first-fit decreasing by the sum
//      and by the largest of the normalized requests, and the bin-centric dot-product and L2-norm
//      orders of Panigrahy et al. (2011) — and the placement using the fewest hosts is kept. Each
//      order is a whole batch through the backend (admission, every filter and score), so only
//      the order changes; an order is kept only when it places every workload.
//   2. Emptying. The emptiest hosts, one at a time: each of their workloads is released and placed
//      again on another host already in use (admission, then the backend's full Filter and Score,
//      the highest total wins, ties to the lowest slot). The moves are kept only when the host
//      ends up empty; otherwise they are undone.
//
// Runs over any Backend, so the Wasm core and the reference engine run the same algorithm on
// their own hot loops; the differential tests hold them together. Bounded by `effort` — workloads
// placed again in phase 2 — and by fixed work limits in phase 1, never by time: the same input
// gives the same output. Only workloads of MostAllocated classes without inter-workload terms
// (affinity, spread) are moved; phase 1 needs a batch made only of them, without gangs.

import { type Backend, type BatchItem, type BatchResult, type ClassSpec, DIM_PODS, MAX_DIMS, OrderPolicy, Strategy } from './contract.js';
import { binCentricOrder, staticOrder, type Run } from './packing-orders.js';

/** Workloads placed again at most by default: ~0.2 s of scans at 1,000 hosts in the Wasm core. */
export const DEFAULT_PACKING_EFFORT = 10_000;
/** Batches above this many instances skip phase 1 (each order is a whole batch again). */
export const ORDERS_MAX_INSTANCES = 50_000;
/** Phase 1's bin-centric orders pick among every item for every instance: instances × items at most this. */
export const ORDERS_MAX_WORK = 1 << 22;

export interface PackingRequest {
  items: readonly BatchItem[];
  /** The class specs by id (strategy, topology, requests). */
  spec(cls: number): ClassSpec;
  /** Allocatable by dimension per slot; null for a slot that holds no present host. */
  alloc: readonly (readonly number[] | null)[];
  /** Workloads placed again in phase 2 at most (0: no packing phase). */
  effort: number;
}

export type PackingOrder = 'batch' | 'ffd-sum' | 'ffd-max' | 'dot-product' | 'l2-norm';

export interface PackingReport {
  /** The order whose placement phase 2 started from. */
  order: PackingOrder;
  /** Hosts holding anything after the greedy batch, and after the packing phase. */
  hostsBefore: number;
  hostsAfter: number;
  /** Hosts phase 2 left empty, and the workloads it moved to do so. */
  emptied: number;
  moves: number;
  /** Workloads phase 2 tried to place again (the effort spent). */
  tried: number;
}

/** A class the packing phase may move: MostAllocated, no inter-workload terms. */
export function packable(c: ClassSpec): boolean {
  return c.strategy === Strategy.MostAllocated && c.topology === undefined;
}

/** Improve `result` (the batch of `req.items` as just placed); returns the result to report. */
export function improvePacking(b: Backend, req: PackingRequest, result: BatchResult): { result: BatchResult; report: PackingReport } {
  const occ = occupancy(b, req.alloc.length);
  const hostsBefore = countUsed(occ);
  const report: PackingReport = { order: 'batch', hostsBefore, hostsAfter: hostsBefore, emptied: 0, moves: 0, tried: 0 };
  if (req.effort <= 0) return { result, report };
  const chosen = bestOrder(b, req, result, occ);
  report.order = chosen.order;
  const out = chosen.result;
  empty(b, req, out, occ, report);
  report.hostsAfter = countUsed(occ);
  return { result: out, report };
}

/** Workloads per slot, from the backend's ledger (pods are a dimension every workload takes one of). */
function occupancy(b: Backend, slots: number): Int32Array {
  const ledger = b.ledger(0);
  const occ = new Int32Array(slots);
  for (let h = 0; h < slots; h++) occ[h] = Number(ledger.hosts[h]?.used[DIM_PODS] ?? 0n);
  return occ;
}

function countUsed(occ: Int32Array): number {
  let n = 0;
  for (const x of occ) if (x > 0) n++;
  return n;
}

// ---------------------------------------------------------------- phase 1: greedy orders

/** Per item, (slot, count) pairs of its placed instances. */
function pairsOf(items: readonly BatchItem[], hostOf: Int32Array): Int32Array[] {
  let p = 0;
  return items.map((it) => {
    const counts = new Map<number, number>();
    for (let k = 0; k < it.count; k++) {
      const h = hostOf[p + k];
      if (h >= 0) counts.set(h, (counts.get(h) ?? 0) + 1);
    }
    p += it.count;
    const pairs = new Int32Array(2 * counts.size);
    let j = 0;
    for (const [h, n] of [...counts].sort((a, z) => a[0] - z[0])) {
      pairs[j++] = h;
      pairs[j++] = n;
    }
    return pairs;
  });
}

function shift(b: Backend, items: readonly BatchItem[], hostOf: Int32Array, occ: Int32Array, sign: 1 | -1): void {
  pairsOf(items, hostOf).forEach((pairs, i) => {
    if (pairs.length === 0) return;
    if (sign < 0) b.releaseMany(items[i].cls, pairs);
    else b.commitMany(items[i].cls, pairs);
    for (let j = 0; j < pairs.length; j += 2) occ[pairs[j]] += sign * pairs[j + 1];
  });
}

function bestOrder(b: Backend, req: PackingRequest, first: BatchResult, occ: Int32Array): { order: PackingOrder; result: BatchResult } {
  const { items } = req;
  const instances = items.reduce((a, it) => a + it.count, 0);
  let best = { order: 'batch' as PackingOrder, result: first, used: countUsed(occ), complete: first.failures.every((f) => f === null) };
  const eligible =
    instances > 0 &&
    instances <= ORDERS_MAX_INSTANCES &&
    first.evictions.length === 0 &&
    items.every((it) => it.gang === undefined && packable(req.spec(it.cls)));
  if (!eligible) return best;
  const reqs = items.map((it) => req.spec(it.cls).req);
  const cap = new Array<number>(MAX_DIMS).fill(0);
  for (const a of req.alloc) if (a) for (let d = 0; d < MAX_DIMS; d++) cap[d] = Math.max(cap[d], a[d]);
  const counts = items.map((it) => it.count);
  const orders: [PackingOrder, () => Run[] | null][] = [
    ['ffd-sum', () => staticOrder(reqs, counts, cap, 'sum')],
    ['ffd-max', () => staticOrder(reqs, counts, cap, 'max')],
    ['dot-product', () => (instances * items.length <= ORDERS_MAX_WORK ? binCentricOrder(reqs, counts, cap, 'dot') : null)],
    ['l2-norm', () => (instances * items.length <= ORDERS_MAX_WORK ? binCentricOrder(reqs, counts, cap, 'l2') : null)],
  ];
  const starts: number[] = [];
  items.reduce((a, it) => (starts.push(a), a + it.count), 0);
  for (const [order, make] of orders) {
    const runs = make();
    if (!runs) continue;
    shift(b, items, best.result.hostOf, occ, -1);
    const batch = runs.map((r) => ({ cls: items[r.item].cls, count: r.count }));
    const placed = b.placeBatch(batch, [], { preempt: false, order: OrderPolicy.Input });
    // Run instance → the original instance it stands for (instances of one item are interchangeable).
    const next = items.map(() => 0);
    const map = new Int32Array(instances);
    let q = 0;
    for (const r of runs) for (let k = 0; k < r.count; k++) map[q++] = starts[r.item] + next[r.item]++;
    const hostOf = new Int32Array(instances).fill(-1);
    for (let j = 0; j < instances; j++) hostOf[map[j]] = placed.hostOf[j];
    for (let j = 0; j < instances; j++) if (hostOf[j] >= 0) occ[hostOf[j]]++;
    const complete = placed.failures.every((f) => f === null) && placed.evictions.length === 0;
    const used = countUsed(occ);
    if (complete && (!best.complete || used < best.used)) {
      const sequence = Int32Array.from(placed.sequence, (idx) => (idx >= 0 ? map[idx] : idx));
      best = { order, result: { hostOf, failures: items.map(() => null), sequence, evictions: [] }, used, complete };
    } else {
      shift(b, items, hostOf, occ, -1);
      shift(b, items, best.result.hostOf, occ, 1);
    }
  }
  return best;
}

// ---------------------------------------------------------------- phase 2: emptying hosts

function empty(b: Backend, req: PackingRequest, result: BatchResult, occ: Int32Array, report: PackingReport): void {
  const { items, alloc } = req;
  const slots = alloc.length;
  const itemOf: number[] = [];
  items.forEach((it, i) => {
    for (let k = 0; k < it.count; k++) itemOf.push(i);
  });
  const movable = items.map((it) => packable(req.spec(it.cls)));
  // Per slot, the movable instances on it; a host is a candidate when they are all it holds.
  const on: number[][] = Array.from({ length: slots }, () => []);
  result.hostOf.forEach((h, idx) => h >= 0 && movable[itemOf[idx]] && on[h].push(idx));
  const ledger = b.ledger(0);
  const used = Array.from({ length: slots }, (_, h) => (ledger.hosts[h]?.used ?? []).map((x) => Number(x)));
  const reqOf = (idx: number) => req.spec(items[itemOf[idx]].cls).req;
  /** Σ_d used / allocatable: how full a host is. */
  const load = (h: number) => {
    let s = 0;
    const a = alloc[h]!;
    for (let d = 0; d < MAX_DIMS; d++) if (a[d] > 0) s += (used[h][d] ?? 0) / a[d];
    return s;
  };
  let budget = req.effort;
  let progress = true;
  while (progress && budget > 0) {
    progress = false;
    const candidates: number[] = [];
    for (let h = 0; h < slots; h++) if (alloc[h] && occ[h] > 0 && on[h].length === occ[h]) candidates.push(h);
    const loads = candidates.map(load);
    const order = candidates.map((_, i) => i).sort((x, y) => loads[x] - loads[y] || candidates[x] - candidates[y]);
    let room = roomInUse(used, alloc, occ);
    for (const c of order) {
      if (budget <= 0) break;
      const from = candidates[c];
      if (occ[from] === 0 || !roomElsewhere(from, room, used, alloc)) continue;
      // Largest first: the workload most likely not to fit anywhere is tried before the others move.
      const size = (idx: number) => reqOf(idx).reduce((s, x, d) => s + (alloc[from]![d] > 0 ? x / alloc[from]![d] : 0), 0);
      const moving = [...on[from]].sort((x, y) => size(y) - size(x) || x - y);
      const done: [number, number][] = [];
      let ok = true;
      for (const idx of moving) {
        budget--;
        report.tried++;
        const cls = items[itemOf[idx]].cls;
        b.release(cls, from);
        const to = b.admit(cls) === null ? target(b, cls, from, occ) : -1;
        if (to < 0) {
          b.commit(cls, from);
          ok = false;
          break;
        }
        b.commit(cls, to);
        done.push([idx, to]);
        if (budget <= 0 && done.length < moving.length) {
          ok = false;
          break;
        }
      }
      if (!ok) {
        for (const [idx, to] of done.reverse()) {
          const cls = items[itemOf[idx]].cls;
          b.release(cls, to);
          b.commit(cls, from);
        }
        continue;
      }
      for (const [idx, to] of done) {
        result.hostOf[idx] = to;
        on[to].push(idx);
        occ[to]++;
        const r = reqOf(idx);
        for (let d = 0; d < MAX_DIMS; d++) {
          used[to][d] += r[d];
          used[from][d] -= r[d];
        }
      }
      occ[from] = 0;
      on[from] = [];
      room = roomInUse(used, alloc, occ);
      report.emptied++;
      report.moves += done.length;
      progress = true;
    }
  }
}

/** Per dimension, the free room of the hosts in use. */
function roomInUse(used: number[][], alloc: readonly (readonly number[] | null)[], occ: Int32Array): number[] {
  const room = new Array<number>(MAX_DIMS).fill(0);
  alloc.forEach((a, h) => {
    if (!a || occ[h] === 0) return;
    for (let d = 0; d < MAX_DIMS; d++) room[d] += a[d] - (used[h][d] ?? 0);
  });
  return room;
}

/** Whether the other hosts in use have, in sum, room for everything on `from` (a cheap necessary condition). */
function roomElsewhere(from: number, room: readonly number[], used: number[][], alloc: readonly (readonly number[] | null)[]): boolean {
  const a = alloc[from]!;
  for (let d = 0; d < MAX_DIMS; d++) {
    const need = used[from][d] ?? 0;
    if (need > 0 && room[d] - (a[d] - need) < need) return false;
  }
  return true;
}

/** The feasible host in use, other than `from`, with the highest total score (ties: lowest slot); −1 when none. */
function target(b: Backend, cls: number, from: number, occ: Int32Array): number {
  const cols = b.evaluateColumns(cls);
  let best = -1;
  let bestTotal = -1;
  const n = Math.min(cols.n, occ.length);
  for (let h = 0; h < n; h++) {
    if (h === from || occ[h] === 0 || cols.reasons[h] !== 0) continue;
    if (cols.total[h] > bestTotal) {
      best = h;
      bestTotal = cols.total[h];
    }
  }
  return best;
}
