// Batch placement. Items (a workload class and how many of it) are ranked by priority, size
// (first-fit decreasing) and input order; instances are attempted either interleaved (the
// default: instance k of an item with n instances at position (k + ½)/n of its priority level)
// or item after item. The result equals attempting every instance with a full scan of every host
// — the reference engine does exactly that; differential tests hold the two together — but the
// core keeps, per multi-instance item, its host scores and a tournament tree, and brings them up
// to date by rescoring only the hosts that changed since the item's last turn (a most-recently-
// changed list). A bin-packing batch touches one or two hosts between turns; when many changed
// (spreading strategies), a SIMD rescan is cheaper and is used instead.
//
// LeastAllocated without normalized score parts is monotone: a commit only lowers the scores of
// its host (and may make it infeasible). There the tree is kept lazily: every stored total is an
// upper bound, and a turn recomputes only the hosts that reach the root while changed since their
// total was computed; the first fresh root is the exact best (ties to the lowest slot, as every
// stored key is at least the true one). A release (gang rollback, eviction) breaks the bound and
// forces a full scan; so does a turn that needs more than hostEnd / 2 recomputations. (Spreading
// 1,000 × 1,000 interleaved replicas over 1,000 hosts: ~55 recomputations a turn instead of a
// rescan of every host.)

import {
  DIM_CPU, DIM_MEMORY, DIM_PODS, EVICTION_WORDS, FAIL_FILTER, FAIL_GANG, FAIL_NONE, ITEM_PREEMPT_NEVER, MAX_DIMS, MAX_TAINTS,
  POLICY_INPUT, POLICY_INTERLEAVE, R_ABSENT, R_AFFINITY, R_EXISTING_ANTI_AFFINITY, R_INSUFFICIENT_MASK,
  R_INSUFFICIENT_SHIFT, R_POD_AFFINITY, R_POD_ANTI_AFFINITY, R_SPREAD, R_SPREAD_LABEL, R_TAINT, R_UNSCHEDULABLE,
  STRATEGY_LEAST,
} from './abi';
import {
  allocF,
  at32,
  at64,
  base,
  allocRaw,
  calloc,
  colF,
  ensureHostOf,
  ensureLog,
  hostCap,
  freeF,
  hostEnd,
  hostOf,
  hugeHosts,
  nzUsedF,
  itemCount,
  itemDims,
  itemPrio,
  itemSize,
  itemFlags,
  itemGang,
  gangMin,
  itemTopoOff,
  logLen,
  logPush,
  setLogLen,
  order,
  orderPolicy,
  orderTmp,
  reasons,
  regrow,
  reqAt,
  taintedHosts,
  total,
  treeCap,
} from './layout';
import { admit } from './admit';
import { CHECKS } from './checks';
import { firstBlockingTaint, hasPreferTaints, prefCount, preferTaintCount, preferredWeight } from './constraints';
import { curStrategy, nzCpu, nzMem, prepareItem, reqDimCount, reqDims, reqOf, scoreDimCount, scoreDims, scoreWeights } from './item';
import { looksAcrossHosts } from './topology';
import { applyItem } from './ledger';
import { bestCount, bestHost, bestVictimCls, evictBest, selectVictims, setBatchIndex } from './preempt';
import {
  combine, deriveTotals, ensureTotals, hostReasons, laneFits, maxAffinity, maxTaint,
  prepareLaneFits, scan, setMaxima, totalsDeferred,
} from './scan';
import { fitScore } from './score';
import {
  TREE_MAX_SLOTS, bestHostLinear, buildTree, rootSlot, topBuild, topFirst, topRemove, topSetBytes,
  treeRoot, updateTree,
} from './select';
import { reserveUnits } from './units';

/** Levels of a top set: a lazy LeastAllocated total is base + fit, fit 0..100. */
const LEVELS: i32 = 101;

/** Memory for per-item score tables and trees; items beyond it are placed by plain scans. */
const STATE_BUDGET_BYTES: usize = 256 << 20;

const counts: usize = memory.data(32 * 4);
const taintCounts: usize = memory.data(MAX_TAINTS * 4);
const maxAllocTable: usize = memory.data(MAX_DIMS * 8);

// Per-batch tables, grown on demand (i32 unless noted).
let batchCap: i32 = 0;
let batchItems: i32 = 0;
let batchInstances: i32 = 0;
let starts: usize = 0; // first instance index of each item
let nextK: usize = 0; // next instance of each item
let failed: usize = 0; // u8: the item failed; its remaining instances are skipped
let slotOf: usize = 0; // per-item state slot, −1 = none (scan per instance)
let rankOf: usize = 0; // position of the item in rank order
let itemHeap: usize = 0; // binary heap of items (interleave)
let heapLen: i32 = 0;
let seqCap: i32 = 0;
let sequence: usize = 0; // i32: instance indices in commit order
export let seqLen: i32 = 0;
/** Whether the next batches may preempt (plans of moves never evict anyone). */
let preemption: bool = true;
export function setPreemption(on: bool): void {
  preemption = on;
}
export function sequencePtr(): usize {
  return sequence;
}

