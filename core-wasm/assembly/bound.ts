// Upper bounds of LeastAllocated + NodeResourcesBalancedAllocation (kube-scheduler's default
// profile) for the lazy search (lazy.ts): how far a host's total can rise while it fills.
//
// Exactness. Let the class score cpu and memory at equal weights under LeastAllocated, with
// BalancedAllocation (weight 1) over exactly cpu and memory beside it. For one host, with the
// class's own request included, let p, q be the cpu and memory fractions with non-zero defaults
// (nzUsed + the class's non-zero request, over allocatable: what LeastAllocated reads) and x, y the
// fractions of actual requests capped at 1 (what BalancedAllocation reads). In real numbers
//   L = 50·((1 − min(p, 1)) + (1 − min(q, 1)))          (the per-resource clamp at 0)
//   B = 100 − 50·|x − y|                               (the std of two values is |a − b| / 2).
// A commit to the host adds a workload: every fraction can only rise, and a non-zero request is at
// least the actual one, so x' ≤ min(p', 1) and, while p' ≤ 1, x' − x ≤ p' − p. Then
//   ΔB ≤ 50·|Δx − Δy| ≤ 50·(Δx + Δy),   ΔL = −50·(Δmin(p, 1) + Δmin(q, 1)),
//   Δ(L + B) ≤ 50·[(Δx − Δmin(p, 1)) + (Δy − Δmin(q, 1))] ≤ 50·(g_c + g_m),
// with the gap g_c = min(p, 1) − x ≥ 0 (each bracket is ≤ x' − x − min(p', 1) + min(p, 1), and
// x' ≤ min(p', 1)). Without zero-request workloads the gaps are 0 and L + B never rises when a
// host fills: the stored total stays an upper bound, as LeastAllocated alone keeps it. A
// zero-request workload counts 100m / 200Mi for LeastAllocated and nothing for BalancedAllocation;
// once its defaults take a resource over capacity, LeastAllocated's clamp stops falling while
// BalancedAllocation can still rise: the gap bounds that rise.
// Integers. LeastAllocated floors each resource and their mean: L ≤ L_real; BalancedAllocation
// truncates a double within 1e-12 of B_real: B ≤ B_real + 1e-12. So a later integer total
// T' ≤ L'_real + B'_real + 1e-12 ≤ R + 50·(g_c + g_m) + 1e-12 with R = L_real + B_real now, and
// T' ≤ ⌊R + 50·(g_c + g_m) + 1e-9⌋ (the doubles computing R and the gaps err by < 1e-12). The
// slack is that bound less the host's integer total T: the fractional parts the roundings drop
// now (R − T < 2.5), mostly 0 or 1 without gaps.
// A class with no cpu or memory request has no BalancedAllocation score (best-effort pods are
// not scored by it): LeastAllocated alone, whose integer score never rises, slack 0. A resource
// with allocatable 0 leaves both plugins (BalancedAllocation is then 100, constant): slack 2,
// more than the rounding of one resource's score can drop.
// The search stays exact with any slack (lazy.ts): a host is taken only at its true total; the
// slack only widens which hosts are re-evaluated. Where this proof does not hold — a weight other
// than 1, balanced or scored resources other than cpu and memory, unequal weights, MostAllocated
// (whose total rises: stored totals would be lower bounds) — the item rescans instead (state.ts).

import { DIM_CPU, DIM_MEMORY, STRATEGY_LEAST } from './abi';
import { allocF, at32, balancedCount, balancedDim, balancedWeight, colF, freeF, hostEnd, hugeHosts, nzUsedF } from './layout';
import { curStrategy, nzCpu, nzMem, reqOf, scoreDimCount, scoreDims, scoreWeights } from './item';
import { resourceScore } from './score';

/** Whether the prepared class's two dimensions are exactly cpu and memory, in either order. */
function cpuAndMemory(d0: i32, d1: i32): bool {
  return (d0 == DIM_CPU && d1 == DIM_MEMORY) || (d0 == DIM_MEMORY && d1 == DIM_CPU);
}

