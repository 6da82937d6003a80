// Ordering: items ranked by priority, size (first-fit decreasing) and input order (computeOrder),
// and the interleaved order within a priority level: instance k of an item with n instances at
// position (k + ½)/n, kept by a heap of items keyed by their next instance's position.

import { DIM_PODS, MAX_DIMS, POLICY_INPUT, R_ABSENT } from './abi';
import {
  allocF, at32, at64, base, colF, hostEnd, itemCount, itemDims, itemGang, itemPrio, itemSize, order, orderPolicy, orderTmp, reqAt,
} from './layout';
import { attempt } from './attempt';
import { failed, itemHeap, nextK, rankOf } from './run';

const maxAllocTable: usize = memory.data(MAX_DIMS * 8);
let heapLen: i32 = 0;

/** Interleaved order over ranks [from, to): a heap of items keyed by their next instance's position. */
export function interleave(from: i32, to: i32): void {
  heapLen = 0;
  for (let r = from; r < to; r++) {
    const i = load<i32>(at32(order, r));
    if (load<i32>(at32(itemCount, i)) > 0 && load<i32>(at32(itemGang, i)) < 0) heapPush(i);
  }
  while (heapLen > 0) {
    const i = heapPop();
    const k = load<i32>(at32(nextK, i));
    attempt(i, k, true);
    store<i32>(at32(nextK, i), k + 1);
    if (k + 1 < load<i32>(at32(itemCount, i)) && load<u8>(failed + <usize>i) == 0) heapPush(i);
  }
}

/** a's next instance comes before b's. */
// @ts-ignore: decorator
@inline function earlier(a: i32, b: i32): bool {
  const pa = <f64>(2 * load<i32>(at32(nextK, a)) + 1) * <f64>load<i32>(at32(itemCount, b));
  const pb = <f64>(2 * load<i32>(at32(nextK, b)) + 1) * <f64>load<i32>(at32(itemCount, a));
  if (pa != pb) return pa < pb;
  return load<i32>(at32(rankOf, a)) < load<i32>(at32(rankOf, b));
}

function heapPush(i: i32): void {
  let c = heapLen++;
  while (c > 0) {
    const p = (c - 1) >> 1;
    const pi = load<i32>(at32(itemHeap, p));
    if (!earlier(i, pi)) break;
    store<i32>(at32(itemHeap, c), pi);
    c = p;
  }
  store<i32>(at32(itemHeap, c), i);
}

function heapPop(): i32 {
  const top = load<i32>(at32(itemHeap, 0));
  const last = load<i32>(at32(itemHeap, --heapLen));
  let c = 0;
  while (true) {
    let child = 2 * c + 1;
    if (child >= heapLen) break;
    if (child + 1 < heapLen && earlier(load<i32>(at32(itemHeap, child + 1)), load<i32>(at32(itemHeap, child)))) child++;
    const ci = load<i32>(at32(itemHeap, child));
    if (!earlier(ci, last)) break;
    store<i32>(at32(itemHeap, c), ci);
    c = child;
  }
  if (heapLen > 0) store<i32>(at32(itemHeap, c), last);
  return top;
}

// ---------------------------------------------------------------- ranking

/** Σ_d req[d] / (largest allocatable of any host in d), pods excluded: a workload's size for FFD. */
function sizeKey(i: i32): f64 {
  let size: f64 = 0;
  for (let d = 0; d < itemDims; d++) {
    if (d == DIM_PODS) continue;
    const ref = load<f64>(maxAllocTable + (<usize>d << 3));
    const q = load<f64>(reqAt(d, i));
    if (ref > 0 && q > 0) size += q / ref;
  }
  return size;
}

export function computeOrder(n: i32): void {
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
    store<f64>(at64(itemSize, i), orderPolicy == POLICY_INPUT ? 0 : sizeKey(i));
  }
  mergeSort(n);
}

/** a ranks before b: higher priority, then larger size, then input order. */
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