// Per-item state: [hostCap] totals, [2·treeCap] tree, [hostCap] stamps of the totals (lazy
// mode), plus stamp, full-scan stamp and normalization maxima per slot. A lazy slot whose totals
// fit the level range instead holds [hostCap] u32 (level, version) and a top set (select.ts).
let stateCap: i32 = 0;
let stateStride: usize = 0; // bytes per slot
let stateBytes: usize = 0;
let smallSlots: bool = false; // slots hold levels only (every multi-instance item is lazy)
let stateArena: usize = 0;
let stateStamp: usize = 0; // i32 [slots]: changes seen up to this stamp (0 = never scanned)
let stateMaxAff: usize = 0; // i32 [slots]
let stateMaxTaint: usize = 0; // i32 [slots]
let stateBase: usize = 0; // i32 [slots]: stamp of the last full scan
let stateLevels: usize = 0; // u8 [slots]: the slot holds levels and a top set, not a tree
let stateTop: usize = 0; // i32 [slots]: level + 1 of the top set, 0 = no feasible host
/** Stamp of the last change that may have raised a score (a release); lazy slots older rescan. */
let raiseStamp: i32 = 0;

// Hosts by most recent change: a doubly linked list with the change stamp of each host.
let mruCap: i32 = 0;
let mruPrev: usize = 0;
let mruNext: usize = 0;
let lastChanged: usize = 0;
let changeVer: usize = 0; // u16 [hostCap]: changes of each host, mod 2^16 (lazy level slots)
let mruHead: i32 = -1;
let stamp: i32 = 0;

function ensureBatch(n: i32): void {
  if (n <= batchCap) return;
  let cap = batchCap == 0 ? 64 : batchCap;
  while (cap < n) cap *= 2;
  starts = regrow(starts, 0, <usize>cap * 4);
  nextK = regrow(nextK, 0, <usize>cap * 4);
  failed = regrow(failed, 0, <usize>cap);
  slotOf = regrow(slotOf, 0, <usize>cap * 4);
  rankOf = regrow(rankOf, 0, <usize>cap * 4);
  itemHeap = regrow(itemHeap, 0, <usize>cap * 4);
  batchCap = cap;
}

function resetMru(): void {
  if (mruCap < hostCap) {
    mruPrev = regrow(mruPrev, 0, <usize>hostCap * 4);
    mruNext = regrow(mruNext, 0, <usize>hostCap * 4);
    lastChanged = regrow(lastChanged, 0, <usize>hostCap * 4);
    changeVer = regrow(changeVer, 0, <usize>hostCap * 2);
    mruCap = hostCap;
  }
  memory.fill(lastChanged, 0, <usize>mruCap * 4);
  mruHead = -1;
  raiseStamp = 0;
  stamp = 1; // stamps of changes start at 2; a slot's stamp 0 means "never scanned"
}

/** Host h changed: stamp it and move it to the front of the list. */
function markChanged(h: i32): void {
  stamp++;
  const ver = <u16>(load<u16>(changeVer + (<usize>h << 1)) + 1);
  store<u16>(changeVer + (<usize>h << 1), ver);
  // A version that wraps could match one a slot stored 2^16 changes ago: lazy slots rescan.
  if (ver == 0) raiseStamp = stamp;
  const wasListed = load<i32>(at32(lastChanged, h)) != 0;
  store<i32>(at32(lastChanged, h), stamp);
  if (mruHead == h) return;
  if (wasListed) {
    const p = load<i32>(at32(mruPrev, h));
    const n = load<i32>(at32(mruNext, h));
    if (p >= 0) store<i32>(at32(mruNext, p), n);
    if (n >= 0) store<i32>(at32(mruPrev, n), p);
  }
  store<i32>(at32(mruPrev, h), -1);
  store<i32>(at32(mruNext, h), mruHead);
  if (mruHead >= 0) store<i32>(at32(mruPrev, mruHead), h);
  mruHead = h;
}

/** Give state slots to multi-instance items in rank order, as far as the budget allows. */
function assignSlots(n: i32): void {
  // Items whose verdicts depend on other hosts (spread, inter-workload affinity) rescan instead.
  for (let i = 0; i < n; i++) store<u8>(failed + <usize>i, looksAcrossHosts(load<i32>(at32(itemTopoOff, i))) ? 2 : 0);
  let want = 0;
  let allLazy = true;
  for (let i = 0; i < n; i++) {
    if (load<i32>(at32(itemCount, i)) <= 1 || load<u8>(failed + <usize>i) != 0) continue;
    want++;
    if (allLazy) {
      prepareItem(i);
      allLazy = lazyItem();
    }
  }
  // Only lazy items: slots of levels and a top set, a quarter of a tree's, and not a power of two
  // apart (slots 16 KB apart would compete for the same cache sets).
  stateStride = allLazy
    ? ((<usize>hostCap << 2) + topSetBytes() + 64 + 63) & ~63
    : max((2 * <usize>hostCap + 2 * <usize>treeCap) * 4, (<usize>hostCap << 2) + topSetBytes());
  smallSlots = allLazy;
  let slots = treeCap > TREE_MAX_SLOTS ? 0 : <i32>min(<usize>want, STATE_BUDGET_BYTES / stateStride);
  if (slots > stateCap || <usize>slots * stateStride > stateBytes || stateArena == 0) {
    if (stateArena != 0) freeState();
    const cap = max(slots, 1);
    // Not zeroed: a slot is written in full by its first scan; pages a slot never uses stay untouched.
    stateBytes = <usize>cap * stateStride;
    stateArena = allocRaw(stateBytes);
    stateStamp = calloc(<usize>cap * 4);
    stateMaxAff = calloc(<usize>cap * 4);
    stateMaxTaint = calloc(<usize>cap * 4);
    stateBase = calloc(<usize>cap * 4);
    stateLevels = calloc(<usize>cap);
    stateTop = calloc(<usize>cap * 4);
    stateCap = cap;
  }
  memory.fill(stateStamp, 0, <usize>stateCap * 4);
  let next = 0;
  for (let r = 0; r < n; r++) {
    const i = load<i32>(at32(order, r));
    const multi = load<i32>(at32(itemCount, i)) > 1 && load<u8>(failed + <usize>i) == 0;
    store<i32>(at32(slotOf, i), multi && next < slots ? next++ : -1);
  }
  memory.fill(failed, 0, <usize>n);
}

