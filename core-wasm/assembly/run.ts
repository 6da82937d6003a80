// The batch being placed: its items' instance ranges and progress, the per-item tables the other
// batch files share (state slot, rank, the interleave heap's storage), and what the batch
// produces besides hostOf: the commit sequence and the evictions.

import { EVICTION_WORDS } from './abi';
import { at32, itemCount, regrow } from './layout';
import { beginBatchUnits } from './units';

// Per-batch tables, grown on demand (i32 unless noted).
let batchCap: i32 = 0;
export let batchItems: i32 = 0;
export let starts: usize = 0; // first instance index of each item
export let nextK: usize = 0; // next instance of each item
export let failed: usize = 0; // u8: the item failed; its remaining instances are skipped
export let slotOf: usize = 0; // per-item state slot, −1 = none (scan per instance)
export let rankOf: usize = 0; // position of the item in rank order
export let itemHeap: usize = 0; // binary heap of items (interleave, order.ts)
let seqCap: i32 = 0;
export let sequence: usize = 0; // i32: instance indices in commit order
export let seqLen: i32 = 0;

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

/**
 * Start a batch of `n` items (the item tables hold them): instance ranges, no instance attempted,
 * no item failed, no commit or eviction recorded yet. Returns the number of instances.
 */
export function beginBatch(n: i32): i32 {
  ensureBatch(n);
  batchItems = n;
  let instances = 0;
  for (let i = 0; i < n; i++) {
    store<i32>(at32(starts, i), instances);
    store<i32>(at32(nextK, i), 0);
    store<u8>(failed + <usize>i, 0);
    instances += load<i32>(at32(itemCount, i));
  }
  seqLen = 0;
  evLen = 0;
  beginBatchUnits();
  return instances;
}

/** The item whose instances include `instance` (binary search over starts). */
export function itemOfInstance(instance: i32): i32 {
  let lo = 0;
  let hi = batchItems - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (load<i32>(at32(starts, mid)) <= instance) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}


// ---------------------------------------------------------------- the commit sequence

export function sequencePtr(): usize {
  return sequence;
}

export function pushEvent(v: i32): void {
  if (seqLen == seqCap) growSequence(seqCap == 0 ? 1024 : seqCap * 2);
  store<i32>(at32(sequence, seqLen++), v);
}

function growSequence(cap: i32): void {
  sequence = regrow(sequence, <usize>seqCap * 4, <usize>cap * 4);
  seqCap = cap;
}

export function reserveSequence(n: i32): void {
  if (seqLen + n > seqCap) growSequence(max(seqLen + n, seqCap * 2));
}

/** Forget the events from `mark` on (a gang's commits, undone). */
export function truncateSequence(mark: i32): void {
  seqLen = mark;
}

// ---------------------------------------------------------------- evictions

let evCap: i32 = 0;
export let evLen: i32 = 0;
let evRecords: usize = 0; // i32 × EVICTION_WORDS per eviction: instance, class, host, by
export function evictionsPtr(): usize {
  return evRecords;
}

export function pushEviction(ref: i32, cls: i32, h: i32, by: i32): void {
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

