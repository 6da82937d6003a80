// NodeResourcesBalancedAllocation × its weight beside the strategy, added to the scan's fit of
// every feasible host. Over cpu and memory (kube-scheduler's default resources) two f64x2 lanes
// per group of four hosts compute score.ts balancedScore's very operations — (allocatable − free)
// + request, ÷ allocatable, capped at 1, |f0 − f1| / 2, (1 − std) · 100 truncated — in the same
// IEEE doubles, so every lane equals the scalar score bit for bit. Other resource sets take the
// scalar code per host.

import { DIM_CPU, DIM_MEMORY, STRATEGY_BALANCED } from './abi';
import { curStrategy, reqOf } from './item';
import { allocF, at32, balancedCount, balancedDim, balancedWeight, fit, freeF, hostCap, reasons } from './layout';
import { balancedTerm } from './score';

/** fit += BalancedAllocation × its weight on hosts 0..end (a multiple of 4) whose reasons are 0. */
export function addBalanced(end: i32): void {
  if (balancedWeight == 0 || curStrategy == STRATEGY_BALANCED) return;
  const d0 = balancedCount == 2 ? load<i32>(balancedDim) : -1;
  const d1 = balancedCount == 2 ? load<i32>(balancedDim + 4) : -1;
  const pair = (d0 == DIM_CPU && d1 == DIM_MEMORY) || (d0 == DIM_MEMORY && d1 == DIM_CPU);
  if (!ASC_FEATURE_SIMD || !pair) {
    for (let h = 0; h < end; h++) {
      if (load<u32>(at32(reasons, h)) != 0) continue;
      store<i32>(at32(fit, h), load<i32>(at32(fit, h)) + balancedTerm(h));
    }
    return;
  }
  if (reqOf(d0) == 0 && reqOf(d1) == 0) return; // best-effort: no BalancedAllocation score (balancedScore)
  balancedLanes(end, d0, d1);
}

/** The SIMD form of addBalanced for the balanced dimensions d0, d1 (cpu and memory). */
function balancedLanes(end: i32, d0: i32, d1: i32): void {
  if (!ASC_FEATURE_SIMD) return;
  const colBytes = <usize>hostCap << 3;
  const a0 = allocF + <usize>d0 * colBytes;
  const a1 = allocF + <usize>d1 * colBytes;
  const f0 = freeF + <usize>d0 * colBytes;
  const f1 = freeF + <usize>d1 * colBytes;
  const q0 = f64x2.splat(reqOf(d0));
  const q1 = f64x2.splat(reqOf(d1));
  const zero = f64x2.splat(0);
  const one = f64x2.splat(1);
  const two = f64x2.splat(2);
  const hundred = f64x2.splat(100);
  const w = i32x4.splat(balancedWeight);
  const none = i32x4.splat(0);
  for (let h = 0; h < end; h += 4) {
    const o = <usize>h << 3;
    const lo = score2(v128.load(a0 + o), v128.load(f0 + o), q0, v128.load(a1 + o), v128.load(f1 + o), q1, zero, one, two, hundred);
    const hi = score2(
      v128.load(a0 + o + 16), v128.load(f0 + o + 16), q0, v128.load(a1 + o + 16), v128.load(f1 + o + 16), q1, zero, one, two, hundred,
    );
    const s = i32x4.shuffle(i32x4.trunc_sat_f64x2_s_zero(lo), i32x4.trunc_sat_f64x2_s_zero(hi), 0, 1, 4, 5);
    const r = <usize>h << 2;
    const ok = i32x4.eq(v128.load(reasons + r), none);
    v128.store(fit + r, i32x4.add(v128.load(fit + r), v128.and(i32x4.mul(s, w), ok)));
  }
}

/**
 * (1 − std) · 100 of two hosts, before truncation: balancedScore's fractions min(requested /
 * allocatable, 1) (pmin(f, 1) is `f > 1 ? 1 : f`); a resource with allocatable 0 is skipped there,
 * leaving at most one fraction: std 0.
 */
// @ts-ignore: decorator
@inline function score2(a0: v128, f0: v128, q0: v128, a1: v128, f1: v128, q1: v128, zero: v128, one: v128, two: v128, hundred: v128): v128 {
  const x0 = f64x2.pmin(f64x2.div(f64x2.add(f64x2.sub(a0, f0), q0), a0), one);
  const x1 = f64x2.pmin(f64x2.div(f64x2.add(f64x2.sub(a1, f1), q1), a1), one);
  const both = v128.and(f64x2.ne(a0, zero), f64x2.ne(a1, zero));
  const std = v128.and(f64x2.abs(f64x2.div(f64x2.sub(x0, x1), two)), both);
  return f64x2.mul(f64x2.sub(one, std), hundred);
}
