// Node selectors, required/preferred node affinity and tolerations, compiled by the TypeScript
// side into a flat i32 "program" per constraint id (rule twins: model/selectors.ts,
// core-wasm/src/rules/node-affinity.ts and core-wasm/src/rules/taints.ts):
//
//   [nSel, req × nSel,
//    nTerms (−1 = no required affinity), (nReqs, req × nReqs) × nTerms,
//    nPref, (weight, nReqs, req × nReqs) × nPref,
//    nTol, (key, op, value, effect) × nTol]
//   req = [labelColumn, op, nValues, value ids × nValues, int64 operand lo, hi]
//
// Label values are interned ids per host and column (0 = label absent), so In/NotIn/Exists are
// integer compares that run four hosts at a time.

import {
  EFFECT_ANY, EFFECT_PREFER_NO_SCHEDULE, HOST_TAINT_SLOTS, OP_DOES_NOT_EXIST, OP_EXISTS, OP_GT, OP_IN, OP_NOT_IN,
  TOL_EQUAL, UNSCHEDULABLE_TAINT_ID,
} from './abi';
import { CHECKS } from './checks';
import {
  at32,
  colI,
  constraintCap,
  constraintOff,
  labels,
  prog,
  taintCount,
  taintEffect,
  taintKey,
  taintList,
  taintMask,
  taintValue,
  valueNum,
  valueValid,
} from './layout';

// The constraint being evaluated, prepared once per workload class.
export let selPtr: usize = 0;
export let selCount: i32 = 0;
export let termsPtr: usize = 0;
export let termCount: i32 = -1;
export let prefPtr: usize = 0;
export let prefCount: i32 = 0;
/** Untolerated NoSchedule/NoExecute taints, as two 64-bit halves of a 128-bit set. */
export let hardLo: u64 = 0;
export let hardHi: u64 = 0;
export let preferLo: u64 = 0;
export let preferHi: u64 = 0;
export let unschedulableTolerated: bool = false;

// @ts-ignore: decorator
@inline function word(p: usize): i32 {
  return load<i32>(p);
}

/** Words taken by the requirement at p. */
// @ts-ignore: decorator
@inline export function reqWords(p: usize): i32 {
  return 5 + word(p + 8);
}

function skipTerm(p: usize, n: i32): usize {
  for (let i = 0; i < n; i++) p += <usize>reqWords(p) << 2;
  return p;
}

/** Decode constraint `id` and compute the class's toleration sets over the taint vocabulary. */
export function prepareConstraint(id: i32): void {
  if (CHECKS) assert(<u32>id < <u32>constraintCap, 'constraint id never defined');
  let p = prog + (<usize>load<i32>(at32(constraintOff, id)) << 2);
  selCount = word(p);
  selPtr = p + 4;
  p = skipTerm(selPtr, selCount);
  termCount = word(p);
  p += 4;
  termsPtr = p;
  for (let t = 0; t < termCount; t++) p = skipTerm(p + 4, word(p));
  prefCount = word(p);
  p += 4;
  prefPtr = p;
  for (let t = 0; t < prefCount; t++) p = skipTerm(p + 8, word(p + 4));
  const nTol = word(p);
  const tolPtr = p + 4;
  hardLo = 0;
  hardHi = 0;
  preferLo = 0;
  preferHi = 0;
  for (let t = 0; t < taintCount; t++) {
    const effect = load<i32>(at32(taintEffect, t));
    if (effect == 0) continue; // undefined id
    if (tolerated(tolPtr, nTol, load<i32>(at32(taintKey, t)), load<i32>(at32(taintValue, t)), effect)) continue;
    const bit: u64 = (<u64>1) << (<u64>(t & 63));
    if (effect == EFFECT_PREFER_NO_SCHEDULE) {
      if (t < 64) preferLo |= bit;
      else preferHi |= bit;
    } else {
      if (t < 64) hardLo |= bit;
      else hardHi |= bit;
    }
  }
  // NodeUnschedulable: a cordoned host admits workloads that tolerate the unschedulable taint.
  unschedulableTolerated = ((hardLo >> <u64>UNSCHEDULABLE_TAINT_ID) & 1) == 0;
}

