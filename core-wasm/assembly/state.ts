// Per-item state of a batch: for each multi-instance item (within a memory budget), its host
// totals and a tournament tree, or — lazy LeastAllocated items (lazy.ts) — upper bounds as levels
// with a top set; and the hosts by most recent change, which tells a slot what to rescore.

import { STRATEGY_LEAST } from './abi';
import { allocRaw, at32, balancedWeight, calloc, hostCap, itemCount, itemTopoOff, order, regrow, taintedHosts, treeCap } from './layout';
import { slackItem } from './bound';
import { hasPreferTaints, prefCount } from './constraints';
import { curStrategy, prepareItem } from './item';
import { failed, slotOf } from './run';
import { TREE_MAX_SLOTS, topSetBytes } from './select';
import { looksAcrossHosts } from './topology';

/** Memory for per-item score tables and trees; items beyond it are placed by plain scans. */
const STATE_BUDGET_BYTES: usize = 256 << 20;

// Per-item state: [hostCap] totals, [2·treeCap] tree, [hostCap] stamps of the totals (lazy
// mode), plus stamp, full-scan stamp and normalization maxima per slot. A lazy slot whose totals
// fit the level range instead holds [hostCap] u32 (level, version) and a top set (select.ts),
// and with BalancedAllocation beside LeastAllocated [hostCap] u8 slacks after them (bound.ts).
let stateCap: i32 = 0;
let stateStride: usize = 0; // bytes per slot
let stateBytes: usize = 0;
export let smallSlots: bool = false; // slots hold levels only (every multi-instance item is lazy)
let stateArena: usize = 0;
export let stateStamp: usize = 0; // i32 [slots]: changes seen up to this stamp (0 = never scanned)
export let stateMaxAff: usize = 0; // i32 [slots]
export let stateMaxTaint: usize = 0; // i32 [slots]
export let stateBase: usize = 0; // i32 [slots]: stamp of the last full scan
export let stateLevels: usize = 0; // u8 [slots]: the slot holds levels and a top set, not a tree
export let stateTop: usize = 0; // i32 [slots]: level + 1 of the top set, 0 = no feasible host
/** Stamp of the last change that may have raised a score (a release); lazy slots older rescan. */
export let raiseStamp: i32 = 0;

// Hosts by most recent change: a doubly linked list with the change stamp of each host.
let mruCap: i32 = 0;
let mruPrev: usize = 0;
export let mruNext: usize = 0;
export let lastChanged: usize = 0;
export let changeVer: usize = 0; // u16 [hostCap]: changes of each host, mod 2^16 (lazy level slots)
export let mruHead: i32 = -1;
export let stamp: i32 = 0;

export function resetMru(): void {
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
export function markChanged(h: i32): void {
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
export function assignSlots(n: i32): void {
  // Items whose verdicts depend on other hosts (spread, inter-workload affinity) rescan instead.
  for (let i = 0; i < n; i++) store<u8>(failed + <usize>i, looksAcrossHosts(load<i32>(at32(itemTopoOff, i))) ? 2 : 0);
  let want = 0;
  let allLazy = true;
  let slacks = false;
  for (let i = 0; i < n; i++) {
    if (load<i32>(at32(itemCount, i)) <= 1 || load<u8>(failed + <usize>i) != 0) continue;
    want++;
    if (allLazy) {
      prepareItem(i);
      allLazy = lazyItem();
      slacks = slacks || slackItem();
    }
  }
  // Only lazy items: slots of levels and a top set, a quarter of a tree's, and not a power of two
  // apart (slots 16 KB apart would compete for the same cache sets).
  stateStride = allLazy
    ? ((<usize>hostCap << 2) + topSetBytes() + (slacks ? <usize>hostCap : 0) + 64 + 63) & ~63
    : max<usize>((2 * <usize>hostCap + 2 * <usize>treeCap) * 4, (<usize>hostCap << 2) + topSetBytes() + <usize>hostCap);
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


/** A change that may have raised a score (a release: gang rollback, eviction): lazy slots rescan. */
export function markReleased(h: i32): void {
  markChanged(h);
  raiseStamp = stamp;
}

// @ts-ignore: decorator
@inline export function slotTotal(slot: i32): usize {
  return stateArena + <usize>slot * stateStride;
}

// @ts-ignore: decorator
@inline export function slotTree(slot: i32): usize {
  return stateArena + <usize>slot * stateStride + (<usize>hostCap << 2);
}

// @ts-ignore: decorator
@inline export function slotStamps(slot: i32): usize {
  return stateArena + <usize>slot * stateStride + ((<usize>hostCap + 2 * <usize>treeCap) << 2);
}

/** The u8 slacks of a lazy slot's levels (bound.ts), after its top set. */
// @ts-ignore: decorator
@inline export function slotSlacks(slot: i32): usize {
  return stateArena + <usize>slot * stateStride + (<usize>hostCap << 2) + topSetBytes();
}

/**
 * The prepared class keeps a lazy slot (see lazy.ts): LeastAllocated alone, whose scores a commit
 * only lowers, or beside BalancedAllocation where bound.ts bounds how far a commit raises them.
 * Any other BalancedAllocation beside it (another weight or resources) rescans.
 */
// @ts-ignore: decorator
@inline export function lazyItem(): bool {
  if (curStrategy != STRATEGY_LEAST || prefCount != 0 || (taintedHosts > 0 && hasPreferTaints())) return false;
  return balancedWeight == 0 || slackItem();
}
