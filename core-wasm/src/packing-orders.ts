// The greedy orders the packing phase tries (packing.ts), as runs of an item's instances to place
// in input order. Sizes are normalized by `cap`, the largest allocatable of any host per dimension
// (dimensions no host has are ignored):
//
//   ffd-sum / ffd-max  items by Σ_d or max_d of their normalized requests, largest first (FFD)
//   dot / l2           bin-centric (Panigrahy et al. 2011): fill one host of capacity `cap` at a
//                      time with the remaining item that fits and maximizes ⟨size, room⟩ (dot
//                      product) or minimizes ‖room − size‖² (L2 norm); a full host starts the next
//
// The simulated hosts only decide the order: the backend places it with every rule, onto the real
// hosts. Plain JavaScript arithmetic in a fixed order, so every backend gets the same order.

import { MAX_DIMS } from './contract.js';

/** `count` instances of item `item`, placed consecutively. */
export interface Run {
  item: number;
  count: number;
}

function dimsOf(cap: readonly number[]): number[] {
  return Array.from({ length: MAX_DIMS }, (_, d) => d).filter((d) => cap[d] > 0);
}

/** Items whole, by the sum or the largest of their normalized requests (descending; ties in input order). */
export function staticOrder(
  reqs: readonly (readonly number[])[],
  counts: readonly number[],
  cap: readonly number[],
  key: 'sum' | 'max',
): Run[] {
  const dims = dimsOf(cap);
  const size = reqs.map((r) => {
    let s = 0;
    for (const d of dims) s = key === 'sum' ? s + r[d] / cap[d] : Math.max(s, r[d] / cap[d]);
    return s;
  });
  return reqs
    .map((_, i) => i)
    .filter((i) => counts[i] > 0)
    .sort((a, z) => size[z] - size[a] || a - z)
    .map((item) => ({ item, count: counts[item] }));
}

/** Bin-centric order: one simulated host at a time, filled by the best-matching remaining item. */
export function binCentricOrder(
  reqs: readonly (readonly number[])[],
  counts: readonly number[],
  cap: readonly number[],
  rule: 'dot' | 'l2',
): Run[] {
  const dims = dimsOf(cap);
  const norm = reqs.map((r) => dims.map((d) => r[d] / cap[d]));
  const sq = norm.map((v) => v.reduce((s, x) => s + x * x, 0));
  const left = [...counts];
  let remaining = left.reduce((a, n) => a + n, 0);
  const runs: Run[] = [];
  const push = (item: number) => {
    const last = runs[runs.length - 1];
    if (last && last.item === item) last.count++;
    else runs.push({ item, count: 1 });
  };
  while (remaining > 0) {
    const room = dims.map((d) => cap[d]);
    let placed = 0;
    for (;;) {
      let best = -1;
      let bestScore = -Infinity;
      for (let i = 0; i < reqs.length; i++) {
        if (left[i] === 0) continue;
        let fits = true;
        let dot = 0;
        for (let k = 0; k < dims.length; k++) {
          if (reqs[i][dims[k]] > room[k]) {
            fits = false;
            break;
          }
          dot += norm[i][k] * (room[k] / cap[dims[k]]);
        }
        if (!fits) continue;
        // ‖room − size‖² = ‖room‖² − 2⟨size, room⟩ + ‖size‖²: minimizing it maximizes 2⟨size, room⟩ − ‖size‖².
        const score = rule === 'dot' ? dot : 2 * dot - sq[i];
        if (score > bestScore) {
          best = i;
          bestScore = score;
        }
      }
      if (best < 0) break;
      for (let k = 0; k < dims.length; k++) room[k] -= reqs[best][dims[k]];
      left[best]--;
      remaining--;
      placed++;
      push(best);
    }
    if (placed === 0) {
      // Nothing left fits an empty host: the rest in input order (the backend reports why).
      left.forEach((n, i) => n > 0 && runs.push({ item: i, count: n }));
      break;
    }
  }
  return runs;
}