/** v1.Toleration.ToleratesTaint for any toleration of the list. */
function tolerated(p: usize, n: i32, key: i32, value: i32, effect: i32): bool {
  for (let i = 0; i < n; i++) {
    const q = p + (<usize>i << 4);
    const tEffect = word(q + 12);
    if (tEffect != EFFECT_ANY && tEffect != effect) continue;
    const tKey = word(q);
    if (tKey != -1 && tKey != key) continue;
    if (word(q + 4) == TOL_EQUAL && word(q + 8) != value) continue;
    return true;
  }
  return false;
}

// ---------------------------------------------------------------- scalar evaluation (one host)

function reqMatches(p: usize, h: i32): bool {
  const v = load<i32>(colI(labels, word(p), h));
  const op = word(p + 4);
  const n = word(p + 8);
  if (op == OP_EXISTS) return v != 0;
  if (op == OP_DOES_NOT_EXIST) return v == 0;
  if (op == OP_IN || op == OP_NOT_IN) {
    let found = false;
    if (v != 0) {
      for (let i = 0; i < n; i++) {
        if (word(p + 12 + (<usize>i << 2)) == v) {
          found = true;
          break;
        }
      }
    }
    return op == OP_IN ? found : !found;
  }
  // Gt / Lt: the label value must parse as an int64 (Kubernetes' strconv.ParseInt).
  if (v == 0 || load<u8>(valueValid + <usize>v) == 0) return false;
  const num = load<i64>(valueNum + (<usize>v << 3));
  const q = p + 12 + (<usize>n << 2);
  const operand = (<i64>load<u32>(q)) | ((<i64>load<i32>(q + 4)) << 32);
  return op == OP_GT ? num > operand : num < operand;
}

/** Every requirement holds; an empty term matches nothing (as in Kubernetes). */
function termMatches(p: usize, n: i32, h: i32): bool {
  if (n == 0) return false;
  for (let i = 0; i < n; i++) {
    if (!reqMatches(p, h)) return false;
    p += <usize>reqWords(p) << 2;
  }
  return true;
}

/** nodeSelector and required node affinity both hold on host h. */
export function affinityOk(h: i32): bool {
  let p = selPtr;
  for (let i = 0; i < selCount; i++) {
    if (!reqMatches(p, h)) return false;
    p += <usize>reqWords(p) << 2;
  }
  if (termCount < 0) return true;
  p = termsPtr;
  for (let t = 0; t < termCount; t++) {
    const n = word(p);
    if (termMatches(p + 4, n, h)) return true;
    p = skipTerm(p + 4, n);
  }
  return false;
}

/** Σ weights of the preferred terms that match host h. */
export function preferredWeight(h: i32): i32 {
  let raw = 0;
  let p = prefPtr;
  for (let t = 0; t < prefCount; t++) {
    const weight = word(p);
    const n = word(p + 4);
    if (termMatches(p + 8, n, h)) raw += weight;
    p = skipTerm(p + 8, n);
  }
  return raw;
}

export function hasAffinityChecks(): bool {
  return selCount > 0 || termCount >= 0;
}

export function hasHardTaints(): bool {
  return (hardLo | hardHi) != 0;
}

export function hasPreferTaints(): bool {
  return (preferLo | preferHi) != 0;
}

/** The host carries a NoSchedule/NoExecute taint the class does not tolerate. */
export function taintBlocked(h: i32): bool {
  const p = taintMask + (<usize>h << 4);
  return ((load<u64>(p) & hardLo) | (load<u64>(p + 8) & hardHi)) != 0;
}

/** Untolerated PreferNoSchedule taints on host h (TaintToleration's raw score). */
export function preferTaintCount(h: i32): i32 {
  const p = taintMask + (<usize>h << 4);
  return <i32>(popcnt<u64>(load<u64>(p) & preferLo) + popcnt<u64>(load<u64>(p + 8) & preferHi));
}

/** The first untolerated hard taint of host h in the Node's order (for the message), or −1. */
export function firstBlockingTaint(h: i32): i32 {
  const p = taintList + <usize>h * HOST_TAINT_SLOTS;
  for (let i = 0; i < HOST_TAINT_SLOTS; i++) {
    const t = <i32>load<u8>(p + <usize>i);
    if (t == 0xff) break;
    const bit: u64 = (<u64>1) << (<u64>(t & 63));
    if (t < 64 ? (hardLo & bit) != 0 : (hardHi & bit) != 0) return t;
  }
  return -1;
}
