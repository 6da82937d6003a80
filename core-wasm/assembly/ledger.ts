// The ledgers: host usage, cluster free capacity F, namespace usage and unused reservations,
// quota usage. Commit and release are exact inverses; F and Σ unused reservation are maintained
// incrementally so admission is O(dimensions).

import {
  DIM_CPU, DIM_MEMORY, HOST_TAINT_SLOTS, MAX_DIMS, MAX_LABEL_COLUMNS, R_ABSENT, R_UNSCHEDULABLE, SCRATCH_TAINTS,
} from './abi';
import {
  addHuge,
  addReservingNamespace,
  addTainted,
  allocF,
  allocFloor,
  allocLo32,
  at32,
  at64,
  base,
  chargeAmount,
  chargeEntry,
  clusterFree,
  colF,
  colI,
  ensureHosts,
  ensureNamespaces,
  entryUsed,
  f32Down,
  freeF,
  freeLo32,
  inv32,
  itemChargeLen,
  itemChargeOff,
  itemCls,
  itemDims,
  itemNs,
  itemNzCpu,
  itemNzMem,
  itemPdbOff,
  itemTopoOff,
  regrow,
  reqAt,
  topoPool,
  labels,
  nsReservation,
  nsUsed,
  nzUsedF,
  SCORE_SLACK,
  scoreB32,
  scratch,
  setHostEnd,
  taintFold,
  taintList,
  taintMask,
  unusedReserved,
  zeroCapHosts,
} from './layout';
import { curItem } from './item';
import { itemCounters } from './topology';
import { addUnits, removeUnits } from './units';

/** Allocatable at or above this makes the SIMD score path inexact: such hosts use the scalar path. */
const HUGE: f64 = 35184372088832; // 2^45

function isHuge(h: i32): bool {
  for (let d = 0; d < MAX_DIMS; d++) if (load<f64>(colF(allocF, d, h)) >= HUGE) return true;
  return false;
}

// @ts-ignore: decorator
@inline function present(h: i32): bool {
  return (load<u32>(at32(base, h)) & R_ABSENT) == 0;
}

// @ts-ignore: decorator
@inline export function schedulable(h: i32): bool {
  return (load<u32>(at32(base, h)) & (R_ABSENT | R_UNSCHEDULABLE)) == 0;
}

// ---------------------------------------------------------------- f32 mirrors (layout.ts, lanes.ts)

/** A·100/cap + SCORE_SLACK in f64, rounded once to f32 (NaN when cap is 0: such a dimension is skipped). */
// @ts-ignore: decorator
@inline function scoreB(a: f64, cap: f64): f32 {
  return cap == 0 ? f32.NaN : <f32>((a * 100) / cap + <f64>SCORE_SLACK);
}

// @ts-ignore: decorator
@inline function mirrorFree(h: i32, d: i32): void {
  const f = load<f64>(colF(freeF, d, h));
  store<f32>(colI(freeLo32, d, h), f32Down(f));
  if (d != DIM_CPU && d != DIM_MEMORY) store<f32>(colI(scoreB32, d, h), scoreB(f, load<f64>(colF(allocF, d, h))));
}

/** cpu and memory score from allocatable − nzUsed (requests with kube-scheduler's non-zero defaults). */
// @ts-ignore: decorator
@inline function mirrorNonZero(h: i32): void {
  const c = load<f64>(colF(allocF, DIM_CPU, h));
  const m = load<f64>(colF(allocF, DIM_MEMORY, h));
  store<f32>(colI(scoreB32, DIM_CPU, h), scoreB(c - load<f64>(colF(nzUsedF, 0, h)), c));
  store<f32>(colI(scoreB32, DIM_MEMORY, h), scoreB(m - load<f64>(colF(nzUsedF, 1, h)), m));
}

