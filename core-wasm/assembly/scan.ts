// Filter and Score over every host for the prepared class. `hostReasons` + `fitScore` are the
// canonical per-host semantics; `scan` computes the same thing for all hosts, with a SIMD fast
// path (f64x2 lanes over the structure-of-arrays columns) for the resource fit and the
// LeastAllocated / MostAllocated scores, which is where the time goes.

import {
  DIM_CPU,
  DIM_MEMORY,
  DIM_PODS,
  R_ABSENT,
  R_AFFINITY,
  R_INSUFFICIENT_MASK,
  R_INSUFFICIENT_SHIFT,
  R_TAINT,
  R_UNRESOLVABLE_FIT,
  R_UNSCHEDULABLE,
  affRaw,
  allocF,
  at32,
  base,
  colF,
  fit,
  freeF,
  hostCap,
  hostEnd,
  hugeHosts,
  ipaRaw,
  nzUsedF,
  reasons,
  taintRaw,
  spreadRaw,
  taintMask,
  taintedHosts,
  topoScore,
  total,
} from './layout';
import { hardHi, hardLo, affinityOk, hasAffinityChecks, hasHardTaints, hasPreferTaints, preferTaintCount, preferredWeight, prefCount, taintBlocked, unschedulableTolerated } from './constraints';
import { STRATEGY_LEAST, STRATEGY_MOST, curStrategy, nzCpu, nzMem, reqDimCount, reqDims, reqOf, scoreDimCount, scoreDims, scoreWeights } from './item';
import { fitScore } from './score';
import { topological, topologyFilter, topologyScores } from './topology';

const WEIGHT_FIT: i32 = 1;
const WEIGHT_NODE_AFFINITY: i32 = 2;
const WEIGHT_TAINT_TOLERATION: i32 = 3;

/** Max raw preferred-affinity / PreferNoSchedule counts over the feasible hosts (NormalizeScore). */
export let maxAffinity: i32 = 0;
export let maxTaint: i32 = 0;
/** Whether the class has any score component that needs normalization. */
export let normalized: bool = false;

