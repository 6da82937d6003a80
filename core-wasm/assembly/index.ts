// The placement core's exports. Only integers and f64 cross the boundary; bulk data goes through
// the tables of layout.ts, whose addresses `layout()` publishes (they move when a table grows, so
// the TypeScript side re-reads them after every call that may allocate).

import { COUNTER_WORDS } from './abi';
import * as L from './layout';
import { evaluateItem, admitItem, commitItem, placeBatch as runBatch } from './batch';
import { setPreemption as setPreemptionImpl } from './attempt';
import { recordFilterFailure as recordFilter } from './failures';
import { seqLen, sequencePtr, evLen, evictionsPtr } from './run';
import { applyLedgers, setPdbCount, setPdbDesired } from './ledger';
import { imbalance as imbalanceImpl, imbalanceHosts, moveTarget as moveTargetImpl, moveVariance } from './moves';
import { counterAdd, counterDump, counterEntries, counterFree } from './topology';
import { ensureTotals } from './scan';
import { exactLanes } from './lanes';
import {
  setHost as setHostImpl, setHostLabel as setHostLabelImpl, removeHost as removeHostImpl,
  setReservation as setReservationImpl, freeNamespace as freeNamespaceImpl,
} from './ledger';
import { ensure as restartEnsureImpl, plan as restartPlanImpl, restartTable as restartTableImpl } from './failover';
import {
  affected as affectedImpl, affectedOnRelease as affectedOnReleaseImpl, applyInsertion as applyInsertionImpl,
  heldShort as heldShortImpl, insertEach as insertEachImpl, insertTarget as insertTargetImpl, keepsHeld as keepsHeldImpl,
} from './failover-insert';
import * as K from './failover-kept';
import { LAYOUT_NAMES_BYTES, layoutNames as layoutNamesPtr, publishLayout } from './abi-layout';

export function init(): void {
  L.init();
}

export function layoutGeneration(): i32 {
  return L.layoutGen;
}

/**
 * Commit (sign +1) or release (−1) item `item` on many hosts: `n` (slot, count) pairs of i32 at
 * the hostOf buffer (sized by ensurePairs). One call for a template's whole placement map.
 */
export function ensurePairs(n: i32): void {
  L.ensureHostOf(2 * n);
}

export function commitMany(item: i32, n: i32, sign: i32): void {
  for (let k = 0; k < n; k++) {
    const slot = load<i32>(L.at32(L.hostOf, 2 * k));
    const count = load<i32>(L.at32(L.hostOf, 2 * k + 1));
    commitItem(item, slot, sign * count);
  }
}

/** Current table addresses and capacities (generated from core-wasm/abi.mjs: the order TypeScript reads). */
export function layout(): usize {
  return publishLayout();
}

/** The names of layout()'s fields in its order, comma-separated ASCII (layoutNamesLength() bytes). */
export function layoutNames(): usize {
  return layoutNamesPtr();
}

export function layoutNamesLength(): i32 {
  return LAYOUT_NAMES_BYTES;
}

export function configure(nScoring: i32, nBalanced: i32, nShape: i32, policy: i32, wBalanced: i32): void {
  L.setScoring(nScoring, nBalanced, nShape, policy, wBalanced);
}

export function ensureHosts(n: i32): void {
  L.ensureHosts(n);
}

export function setHost(slot: i32, unschedulable: i32, nTaints: i32): void {
  setHostImpl(slot, unschedulable != 0, nTaints);
}

export function setHostLabel(slot: i32, col: i32, valueId: i32): void {
  setHostLabelImpl(slot, col, valueId);
}

export function removeHost(slot: i32): i32 {
  return removeHostImpl(slot) ? 1 : 0;
}

export function defineTaint(id: i32, key: i32, value: i32, effect: i32): void {
  store<i32>(L.at32(L.taintKey, id), key);
  store<i32>(L.at32(L.taintValue, id), value);
  store<i32>(L.at32(L.taintEffect, id), effect);
  L.setTaintCount(id + 1);
}

export function defineLabelValue(id: i32, valid: i32, lo: i32, hi: i32): void {
  L.ensureValues(id + 1);
  store<u8>(L.valueValid + <usize>id, <u8>valid);
  store<i64>(L.at64(L.valueNum, id), (<i64>(<u32>lo)) | ((<i64>hi) << 32));
}

/** Reserve `words` program words; the caller writes them at the returned word offset, then commits. */
export function reserveConstraint(words: i32): i32 {
  return L.ensureProg(words);
}

export function commitConstraint(id: i32, offset: i32, words: i32): void {
  L.ensureConstraints(id + 1);
  store<i32>(L.at32(L.constraintOff, id), offset);
  L.commitProg(words);
}

