// The SIMD pass: the resource fit and the LeastAllocated / MostAllocated score of every host,
// four hosts per f32x4 lane group over f32 mirrors of the structure-of-arrays columns, with the
// hard-taint filter and a compiled nodeSelector (selector.ts) in the same pass when the scan is
// fused. Every lane the f32 arithmetic cannot decide goes to the exact scalar code, so every
// verdict is the exact one (the argument follows). scan.ts decides when this pass applies.

import {
  DIM_CPU, DIM_MEMORY, DIM_PODS, MAX_DIMS, R_ABSENT, R_AFFINITY, R_INSUFFICIENT_SHIFT, R_TAINT, R_UNRESOLVABLE_FIT,
  R_UNSCHEDULABLE, STRATEGY_LEAST, STRATEGY_MOST,
} from './abi';
import { affinityOk, hardHi, hardLo, selCount, taintBlocked, unschedulableTolerated } from './constraints';
import { curStrategy, nzCpu, nzMem, reqDimCount, reqDims, reqOf, scoreDimCount, scoreDims, scoreWeights } from './item';
import {
  SCORE_SLACK, allocF, allocFloor, allocLo32, at32, base, colF, f32Down, fit, freeF, freeLo32, hostCap, hugeHosts, inv32,
  nzUsedF, reasons, redoGroups, redoMasks, scoreB32, taintFold, taintMask, zeroCapHosts,
} from './layout';
import { foldTaints } from './ledger';
import { fitScore } from './score';
import { prepareSelector, selMatch } from './selector';
import { resourceReasons } from './verdict';

// Exactness. The lanes read f32 mirrors of the exact f64 columns (layout.ts, kept by ledger.ts):
// free↓ and allocatable↓ rounded toward −∞, inv = f32(100/cap) and B = f32(A·100/cap + δ) with
// A = cap − nzUsed (cpu, memory) or free (other dimensions), δ = SCORE_SLACK = 2^-12.
//
// Fit: rounding toward −∞ is monotone, so with the request rounded down too, q↓ > free↓ proves
// q > free and q↓ < free↓ proves q ≤ free; q↓ = free↓ proves q ≤ free when q is an f32 (then
// q↓ = q ≤ free), and is undecided otherwise. Same for q > allocatable (unresolvable).
//
// Score: the exact score is floor(q) (LeastAllocated) or floor(100 − q) (MostAllocated), clamped,
// with q = (A − n)·100/cap, n the workload's (non-zero) request. The lane computes
// x = B − f32(n↓·inv), close to q + δ: with Q = A·100/cap ∈ [−1, 100] and N = n·100/cap ≤ 200,
// the roundings of B, n↓, inv, the product and the difference (u = 2^-24 each, 2u for n↓) give
// |x − (q + δ)| ≤ 101u + 4.01u·N + u·|x| ≤ 101u + 802u + 201u < 6.6e-5, and x − 2δ rounds by
// < 7.7e-6, both well inside δ ≈ 2.4e-4. So when
// x − floor(x) ≥ 2δ, q lies strictly between floor(x) and floor(x) + 1: floor(q) = floor(x), and
// q is not an integer, so floor(100 − q) = 99 − floor(x). When x < 0, q < 0 (requested above
// capacity) and the clamp gives the exact score (0, or 100 for MostAllocated); when N > 200 or
// Q < −1 the same holds (x < 0 and q < 0). A lane with 0 ≤ x − floor(x) < 2δ, a NaN (zero capacity) or an undecided
// fit compare goes to the exact scalar code (exactLane), so every verdict is the exact one.
//
// The weighted mean floor(S/W) of integer scores, S = S0 + S' with S0 = 0 (LeastAllocated) or
// 99·W (MostAllocated: Σ w·(99 − floor(x)), the weights negated in S'), |S'| ≤ 101·W exact in f32:
// t = S/W + 1/(2W) − 1/2 = (2S + 1)/(2W) − 1/2 lies at least 1/(2W) from every half-integer
// (2S + 1 is odd), and round(t) = floor(S/W). The lane computes t' = S'·f32(1/W) + C with
// C = f32(S0/W + 1/(2W) − 1/2), within 2.0e-5 of t (the product ≤ 101 rounded twice: 1.2e-5;
// C and the sum, both below 128, rounded once each: 2^-18), so as long as that stays below
// 1/(2W) — W ≤ MAX_SIMD_WEIGHT — round(t') = floor(S/W), and adding 1.5·2^23 rounds it to that
// integer in the low mantissa bits (ulp 1 on [2^23, 2^24)).

