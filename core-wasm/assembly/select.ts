// Select: the feasible host with the highest total score, ties to the lowest slot. A tournament
// tree over a score table makes repeated selection O(log hosts): after a change only the changed
// hosts' paths to the root are replayed.

import { at32, hostCap, hostEnd, total, treeCap } from './layout';
import { ensureTotals } from './scan';

/**
 * Tree nodes hold keys, not slots: (total + 2) << KEY_BITS | (KEY_MASK − slot), so the better of
 * two entries — higher total, then lower slot — is the larger key, and an empty leaf is 0. Totals
 * of tree items are −1 (infeasible) .. 2,000 (abi.ts MAX_BALANCED_WEIGHT) and slots below 2^KEY_BITS (state.ts gives no item a
 * tree beyond that): keys stay positive i32.
 */
const KEY_BITS: i32 = 20;
const KEY_MASK: i32 = (1 << KEY_BITS) - 1;
export const TREE_MAX_SLOTS: i32 = 1 << KEY_BITS;

// @ts-ignore: decorator
@inline function keyOf(total: i32, h: i32): i32 {
  return ((total + 2) << KEY_BITS) | (KEY_MASK - h);
}

/** Build the tree (2·treeCap i32 at `tree`) over `totals`. */
export function buildTree(tree: usize, totals: usize): void {
  const n = treeCap;
  for (let i = 0; i < n; i++) store<i32>(at32(tree, n + i), i < hostEnd ? keyOf(load<i32>(at32(totals, i)), i) : 0);
  for (let i = n - 1; i >= 1; i--) store<i32>(at32(tree, i), max(load<i32>(at32(tree, 2 * i)), load<i32>(at32(tree, 2 * i + 1))));
}

/** Host h's total changed: replay its path to the root, up to the first node that keeps its key. */
export function updateTree(tree: usize, totals: usize, h: i32): void {
  let i = treeCap + h;
  let w = keyOf(load<i32>(at32(totals, h)), h);
  store<i32>(at32(tree, i), w);
  while (i > 1) {
    w = max(w, load<i32>(at32(tree, i ^ 1)));
    i >>= 1;
    if (load<i32>(at32(tree, i)) == w) return; // this node, hence every node above, is unchanged
    store<i32>(at32(tree, i), w);
  }
}

/** The slot at the root (the best, feasible or not), or −1 for an empty tree. */
export function rootSlot(tree: usize): i32 {
  const key = load<i32>(at32(tree, 1));
  return key == 0 ? -1 : KEY_MASK - (key & KEY_MASK);
}

/** The best feasible slot of the tree, or −1. */
export function treeRoot(tree: usize, totals: usize): i32 {
  const h = rootSlot(tree);
  return h >= 0 && load<i32>(at32(totals, h)) >= 0 ? h : -1;
}

/** Linear selection over the last scan's totals. */
export function bestHostLinear(): i32 {
  ensureTotals();
  let best = -1;
  let bestScore = -1;
  for (let h = 0; h < hostEnd; h++) {
    const s = load<i32>(at32(total, h));
    if (s > bestScore) {
      best = h;
      bestScore = s;
    }
  }
  return best;
}

// ---------------------------------------------------------------- top sets
//
// A lazy item whose totals are a small integer range (LeastAllocated: base + fit, fit 0..100)
// keeps one u32 per host — level + 1 (0 = infeasible) in the low half, the host's change version
// when the level was computed in the high half — and, instead of a tree, the bitset of the hosts
// at the highest level only, with a summary word per 64 words. The best host is then the lowest
// set bit (two ctz); a host that drops out of the top level is one bit cleared; when the set
// empties, one pass over the levels finds the next one. Far smaller than a tree (4 B per host and
// hostCap / 8 bytes of bits), so the state of ~1,000 interleaved items stays in cache.

/** Bytes of a top set at this host capacity. */
export function topSetBytes(): usize {
  const words = (<usize>hostCap + 63) >> 6;
  return (words + ((words + 63) >> 6)) << 3;
}

// @ts-ignore: decorator
@inline function topSummary(set: usize): usize {
  return set + (((<usize>hostCap + 63) >> 6) << 3);
}

/**
 * Fill `set` with the hosts at the highest level of `rec` (rec is written up to hostEnd rounded
 * up to 4); the level + 1, or 0 when every host is infeasible.
 */