function mirrorHost(h: i32): void {
  const absent = !present(h);
  for (let d = 0; d < MAX_DIMS; d++) {
    const a = load<f64>(colF(allocF, d, h));
    // An empty slot never lacks room (+∞ free and allocatable): the SIMD filter leaves it with R_ABSENT alone.
    if (absent) store<f32>(colI(freeLo32, d, h), f32.POSITIVE_INFINITY);
    else mirrorFree(h, d);
    store<f32>(colI(allocLo32, d, h), absent ? f32.POSITIVE_INFINITY : f32Down(a));
    // NaN sends a zero-capacity dimension to the exact path (it is skipped, not scored).
    store<f32>(colI(inv32, d, h), a == 0 ? f32.NaN : <f32>(100 / a));
  }
  mirrorNonZero(h);
}

/** Add (+1) or remove (−1) host h's max(0, free) in dimension d to F. */
// @ts-ignore: decorator
@inline function freeContribution(h: i32, d: i32, sign: i64): void {
  const f = load<f64>(colF(freeF, d, h));
  if (f > 0) {
    const p = at64(clusterFree, d);
    store<i64>(p, load<i64>(p) + sign * <i64>f);
  }
}

function hostContribution(h: i32, sign: i64): void {
  if (!schedulable(h)) return;
  for (let d = 0; d < MAX_DIMS; d++) freeContribution(h, d, sign);
}

/**
 * Create or update host `slot` from the staging area: f64 allocatable[MAX_DIMS] at scratch, then
 * up to HOST_TAINT_SLOTS taint ids (i32) at scratch + SCRATCH_TAINTS. Usage is kept across updates.
 */
export function setHost(slot: i32, unschedulable: bool, nTaints: i32): void {
  ensureHosts(slot + 1);
  setHostEnd(slot + 1);
  const wasPresent = present(slot);
  if (wasPresent) {
    hostContribution(slot, -1);
    zeroCapCount(slot, -1);
    if (isHuge(slot)) addHuge(-1);
    if (load<u8>(taintList + <usize>slot * HOST_TAINT_SLOTS) != 0xff) addTainted(-1);
  }
  for (let d = 0; d < MAX_DIMS; d++) {
    const a = load<f64>(scratch + (<usize>d << 3));
    const used = wasPresent ? load<f64>(colF(allocF, d, slot)) - load<f64>(colF(freeF, d, slot)) : 0;
    store<f64>(colF(allocF, d, slot), a);
    store<f64>(colF(freeF, d, slot), a - used);
  }
  if (!wasPresent) {
    store<f64>(colF(nzUsedF, 0, slot), 0);
    store<f64>(colF(nzUsedF, 1, slot), 0);
  }
  store<u32>(at32(base, slot), unschedulable ? R_UNSCHEDULABLE : 0);
  let lo: u64 = 0;
  let hi: u64 = 0;
  const list = taintList + <usize>slot * HOST_TAINT_SLOTS;
  for (let i = 0; i < HOST_TAINT_SLOTS; i++) {
    if (i < nTaints) {
      const t = load<i32>(scratch + SCRATCH_TAINTS + (<usize>i << 2));
      store<u8>(list + <usize>i, <u8>t);
      const bit: u64 = (<u64>1) << (<u64>(t & 63));
      if (t < 64) lo |= bit;
      else hi |= bit;
    } else {
      store<u8>(list + <usize>i, 0xff);
    }
  }
  store<u64>(taintMask + (<usize>slot << 4), lo);
  store<u64>(taintMask + (<usize>slot << 4) + 8, hi);
  store<u32>(at32(taintFold, slot), foldTaints(lo, hi));
  if (nTaints > 0) addTainted(1);
  if (isHuge(slot)) addHuge(1);
  hostContribution(slot, 1);
  zeroCapCount(slot, 1);
  for (let d = 0; d < MAX_DIMS; d++) {
    const p = allocFloor + (<usize>d << 3);
    const a = load<f64>(colF(allocF, d, slot));
    if (a < load<f64>(p)) store<f64>(p, a);
  }
  mirrorHost(slot);
}

function zeroCapCount(h: i32, sign: i32): void {
  for (let d = 0; d < MAX_DIMS; d++) {
    if (load<f64>(colF(allocF, d, h)) == 0) store<i32>(zeroCapHosts + (<usize>d << 2), load<i32>(zeroCapHosts + (<usize>d << 2)) + sign);
  }
}

