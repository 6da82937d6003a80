// kube-scheduler's resource scoring (noderesources plugins) for one host, exact integer
// arithmetic: the canonical semantics that the SIMD lanes of lanes.ts reproduce four hosts at a
// time. Rule twin: core-wasm/src/rules/scoring.ts, line for line.

import { DIM_CPU, DIM_MEMORY, FIXED_DIMS, MAX_NODE_SCORE, STRATEGY_BALANCED, STRATEGY_LEAST, STRATEGY_MOST } from './abi';
import {
  allocF, at32, balancedCount, balancedDim, balancedWeight, colF, freeF, nzUsedF, shapeCount, shapeScore, shapeUtil,
} from './layout';
import { curStrategy, nzCpu, nzMem, reqOf, scoreDimCount, scoreDims, scoreWeights } from './item';

/** floor(a · 100 / cap), exact for a ≤ 2^53 (i64 math cannot overflow: a·100 < 2^60). */
// @ts-ignore: decorator
@inline function percentOf(a: i64, cap: i64): i64 {
  return (a * MAX_NODE_SCORE) / cap;
}

export function leastRequestedScore(requested: i64, capacity: i64): i64 {
  if (capacity == 0 || requested > capacity) return 0;
  return percentOf(capacity - requested, capacity);
}

export function mostRequestedScore(requested: i64, capacity: i64): i64 {
  if (capacity == 0) return 0;
  return percentOf(requested < capacity ? requested : capacity, capacity);
}

/** helper.BuildBrokenLinearFunction over the configured shape (scores already ×10). */
export function brokenLinear(p: i64): i64 {
  for (let i = 0; i < shapeCount; i++) {
    const u = <i64>load<i32>(at32(shapeUtil, i));
    if (p <= u) {
      const s = <i64>load<i32>(at32(shapeScore, i));
      if (i == 0) return s;
      const pu = <i64>load<i32>(at32(shapeUtil, i - 1));
      const ps = <i64>load<i32>(at32(shapeScore, i - 1));
      return ps + ((s - ps) * (p - pu)) / (u - pu); // i64 division truncates toward zero, like Go
    }
  }
  return <i64>load<i32>(at32(shapeScore, shapeCount - 1));
}

export function rtcrResourceScore(requested: i64, capacity: i64): i64 {
  if (capacity == 0 || requested > capacity) return brokenLinear(MAX_NODE_SCORE);
  return brokenLinear(percentOf(requested, capacity));
}

/** Requested amount of dimension d on host h with the workload added (non-zero defaults for cpu/memory). */
// @ts-ignore: decorator
@inline function requestedNonZero(d: i32, h: i32): f64 {
  if (d == DIM_CPU) return load<f64>(colF(nzUsedF, 0, h)) + nzCpu;
  if (d == DIM_MEMORY) return load<f64>(colF(nzUsedF, 1, h)) + nzMem;
  return load<f64>(colF(allocF, d, h)) - load<f64>(colF(freeF, d, h)) + reqOf(d);
}

/**
 * The resource scores of host h as the total counts them: the class's strategy score plus, under
 * LeastAllocated / MostAllocated / RequestedToCapacityRatio, NodeResourcesBalancedAllocation ×
 * its weight, as kube-scheduler's default profile scores both (the BalancedAllocation strategy is
 * that plugin alone, counted once).
 */
export function resourceScore(h: i32): i32 {
  return fitScore(h) + balancedTerm(h);
}

/** NodeResourcesBalancedAllocation × its weight beside the strategy; 0 when it is not in the profile. */
export function balancedTerm(h: i32): i32 {
  if (balancedWeight == 0 || curStrategy == STRATEGY_BALANCED) return 0;
  return balancedWeight * balancedScore(h);
}

/** The class's strategy score (0..100) on host h. */
export function fitScore(h: i32): i32 {
  if (curStrategy == STRATEGY_BALANCED) return balancedScore(h);
  let sum: i64 = 0;
  let weights: i64 = 0;
  for (let s = 0; s < scoreDimCount; s++) {
    const d = load<i32>(scoreDims + (<usize>s << 2));
    const capacity = <i64>load<f64>(colF(allocF, d, h));
    if (capacity == 0) continue;
    const requested = <i64>requestedNonZero(d, h);
    const w = <i64>load<i32>(scoreWeights + (<usize>s << 2));
    let score: i64;
    if (curStrategy == STRATEGY_LEAST) score = leastRequestedScore(requested, capacity);
    else if (curStrategy == STRATEGY_MOST) score = mostRequestedScore(requested, capacity);
    else {
      score = rtcrResourceScore(requested, capacity);
      if (score <= 0) continue; // only positive resource scores count for RequestedToCapacityRatio
    }
    sum += score * w;
    weights += w;
  }
  if (weights == 0) return 0;
  if (curStrategy == STRATEGY_LEAST || curStrategy == STRATEGY_MOST) return <i32>(sum / weights);
  return <i32>((2 * sum + weights) / (2 * weights)); // math.Round: half away from zero
}

/** NodeResourcesBalancedAllocation, classic formula: (1 − std of requested/allocatable fractions) × 100. */
export function balancedScore(h: i32): i32 {
  let anyRequest = false;
  for (let b = 0; b < balancedCount; b++) {
    if (reqOf(load<i32>(at32(balancedDim, b))) != 0) anyRequest = true;
  }
  if (!anyRequest) return 0; // best-effort pods are skipped (kubernetes#129138)
  let n = 0;
  let f0: f64 = 0;
  let f1: f64 = 0;
  let total: f64 = 0;
  // First pass: count, keep the first two fractions, sum.
  for (let b = 0; b < balancedCount; b++) {
    const d = load<i32>(at32(balancedDim, b));
    const f = fraction(d, h);
    if (f < 0) continue;
    if (n == 0) f0 = f;
    else if (n == 1) f1 = f;
    total += f;
    n++;
  }
  let std: f64 = 0;
  if (n == 2) {
    std = Math.abs((f0 - f1) / 2);
  } else if (n > 2) {
    const mean = total / <f64>n;
    let sum: f64 = 0;
    for (let b = 0; b < balancedCount; b++) {
      const f = fraction(load<i32>(at32(balancedDim, b)), h);
      if (f < 0) continue;
      sum = sum + (f - mean) * (f - mean);
    }
    std = Math.sqrt(sum / <f64>n);
  }
  return <i32>((1 - std) * 100);
}

/** min(requested / allocatable, 1) with actual requests; −1 when the dimension is skipped. */
function fraction(d: i32, h: i32): f64 {
  if (d >= FIXED_DIMS && reqOf(d) == 0) return -1;
  const capacity = load<f64>(colF(allocF, d, h));
  if (capacity == 0) return -1;
  const requested = capacity - load<f64>(colF(freeF, d, h)) + reqOf(d);
  const f = requested / capacity;
  return f > 1 ? 1 : f;
}
