// kube-scheduler's scoring functions (pkg/scheduler/framework/plugins/noderesources), as small
// pure functions over exact integers. The reference backend calls them directly; the Wasm core
// implements the same arithmetic in core-wasm/assembly/score.ts, and differential tests compare.

import { MAX_NODE_SCORE, type ShapePoint } from '../contract.js';

/** Below this capacity `a * 100 / cap` is exact in doubles (a ≤ cap, so a·100 + cap ≤ 2^53). */
const EXACT_CAP = 2 ** 46;

/** floor(a * 100 / cap) for 0 ≤ a ≤ cap, exact for any cap ≤ 2^53. */
export function percentOf(a: number, cap: number): number {
  if (cap < EXACT_CAP) return Math.floor((a * MAX_NODE_SCORE) / cap);
  return Number((BigInt(a) * 100n) / BigInt(cap));
}

/** least_allocated.go: ((capacity - requested) * 100) / capacity; 0 when over capacity or capacity 0. */
export function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return percentOf(capacity - requested, capacity);
}

/** most_allocated.go: (min(requested, capacity) * 100) / capacity (defaults can push requested over). */
export function mostRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0) return 0;
  return percentOf(Math.min(requested, capacity), capacity);
}

/** helper/shape_score.go BuildBrokenLinearFunction over shape points already scaled to 0..100. */
export function brokenLinear(shape: readonly { utilization: number; score: number }[], p: number): number {
  for (let i = 0; i < shape.length; i++) {
    if (p <= shape[i].utilization) {
      if (i === 0) return shape[0].score;
      const prev = shape[i - 1];
      // Go's int64 division truncates toward zero (decreasing shapes give negative numerators).
      return prev.score + Math.trunc(((shape[i].score - prev.score) * (p - prev.utilization)) / (shape[i].utilization - prev.utilization));
    }
  }
  return shape[shape.length - 1].score;
}

/** Shape points scaled from the config's 0..10 to 0..100 (MaxNodeScore / MaxCustomPriorityScore). */
export function scaleShape(shape: readonly ShapePoint[]): { utilization: number; score: number }[] {
  return shape.map((p) => ({ utilization: p.utilization, score: p.score * (MAX_NODE_SCORE / 10) }));
}

/** requested_to_capacity_ratio.go resourceScoringFunction. */
export function rtcrResourceScore(shape: readonly { utilization: number; score: number }[], requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return brokenLinear(shape, MAX_NODE_SCORE);
  return brokenLinear(shape, percentOf(requested, capacity));
}

/** Weighted mean used by LeastAllocated and MostAllocated: Σ(score·w) / Σw, integer division. */
export function weightedMean(sum: number, weightSum: number): number {
  return weightSum === 0 ? 0 : Math.floor(sum / weightSum);
}

/** RequestedToCapacityRatio's math.Round(Σ/Σw) for non-negative integers: half away from zero. */
export function roundedMean(sum: number, weightSum: number): number {
  return weightSum === 0 ? 0 : Math.floor((2 * sum + weightSum) / (2 * weightSum));
}

/**
 * balanced_allocation.go (classic formula, v1.22–v1.35): 1 − standard deviation of the
 * requested/allocatable fractions (each capped at 1), ×100, truncated.
 */
export function balancedScore(fractions: readonly number[]): number {
  let std = 0;
  if (fractions.length === 2) {
    std = Math.abs((fractions[0] - fractions[1]) / 2);
  } else if (fractions.length > 2) {
    let total = 0;
    for (const f of fractions) total += f;
    const mean = total / fractions.length;
    let sum = 0;
    for (const f of fractions) sum = sum + (f - mean) * (f - mean);
    std = Math.sqrt(sum / fractions.length);
  }
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

/** helper.DefaultNormalizeScore for one value, given the max over the feasible hosts. */
export function normalizeScore(raw: number, max: number, reverse: boolean): number {
  if (max === 0) return reverse ? MAX_NODE_SCORE : raw;
  const s = Math.floor((MAX_NODE_SCORE * raw) / max);
  return reverse ? MAX_NODE_SCORE - s : s;
}