/** Above this weight sum the f32 weighted mean is not proven exact (the scan takes the scalar path). */
export const MAX_SIMD_WEIGHT: i32 = 1024;
/** 1.5·2^23 as f32: adding it to t ∈ (−2^22, 2^22) leaves round(t) in the low mantissa bits. */
const MAGIC: f32 = 12582912;

// Per-scan parameters, written before the loop and loaded inside it: V8 sinks loop-invariant
// splats and address arithmetic into the loop body, while a load from a fixed address is one
// instruction. PV: v128 slots; PP: column addresses.
const PV: usize = memory.data(24 << 4, 16);
const PP: usize = memory.data(12 << 2, 16);
const V_Q: i32 = 0; // 0..3: filter slots, request↓ (−∞ when the slot is unused)
const V_BIT: i32 = 4; // 4..7: their insufficient bits
const V_N: i32 = 8; // 8..9: score slots, request↓
const V_W: i32 = 10; // 10..11: score slots, weight (negated for MostAllocated)
const V_CLAMP: i32 = 12; // lowest floor(x) kept: 0 (LeastAllocated) or −1 (MostAllocated)
const V_INVW: i32 = 13;
const V_HALFW: i32 = 14; // C = S0/W + 1/(2W) − 1/2 (see above)
const V_TWO_SLACK: i32 = 15;
const V_MAGIC: i32 = 16;
const V_UNSCHED: i32 = 17; // mask keeping base's bits (R_UNSCHEDULABLE dropped when tolerated)
const V_HARD: i32 = 18; // untolerated NoSchedule/NoExecute taints
const V_UNRES_Q: i32 = 19; // 19..22: unresolvable slots, request↓
const V_HARD_FOLD: i32 = 23; // the untolerated hard taints folded to 32 bits (foldTaints)
const P_FREE: i32 = 0; // 0..3: filter slots, freeLo32 column
const P_B: i32 = 4; // 4..5: score slots, scoreB32 column
const P_INV: i32 = 6; // 6..7: score slots, inv32 column
const P_UNRES: i32 = 8; // 8..11: unresolvable slots, allocLo32 column
const MAX_UNRES: i32 = 4;

// @ts-ignore: decorator
@inline function pv(k: i32): v128 {
  return v128.load(PV + (<usize>k << 4));
}
// @ts-ignore: decorator
@inline function pp(k: i32): usize {
  return <usize>load<u32>(PP + (<usize>k << 2));
}

// Per-scan tables of the general loop (any number of dimensions, inexact requests, zero capacities).
const reqQ32: usize = memory.data(MAX_DIMS * 4); // f32 request rounded toward −∞
const reqInexact: usize = memory.data(MAX_DIMS * 4); // i32 1 when the request is not an f32
const scoreN32: usize = memory.data(MAX_DIMS * 4); // f32 the (non-zero) request, rounded toward −∞
let unresCount = 0;
/** Hosts the last SIMD pass sent to the exact scalar code (undecided f32 lanes). */
export let exactLanes = 0;

/** The exact scalar verdict of one host of a SIMD group that the f32 lanes could not decide. */
function exactLane(h: i32, fused: bool, taints: bool, sel: bool): void {
  exactLanes++;
  let r = load<u32>(at32(base, h));
  let f = 0;
  if (r & R_ABSENT) r = R_ABSENT;
  else {
    if (unschedulableTolerated) r &= ~R_UNSCHEDULABLE;
    if (taints && taintBlocked(h)) r |= R_TAINT;
    if (sel && !affinityOk(h)) r |= R_AFFINITY;
    r = resourceReasons(h, r);
    f = fitScore(h);
  }
  store<u32>(at32(reasons, h), r);
  store<i32>(at32(fit, h), fused && r != 0 ? 0 : f);
}

/**
 * fitScore (LeastAllocated / MostAllocated) of host h in f64: every allocatable is below 2^45 on
 * this path (hugeHosts = 0), so for 0 ≤ a ≤ cap, a·100 is exact and the rounded quotient is
 * within 2^-47 of a·100/cap, whose fractional part is 0 or ≥ 1/cap > 2^-45: the floor is exact,
 * and so is floor(Σ score·w / Σ w). No i64 division: this is the undecided lanes' path.
 */
