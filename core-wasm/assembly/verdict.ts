// One host's verdict for the prepared class, exactly: every Filter reason (hostReasons, the
// canonical semantics that scan.ts and its SIMD lanes reproduce for all hosts at once) and the
// combined score of a feasible host under the current normalization maxima (combine).

import {
  DIM_PODS, R_ABSENT, R_AFFINITY, R_INSUFFICIENT_SHIFT, R_TAINT, R_UNRESOLVABLE_FIT, R_UNSCHEDULABLE, WEIGHT_FIT,
  WEIGHT_NODE_AFFINITY, WEIGHT_TAINT_TOLERATION,
} from './abi';
import { affinityOk, hasAffinityChecks, taintBlocked, unschedulableTolerated } from './constraints';
import { reqDimCount, reqDims, reqOf } from './item';
import { allocF, at32, base, colF, freeF, taintedHosts } from './layout';

/** Max raw preferred-affinity / PreferNoSchedule counts over the feasible hosts (NormalizeScore). */
export let maxAffinity: i32 = 0;
export let maxTaint: i32 = 0;

/** Every filter reason of host h for the prepared class (all stages, for --explain). */
export function hostReasons(h: i32): u32 {
  let r = load<u32>(at32(base, h));
  if (r & R_ABSENT) return R_ABSENT;
  if (unschedulableTolerated) r &= ~R_UNSCHEDULABLE;
  if (taintedHosts > 0 && taintBlocked(h)) r |= R_TAINT;
  if (hasAffinityChecks() && !affinityOk(h)) r |= R_AFFINITY;
  return resourceReasons(h, r);
}

/** The resource fit reasons of host h added to `r`: insufficient dimensions, and whether preemption could help. */
export function resourceReasons(h: i32, r: u32): u32 {
  for (let i = 0; i < reqDimCount; i++) {
    const d = load<i32>(reqDims + (<usize>i << 2));
    const q = reqOf(d);
    if (q > load<f64>(colF(freeF, d, h))) {
      r |= (<u32>1) << (R_INSUFFICIENT_SHIFT + <u32>d);
      if (d != DIM_PODS && q > load<f64>(colF(allocF, d, h))) r |= R_UNRESOLVABLE_FIT;
    }
  }
  return r;
}

/** The normalization maxima combine() divides by (0: that part is not normalized). */
export function setMaxima(aff: i32, taint: i32): void {
  maxAffinity = aff;
  maxTaint = taint;
}

/** The combined score of a feasible host: fit×1 + normalized affinity×2 + reverse-normalized taints×3. */
// @ts-ignore: decorator
@inline export function combine(fitScore: i32, aff: i32, taint: i32): i32 {
  const a = maxAffinity == 0 ? aff : (100 * aff) / maxAffinity;
  const t = maxTaint == 0 ? 100 : 100 - (100 * taint) / maxTaint;
  return WEIGHT_FIT * fitScore + WEIGHT_NODE_AFFINITY * a + WEIGHT_TAINT_TOLERATION * t;
}