function freeState(): void {
  heap.free(stateArena);
  heap.free(stateStamp);
  heap.free(stateMaxAff);
  heap.free(stateMaxTaint);
  heap.free(stateBase);
  heap.free(stateLevels);
  heap.free(stateTop);
  stateArena = 0;
}

// @ts-ignore: decorator
@inline function slotTotal(slot: i32): usize {
  return stateArena + <usize>slot * stateStride;
}

// @ts-ignore: decorator
@inline function slotTree(slot: i32): usize {
  return stateArena + <usize>slot * stateStride + (<usize>hostCap << 2);
}

// @ts-ignore: decorator
@inline function slotStamps(slot: i32): usize {
  return stateArena + <usize>slot * stateStride + ((<usize>hostCap + 2 * <usize>treeCap) << 2);
}

/** Place `n` items; hostOf gets one slot per instance (item order), failures go to the log. */
export function placeBatch(n: i32): i32 {
  ensureBatch(n);
  batchItems = n;
  let instances = 0;
  for (let i = 0; i < n; i++) {
    store<i32>(at32(starts, i), instances);
    store<i32>(at32(nextK, i), 0);
    store<u8>(failed + <usize>i, 0);
    instances += load<i32>(at32(itemCount, i));
  }
  batchInstances = instances;
  setBatchIndex(starts, n);
  ensureHostOf(instances);
  for (let j = 0; j < instances; j++) store<i32>(at32(hostOf, j), -1);
  seqLen = 0;
  evLen = 0;
  // One commit (a unit and an event) per placed instance: size those tables once.
  reserveUnits(instances);
  reserveSequence(instances);
  computeOrder(n);
  for (let r = 0; r < n; r++) store<i32>(at32(rankOf, load<i32>(at32(order, r))), r);
  resetMru();
  assignSlots(n);
  // One priority level at a time: its gangs as units, then everything else in order.
  let r = 0;
  while (r < n) {
    const prio = load<i32>(at32(itemPrio, load<i32>(at32(order, r))));
    let end = r;
    while (end < n && load<i32>(at32(itemPrio, load<i32>(at32(order, end)))) == prio) end++;
    placeGangs(r, end);
    if (orderPolicy == POLICY_INTERLEAVE) interleave(r, end);
    else {
      for (let q = r; q < end; q++) {
        const i = load<i32>(at32(order, q));
        if (load<i32>(at32(itemGang, i)) >= 0) continue;
        const count = load<i32>(at32(itemCount, i));
        for (let k = 0; k < count && load<u8>(failed + <usize>i) == 0; k++) attempt(i, k, true);
      }
    }
    r = end;
  }
  return instances;
}

/** Interleaved order over ranks [from, to): a heap of items keyed by their next instance's position. */
function interleave(from: i32, to: i32): void {
  heapLen = 0;
  for (let r = from; r < to; r++) {
    const i = load<i32>(at32(order, r));
    if (load<i32>(at32(itemCount, i)) > 0 && load<i32>(at32(itemGang, i)) < 0) heapPush(i);
  }
  while (heapLen > 0) {
    const i = heapPop();
    const k = load<i32>(at32(nextK, i));
    attempt(i, k, true);
    store<i32>(at32(nextK, i), k + 1);
    if (k + 1 < load<i32>(at32(itemCount, i)) && load<u8>(failed + <usize>i) == 0) heapPush(i);
  }
}

/**
 * The gangs of ranks [from, to), in the order of their first member: every member instance in
 * turn, without preemption; short of minMember, every commit of the gang is undone and each
 * member fails with the gang's reason.
 */
function placeGangs(from: i32, to: i32): void {
  // A gang is one unit at the priority of its most important member (its first in rank order).
  for (let r = from; r < to; r++) {
    const g = load<i32>(at32(itemGang, load<i32>(at32(order, r))));
    if (g < 0 || gangSeen(g, 0, r)) continue;
    const mark = seqLen;
    let cause = -1;
    for (let q = r; q < batchItems; q++) {
      const i = load<i32>(at32(order, q));
      if (load<i32>(at32(itemGang, i)) != g) continue;
      const count = load<i32>(at32(itemCount, i));
      for (let k = 0; k < count && load<u8>(failed + <usize>i) == 0; k++) attempt(i, k, false);
      if (cause < 0 && load<u8>(failed + <usize>i) != 0) cause = i;
    }
    const placed = seqLen - mark;
    const needed = load<i32>(at32(gangMin, g));
    if (placed >= needed) continue;
    for (let e = seqLen - 1; e >= mark; e--) {
      const instance = load<i32>(at32(sequence, e));
      const i = itemOfInstance(instance);
      const h = load<i32>(at32(hostOf, instance));
      applyItem(i, h, -1);
      markChanged(h);
      raiseStamp = stamp;
      store<i32>(at32(hostOf, instance), -1);
    }
    seqLen = mark;
    for (let q = r; q < batchItems; q++) {
      const i = load<i32>(at32(order, q));
      if (load<i32>(at32(itemGang, i)) == g) store<u8>(failed + <usize>i, 1);
    }
    ensureLog(5);
    logPush(g);
    logPush(FAIL_GANG);
    logPush(placed);
    logPush(needed);
    logPush(cause);
  }
}