function exactFit(h: i32): i32 {
  const most = curStrategy == STRATEGY_MOST;
  let sum: f64 = 0;
  let weights: f64 = 0;
  for (let s = 0; s < scoreDimCount; s++) {
    const d = load<i32>(scoreDims + (<usize>s << 2));
    const cap = load<f64>(colF(allocF, d, h));
    if (cap == 0) continue;
    const requested =
      d == DIM_CPU ? load<f64>(colF(nzUsedF, 0, h)) + nzCpu
      : d == DIM_MEMORY ? load<f64>(colF(nzUsedF, 1, h)) + nzMem
      : cap - load<f64>(colF(freeF, d, h)) + reqOf(d);
    let score: f64;
    if (most) score = Math.floor((Math.min(requested, cap) * 100) / cap);
    else score = requested > cap ? 0 : Math.floor(((cap - requested) * 100) / cap);
    const w = <f64>load<i32>(scoreWeights + (<usize>s << 2));
    sum += score * w;
    weights += w;
  }
  return weights == 0 ? 0 : <i32>Math.floor(sum / weights);
}

/** Fast loop: the fit is decided, host h is feasible (fused) and only its score was undecided. */
function exactScoreLane(h: i32): void {
  exactLanes++;
  store<i32>(at32(fit, h), exactFit(h));
}

/**
 * Lists a group of four hosts whose scores the f32 lanes could not decide (mask `redo`): the
 * fast loop makes no call, so V8 keeps its vectors in registers instead of saving them around
 * one. Returns the new list length; redoListed() decides the lanes after the loop.
 */
// @ts-ignore: decorator
@inline function listRedo(redo: v128, h: i32, n: i32): i32 {
  if (v128.any_true(redo)) {
    v128.store(redoMasks + (<usize>n << 4), redo);
    store<i32>(redoGroups + (<usize>n << 2), h);
    n++;
  }
  return n;
}

/** The exact scores of the lanes listRedo listed (feasible hosts; their fit is rewritten). */
function redoListed(n: i32): void {
  for (let i = 0; i < n; i++) {
    const redo = v128.load(redoMasks + (<usize>i << 4));
    const h = load<i32>(redoGroups + (<usize>i << 2));
    if (i32x4.extract_lane(redo, 0) != 0) exactScoreLane(h);
    if (i32x4.extract_lane(redo, 1) != 0) exactScoreLane(h + 1);
    if (i32x4.extract_lane(redo, 2) != 0) exactScoreLane(h + 2);
    if (i32x4.extract_lane(redo, 3) != 0) exactScoreLane(h + 3);
  }
}

// @ts-ignore: decorator
@inline function redoLanes(redo: v128, h: i32, fused: bool, taints: bool, sel: bool): void {
  if (v128.any_true(redo)) {
    if (i32x4.extract_lane(redo, 0) != 0) exactLane(h, fused, taints, sel);
    if (i32x4.extract_lane(redo, 1) != 0) exactLane(h + 1, fused, taints, sel);
    if (i32x4.extract_lane(redo, 2) != 0) exactLane(h + 2, fused, taints, sel);
    if (i32x4.extract_lane(redo, 3) != 0) exactLane(h + 3, fused, taints, sel);
  }
}

/**
 * Hard-taint and nodeSelector reasons of four hosts (fused pass). The folded taint column proves
 * most groups untainted with one AND; the rest take the exact 128-bit test per host. A selector
 * requirement matches when (v = a or v = b) xor inv (label value ids are ≥ 1, 0 = absent).
 */
// @ts-ignore: decorator
@inline function staticBits(r: v128, h: i32, o: usize, taints: bool, nSel: i32): v128 {
  if (taints && v128.any_true(v128.and(v128.load(taintFold + o), pv(V_HARD_FOLD)))) r = v128.or(r, taintBits(h));
  if (nSel > 0) {
    let m = selMatch(o, 0);
    for (let k = 1; k < nSel; k++) m = v128.and(m, selMatch(o, k));
    // empty slots report R_ABSENT alone
    const absent = i32x4.ne(v128.and(r, i32x4.splat(<i32>R_ABSENT)), i32x4.splat(0));
    r = v128.or(r, v128.andnot(i32x4.splat(<i32>R_AFFINITY), v128.or(m, absent)));
  }
  return r;
}