/** The 128 taint bits folded to 32 (bit t mod 32): a zero AND with the folded class set proves no taint applies. */
export function foldTaints(lo: u64, hi: u64): u32 {
  const x = lo | hi;
  return <u32>(x | (x >> 32));
}

export function setHostLabel(slot: i32, col: i32, valueId: i32): void {
  store<i32>(colI(labels, col, slot), valueId);
}

/** Remove an empty host; returns false (and changes nothing) when it still holds workloads. */
export function removeHost(slot: i32): bool {
  if (!present(slot)) return true;
  for (let d = 0; d < MAX_DIMS; d++) {
    if (load<f64>(colF(allocF, d, slot)) != load<f64>(colF(freeF, d, slot))) return false;
  }
  hostContribution(slot, -1);
  zeroCapCount(slot, -1);
  if (isHuge(slot)) addHuge(-1);
  if (load<u8>(taintList + <usize>slot * HOST_TAINT_SLOTS) != 0xff) addTainted(-1);
  for (let d = 0; d < MAX_DIMS; d++) {
    store<f64>(colF(allocF, d, slot), 0);
    store<f64>(colF(freeF, d, slot), 0);
  }
  store<f64>(colF(nzUsedF, 0, slot), 0);
  store<f64>(colF(nzUsedF, 1, slot), 0);
  for (let c = 0; c < MAX_LABEL_COLUMNS; c++) store<i32>(colI(labels, c, slot), 0);
  store<u64>(taintMask + (<usize>slot << 4), 0);
  store<u64>(taintMask + (<usize>slot << 4) + 8, 0);
  store<u32>(at32(taintFold, slot), 0);
  store<u8>(taintList + <usize>slot * HOST_TAINT_SLOTS, 0xff);
  store<u32>(at32(base, slot), R_ABSENT);
  mirrorHost(slot);
  return true;
}

// ---------------------------------------------------------------- namespaces and reservations

// @ts-ignore: decorator
@inline function nsAt(p: usize, ns: i32, d: i32): usize {
  return p + ((<usize>ns * MAX_DIMS + <usize>d) << 3);
}

/** U_n[d] = max(0, R_n[d] − used_n[d]). */
export function unusedOf(ns: i32, d: i32): i64 {
  const u = load<i64>(nsAt(nsReservation, ns, d)) - load<i64>(nsAt(nsUsed, ns, d));
  return u > 0 ? u : 0;
}

function addUnused(ns: i32, d: i32, sign: i64): void {
  const p = at64(unusedReserved, d);
  store<i64>(p, load<i64>(p) + sign * unusedOf(ns, d));
}

/** Set namespace `ns`'s reservation from the staging area (i64[16] at scratch). */
export function setReservation(ns: i32): void {
  ensureNamespaces(ns + 1);
  let had = false;
  let has = false;
  for (let d = 0; d < MAX_DIMS; d++) {
    if (load<i64>(nsAt(nsReservation, ns, d)) != 0) had = true;
    if (load<i64>(scratch + (<usize>d << 3)) != 0) has = true;
  }
  for (let d = 0; d < MAX_DIMS; d++) {
    addUnused(ns, d, -1);
    store<i64>(nsAt(nsReservation, ns, d), load<i64>(scratch + (<usize>d << 3)));
    addUnused(ns, d, 1);
  }
  if (had != has) addReservingNamespace(has ? 1 : -1);
}

/**
 * Forget namespace `ns`, which holds nothing placed: its reservation is cleared (with Σ unused
 * reservation and the count of reserving namespaces), so a namespace that takes the id later
 * starts from zero. Returns false, changing nothing, while workloads of it are placed.
 */
export function freeNamespace(ns: i32): bool {
  ensureNamespaces(ns + 1);
  for (let d = 0; d < MAX_DIMS; d++) if (load<i64>(nsAt(nsUsed, ns, d)) != 0) return false;
  let had = false;
  for (let d = 0; d < MAX_DIMS; d++) {
    if (load<i64>(nsAt(nsReservation, ns, d)) == 0) continue;
    had = true;
    addUnused(ns, d, -1);
    store<i64>(nsAt(nsReservation, ns, d), 0);
  }
  if (had) addReservingNamespace(-1);
  return true;
}