/** Empty the constraint program pool before the live programs are written again (compaction). */
export function resetConstraints(): void {
  L.resetProg();
}

export function setQuotaEntryCount(n: i32): void {
  L.ensureEntries(n);
}

export function setReservation(ns: i32): void {
  setReservationImpl(ns);
}

/** Forget namespace `ns` (nothing of it placed; its reservation is cleared); false while something is. */
export function freeNamespace(ns: i32): bool {
  return freeNamespaceImpl(ns);
}

export function ensureNamespaces(n: i32): void {
  L.ensureNamespaces(n);
}

/** Size the item scratch for `n` items of `dims` request dimensions, quota charges and topology words. */
export function prepareItems(n: i32, dims: i32, charges: i32, topoWords: i32): void {
  L.ensureItems(n, dims);
  L.ensureCharges(charges);
  L.ensureTopo(topoWords);
}

export function addCounter(counter: i32, slot: i32, delta: i32): void {
  counterAdd(counter, slot, delta);
}

/** Forget counter `counter` (it counts nothing): its id may count another selector group. */
export function freeCounter(counter: i32): void {
  counterFree(counter);
}

/** Entries of the counter table, for the engine's gauges and the lifecycle tests. */
export function counterTableEntries(): i32 {
  return counterEntries();
}

/** Non-zero counters: [n, (counter, slot, count) × n] (COUNTER_WORDS each) in a fresh buffer; freeBuffer it after. */
export function dumpCounters(): usize {
  const n = counterDump(0);
  const p = heap.alloc(<usize>n * (COUNTER_WORDS << 2) + 16);
  store<i32>(p, n);
  counterDump(p + 4);
  return p;
}

export function freeBuffer(p: usize): void {
  heap.free(p);
}

/** Gangs of the next batch and the class → item table (class ids below n). */
export function prepareGangs(gangs: i32, classIds: i32): void {
  L.ensureGangs(gangs);
  L.ensureClsItem(classIds);
}

export function setPdbs(n: i32): void {
  setPdbCount(n);
}

export function setPdb(p: i32, desired: i32, healthy: i32): void {
  setPdbDesired(p, <i64>desired, <i64>healthy);
}

/** Evictions of the last batch: i32 × 4 records (instance, class, host, by) at evictions(). */
export function evictions(): usize {
  return evictionsPtr();
}

export function evictionCount(): i32 {
  return evLen;
}

/** Commit order of the last batch: pointer to i32 instance indices; length from sequenceLength(). */
export function sequence(): usize {
  return sequencePtr();
}

export function sequenceLength(): i32 {
  return seqLen;
}

export function placeBatch(n: i32): i32 {
  L.resetLog();
  return runBatch(n);
}

export function evaluate(item: i32): void {
  L.resetLog();
  evaluateItem(item);
}

/** Fills the `total` column of the last evaluate() (a fused scan leaves it to its readers). */
export function totals(): void {
  ensureTotals();
}

/** Hosts of the last SIMD scan that the f32 lanes left undecided (recomputed by the exact code). */
export function scanExactLanes(): i32 {
  return exactLanes;
}

export function admit(item: i32): i32 {
  L.resetLog();
  return admitItem(item);
}

export function commit(item: i32, slot: i32, sign: i32): void {
  commitItem(item, slot, sign);
}

export function recordFailure(item: i32): void {
  L.resetLog();
  // The last evaluate() left reasons for this item: format its histogram.
  // (The batch records filter failures itself during placeBatch.)
  recordFilter(item);
}

/** Whether placeBatch may preempt (1) or not (0). */
export function setPreemption(on: i32): void {
  setPreemptionImpl(on != 0);
}

/** The ledgers of |sign| workloads of item `item` on `slot`, leaving preemption's unit lists alone (plans that are undone). */
export function shiftLedgers(item: i32, slot: i32, sign: i32): void {
  applyLedgers(item, slot, sign);
}

/** Variance of per-host utilization of dimension d over schedulable hosts; imbalanceCount() tells how many. */
export function imbalance(d: i32): f64 {
  return imbalanceImpl(d);
}

export function imbalanceCount(): i32 {
  return imbalanceHosts;
}

/** Best host for one workload of `item` moving off `exclude`, by the variance it leaves (lastMoveVariance()). */
export function moveTarget(item: i32, d: i32, exclude: i32): i32 {
  L.resetLog();
  return moveTargetImpl(item, d, exclude);
}

export function lastMoveVariance(): f64 {
  return moveVariance;
}