function gangSeen(g: i32, from: i32, before: i32): bool {
  for (let q = from; q < before; q++) if (load<i32>(at32(itemGang, load<i32>(at32(order, q)))) == g) return true;
  return false;
}

/** The item whose instances include `instance` (binary search over starts). */
function itemOfInstance(instance: i32): i32 {
  let lo = 0;
  let hi = batchItems - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (load<i32>(at32(starts, mid)) <= instance) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** a's next instance comes before b's. */
// @ts-ignore: decorator
@inline function earlier(a: i32, b: i32): bool {
  const pa = <f64>(2 * load<i32>(at32(nextK, a)) + 1) * <f64>load<i32>(at32(itemCount, b));
  const pb = <f64>(2 * load<i32>(at32(nextK, b)) + 1) * <f64>load<i32>(at32(itemCount, a));
  if (pa != pb) return pa < pb;
  return load<i32>(at32(rankOf, a)) < load<i32>(at32(rankOf, b));
}

function heapPush(i: i32): void {
  let c = heapLen++;
  while (c > 0) {
    const p = (c - 1) >> 1;
    const pi = load<i32>(at32(itemHeap, p));
    if (!earlier(i, pi)) break;
    store<i32>(at32(itemHeap, c), pi);
    c = p;
  }
  store<i32>(at32(itemHeap, c), i);
}

function heapPop(): i32 {
  const top = load<i32>(at32(itemHeap, 0));
  const last = load<i32>(at32(itemHeap, --heapLen));
  let c = 0;
  while (true) {
    let child = 2 * c + 1;
    if (child >= heapLen) break;
    if (child + 1 < heapLen && earlier(load<i32>(at32(itemHeap, child + 1)), load<i32>(at32(itemHeap, child)))) child++;
    const ci = load<i32>(at32(itemHeap, child));
    if (!earlier(ci, last)) break;
    store<i32>(at32(itemHeap, c), ci);
    c = child;
  }
  if (heapLen > 0) store<i32>(at32(itemHeap, c), last);
  return top;
}

/** One instance: Admit, Select (via the item's state or a scan), Commit — or preempt. */
function attempt(i: i32, k: i32, mayPreempt: bool): void {
  prepareItem(i);
  if (admit(true) != FAIL_NONE) {
    store<u8>(failed + <usize>i, 1);
    return;
  }
  const instance = load<i32>(at32(starts, i)) + k;
  let h = selectFor(i);
  if (h < 0) {
    scan(); // fresh reasons for every host, for the message (and for preemption)
    const logMark = logLen;
    recordFilterFailure(i);
    if (mayPreempt && preemption && (load<i32>(at32(itemFlags, i)) & ITEM_PREEMPT_NEVER) == 0 && selectVictims(i) >= 0) {
      setLogLen(logMark); // preemption made room: no failure after all
      h = bestHost;
      for (let v = 0; v < bestCount; v++) {
        const cls = bestVictimCls(v);
        const ref = evictBest(v);
        if (ref >= 0) store<i32>(at32(hostOf, ref), -1);
        pushEvent(-1 - evLen);
        pushEviction(ref, cls, h, instance);
      }
      markChanged(h);
      raiseStamp = stamp;
    } else {
      store<u8>(failed + <usize>i, 1);
      return;
    }
  }
  // Whatever chose h (a scan, the item's tree, its lazy bounds, preemption), h passes every per-host filter.
  if (CHECKS) assert(<u32>h < <u32>hostEnd && hostReasons(h) == 0, 'the chosen host does not fit');
  applyItem(i, h, 1, instance);
  store<i32>(at32(hostOf, instance), h);
  pushEvent(instance);
  markChanged(h);
}

function pushEvent(v: i32): void {
  if (seqLen == seqCap) growSequence(seqCap == 0 ? 1024 : seqCap * 2);
  store<i32>(at32(sequence, seqLen++), v);
}

function growSequence(cap: i32): void {
  sequence = regrow(sequence, <usize>seqCap * 4, <usize>cap * 4);
  seqCap = cap;
}

function reserveSequence(n: i32): void {
  if (seqLen + n > seqCap) growSequence(max(seqLen + n, seqCap * 2));
}

let evCap: i32 = 0;
export let evLen: i32 = 0;
let evRecords: usize = 0; // i32 × EVICTION_WORDS per eviction: instance, class, host, by
export function evictionsPtr(): usize {
  return evRecords;
}

function pushEviction(ref: i32, cls: i32, h: i32, by: i32): void {
  if (evLen == evCap) {
    const cap = evCap == 0 ? 64 : evCap * 2;
    evRecords = regrow(evRecords, <usize>evCap * (EVICTION_WORDS << 2), <usize>cap * (EVICTION_WORDS << 2));
    evCap = cap;
  }
  const p = evRecords + <usize>evLen * (EVICTION_WORDS << 2);
  store<i32>(p, ref);
  store<i32>(p + 4, cls);
  store<i32>(p + 8, h);
  store<i32>(p + 12, by);
  evLen++;
}

/** The best host for the prepared item i, or −1. */
function selectFor(i: i32): i32 {
  const slot = load<i32>(at32(slotOf, i));
  if (slot < 0) {
    scan();
    return bestHostLinear();
  }
  const totals = slotTotal(slot);
  const tree = slotTree(slot);
  const seen = load<i32>(at32(stateStamp, slot));
  if (lazyItem()) {
    if (seen != 0 && seen >= raiseStamp) {
      const h = load<u8>(stateLevels + <usize>slot) != 0 ? lazyLevels(slot) : lazyRoot(slot, totals, tree);
      if (h != -2) {
        store<i32>(at32(stateStamp, slot), stamp);
        return h;
      }
    }
    store<i32>(at32(stateBase, slot), stamp);
    store<i32>(at32(stateStamp, slot), stamp);
    if (levelsScan(slot)) return load<i32>(at32(stateTop, slot)) == 0 ? -1 : topFirst(slotTotal(slot) + (<usize>hostCap << 2));
    if (smallSlots) return noSlot(i);
    treeFromScan(slot, totals, tree);
    memory.fill(slotStamps(slot), 0, <usize>hostCap << 2);
    return treeRoot(tree, totals);
  }
  if (smallSlots) {
    scan();
    return noSlot(i);
  }
  if (seen == 0 || !syncSlot(slot, totals, tree, seen)) fullScan(slot, totals, tree);
  store<i32>(at32(stateStamp, slot), stamp);
  return treeRoot(tree, totals);
}

/** The prepared class keeps a lazy slot (see the header). */
// @ts-ignore: decorator
@inline function lazyItem(): bool {
  return curStrategy == STRATEGY_LEAST && prefCount == 0 && !(taintedHosts > 0 && hasPreferTaints());
}

/** Item i's slot is too small for a tree: it is placed by scans from now on (the last scan is current). */
function noSlot(i: i32): i32 {
  store<i32>(at32(slotOf, i), -1);
  return bestHostLinear();
}

/**
 * Lazy mode (see the header): the exact best host from upper-bound totals, recomputing stale
 * roots; −1 when no host is feasible, −2 when a full scan is cheaper.
 */
function lazyRoot(slot: i32, totals: usize, tree: usize): i32 {
  const stamps = slotStamps(slot);
  const fresh = load<i32>(at32(stateBase, slot));
  setMaxima(load<i32>(at32(stateMaxAff, slot)), load<i32>(at32(stateMaxTaint, slot)));
  // Past this many recomputations in one turn, a full SIMD rescan is the cheaper refresh.
  const limit = max(32, hostEnd >> 1);
  for (let n = 0; n <= limit; n++) {
    const h = rootSlot(tree);
    if (h < 0 || load<i32>(at32(totals, h)) < 0) return -1; // every bound says infeasible
    const changed = load<i32>(at32(lastChanged, h));
    if (changed <= fresh || changed <= load<i32>(at32(stamps, h))) return h;
    const t = hostReasons(h) == 0 ? combine(fitScore(h), 0, 0) : -1;
    store<i32>(at32(stamps, h), stamp);
    if (t == load<i32>(at32(totals, h))) return h; // unchanged: the bound was exact
    store<i32>(at32(totals, h), t);
    updateTree(tree, totals, h);
  }
  return -2;
}

/**
 * Lazy mode's full scan into levels: true when every feasible total lies in the level range
 * (then the slot holds levels and a top set); false leaves the scan's results for the tree.
 */
function levelsScan(slot: i32): bool {
  scan();
  ensureTotals();
  store<i32>(at32(stateMaxAff, slot), maxAffinity);
  store<i32>(at32(stateMaxTaint, slot), maxTaint);
  const lo = combine(0, 0, 0);
  for (let h = 0; h < hostEnd; h++) {
    const t = load<i32>(at32(total, h));
    if (t != -1 && <u32>(t - lo) >= <u32>LEVELS) {
      store<u8>(stateLevels + <usize>slot, 0);
      return false;
    }
  }
  store<u8>(stateLevels + <usize>slot, 1);
  const rec = slotTotal(slot);
  for (let h = 0; h < hostEnd; h++) {
    const t = load<i32>(at32(total, h));
    store<u32>(rec + (<usize>h << 2), (<u32>load<u16>(changeVer + (<usize>h << 1)) << 16) | <u32>(t < 0 ? 0 : t - lo + 1));
  }
  for (let h = hostEnd; h < ((hostEnd + 3) & ~3); h++) store<u32>(rec + (<usize>h << 2), 0); // topBuild reads whole vectors
  store<i32>(at32(stateTop, slot), topBuild(rec + (<usize>hostCap << 2), rec));
  return true;
}

/**
 * lazyRoot over levels: the lowest host of the top set, recomputing hosts changed since their
 * level was computed; −1 when no host is feasible, −2 when a full scan is cheaper.
 */
function lazyLevels(slot: i32): i32 {
  const rec = slotTotal(slot);
  const set = rec + (<usize>hostCap << 2);
  let top = load<i32>(at32(stateTop, slot));
  setMaxima(load<i32>(at32(stateMaxAff, slot)), load<i32>(at32(stateMaxTaint, slot)));
  const lo = combine(0, 0, 0);
  prepareRescore();
  // Stale hosts come in runs of neighbouring slots (spreading fills the lowest slots of a level
  // first): rescore them four at a time, as the SIMD scan does, where doubles are exact.
  const vector = ASC_FEATURE_SIMD && hugeHosts == 0;
  let lanes = -1; // prepareLaneFits() once, at the first stale host
  const limit = max(32, hostEnd >> 1);
  let h = -2;
  for (let n = 0; n <= limit; n++) {
    if (top == 0) {
      h = -1; // every bound says infeasible
      break;
    }
    const c = topFirst(set);
    const r = rec + (<usize>c << 2);
    const ver = load<u16>(changeVer + (<usize>c << 1));
    if (load<u16>(r + 2) == ver) {
      h = c;
      break;
    }
    if (vector) {
      const g = c & ~3;
      // The scan's f32 lanes when they apply (no division; undecided lanes come back < 0 and are
      // rescored exactly below), else the f64 lanes.
      if (lanes < 0) lanes = prepareLaneFits() ? 1 : 0;
      if (lanes == 1) v128.store(groupOut, i32x4.add(laneFits(g), i32x4.splat(1)));
      else groupLevels(g);
      for (let x = c; x < g + 4; x++) {
        const w = load<u64>(set + ((<usize>x >> 6) << 3));
        if ((w & ((<u64>1) << (<u64>x & 63))) == 0) continue; // not at the top level
        const rx = rec + (<usize>x << 2);
        const vx = load<u16>(changeVer + (<usize>x << 1));
        if (load<u16>(rx + 2) == vx) {
          h = x;
          break;
        }
        let level = load<i32>(groupOut + (<usize>(x - g) << 2));
        if (level < 0) {
          const t = rescore(x);
          level = t < 0 ? 0 : t - lo + 1;
        }
        store<u32>(rx, (<u32>vx << 16) | <u32>level);
        if (level == top) {
          h = x; // unchanged: the bound was exact
          break;
        }
        n++;
        if (topRemove(set, x)) {
          top = topBuild(set, rec); // the rest of the group is picked up from the new top set
          break;
        }
      }
      if (h >= 0) break;
      continue;
    }
    const t = rescore(c);
    store<u16>(r + 2, ver);
    if (t >= 0 && <u32>(t - lo) >= <u32>LEVELS) break; // out of range: the full scan takes the tree
    const level = t < 0 ? 0 : t - lo + 1;
    if (level == top) {
      h = c; // unchanged: the bound was exact
      break;
    }
    store<u16>(r, <u16>level);
    if (topRemove(set, c)) top = topBuild(set, rec);
  }
  store<i32>(at32(stateTop, slot), top);
  return h;
}

const groupOut: usize = memory.data(16);

/**
 * Level + 1 (0 = infeasible) of hosts g..g+3 (g a multiple of 4) into groupOut: rescore() four at
 * a time — the resource fit of the requested dimensions and the LeastAllocated mean exactly as
 * the SIMD scan computes them (cap < 2^45: no huge hosts).
 */
function groupLevels(g: i32): void {
  if (!ASC_FEATURE_SIMD) return;
  const colBytes = <usize>hostCap << 3;
  const o = <usize>g << 3;
  const zero = f64x2.splat(0);
  const hundred = f64x2.splat(100);
  let bad = i32x4.splat(0);
  for (let i = 0; i < reqDimCount; i++) {
    const d = load<i32>(reqDims + (<usize>i << 2));
    const q = f64x2.splat(reqOf(d));
    const p = freeF + <usize>d * colBytes + o;
    bad = v128.or(bad, i32x4.shuffle(f64x2.gt(q, v128.load(p)), f64x2.gt(q, v128.load(p + 16)), 0, 2, 4, 6));
  }
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
    // requested > capacity gives a negative quotient: clamp to 0 like leastRequestedScore.
    const scLo = f64x2.max(f64x2.floor(f64x2.div(f64x2.mul(f64x2.sub(capLo, reqLo), hundred), capLo)), zero);
    const scHi = f64x2.max(f64x2.floor(f64x2.div(f64x2.mul(f64x2.sub(capHi, reqHi), hundred), capHi)), zero);
    const okLo = f64x2.ne(capLo, zero);
    const okHi = f64x2.ne(capHi, zero);
    sumLo = f64x2.add(sumLo, v128.and(f64x2.mul(scLo, w), okLo));
    sumHi = f64x2.add(sumHi, v128.and(f64x2.mul(scHi, w), okHi));
    wLo = f64x2.add(wLo, v128.and(w, okLo));
    wHi = f64x2.add(wHi, v128.and(w, okHi));
  }
  // Σw = 0 ⇒ 0 (NaN, which trunc_sat turns into 0), as in fitScore and the scan.
  const meanLo = f64x2.floor(f64x2.div(sumLo, wLo));
  const meanHi = f64x2.floor(f64x2.div(sumHi, wHi));
  const fitV = i32x4.shuffle(i32x4.trunc_sat_f64x2_s_zero(meanLo), i32x4.trunc_sat_f64x2_s_zero(meanHi), 0, 1, 4, 5);
  v128.store(groupOut, v128.andnot(i32x4.add(fitV, i32x4.splat(1)), bad));
}