// ---------------------------------------------------------------- commit / release

/** Apply (+sign) or revert (−sign) |sign| workloads of the prepared item on host h. */
export function apply(h: i32, sign: i32): void {
  applyItem(curItem, h, sign);
}

/** Apply |sign| workloads of item i on host h (sign > 0) or remove the newest ones (sign < 0). */
export function applyItem(i: i32, h: i32, sign: i32, ref: i32 = -1): void {
  applyLedgers(i, h, sign);
  const cls = load<i32>(at32(itemCls, i));
  if (sign > 0) addUnits(h, cls, sign, ref);
  else removeUnits(h, cls, -sign);
}

/**
 * The ledgers of |sign| workloads of item i on host h: host usage, F, namespace usage and unused
 * reservations, quota usage, topology counters, PDB health. Reads item i's tables directly, so it
 * works for any item, prepared or not (preemption moves victims of other classes with it).
 */
export function applyLedgers(i: i32, h: i32, sign: i32): void {
  const s = <f64>sign;
  const ns = load<i32>(at32(itemNs, i));
  ensureNamespaces(ns + 1);
  const sched = schedulable(h);
  for (let d = 0; d < itemDims; d++) {
    const q = load<f64>(reqAt(d, i));
    if (q == 0) continue;
    if (sched) freeContribution(h, d, -1);
    const p = colF(freeF, d, h);
    store<f64>(p, load<f64>(p) - s * q);
    mirrorFree(h, d);
    if (sched) freeContribution(h, d, 1);
    addUnused(ns, d, -1);
    const u = nsAt(nsUsed, ns, d);
    store<i64>(u, load<i64>(u) + <i64>sign * <i64>q);
    addUnused(ns, d, 1);
  }
  store<f64>(colF(nzUsedF, 0, h), load<f64>(colF(nzUsedF, 0, h)) + s * load<f64>(at64(itemNzCpu, i)));
  store<f64>(colF(nzUsedF, 1, h), load<f64>(colF(nzUsedF, 1, h)) + s * load<f64>(at64(itemNzMem, i)));
  mirrorNonZero(h);
  itemCounters(load<i32>(at32(itemTopoOff, i)), h, sign);
  const off = load<i32>(at32(itemChargeOff, i));
  const len = load<i32>(at32(itemChargeLen, i));
  for (let c = off; c < off + len; c++) {
    const e = load<i32>(at32(chargeEntry, c));
    const p = at64(entryUsed, e);
    store<i64>(p, load<i64>(p) + <i64>sign * load<i64>(at64(chargeAmount, c)));
  }
  pdbHealth(i, sign);
}

// ---------------------------------------------------------------- PodDisruptionBudgets

let pdbCap: i32 = 0;
export let pdbCount: i32 = 0;
export let pdbHealthy: usize = 0; // i64 [pdb]: placed workloads matching the budget
export let pdbDesired: usize = 0; // i64 [pdb]: desired healthy (from minAvailable / maxUnavailable)

export function setPdbCount(n: i32): void {
  if (n > pdbCap) {
    pdbHealthy = regrow(pdbHealthy, <usize>pdbCap * 8, <usize>n * 8);
    pdbDesired = regrow(pdbDesired, <usize>pdbCap * 8, <usize>n * 8);
    pdbCap = n;
  }
  pdbCount = n;
}

export function setPdbDesired(p: i32, desired: i64, healthy: i64): void {
  store<i64>(at64(pdbDesired, p), desired);
  store<i64>(at64(pdbHealthy, p), healthy);
}

function pdbHealth(i: i32, sign: i32): void {
  const off = load<i32>(at32(itemPdbOff, i));
  if (off < 0) return;
  const n = load<i32>(at32(topoPool, off));
  for (let k = 0; k < n; k++) {
    const p = load<i32>(at32(topoPool, off + 1 + k));
    if (p >= pdbCap) continue;
    store<i64>(at64(pdbHealthy, p), load<i64>(at64(pdbHealthy, p)) + <i64>sign);
  }
}