/** Room for a restart plan (failover.ts): `n` slots, `items` items, `rows` reasons rows, `cols` columns; 1: free room and rows lost. */
export function restartEnsure(n: i32, items: i32, rows: i32, cols: i32): i32 {
  return restartEnsureImpl(n, items, rows, cols);
}

/** The restart plan of the items written at restartTable()'s addresses; returns the number of targets. */
export function restartPlan(n: i32, dims: i32, items: i32, start: i32): i32 {
  return restartPlanImpl(n, dims, items, start);
}

/** The restart plan's addresses and counts (failover.ts restartTable). */
export function restartTable(): usize {
  return restartTableImpl();
}

// The kept restart plans and failover admission's questions over them (failover-kept.ts,
// failover-insert.ts). Requests and a free room row go in at keptQuery(); handles come out at keptAnswers().

/** Forget every kept plan; `n` slots from now on. */
export function keptClear(n: i32): void {
  K.clear(n);
}

/** Room for the failed slots of the next kept plan (i32 [n]); their address. */
export function keptFailedRoom(n: i32): usize {
  return K.failedRoom(n);
}

/** Keep the restart plan just computed (`items` items, `failed` failed slots written) under `handle`. */
export function keptKeep(handle: i32, items: i32, failed: i32): void {
  K.keep(handle, items, failed);
}

/** The question's requests and free room row (f64 [2][MAX_DIMS]). */
export function keptQuery(): usize {
  return K.query;
}

/** The slots without a present host (u8 [slots]), written by TypeScript. */
export function keptAbsent(): usize {
  return K.absentRow();
}

/** The handles the last question answered (i32). */
export function keptAnswers(): usize {
  return K.answerRoom(0);
}

/** The kept plans a placement of the query's requests on `slot` changes; how many (keptAnswers()). */
export function keptAffected(slot: i32, dims: i32): i32 {
  return affectedImpl(slot, dims);
}

/** The kept plans a release on `slot` may change; how many (keptAnswers()). */
export function keptAffectedOnRelease(slot: i32): i32 {
  return affectedOnReleaseImpl(slot);
}

/** Where kept plan `handle` restarts the query's requests (reasons row `row`, position `pos`): (target + 1) << 1 | prefix read, 0 none. */
export function keptInsertTarget(handle: i32, row: i32, pos: i32, n: i32, dims: i32): i32 {
  return insertTargetImpl(handle, row, pos, n, dims);
}

/** Item `pos` (the query's requests) of kept plan `handle` restarts on `slot`. */
export function keptApplyInsertion(handle: i32, pos: i32, slot: i32): void {
  applyInsertionImpl(handle, pos, slot);
}

/** The held room row of `slot` (f64 [MAX_DIMS]), 0 outside the slots. */
export function keptHeld(slot: i32): usize {
  return slot >= 0 && slot < K.slotCount() ? K.heldAt(slot) : 0;
}

/** Some kept plan touching `slot` took gang members out (1). */
export function keptGangTouched(slot: i32): i32 {
  return slot >= 0 && K.gangTouched(slot) ? 1 : 0;
}

/** `slot` with the query's free row keeps after the query's requests the room every kept plan puts there (1). */
export function keptKeepsHeld(slot: i32, dims: i32): i32 {
  return keepsHeldImpl(slot, dims) ? 1 : 0;
}

/** The slots below `n` where keptKeepsHeld does not hold, with the restart plan's free room (failover.ts); how many (keptAnswers()). */
export function keptHeldShort(n: i32, dims: i32): i32 {
  return heldShortImpl(n, dims);
}

/** Room for `n` batched insertion questions (i32 [3][keptEachCapacity()]: slots, handles, positions); their address. */
export function keptEachRoom(n: i32): usize {
  return K.eachRoom(n);
}

export function keptEachCapacity(): i32 {
  return K.eachCapacity();
}

/** The batched insertion questions (failover-insert.ts insertEach): the answers over the slots' row. */
export function keptInsertEach(count: i32, row: i32, n: i32, dims: i32): void {
  insertEachImpl(count, row, n, dims);
}

/** Kept plan `handle`'s block (0: none); its parts by keptPart. */
export function keptBlock(handle: i32): usize {
  return K.planOf(handle);
}

/** Part `k` of kept plan block `p`: 0 target, 1 req, 2 touched, 3 targets, 4 use, 5 failed. */
export function keptPart(p: usize, k: i32): usize {
  if (k == 0) return K.targetAt(p);
  if (k == 1) return K.reqAt(p);
  if (k == 2) return K.touchedAt(p);
  if (k == 3) return K.targetsAt(p);
  if (k == 4) return K.useAt(p);
  return K.failedAt(p);
}