/** TaintToleration filter (taintBlocked) of four hosts of 128 taint bits each. */
// @ts-ignore: decorator
@inline function taintBits(h: i32): v128 {
  const hard = pv(V_HARD);
  const tp = taintMask + (<usize>h << 4);
  let tv = i32x4.splat(0);
  tv = i32x4.replace_lane(tv, 0, v128.any_true(v128.and(v128.load(tp), hard)) ? <i32>R_TAINT : 0);
  tv = i32x4.replace_lane(tv, 1, v128.any_true(v128.and(v128.load(tp + 16), hard)) ? <i32>R_TAINT : 0);
  tv = i32x4.replace_lane(tv, 2, v128.any_true(v128.and(v128.load(tp + 32), hard)) ? <i32>R_TAINT : 0);
  tv = i32x4.replace_lane(tv, 3, v128.any_true(v128.and(v128.load(tp + 48), hard)) ? <i32>R_TAINT : 0);
  return tv;
}

/** x = B − n·inv of score slot k for four hosts (see the exactness notes above). */
// @ts-ignore: decorator
@inline function scoreSlot(o: usize, k: i32): v128 {
  return f32x4.sub(v128.load(pp(P_B + k) + o), f32x4.mul(pv(V_N + k), v128.load(pp(P_INV + k) + o)));
}

// AssemblyScript has no constant generics and inlines a call's arguments as locals, which the
// optimizer then merges back into one loop with the counts tested per group of hosts (seen in
// the .wat: the 2/3/4-request loops were one). A class's size, offsetof<K>(), is a compile-time
// constant, so the fast loop takes its slot counts as these types and every `if` on them is
// decided when it is compiled.
@unmanaged class K0 {}
@unmanaged class K1 { a: u8; }
@unmanaged class K2 { a: u8; b: u8; }
@unmanaged class K3 { a: u8; b: u8; c: u8; }
@unmanaged class K4 { a: u8; b: u8; c: u8; d: u8; }

/** floor(S/W) of four weighted score sums as i32 (see the exactness notes above): no floor. */
// @ts-ignore: decorator
@inline function meanFloor(sum: v128, invW: v128, halfW: v128, magic: v128): v128 {
  return i32x4.sub(f32x4.add(f32x4.add(f32x4.mul(sum, invW), halfW), magic), magic);
}

/** The reasons of a group of four hosts with request slot k's insufficient bit added. */
// @ts-ignore: decorator
@inline function lacks(r: v128, q: v128, free: usize, bit: v128): v128 {
  return v128.or(r, v128.and(f32x4.gt(q, v128.load(free)), bit));
}

/**
 * The loop for the common class: every request an f32, R requested dimensions (1–4), S scored
 * dimensions (1–2) without a zero-capacity host, unresolvable compares only where some host's
 * allocatable is below the request; T: the taint/selector step, F: fused (fit 0 on infeasible hosts;
 * `total` is left to deriveTotals).
 * Two groups of four hosts per iteration, each operand loaded once for both: V8 keeps no
 * operand in a register across the loop's stores, so a load serves eight hosts instead of four.
 * Columns hold hostCap slots (a multiple of 64) and slots past hostEnd are empty, so the loop
 * may run to a multiple of 8.
 */