// The prepared class scores exactly cpu and memory with these weights, and every host is within
// f64-exact range: rescore() computes the LeastAllocated score itself (see prepareRescore).
let quickFit: bool = false;
let quickCpuWeight: i32 = 0;
let quickMemWeight: i32 = 0;

/** Whether the prepared class can take rescore()'s direct formula. */
function prepareRescore(): void {
  quickFit = false;
  if (hugeHosts != 0 || scoreDimCount != 2) return;
  const d0 = load<i32>(scoreDims);
  const d1 = load<i32>(scoreDims + 4);
  const w0 = load<i32>(scoreWeights);
  const w1 = load<i32>(scoreWeights + 4);
  if (w0 <= 0 || w1 <= 0) return;
  if (d0 == DIM_CPU && d1 == DIM_MEMORY) {
    quickCpuWeight = w0;
    quickMemWeight = w1;
  } else if (d0 == DIM_MEMORY && d1 == DIM_CPU) {
    quickCpuWeight = w1;
    quickMemWeight = w0;
  } else return;
  quickFit = true;
}

/**
 * The lazy total of host h — hostReasons(h) == 0 ? combine(fitScore(h), 0, 0) : −1 — for a host
 * that passed every filter when its level was last computed in this batch: within a batch only
 * commits change a host (a release forces a full scan), so only the resource fit can fail now.
 * With quickFit, fitScore's LeastAllocated in doubles: cap < 2^45 (no huge hosts) keeps
 * (cap − requested)·100 / cap exact enough that truncation is the i64 floor (as in scan.ts).
 */
