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
//   3. Swaps (packing-swaps.ts). The emptiest hosts again, each workload that fits nowhere else
//      swapping places with one or two smaller ones of another host in use (both sides through
//      admission and the backend's Filter), until the host empties — or everything is undone.
//
// Runs over any Backend, so the Wasm core and the reference engine run the same algorithm on
// their own hot loops; the differential tests hold them together. Bounded by `effort` — workloads
// placed again in phases 2 and 3 — and by fixed work limits, never by time: the same input
// gives the same output. Only workloads of MostAllocated classes without inter-workload terms
// (affinity, spread) are moved; phase 1 needs a batch made only of them, without gangs.

import { type Backend, type BatchItem, type BatchResult, DIM_PODS, MAX_DIMS, OrderPolicy } from './contract.js';
import { emptyHosts } from './packing-empty.js';
import { type PackingOrder, type PackingReport, type PackingRequest, packable } from './packing-types.js';
import { binCentricOrder, staticOrder, type Run } from './packing-orders.js';
import { swapHosts } from './packing-swaps.js';

export { type PackingOrder, type PackingReport, type PackingRequest, packable };

/** Workloads placed again at most by default: a few scans per host of a 1,000-host batch. */
export const DEFAULT_PACKING_EFFORT = 1_000;
/** Batches above this many instances skip phase 1 (each order is a whole batch again). */
export const ORDERS_MAX_INSTANCES = 50_000;
/** Phase 1's bin-centric orders pick among every item for every instance: instances × items at most this. */
export const ORDERS_MAX_WORK = 1 << 22;

/** Improve `result` (the batch of `req.items` as just placed); returns the result to report. */
export function improvePacking(b: Backend, req: PackingRequest, result: BatchResult): { result: BatchResult; report: PackingReport } {
  const occ = occupancy(b, req.alloc.length);
  const hostsBefore = countUsed(occ);
  const report: PackingReport = { order: 'batch', hostsBefore, hostsAfter: hostsBefore, emptied: 0, moves: 0, tried: 0 };
  if (req.effort <= 0) return { result, report };
  const chosen = bestOrder(b, req, result, occ);
  report.order = chosen.order;
  const out = chosen.result;
  emptyHosts(b, req, out, occ, report);
  if (req.swaps !== false) swapHosts(b, req, out, occ, report);
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