// @ts-ignore: decorator
@inline function fastLoop<R, S, T, F>(end: i32, taints: bool): void {
  const NR = offsetof<R>();
  const NS = offsetof<S>();
  const ST = offsetof<T>() != 0;
  const fused = offsetof<F>() != 0;
  const nUnres = unresCount;
  const nSel = fused ? selCount : 0;
  const baseP = base;
  const reasonsP = reasons;
  const fitP = fit;
  const end8 = (end + 7) & ~7;
  let nRedo = 0;
  for (let h = 0; h < end8; h += 8) {
    const o = <usize>h << 2;
    const o2 = o + 16;
    const unsched = pv(V_UNSCHED);
    let r = v128.and(v128.load(baseP + o), unsched);
    let r2 = v128.and(v128.load(baseP + o2), unsched);
    if (ST) {
      r = staticBits(r, h, o, taints, nSel);
      r2 = staticBits(r2, h + 4, o2, taints, nSel);
    }
    // Empty slots hold +∞ free and allocatable, so they keep R_ABSENT alone.
    let c = pp(P_FREE) + o;
    r = lacks(r, pv(V_Q), c, pv(V_BIT));
    r2 = lacks(r2, pv(V_Q), c + 16, pv(V_BIT));
    if (NR > 1) {
      c = pp(P_FREE + 1) + o;
      r = lacks(r, pv(V_Q + 1), c, pv(V_BIT + 1));
      r2 = lacks(r2, pv(V_Q + 1), c + 16, pv(V_BIT + 1));
    }
    if (NR > 2) {
      c = pp(P_FREE + 2) + o;
      r = lacks(r, pv(V_Q + 2), c, pv(V_BIT + 2));
      r2 = lacks(r2, pv(V_Q + 2), c + 16, pv(V_BIT + 2));
    }
    if (NR > 3) {
      c = pp(P_FREE + 3) + o;
      r = lacks(r, pv(V_Q + 3), c, pv(V_BIT + 3));
      r2 = lacks(r2, pv(V_Q + 3), c + 16, pv(V_BIT + 3));
    }
    if (nUnres > 0) {
      // allocatable ≥ free, so q > allocatable comes with the insufficient bit already set
      const bit = i32x4.splat(<i32>R_UNRESOLVABLE_FIT);
      for (let k = 0; k < nUnres; k++) {
        c = pp(P_UNRES + k) + o;
        r = lacks(r, pv(V_UNRES_Q + k), c, bit);
        r2 = lacks(r2, pv(V_UNRES_Q + k), c + 16, bit);
      }
    }
    // score slot 0: x = B − n·inv; floor(x) clamped and weighted into sum, x − floor(x) into frac
    c = pp(P_B) + o;
    let i = pp(P_INV) + o;
    let n = pv(V_N);
    const x = f32x4.sub(v128.load(c), f32x4.mul(n, v128.load(i)));
    const x2 = f32x4.sub(v128.load(c + 16), f32x4.mul(n, v128.load(i + 16)));
    const fl = f32x4.floor(x);
    const fl2 = f32x4.floor(x2);
    let frac = f32x4.sub(x, fl);
    let frac2 = f32x4.sub(x2, fl2);
    let clamp = pv(V_CLAMP);
    let w = pv(V_W);
    let sum = f32x4.mul(f32x4.pmax(fl, clamp), w);
    let sum2 = f32x4.mul(f32x4.pmax(fl2, clamp), w);
    if (NS > 1) {
      c = pp(P_B + 1) + o;
      i = pp(P_INV + 1) + o;
      n = pv(V_N + 1);
      const y = f32x4.sub(v128.load(c), f32x4.mul(n, v128.load(i)));
      const y2 = f32x4.sub(v128.load(c + 16), f32x4.mul(n, v128.load(i + 16)));
      const gl = f32x4.floor(y);
      const gl2 = f32x4.floor(y2);
      frac = f32x4.pmin(frac, f32x4.sub(y, gl));
      frac2 = f32x4.pmin(frac2, f32x4.sub(y2, gl2));
      clamp = pv(V_CLAMP);
      w = pv(V_W + 1);
      sum = f32x4.add(sum, f32x4.mul(f32x4.pmax(gl, clamp), w));
      sum2 = f32x4.add(sum2, f32x4.mul(f32x4.pmax(gl2, clamp), w));
    }
    // floor(S/W) as an i32 (meanFloor: the 1.5·2^23 rounding, see the exactness notes)
    const magic = pv(V_MAGIC);
    const invW = pv(V_INVW);
    const halfW = pv(V_HALFW);
    const fitV = meanFloor(sum, invW, halfW, magic);
    const fitV2 = meanFloor(sum2, invW, halfW, magic);
    // all ones where the host passes every filter
    const ok = i32x4.eq(r, i32x4.splat(0));
    const ok2 = i32x4.eq(r2, i32x4.splat(0));
    // A feasible host whose score is within 2δ above an integer: the exact path decides it.
    const twoSlack = pv(V_TWO_SLACK);
    const redo = v128.andnot(ok, f32x4.ge(frac, twoSlack));
    const redo2 = v128.andnot(ok2, f32x4.ge(frac2, twoSlack));
    v128.store(reasonsP + o, r);
    v128.store(reasonsP + o2, r2);
    if (fused) {
      v128.store(fitP + o, v128.and(fitV, ok));
      v128.store(fitP + o2, v128.and(fitV2, ok2));
    } else {
      v128.store(fitP + o, fitV);
      v128.store(fitP + o2, fitV2);
    }
    nRedo = listRedo(redo, h, nRedo);
    nRedo = listRedo(redo2, h + 4, nRedo);
  }
  if (nRedo > 0) redoListed(nRedo);
}

