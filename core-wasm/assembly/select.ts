// Select: the feasible host with the highest total score, ties to the lowest slot. A tournament
// tree over `total` makes a batch of identical workloads O(log hosts) per placement: after a
// commit only the chosen host's score changes, so only its path to the root is replayed.

import { at32, hostEnd, total, tree, treeCap } from './layout';

// @ts-ignore: decorator
@inline function scoreOf(h: i32): i32 {
  return h < 0 ? -2 : load<i32>(at32(total, h));
}

/** The better of two slots: higher total, then lower slot. */
// @ts-ignore: decorator
@inline function better(a: i32, b: i32): i32 {
  const sa = scoreOf(a);
  const sb = scoreOf(b);
  if (sa != sb) return sa > sb ? a : b;
  if (a < 0) return b;
  if (b < 0) return a;
  return a < b ? a : b;
}

export function buildTree(): void {
  const n = treeCap;
  for (let i = 0; i < n; i++) store<i32>(at32(tree, n + i), i < hostEnd ? i : -1);
  for (let i = n - 1; i >= 1; i--) store<i32>(at32(tree, i), better(load<i32>(at32(tree, 2 * i)), load<i32>(at32(tree, 2 * i + 1))));
}

export function updateTree(h: i32): void {
  let i = (treeCap + h) >> 1;
  while (i >= 1) {
    store<i32>(at32(tree, i), better(load<i32>(at32(tree, 2 * i)), load<i32>(at32(tree, 2 * i + 1))));
    i >>= 1;
  }
}

/** The best feasible slot, or −1. */
export function bestHost(): i32 {
  const h = load<i32>(at32(tree, 1));
  return h >= 0 && load<i32>(at32(total, h)) >= 0 ? h : -1;
}

/** Plain linear selection (single evaluations). */
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
