// Gangs: all-or-nothing groups of items. A gang is placed as one unit at the priority of its most
// important member, before the other items of that priority, without preemption; short of
// minMember, every commit of the gang is undone and each member fails with the gang's reason.
// Rule twin: core-wasm/src/rules/gangs.ts.

import { at32, gangMin, hostOf, itemCount, itemGang, order } from './layout';
import { attempt } from './attempt';
import { logGangFailure } from './failures';
import { applyItem } from './ledger';
import { batchItems, failed, itemOfInstance, seqLen, sequence, truncateSequence } from './run';
import { markReleased } from './state';

/** The gangs of ranks [from, to), in the order of their first member, each member instance in turn. */
export function placeGangs(from: i32, to: i32): void {
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
      markReleased(h);
      store<i32>(at32(hostOf, instance), -1);
    }
    truncateSequence(mark);
    for (let q = r; q < batchItems; q++) {
      const i = load<i32>(at32(order, q));
      if (load<i32>(at32(itemGang, i)) == g) store<u8>(failed + <usize>i, 1);
    }
    logGangFailure(g, placed, needed, cause);
  }
}

function gangSeen(g: i32, from: i32, before: i32): bool {
  for (let q = from; q < before; q++) if (load<i32>(at32(itemGang, load<i32>(at32(order, q)))) == g) return true;
  return false;
}