// @ts-ignore: decorator
@inline function fastLoops<S, T, F>(end: i32, taints: bool): void {
  if (reqDimCount == 1) fastLoop<K1, S, T, F>(end, taints);
  else if (reqDimCount == 2) fastLoop<K2, S, T, F>(end, taints);
  else if (reqDimCount == 3) fastLoop<K3, S, T, F>(end, taints);
  else fastLoop<K4, S, T, F>(end, taints);
}

// @ts-ignore: decorator
@inline function fastLoopsFor<T, F>(end: i32, taints: bool): void {
  if (scoreDimCount == 1) fastLoops<K1, T, F>(end, taints);
  else fastLoops<K2, T, F>(end, taints);
}

/**
 * The resource fit and LeastAllocated/MostAllocated score of every host, four hosts per f32x4
 * (see the exactness notes above). `fused`: fit 0 where infeasible (total is then deferred:
 * totalsDeferred), the hard-taint filter when `taints` and the nodeSelector when `sel`.
 */
export function scanResourcesSimd(end: i32, fused: bool, taints: bool, sel: bool): void {
  exactLanes = 0;
  if (sel) prepareSelector();
  if (prepareLanes()) {
    // Constant slot counts, and the taint/selector step only in the loops that need it.
    if (fused) {
      if (taints || sel) fastLoopsFor<K1, K1>(end, taints);
      else fastLoopsFor<K0, K1>(end, taints);
    } else fastLoopsFor<K0, K0>(end, taints);
    return;
  }
  generalLoop(end, fused, taints);
}

/**
 * The per-class operands of the f32 lanes (PV/PP) for the prepared class; true when the fast
 * loop's slots hold them (every request an f32, 1–4 requested and 1–2 scored dimensions, no
 * zero-capacity host), false when only generalLoop may run.
 */
function prepareLanes(): bool {
  const colBytes = <usize>hostCap << 2;
  const most = curStrategy == STRATEGY_MOST;
  let exactReqs = true;
  for (let i = 0; i < reqDimCount; i++) {
    const d = load<i32>(reqDims + (<usize>i << 2));
    const q = reqOf(d);
    const q32 = f32Down(q);
    store<f32>(reqQ32 + (<usize>i << 2), q32);
    const inexact = <f64>q32 != q;
    store<i32>(reqInexact + (<usize>i << 2), inexact ? 1 : 0);
    if (inexact) exactReqs = false;
  }
  let weights: f64 = 0;
  let zeroCaps = false;
  for (let s = 0; s < scoreDimCount; s++) {
    const d = load<i32>(scoreDims + (<usize>s << 2));
    weights += <f64>load<i32>(scoreWeights + (<usize>s << 2));
    store<f32>(scoreN32 + (<usize>s << 2), f32Down(d == DIM_CPU ? nzCpu : d == DIM_MEMORY ? nzMem : reqOf(d)));
    if (load<i32>(zeroCapHosts + (<usize>d << 2)) != 0) zeroCaps = true;
  }
  const unsched = unschedulableTolerated ? <i32>~R_UNSCHEDULABLE : -1;
  v128.store(PV + (V_UNSCHED << 4), i32x4.splat(unsched));
  v128.store(PV + (V_HARD << 4), i64x2(<i64>hardLo, <i64>hardHi));
  v128.store(PV + (V_HARD_FOLD << 4), i32x4.splat(<i32>foldTaints(hardLo, hardHi)));
  v128.store(PV + (V_INVW << 4), f32x4.splat(weights == 0 ? 0 : <f32>(1.0 / weights)));
  v128.store(PV + (V_HALFW << 4), f32x4.splat(weights == 0 ? 0 : <f32>((most ? 99.0 : 0.0) + 0.5 / weights - 0.5)));
  v128.store(PV + (V_TWO_SLACK << 4), f32x4.splat(2 * SCORE_SLACK));
  v128.store(PV + (V_MAGIC << 4), f32x4.splat(MAGIC));
  v128.store(PV + (V_CLAMP << 4), f32x4.splat(most ? -1 : 0));
  if (exactReqs && !zeroCaps && reqDimCount >= 1 && reqDimCount <= 4 && scoreDimCount >= 1 && scoreDimCount <= 2) {
    for (let i = 0; i < 4; i++) {
      const used = i < reqDimCount;
      const d = used ? load<i32>(reqDims + (<usize>i << 2)) : 0;
      v128.store(PV + (<usize>(V_Q + i) << 4), f32x4.splat(used ? load<f32>(reqQ32 + (<usize>i << 2)) : -Infinity));
      v128.store(PV + (<usize>(V_BIT + i) << 4), i32x4.splat(used ? (<i32>1) << (R_INSUFFICIENT_SHIFT + <u32>d) : 0));
      store<u32>(PP + (<usize>(P_FREE + i) << 2), <u32>(freeLo32 + <usize>d * colBytes));
    }
    for (let s = 0; s < 2; s++) {
      const used = s < scoreDimCount;
      const d = used ? load<i32>(scoreDims + (<usize>s << 2)) : 0;
      const w = used ? <f32>load<i32>(scoreWeights + (<usize>s << 2)) : 0;
      v128.store(PV + (<usize>(V_N + s) << 4), f32x4.splat(used ? load<f32>(scoreN32 + (<usize>s << 2)) : 0));
      v128.store(PV + (<usize>(V_W + s) << 4), f32x4.splat(most ? -w : w));
      store<u32>(PP + (<usize>(P_B + s) << 2), <u32>(scoreB32 + <usize>d * colBytes));
      store<u32>(PP + (<usize>(P_INV + s) << 2), <u32>(inv32 + <usize>d * colBytes));
    }
    // q > allocatable is possible only where some host's allocatable is below the request.
    unresCount = 0;
    for (let i = 0; i < reqDimCount && unresCount < MAX_UNRES; i++) {
      const d = load<i32>(reqDims + (<usize>i << 2));
      if (d == DIM_PODS || !(reqOf(d) > load<f64>(allocFloor + (<usize>d << 3)))) continue;
      v128.store(PV + (<usize>(V_UNRES_Q + unresCount) << 4), f32x4.splat(load<f32>(reqQ32 + (<usize>i << 2))));
      store<u32>(PP + (<usize>(P_UNRES + unresCount) << 2), <u32>(allocLo32 + <usize>d * colBytes));
      unresCount++;
    }
    return true;
  }
  return false;
}