function rescore(h: i32): i32 {
  for (let i = 0; i < reqDimCount; i++) {
    const d = load<i32>(reqDims + (<usize>i << 2));
    if (reqOf(d) > load<f64>(colF(freeF, d, h))) return -1;
  }
  if (!quickFit) return combine(fitScore(h), 0, 0);
  const capCpu = load<f64>(colF(allocF, DIM_CPU, h));
  const capMem = load<f64>(colF(allocF, DIM_MEMORY, h));
  if (capCpu == 0 || capMem == 0) return combine(fitScore(h), 0, 0); // a dimension fitScore skips
  const usedCpu = load<f64>(colF(nzUsedF, 0, h)) + nzCpu;
  const usedMem = load<f64>(colF(nzUsedF, 1, h)) + nzMem;
  const cpu = usedCpu > capCpu ? 0 : <i32>(((capCpu - usedCpu) * 100) / capCpu);
  const mem = usedMem > capMem ? 0 : <i32>(((capMem - usedMem) * 100) / capMem);
  // equal weights (kube-scheduler's default 1, 1): ⌊w·(cpu + mem) / 2w⌋ = (cpu + mem) >> 1, no division
  if (quickCpuWeight == quickMemWeight) return combine((cpu + mem) >> 1, 0, 0);
  return combine((cpu * quickCpuWeight + mem * quickMemWeight) / (quickCpuWeight + quickMemWeight), 0, 0);
}

