// Batch placement. Items (a workload class and how many of it) are ordered by priority, then
// first-fit-decreasing size (or input order); each item is one equivalence class: a single full
// scan, then per instance only Admit, the tournament-tree root, Commit and a rescore of the
// chosen host. The result is the same as scanning every host for every instance (the reference
// engine does exactly that; differential tests hold the two together).

import {
  DIM_PODS,
  MAX_DIMS,
  R_ABSENT,
  R_AFFINITY,
  R_INSUFFICIENT_SHIFT,
  R_TAINT,
  R_UNSCHEDULABLE,
  affRaw,
  allocF,
  at32,
  at64,
  base,
  colF,
  ensureHostOf,
  ensureLog,
  hostEnd,
  hostOf,
  itemCount,
  itemPrio,
  itemSize,
  logPush,
  order,
  orderPolicy,
  orderTmp,
  reasons,
  reqAt,
  itemDims,
  taintRaw,
  total,
} from './layout';
import { FAIL_FILTER, FAIL_NONE, admit } from './admit';
import { firstBlockingTaint } from './constraints';
import { prepareItem } from './item';
import { apply } from './ledger';
import { maxAffinity, maxTaint, normalized, refreshMaxima, rescoreHost, scan, totalOf, computeTotals } from './scan';
import { bestHost, buildTree, updateTree } from './select';

const MAX_TAINT_IDS: i32 = 128;
const counts: usize = memory.data(32 * 4);
const taintCounts: usize = memory.data(MAX_TAINT_IDS * 4);

/** Place `n` items; hostOf gets one slot per instance (item order), failures go to the log. */
export function placeBatch(n: i32): i32 {
  let instances = 0;
  for (let i = 0; i < n; i++) instances += load<i32>(at32(itemCount, i));
  ensureHostOf(instances);
  computeOrder(n);
  // Instance offsets in item (input) order.
  const starts = orderTmp; // reuse: orderTmp is free once computeOrder is done
  let acc = 0;
  for (let i = 0; i < n; i++) {
    store<i32>(at32(starts, i), acc);
    acc += load<i32>(at32(itemCount, i));
  }
  for (let k = 0; k < n; k++) {
    const i = load<i32>(at32(order, k));
    runItem(i, load<i32>(at32(starts, i)), load<i32>(at32(itemCount, i)));
  }
  return instances;
}

function runItem(i: i32, start: i32, count: i32): void {
  for (let j = 0; j < count; j++) store<i32>(at32(hostOf, start + j), -1);
  if (count == 0) return;
  prepareItem(i);
  let scanned = false;
  for (let j = 0; j < count; j++) {
    // Admission does not depend on hosts: check it before paying for a scan.
    if (admit(true) != FAIL_NONE) return;
    if (!scanned) {
      scan();
      buildTree();
      scanned = true;
    }
    const h = bestHost();
    if (h < 0) {
      recordFilterFailure(i);
      return;
    }
    apply(h, 1);
    store<i32>(at32(hostOf, start + j), h);
    // Only host h changed. If it left the feasible set while holding a normalization maximum,
    // the other hosts' totals change too: recompute them (rare).
    const wasFeasibleMaxAff = load<i32>(at32(affRaw, h)) == maxAffinity;
    const wasFeasibleMaxTaint = load<i32>(at32(taintRaw, h)) == maxTaint;
    rescoreHost(h);
    if (normalized && load<u32>(at32(reasons, h)) != 0 && (wasFeasibleMaxAff || wasFeasibleMaxTaint)) {
      store<i32>(at32(affRaw, h), 0);
      store<i32>(at32(taintRaw, h), 0);
      if (refreshMaxima()) {
        computeTotals();
        buildTree();
        continue;
      }
    }
    store<i32>(at32(total, h), totalOf(h));
    updateTree(h);
  }
}

/** Evaluate one item without committing (explain, extender filter/prioritize). */
export function evaluateItem(i: i32): void {
  prepareItem(i);
  scan();
}

/** Admission only, logging the failure. */
export function admitItem(i: i32): i32 {
  prepareItem(i);
  return admit(true);
}

export function commitItem(i: i32, h: i32, sign: i32): void {
  prepareItem(i);
  apply(h, sign);
}