/**
 * For a batch's lazy rescoring (lazy.ts): prepare the f32 lanes for the prepared class; true
 * when laneFits may be used (the conditions of the fused scan's fast loop).
 */
export function prepareLaneFits(): bool {
  if (
    !ASC_FEATURE_SIMD || hugeHosts != 0 || (curStrategy != STRATEGY_LEAST && curStrategy != STRATEGY_MOST) ||
    scoreWeightSum() > MAX_SIMD_WEIGHT
  ) return false;
  return prepareLanes();
}

/** laneFits: a lane the f32 arithmetic cannot decide (the caller rescores it exactly). */
export const LANE_UNDECIDED: i32 = -2;

/**
 * The resource fit of hosts h..h+3 (h a multiple of 4) for the class prepareLaneFits prepared:
 * the strategy score 0..100, −1 where a requested dimension does not fit, LANE_UNDECIDED where
 * the score lies too close to an integer for the f32 lanes (see the exactness notes above).
 * Only the resource filter: the caller knows the hosts passed the static filters. The score
 * step repeats fastLoop's: a shared helper must hand back two vectors (fit and the fractions),
 * and through memory that cost the scan kernel ~5% (measured).
 */
export function laneFits(h: i32): v128 {
  const o = <usize>h << 2;
  // unused request slots hold −∞: never "insufficient"
  let bad = f32x4.gt(pv(V_Q), v128.load(pp(P_FREE) + o));
  bad = v128.or(bad, f32x4.gt(pv(V_Q + 1), v128.load(pp(P_FREE + 1) + o)));
  bad = v128.or(bad, f32x4.gt(pv(V_Q + 2), v128.load(pp(P_FREE + 2) + o)));
  bad = v128.or(bad, f32x4.gt(pv(V_Q + 3), v128.load(pp(P_FREE + 3) + o)));
  const x0 = scoreSlot(o, 0);
  const f0 = f32x4.floor(x0);
  let frac = f32x4.sub(x0, f0);
  let sum = f32x4.mul(f32x4.pmax(f0, pv(V_CLAMP)), pv(V_W));
  if (scoreDimCount > 1) {
    const x1 = scoreSlot(o, 1);
    const f1 = f32x4.floor(x1);
    frac = f32x4.pmin(frac, f32x4.sub(x1, f1));
    sum = f32x4.add(sum, f32x4.mul(f32x4.pmax(f1, pv(V_CLAMP)), pv(V_W + 1)));
  }
  const fitV = meanFloor(sum, pv(V_INVW), pv(V_HALFW), pv(V_MAGIC));
  const undecided = v128.andnot(v128.not(f32x4.ge(frac, pv(V_TWO_SLACK))), bad);
  return v128.bitselect(i32x4.splat(LANE_UNDECIDED), v128.bitselect(i32x4.splat(-1), fitV, bad), undecided);
}