function fullScan(slot: i32, totals: usize, tree: usize): void {
  scan();
  treeFromScan(slot, totals, tree);
}

/** The slot's totals and tree from the last scan. */
function treeFromScan(slot: i32, totals: usize, tree: usize): void {
  store<u8>(stateLevels + <usize>slot, 0);
  if (totalsDeferred) deriveTotals(totals);
  else memory.copy(totals, total, <usize>hostCap << 2);
  buildTree(tree, totals);
  store<i32>(at32(stateMaxAff, slot), maxAffinity);
  store<i32>(at32(stateMaxTaint, slot), maxTaint);
}

/**
 * Rescore the hosts that changed since the slot last looked. False when a full scan is better
 * (too many changed hosts) or needed (a normalization maximum may have moved).
 */
function syncSlot(slot: i32, totals: usize, tree: usize, seen: i32): bool {
  const limit = max(8, hostEnd >> 4);
  let walked = 0;
  let h = mruHead;
  while (h >= 0 && load<i32>(at32(lastChanged, h)) > seen) {
    if (++walked > limit) return false;
    h = load<i32>(at32(mruNext, h));
  }
  setMaxima(load<i32>(at32(stateMaxAff, slot)), load<i32>(at32(stateMaxTaint, slot)));
  const prefer = prefCount > 0;
  const preferTaints = taintedHosts > 0 && hasPreferTaints();
  const normalized = prefer || preferTaints;
  h = mruHead;
  while (h >= 0 && load<i32>(at32(lastChanged, h)) > seen) {
    const r = hostReasons(h);
    const aff = prefer ? preferredWeight(h) : 0;
    const taint = preferTaints ? preferTaintCount(h) : 0;
    let t = -1;
    if (r == 0) t = combine(fitScore(h), aff, taint);
    else if (normalized && load<i32>(at32(totals, h)) >= 0 && ((aff == maxAffinity && aff > 0) || (taint == maxTaint && taint > 0))) {
      return false; // a host holding a normalization maximum left the feasible set
    }
    if (t != load<i32>(at32(totals, h))) {
      // most changes leave a host's integer score as it was: its path to the root stays valid
      store<i32>(at32(totals, h), t);
      updateTree(tree, totals, h);
    }
    h = load<i32>(at32(mruNext, h));
  }
  return true;
}