/** Every filter reason of host h for the prepared class (all stages, for --explain). */
export function hostReasons(h: i32): u32 {
  let r = load<u32>(at32(base, h));
  if (r & R_ABSENT) return R_ABSENT;
  if (unschedulableTolerated) r &= ~R_UNSCHEDULABLE;
  if (taintedHosts > 0 && taintBlocked(h)) r |= R_TAINT;
  if (hasAffinityChecks() && !affinityOk(h)) r |= R_AFFINITY;
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

export function totalOf(h: i32): i32 {
  if (load<u32>(at32(reasons, h)) != 0) return -1;
  return combine(load<i32>(at32(fit, h)), load<i32>(at32(affRaw, h)), load<i32>(at32(taintRaw, h))) + load<i32>(at32(topoScore, h));
}

/** Recompute the normalization maxima over feasible hosts; true when they changed. */
export function refreshMaxima(): bool {
  if (!normalized) return false;
  let ma = 0;
  let mt = 0;
  const end = hostEnd;
  for (let h = 0; h < end; h++) {
    if (load<u32>(at32(reasons, h)) != 0) continue;
    const a = load<i32>(at32(affRaw, h));
    const t = load<i32>(at32(taintRaw, h));
    if (a > ma) ma = a;
    if (t > mt) mt = t;
  }
  const changed = ma != maxAffinity || mt != maxTaint;
  maxAffinity = ma;
  maxTaint = mt;
  return changed;
}

export function computeTotals(): void {
  refreshMaxima();
  const end = hostEnd;
  for (let h = 0; h < end; h++) store<i32>(at32(total, h), totalOf(h));
}

/** Filter + Score every host for the prepared class: fills reasons, fit, affRaw, taintRaw, total. */
export function scan(): void {
  const end = (hostEnd + 3) & ~3;
  if (ASC_FEATURE_SIMD && hugeHosts == 0 && (curStrategy == STRATEGY_LEAST || curStrategy == STRATEGY_MOST)) {
    // A class with no selector/affinity, no preferences, no topology and at most hard taints:
    // one SIMD pass computes reasons (taints included), fit and total; the passes below would
    // only write zeroes and fit + 300 (combine() with no normalized parts).
    const fused = !topological && !topoDirty && prefCount == 0 && !hasAffinityChecks() && !(taintedHosts > 0 && hasPreferTaints());
    scanResourcesSimd(end, fused, fused && taintedHosts > 0 && hasHardTaints());
    if (fused) {
      memory.fill(affRaw, 0, <usize>end << 2);
      memory.fill(taintRaw, 0, <usize>end << 2);
      normalized = false;
      maxAffinity = 0;
      maxTaint = 0;
      return;
    }
  } else {
    for (let h = 0; h < end; h++) {
      let r = load<u32>(at32(base, h));
      if (r & R_ABSENT) r = R_ABSENT;
      else r = resourceReasons(h, unschedulableTolerated ? r & ~R_UNSCHEDULABLE : r);
      store<u32>(at32(reasons, h), r);
      store<i32>(at32(fit, h), r & R_ABSENT ? 0 : fitScore(h));
    }
  }
  staticPasses(end);
  if (topological) topologyFilter(end);
  // Infeasible hosts carry no scores, like the reference's verdicts.
  for (let h = 0; h < end; h++) {
    if (load<u32>(at32(reasons, h)) != 0) {
      store<i32>(at32(fit, h), 0);
      store<i32>(at32(affRaw, h), 0);
      store<i32>(at32(taintRaw, h), 0);
    }
  }
  if (topological || topoDirty) {
    // Scores of hosts that passed every filter; zeroes what a previous class left behind.
    topologyScoresOrZero(end);
  }
  maxAffinity = 0;
  maxTaint = 0;
  computeTotals();
}

let topoDirty = false;

function topologyScoresOrZero(end: i32): void {
  if (topological) {
    topologyScores(end);
    topoDirty = true;
  } else {
    memory.fill(topoScore, 0, <usize>end << 2);
    memory.fill(ipaRaw, 0, <usize>end << 3);
    memory.fill(spreadRaw, 0, <usize>end << 3);
    topoDirty = false;
  }
}

function resourceReasons(h: i32, r: u32): u32 {
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

/** Taints, node selector / required affinity and the preference raws: per host, only when present. */
function staticPasses(end: i32): void {
  const taints = taintedHosts > 0 && hasHardTaints();
  const affinity = hasAffinityChecks();
  if (taints || affinity) {
    for (let h = 0; h < end; h++) {
      let r = load<u32>(at32(reasons, h));
      if (r & R_ABSENT) continue;
      if (taints && taintBlocked(h)) r |= R_TAINT;
      if (affinity && !affinityOk(h)) r |= R_AFFINITY;
      store<u32>(at32(reasons, h), r);
    }
  }
  const prefer = prefCount > 0;
  const preferTaints = taintedHosts > 0 && hasPreferTaints();
  normalized = prefer || preferTaints;
  for (let h = 0; h < end; h++) {
    store<i32>(at32(affRaw, h), prefer ? preferredWeight(h) : 0);
    store<i32>(at32(taintRaw, h), preferTaints ? preferTaintCount(h) : 0);
  }
}

/**
 * The resource fit and LeastAllocated/MostAllocated score of every host, two hosts per f64x2.
 * Exact: every operand is an integer < 2^53, products stay < 2^53 (allocatable < 2^45 here, see
 * hugeHosts), and floor(a/b) of such integers is exact in doubles.
 */
function scanResourcesSimd(end: i32, fused: bool, taints: bool): void {
  const colBytes = <usize>hostCap << 3;
  const unschedMask = i32x4.splat(unschedulableTolerated ? <i32>~R_UNSCHEDULABLE : -1);
  const absentBit = i32x4.splat(<i32>R_ABSENT);
  const zero = f64x2.splat(0);
  const hundred = f64x2.splat(100);
  const most = curStrategy == STRATEGY_MOST;
  let anyInsufficient = i32x4.splat(0);
  const hard = i64x2(<i64>hardLo, <i64>hardHi);
  const totalOffset = i32x4.splat(WEIGHT_TAINT_TOLERATION * 100);
  for (let h = 0; h < end; h += 4) {
    const o = <usize>h << 3;
    let r = v128.and(v128.load(base + (<usize>h << 2)), unschedMask);
    if (taints) {
      // TaintToleration filter (taintBlocked), four hosts of 128 taint bits each
      const tp = taintMask + (<usize>h << 4);
      let tv = i32x4.splat(0);
      tv = i32x4.replace_lane(tv, 0, v128.any_true(v128.and(v128.load(tp), hard)) ? <i32>R_TAINT : 0);
      tv = i32x4.replace_lane(tv, 1, v128.any_true(v128.and(v128.load(tp + 16), hard)) ? <i32>R_TAINT : 0);
      tv = i32x4.replace_lane(tv, 2, v128.any_true(v128.and(v128.load(tp + 32), hard)) ? <i32>R_TAINT : 0);
      tv = i32x4.replace_lane(tv, 3, v128.any_true(v128.and(v128.load(tp + 48), hard)) ? <i32>R_TAINT : 0);
      r = v128.or(r, tv);
    }
    // NodeResourcesFit: request > allocatable − requested, per requested dimension.
    for (let i = 0; i < reqDimCount; i++) {
      const d = load<i32>(reqDims + (<usize>i << 2));
      const q = f64x2.splat(reqOf(d));
      const p = freeF + <usize>d * colBytes + o;
      const lo = f64x2.gt(q, v128.load(p));
      const hi = f64x2.gt(q, v128.load(p + 16));
      const bad = i32x4.shuffle(lo, hi, 0, 2, 4, 6);
      r = v128.or(r, v128.and(bad, i32x4.splat((<i32>1) << (R_INSUFFICIENT_SHIFT + <u32>d))));
    }
    anyInsufficient = v128.or(anyInsufficient, r);
    // Absent slots report only R_ABSENT.
    const absent = i32x4.ne(v128.and(r, absentBit), i32x4.splat(0));
    r = v128.bitselect(absentBit, r, absent);
    v128.store(reasons + (<usize>h << 2), r);
    // Strategy score: Σ score·w / Σ w over scored dimensions with allocatable > 0.
    let sumLo = zero;
    let sumHi = zero;
    let wLo = zero;
    let wHi = zero;
    for (let s = 0; s < scoreDimCount; s++) {
      const d = load<i32>(scoreDims + (<usize>s << 2));
      const w = f64x2.splat(<f64>load<i32>(scoreWeights + (<usize>s << 2)));
      const ap = allocF + <usize>d * colBytes + o;
      const capLo = v128.load(ap);
      const capHi = v128.load(ap + 16);
      let reqLo: v128;
      let reqHi: v128;
      if (d == DIM_CPU || d == DIM_MEMORY) {
        const nz = f64x2.splat(d == DIM_CPU ? nzCpu : nzMem);
        const up = nzUsedF + (d == DIM_CPU ? 0 : colBytes) + o;
        reqLo = f64x2.add(v128.load(up), nz);
        reqHi = f64x2.add(v128.load(up + 16), nz);
      } else {
        const q = f64x2.splat(reqOf(d));
        const fp = freeF + <usize>d * colBytes + o;
        reqLo = f64x2.add(f64x2.sub(capLo, v128.load(fp)), q);
        reqHi = f64x2.add(f64x2.sub(capHi, v128.load(fp + 16)), q);
      }
      let scLo: v128;
      let scHi: v128;
      if (most) {
        scLo = f64x2.floor(f64x2.div(f64x2.mul(f64x2.min(reqLo, capLo), hundred), capLo));
        scHi = f64x2.floor(f64x2.div(f64x2.mul(f64x2.min(reqHi, capHi), hundred), capHi));
      } else {
        // requested > capacity gives a negative quotient: clamp to 0 like leastRequestedScore.
        scLo = f64x2.max(f64x2.floor(f64x2.div(f64x2.mul(f64x2.sub(capLo, reqLo), hundred), capLo)), zero);
        scHi = f64x2.max(f64x2.floor(f64x2.div(f64x2.mul(f64x2.sub(capHi, reqHi), hundred), capHi)), zero);
      }
      const okLo = f64x2.ne(capLo, zero);
      const okHi = f64x2.ne(capHi, zero);
      sumLo = f64x2.add(sumLo, v128.and(f64x2.mul(scLo, w), okLo));
      sumHi = f64x2.add(sumHi, v128.and(f64x2.mul(scHi, w), okHi));
      wLo = f64x2.add(wLo, v128.and(w, okLo));
      wHi = f64x2.add(wHi, v128.and(w, okHi));
    }
    // Σw = 0 ⇒ 0 (the division gives NaN, which trunc_sat turns into 0).
    const meanLo = f64x2.floor(f64x2.div(sumLo, wLo));
    const meanHi = f64x2.floor(f64x2.div(sumHi, wHi));
    const fitV = i32x4.shuffle(i32x4.trunc_sat_f64x2_s_zero(meanLo), i32x4.trunc_sat_f64x2_s_zero(meanHi), 0, 1, 4, 5);
    if (fused) {
      // infeasible hosts: fit 0, total −1; feasible: total = fit + 300 (see scan)
      const ok = i32x4.eq(r, i32x4.splat(0));
      v128.store(fit + (<usize>h << 2), v128.and(fitV, ok));
      v128.store(total + (<usize>h << 2), v128.bitselect(i32x4.add(fitV, totalOffset), i32x4.splat(-1), ok));
    } else v128.store(fit + (<usize>h << 2), fitV);
  }
  // Requests above a host's whole allocatable are unresolvable by preemption: rare, so scalar.
  if (v128.any_true(v128.and(anyInsufficient, i32x4.splat(<i32>R_INSUFFICIENT_MASK)))) {
    for (let h = 0; h < end; h++) {
      const r = load<u32>(at32(reasons, h));
      if ((r & R_INSUFFICIENT_MASK) == 0 || (r & R_ABSENT) != 0) continue;
      store<u32>(at32(reasons, h), resourceReasons(h, r));
    }
  }
}