/** The same pass for any class: loops over the dimensions, undecided fit compares, NaN scores. */
function generalLoop(end: i32, fused: bool, taints: bool): void {
  const nSel = fused ? selCount : 0;
  const sel = nSel > 0;
  const colBytes = <usize>hostCap << 2;
  const zeroI = i32x4.splat(0);
  const absentBit = i32x4.splat(<i32>R_ABSENT);
  const twoSlack = f32x4.splat(2 * SCORE_SLACK);
  for (let h = 0; h < end; h += 4) {
    const o = <usize>h << 2;
    let r = v128.and(v128.load(base + o), pv(V_UNSCHED));
    if (taints || sel) r = staticBits(r, h, o, taints, nSel);
    let amb = zeroI;
    let unres = zeroI;
    for (let i = 0; i < reqDimCount; i++) {
      const d = load<i32>(reqDims + (<usize>i << 2));
      const q = f32x4.splat(load<f32>(reqQ32 + (<usize>i << 2)));
      const inexact = load<i32>(reqInexact + (<usize>i << 2)) != 0;
      const fv = v128.load(freeLo32 + <usize>d * colBytes + o);
      const bad = f32x4.gt(q, fv);
      r = v128.or(r, v128.and(bad, i32x4.splat((<i32>1) << (R_INSUFFICIENT_SHIFT + <u32>d))));
      if (inexact) amb = v128.or(amb, f32x4.eq(q, fv));
      if (d != DIM_PODS) {
        const av = v128.load(allocLo32 + <usize>d * colBytes + o);
        unres = v128.or(unres, v128.and(bad, f32x4.gt(q, av)));
        if (inexact) amb = v128.or(amb, f32x4.eq(q, av));
      }
    }
    r = v128.or(r, v128.and(unres, i32x4.splat(<i32>R_UNRESOLVABLE_FIT)));
    r = v128.bitselect(absentBit, r, i32x4.ne(v128.and(r, absentBit), zeroI));
    v128.store(reasons + o, r);
    let sum = f32x4.splat(0);
    let ambScore = zeroI;
    for (let s = 0; s < scoreDimCount; s++) {
      const d = load<i32>(scoreDims + (<usize>s << 2));
      const n = f32x4.splat(load<f32>(scoreN32 + (<usize>s << 2)));
      const x = f32x4.sub(v128.load(scoreB32 + <usize>d * colBytes + o), f32x4.mul(n, v128.load(inv32 + <usize>d * colBytes + o)));
      const hi = f32x4.floor(x);
      // floor(x − 2δ) ≠ floor(x), or NaN (zero capacity): undecided
      ambScore = v128.or(ambScore, f32x4.ne(f32x4.floor(f32x4.sub(x, twoSlack)), hi));
      const w = <f32>load<i32>(scoreWeights + (<usize>s << 2));
      sum = f32x4.add(sum, f32x4.mul(f32x4.max(hi, pv(V_CLAMP)), f32x4.splat(curStrategy == STRATEGY_MOST ? -w : w)));
    }
    const fitV = meanFloor(sum, pv(V_INVW), pv(V_HALFW), pv(V_MAGIC));
    const ok = i32x4.eq(r, zeroI);
    v128.store(fit + o, fused ? v128.and(fitV, ok) : fitV);
    redoLanes(v128.or(amb, v128.and(ambScore, ok)), h, fused, taints, sel);
  }
}

/** Σ of the prepared class's scored weights: W of the exactness notes. */
export function scoreWeightSum(): i32 {
  let w = 0;
  for (let s = 0; s < scoreDimCount; s++) w += load<i32>(scoreWeights + (<usize>s << 2));
  return w;
}