/** Evaluate one item without committing (explain, extender filter/prioritize). */
export function evaluateItem(i: i32): void {
  prepareItem(i);
  scan();
}

/** Admission only, logging the failure. */
export function admitItem(i: i32): i32 {
  prepareItem(i);
  return admit(true);
}

export function commitItem(i: i32, h: i32, sign: i32): void {
  applyItem(i, h, sign);
}

/** Record the "0/N hosts are available" histogram of the current scan for item i. */
export function recordFilterFailure(i: i32): void {
  memory.fill(counts, 0, 32 * 4);
  memory.fill(taintCounts, 0, MAX_TAINTS * 4);
  let hosts = 0;
  for (let h = 0; h < hostEnd; h++) {
    const r = load<u32>(at32(reasons, h));
    if (r & R_ABSENT) continue;
    hosts++;
    // Like kube-scheduler, a host reports only its first failing filter stage.
    if (r & R_UNSCHEDULABLE) bump(counts, 0);
    else if (r & R_TAINT) bump(taintCounts, firstBlockingTaint(h));
    else if (r & R_AFFINITY) bump(counts, 2);
    else if (r & R_INSUFFICIENT_MASK) {
      for (let d = 0; d < MAX_DIMS; d++) if (r & ((<u32>1) << (R_INSUFFICIENT_SHIFT + <u32>d))) bump(counts, <i32>R_INSUFFICIENT_SHIFT + d);
    } else if (r & R_SPREAD_LABEL) bump(counts, 21);
    else if (r & R_SPREAD) bump(counts, 22);
    else if (r & R_POD_AFFINITY) bump(counts, 23);
    else if (r & R_POD_ANTI_AFFINITY) bump(counts, 24);
    else if (r & R_EXISTING_ANTI_AFFINITY) bump(counts, 25);
  }
  let k = 0;
  for (let t = 0; t < MAX_TAINTS; t++) if (load<i32>(at32(taintCounts, t)) > 0) k++;
  for (let b = 0; b < 32; b++) if (load<i32>(at32(counts, b)) > 0) k++;
  ensureLog(4 + k * 3);
  logPush(i);
  logPush(FAIL_FILTER);
  logPush(hosts);
  logPush(k);
  for (let t = 0; t < MAX_TAINTS; t++) {
    const c = load<i32>(at32(taintCounts, t));
    if (c == 0) continue;
    logPush(0);
    logPush(t);
    logPush(c);
  }
  for (let b = 0; b < 32; b++) {
    const c = load<i32>(at32(counts, b));
    if (c == 0) continue;
    logPush(1 << b);
    logPush(0);
    logPush(c);
  }
}

// @ts-ignore: decorator
@inline function bump(p: usize, i: i32): void {
  store<i32>(at32(p, i), load<i32>(at32(p, i)) + 1);
}

// ---------------------------------------------------------------- ranking

/** Σ_d req[d] / (largest allocatable of any host in d), pods excluded: a workload's size for FFD. */
function sizeKey(i: i32): f64 {
  let size: f64 = 0;
  for (let d = 0; d < itemDims; d++) {
    if (d == DIM_PODS) continue;
    const ref = load<f64>(maxAllocTable + (<usize>d << 3));
    const q = load<f64>(reqAt(d, i));
    if (ref > 0 && q > 0) size += q / ref;
  }
  return size;
}

function computeOrder(n: i32): void {
  for (let d = 0; d < MAX_DIMS; d++) {
    let m: f64 = 0;
    for (let h = 0; h < hostEnd; h++) {
      if (load<u32>(at32(base, h)) & R_ABSENT) continue;
      const a = load<f64>(colF(allocF, d, h));
      if (a > m) m = a;
    }
    store<f64>(maxAllocTable + (<usize>d << 3), m);
  }
  for (let i = 0; i < n; i++) {
    store<i32>(at32(order, i), i);
    store<f64>(at64(itemSize, i), orderPolicy == POLICY_INPUT ? 0 : sizeKey(i));
  }
  mergeSort(n);
}

/** a ranks before b: higher priority, then larger size, then input order. */
// @ts-ignore: decorator
@inline function before(a: i32, b: i32): bool {
  const pa = load<i32>(at32(itemPrio, a));
  const pb = load<i32>(at32(itemPrio, b));
  if (pa != pb) return pa > pb;
  const sa = load<f64>(at64(itemSize, a));
  const sb = load<f64>(at64(itemSize, b));
  if (sa != sb) return sa > sb;
  return a < b;
}

/** Bottom-up merge sort of `order` (n log n, no recursion, no allocation). */
function mergeSort(n: i32): void {
  let src = order;
  let dst = orderTmp;
  for (let width = 1; width < n; width <<= 1) {
    for (let lo = 0; lo < n; lo += width << 1) {
      const mid = min(lo + width, n);
      const hi = min(lo + (width << 1), n);
      let a = lo;
      let b = mid;
      for (let k = lo; k < hi; k++) {
        if (a < mid && (b >= hi || !before(load<i32>(at32(src, b)), load<i32>(at32(src, a))))) {
          store<i32>(at32(dst, k), load<i32>(at32(src, a)));
          a++;
        } else {
          store<i32>(at32(dst, k), load<i32>(at32(src, b)));
          b++;
        }
      }
    }
    const t = src;
    src = dst;
    dst = t;
  }
  if (src != order) memory.copy(order, src, <usize>n << 2);
}
