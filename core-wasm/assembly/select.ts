// Select: the feasible host with the highest total score, ties to the lowest slot. A tournament
// tree over a score table makes repeated selection O(log hosts): after a change only the changed
// hosts' paths to the root are replayed.

import { at32, hostEnd, total, treeCap } from './layout';

/**
 * Tree nodes hold keys, not slots: (total + 2) << KEY_BITS | (KEY_MASK − slot), so the better of
 * two entries — higher total, then lower slot — is the larger key, and an empty leaf is 0. Totals
 * of tree items are −1 (infeasible) .. 600 and slots below 2^KEY_BITS (batch.ts gives no item a
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
