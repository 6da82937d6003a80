// Batch placement. Items (a workload class and how many of it) are ranked by priority, size
// (first-fit decreasing) and input order; instances are attempted either interleaved (the
// default: instance k of an item with n instances at position (k + ½)/n of its priority level)
// or item after item (order.ts), each priority level's gangs first (gangs.ts). The result equals
// attempting every instance with a full scan of every host — the reference engine does exactly
// that; differential tests hold the two together — but the core keeps, per multi-instance item,
// its host scores and a tournament tree (state.ts), and brings them up to date by rescoring only
// the hosts that changed since the item's last turn (a most-recently-changed list). A bin-packing
// batch touches one or two hosts between turns; when many changed (spreading strategies), a SIMD
// rescan is cheaper and is used instead, and LeastAllocated keeps upper bounds (lazy.ts).
//
//   batch.ts     this driver, and the single-item entry points
//   run.ts       the batch's instance ranges, progress, commit sequence and evictions
//   order.ts     ranking and the interleaved order
//   gangs.ts     all-or-nothing gangs
//   attempt.ts   one instance: Admit, Select (from the item's state or a scan), Commit, or preempt
//   state.ts     per-item state: slots, trees, the most-recently-changed list
//   lazy.ts      lazy LeastAllocated: upper bounds, levels and top sets
//   failures.ts  the failure records of a batch

import { POLICY_INTERLEAVE } from './abi';
import { admit } from './admit';
import { attempt } from './attempt';
import { placeGangs } from './gangs';
import { prepareItem } from './item';
import { at32, ensureHostOf, hostOf, itemCount, itemGang, itemPrio, order, orderPolicy } from './layout';
import { applyItem } from './ledger';
import { computeOrder, interleave } from './order';
import { setBatchPriorities } from './preempt';
import { beginBatch, failed, rankOf, reserveSequence } from './run';
import { scan } from './scan';
import { assignSlots, resetMru } from './state';
import { reserveUnits } from './units';

/** Place `n` items; hostOf gets one slot per instance (item order), failures go to the log. */
export function placeBatch(n: i32): i32 {
  const instances = beginBatch(n);
  setBatchPriorities(n);
  ensureHostOf(instances);
  for (let j = 0; j < instances; j++) store<i32>(at32(hostOf, j), -1);
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
