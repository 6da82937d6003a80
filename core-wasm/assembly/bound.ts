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
// Integers. LeastAllocated floors each resource (loses < 1 each) and floors their mean (≤ ½ more):
// L > L_real − 1.5, L ≤ L_real; BalancedAllocation truncates a double within 1e-12 of B_real:
// B > B_real − 1 − 1e-12, B ≤ B_real + 1e-12. So a later total T' < T + 2.5 + 50·(g_c + g_m) + 2e-12,
// and being an integer, T' ≤ T + slack with slack = ⌊2.5 + 50·(g_c + g_m) + 1e-9⌋ (2 without gaps).
// A class with no cpu or memory request has no BalancedAllocation score (best-effort pods are
// not scored by it): LeastAllocated alone, whose integer score never rises, slack 0. A resource
// with allocatable 0 leaves both plugins (BalancedAllocation is then 100, constant): slack 2.
// The search stays exact with any slack (lazy.ts): a host is taken only at its true total; the
// slack only widens which hosts are re-evaluated. Where this proof does not hold — a weight other
// than 1, balanced or scored resources other than cpu and memory, unequal weights, MostAllocated
// (whose total rises: stored totals would be lower bounds) — the item rescans instead (state.ts).

import { DIM_CPU, DIM_MEMORY, STRATEGY_LEAST } from './abi';
import { allocF, at32, balancedCount, balancedDim, balancedWeight, colF, freeF, hostEnd, nzUsedF } from './layout';
import { curStrategy, nzCpu, nzMem, reqOf, scoreDimCount, scoreDims, scoreWeights } from './item';

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

/** min(p, 1) − x of one resource on host h (see the header); −1 when its allocatable is 0. */
function gap(d: i32, h: i32, nz: f64): f64 {
  const cap = load<f64>(colF(allocF, d, h));
  if (cap == 0) return -1;
  const p = (load<f64>(colF(nzUsedF, d, h)) + nz) / cap;
  const x = (cap - load<f64>(colF(freeF, d, h)) + reqOf(d)) / cap;
  const g = min(p, 1) - min(x, 1);
  return g > 0 ? g : 0;
}

/** How far host h's total can rise while it fills (the header's slack), for a slackItem() class. */
export function hostSlack(h: i32): i32 {
  if (reqOf(DIM_CPU) == 0 && reqOf(DIM_MEMORY) == 0) return 0;
  const gc = gap(DIM_CPU, h, nzCpu);
  const gm = gap(DIM_MEMORY, h, nzMem);
  if (gc < 0 || gm < 0) return 2;
  return <i32>Math.floor(2.5 + 50 * (gc + gm) + 1e-9);
}

/** A full scan's exact totals into upper bounds: each feasible total plus its host's slack. */
export function addSlack(totals: usize, slacks: usize): void {
  for (let h = 0; h < hostEnd; h++) {
    const t = load<i32>(at32(totals, h));
    const s = t < 0 ? 0 : hostSlack(h);
    store<u8>(slacks + <usize>h, <u8>s);
    store<i32>(at32(totals, h), t + s);
  }
}