export function topBuild(set: usize, rec: usize): i32 {
  const end = (hostEnd + 3) & ~3;
  const sum = topSummary(set);
  memory.fill(sum, 0, ((((<usize>hostCap + 63) >> 6) + 63) >> 6) << 3);
  let best: u32 = 0;
  if (ASC_FEATURE_SIMD) {
    const low = i32x4.splat(0xffff);
    let m = i32x4.splat(0);
    for (let h = 0; h < end; h += 4) m = i32x4.max_u(m, v128.and(v128.load(rec + (<usize>h << 2)), low));
    best = max(max(i32x4.extract_lane(m, 0), i32x4.extract_lane(m, 1)), max(i32x4.extract_lane(m, 2), i32x4.extract_lane(m, 3)));
    if (best == 0) return 0;
    const want = i32x4.splat(best);
    for (let w = 0; w << 6 < end; w++) {
      let bits: u64 = 0;
      const from = w << 6;
      const to = min(from + 64, end);
      for (let h = from; h < to; h += 4) {
        const eq = i32x4.eq(v128.and(v128.load(rec + (<usize>h << 2)), low), want);
        bits |= (<u64>i32x4.bitmask(eq)) << (<u64>(h - from));
      }
      store<u64>(set + (<usize>w << 3), bits);
      if (bits != 0) {
        const s = sum + ((<usize>w >> 6) << 3);
        store<u64>(s, load<u64>(s) | ((<u64>1) << (<u64>w & 63)));
      }
    }
    return <i32>best;
  }
  for (let h = 0; h < end; h++) {
    const l = <u32>load<u16>(rec + (<usize>h << 2));
    if (l > best) best = l;
  }
  if (best == 0) return 0;
  memory.fill(set, 0, ((<usize>end + 63) >> 6) << 3);
  for (let h = 0; h < end; h++) {
    if (<u32>load<u16>(rec + (<usize>h << 2)) != best) continue;
    const w = set + ((<usize>h >> 6) << 3);
    store<u64>(w, load<u64>(w) | ((<u64>1) << (<u64>h & 63)));
    const s = sum + ((<usize>h >> 12) << 3);
    store<u64>(s, load<u64>(s) | ((<u64>1) << ((<u64>h >> 6) & 63)));
  }
  return <i32>best;
}

/** The lowest host of a non-empty top set. */
// @ts-ignore: decorator
@inline export function topFirst(set: usize): i32 {
  const sum = topSummary(set);
  let k: usize = 0;
  let bits = load<u64>(sum);
  while (bits == 0) bits = load<u64>(sum + (++k << 3));
  const w = (k << 6) + <usize>ctz(bits);
  return <i32>((w << 6) + <usize>ctz(load<u64>(set + (w << 3))));
}

/** Take host h (a member) out of the top set; true when the set became empty. */
// @ts-ignore: decorator
@inline export function topRemove(set: usize, h: i32): bool {
  const w = set + ((<usize>h >> 6) << 3);
  const bits = load<u64>(w) & ~((<u64>1) << (<u64>h & 63));
  store<u64>(w, bits);
  if (bits != 0) return false;
  const sum = topSummary(set);
  const s = sum + ((<usize>h >> 12) << 3);
  const left = load<u64>(s) & ~((<u64>1) << ((<u64>h >> 6) & 63));
  store<u64>(s, left);
  if (left != 0) return false;
  const n = (((<usize>hostCap + 63) >> 6) + 63) >> 6;
  for (let k: usize = 0; k < n; k++) if (load<u64>(sum + (k << 3)) != 0) return false;
  return true;
}

/** Put host h into the top set (its level became the top one). */
// @ts-ignore: decorator
@inline export function topAdd(set: usize, h: i32): void {
  const w = set + ((<usize>h >> 6) << 3);
  store<u64>(w, load<u64>(w) | ((<u64>1) << (<u64>h & 63)));
  const s = topSummary(set) + ((<usize>h >> 12) << 3);
  store<u64>(s, load<u64>(s) | ((<u64>1) << ((<u64>h >> 6) & 63)));
}

/** Empty the top set (a level above it appeared). */
export function topClear(set: usize): void {
  memory.fill(set, 0, topSetBytes());
}
