// Select: the feasible host with the highest total score, ties to the lowest slot. A tournament
// tree over a score table makes repeated selection O(log hosts): after a change only the changed
// hosts' paths to the root are replayed.

import { at32, hostEnd, total, treeCap } from './layout';

// @ts-ignore: decorator
@inline function scoreOf(totals: usize, h: i32): i32 {
  return h < 0 ? -2 : load<i32>(at32(totals, h));
}

/** The better of two slots: higher total, then lower slot. */
// @ts-ignore: decorator
@inline function better(totals: usize, a: i32, b: i32): i32 {
  const sa = scoreOf(totals, a);
  const sb = scoreOf(totals, b);
  if (sa != sb) return sa > sb ? a : b;
  if (a < 0) return b;
  if (b < 0) return a;
  return a < b ? a : b;
}

/** Build the tree (2·treeCap i32 at `tree`) over `totals`. */
export function buildTree(tree: usize, totals: usize): void {
  const n = treeCap;
  for (let i = 0; i < n; i++) store<i32>(at32(tree, n + i), i < hostEnd ? i : -1);
  for (let i = n - 1; i >= 1; i--) store<i32>(at32(tree, i), better(totals, load<i32>(at32(tree, 2 * i)), load<i32>(at32(tree, 2 * i + 1))));
}

/**
 * Host h's total changed: replay its path to the root. The winner along the path is kept in
 * registers and met with each sibling subtree's winner — better() of the two children, as the
 * sibling's subtree did not change (equal totals go to the lower slot; the path winner is a real
 * host, with a total ≥ −1, so an empty leaf, −1 with −2, never wins).
 */
export function updateTree(tree: usize, totals: usize, h: i32): void {
  let w = h;
  let sw = load<i32>(at32(totals, h));
  let i = treeCap + h;
  while (i > 1) {
    const o = load<i32>(at32(tree, i ^ 1));
    const so = o < 0 ? -2 : load<i32>(at32(totals, o));
    const take = so > sw || (so == sw && o < w);
    w = select<i32>(o, w, take);
    sw = select<i32>(so, sw, take);
    i >>= 1;
    store<i32>(at32(tree, i), w);
  }
}

/** The best feasible slot of the tree, or −1. */
export function treeRoot(tree: usize, totals: usize): i32 {
  const h = load<i32>(at32(tree, 1));
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