/**
 * The prepared class scores LeastAllocated + BalancedAllocation × 1 under the proof above (cpu and
 * memory at equal weights, balanced over cpu and memory): its lazy totals need a slack.
 */
export function slackItem(): bool {
  if (balancedWeight != 1 || curStrategy != STRATEGY_LEAST || balancedCount != 2 || scoreDimCount != 2) return false;
  if (!cpuAndMemory(load<i32>(balancedDim), load<i32>(balancedDim + 4))) return false;
  if (!cpuAndMemory(load<i32>(scoreDims), load<i32>(scoreDims + 4))) return false;
  const w = load<i32>(scoreWeights);
  return w > 0 && w == load<i32>(scoreWeights + 4);
}

/** The slack of the host boundedScore last scored. */
export let boundSlack: i32 = 0;

/**
 * resourceScore(h) of a slackItem() class, with the header's slack of host h into boundSlack: one
 * pass over the doubles both read. LeastAllocated per resource as rescore (lazy.ts) computes it
 * without huge hosts, BalancedAllocation in score.ts balancedScore's very operations (the two
 * fractions' order does not change |a − b|).
 */
export function boundedScore(h: i32): i32 {
  if (reqOf(DIM_CPU) == 0 && reqOf(DIM_MEMORY) == 0) {
    boundSlack = 0;
    return resourceScore(h);
  }
  const capC = load<f64>(colF(allocF, DIM_CPU, h));
  const capM = load<f64>(colF(allocF, DIM_MEMORY, h));
  if (capC == 0 || capM == 0) {
    boundSlack = 2;
    return resourceScore(h);
  }
  // LeastAllocated's real scores (before their floors) from p, q = non-zero requested / allocatable
  const uC = load<f64>(colF(nzUsedF, 0, h)) + nzCpu;
  const uM = load<f64>(colF(nzUsedF, 1, h)) + nzMem;
  const lc = uC > capC ? 0 : ((capC - uC) * 100) / capC;
  const lm = uM > capM ? 0 : ((capM - uM) * 100) / capM;
  // BalancedAllocation's fractions x, y and real score (before its truncation)
  let x = (capC - load<f64>(colF(freeF, DIM_CPU, h)) + reqOf(DIM_CPU)) / capC;
  let y = (capM - load<f64>(colF(freeF, DIM_MEMORY, h)) + reqOf(DIM_MEMORY)) / capM;
  x = x > 1 ? 1 : x;
  y = y > 1 ? 1 : y;
  const b = (1 - Math.abs((x - y) / 2)) * 100;
  const f = hugeHosts != 0 ? resourceScore(h) : ((<i32>lc + <i32>lm) >> 1) + <i32>b;
  // the gaps min(p, 1) − x, min(q, 1) − y where positive (min(p, 1) = 1 − lc / 100)
  const gc = max(1 - lc * 0.01 - x, 0);
  const gm = max(1 - lm * 0.01 - y, 0);
  const s = <i32>Math.floor((lc + lm) / 2 + b + 50 * (gc + gm) + 1e-9) - f;
  boundSlack = s > 0 ? s : 0;
  return f;
}

/**
 * The slack a slot keeps beside host h's exact total `t` (−1: infeasible, which commits keep):
 * added to the key once the host changes (lazy.ts raiseChanged).
 */
export function pendingSlack(h: i32, t: i32): u8 {
  if (t < 0) return 0;
  boundedScore(h);
  return <u8>boundSlack;
}

/** The slacks of a full scan's exact totals, kept beside them until their hosts change. */
export function scanSlacks(totals: usize, slacks: usize): void {
  for (let h = 0; h < hostEnd; h++) store<u8>(slacks + <usize>h, pendingSlack(h, load<i32>(at32(totals, h))));
}