/** Record the "0/N hosts are available" histogram of the current scan for item i. */
export function recordFilterFailure(i: i32): void {
  memory.fill(counts, 0, 32 * 4);
  memory.fill(taintCounts, 0, MAX_TAINT_IDS * 4);
  let hosts = 0;
  for (let h = 0; h < hostEnd; h++) {
    const r = load<u32>(at32(reasons, h));
    if (r & R_ABSENT) continue;
    hosts++;
    // Like kube-scheduler, a host reports only its first failing filter stage.
    if (r & R_UNSCHEDULABLE) bump(counts, 0);
    else if (r & R_TAINT) bump(taintCounts, firstBlockingTaint(h));
    else if (r & R_AFFINITY) bump(counts, 2);
    else {
      for (let d = 0; d < MAX_DIMS; d++) if (r & ((<u32>1) << (R_INSUFFICIENT_SHIFT + <u32>d))) bump(counts, <i32>R_INSUFFICIENT_SHIFT + d);
    }
  }
  let k = 0;
  for (let t = 0; t < MAX_TAINT_IDS; t++) if (load<i32>(at32(taintCounts, t)) > 0) k++;
  for (let b = 0; b < 32; b++) if (load<i32>(at32(counts, b)) > 0) k++;
  ensureLog(4 + k * 3);
  logPush(i);
  logPush(FAIL_FILTER);
  logPush(hosts);
  logPush(k);
  for (let t = 0; t < MAX_TAINT_IDS; t++) {
    const c = load<i32>(at32(taintCounts, t));
    if (c == 0) continue;
    logPush(0);
    logPush(t);
    logPush(c);
  }
  for (let b = 0; b < 32; b++) {
    const c = load<i32>(at32(counts, b));
    if (c == 0) continue;
    logPush(1 << b);
    logPush(0);
    logPush(c);
  }
}

// @ts-ignore: decorator
@inline function bump(p: usize, i: i32): void {
  store<i32>(at32(p, i), load<i32>(at32(p, i)) + 1);
}

// ---------------------------------------------------------------- ordering

/** Σ_d req[d] / (largest allocatable of any host in d), pods excluded: a workload's size for FFD. */
function sizeKey(i: i32, maxAlloc: usize): f64 {
  let size: f64 = 0;
  for (let d = 0; d < itemDims; d++) {
    if (d == DIM_PODS) continue;
    const ref = load<f64>(maxAlloc + (<usize>d << 3));
    const q = load<f64>(reqAt(d, i));
    if (ref > 0 && q > 0) size += q / ref;
  }
  return size;
}

const maxAllocTable: usize = memory.data(MAX_DIMS * 8);

function computeOrder(n: i32): void {
  for (let d = 0; d < MAX_DIMS; d++) {
    let m: f64 = 0;
    for (let h = 0; h < hostEnd; h++) {
      if (load<u32>(at32(base, h)) & R_ABSENT) continue;
      const a = load<f64>(colF(allocF, d, h));
      if (a > m) m = a;
    }
    store<f64>(maxAllocTable + (<usize>d << 3), m);
  }
  for (let i = 0; i < n; i++) {
    store<i32>(at32(order, i), i);
    store<f64>(at64(itemSize, i), orderPolicy == 0 ? sizeKey(i, maxAllocTable) : 0);
  }
  mergeSort(n);
}

/** a goes before b: higher priority, then larger size (FFD), then input order. */
// @ts-ignore: decorator
@inline function before(a: i32, b: i32): bool {
  const pa = load<i32>(at32(itemPrio, a));
  const pb = load<i32>(at32(itemPrio, b));
  if (pa != pb) return pa > pb;
  const sa = load<f64>(at64(itemSize, a));
  const sb = load<f64>(at64(itemSize, b));
  if (sa != sb) return sa > sb;
  return a < b;
}

/** Bottom-up merge sort of `order` (n log n, no recursion, no allocation). */
function mergeSort(n: i32): void {
  let src = order;
  let dst = orderTmp;
  for (let width = 1; width < n; width <<= 1) {
    for (let lo = 0; lo < n; lo += width << 1) {
      const mid = min(lo + width, n);
      const hi = min(lo + (width << 1), n);
      let a = lo;
      let b = mid;
      for (let k = lo; k < hi; k++) {
        if (a < mid && (b >= hi || !before(load<i32>(at32(src, b)), load<i32>(at32(src, a))))) {
          store<i32>(at32(dst, k), load<i32>(at32(src, a)));
          a++;
        } else {
          store<i32>(at32(dst, k), load<i32>(at32(src, b)));
          b++;
        }
      }
    }
    const t = src;
    src = dst;
    dst = t;
  }
  if (src != order) memory.copy(order, src, <usize>n << 2);
}

export { scan, totalOf };
