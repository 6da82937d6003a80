// One instance of a batch item: Admit, Select, Commit — or preempt. Select takes the item's state
// (state.ts) when it has a slot: its tree brought up to date by rescoring the hosts changed since
// its last turn (or a full SIMD rescan when many changed or a normalization maximum may have
// moved), or its lazy bounds (lazy.ts); items without a slot scan every host.

import { FAIL_NONE, ITEM_PREEMPT_NEVER } from './abi';
import { admit } from './admit';
import { slackItem } from './bound';
import { CHECKS } from './checks';
import { hasPreferTaints, preferTaintCount, preferredWeight, prefCount } from './constraints';
import { recordFilterFailure } from './failures';
import { prepareItem } from './item';
import { at32, hostCap, hostEnd, hostOf, itemFlags, logLen, setLogLen, taintedHosts, total } from './layout';
import { lazyLevels, lazyRoot, levelsScan } from './lazy';
import { applyItem } from './ledger';
import { bestCount, bestHost, bestVictimCls, evictBest, selectVictims } from './preempt';
import { evLen, failed, pushEvent, pushEviction, slotOf, starts } from './run';
import { deriveTotals, scan, totalsDeferred } from './scan';
import { resourceScore } from './score';
import { bestHostLinear, buildTree, topFirst, treeRoot, updateTree } from './select';
import { combine, hostReasons, maxAffinity, maxTaint, setMaxima } from './verdict';
import {
  lastChanged, lazyItem, markChanged, markReleased, mruHead, mruNext, raiseStamp, slotStamps, slotTotal, slotTree, smallSlots,
  stamp, stateBase, stateLevels, stateMaxAff, stateMaxTaint, stateStamp, stateTop,
} from './state';

/** Whether the next batches may preempt (plans of moves never evict anyone). */
let preemption: bool = true;
export function setPreemption(on: bool): void {
  preemption = on;
}

/** One instance: Admit, Select (via the item's state or a scan), Commit — or preempt. */
export function attempt(i: i32, k: i32, mayPreempt: bool): void {
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
      markReleased(h);
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
    // a tree keeps no slacks (lazy.ts): an item bounded by them that leaves the levels scans
    if (smallSlots || slackItem()) return noSlot(i);
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

/** Item i's slot is too small for a tree: it is placed by scans from now on (the last scan is current). */
function noSlot(i: i32): i32 {
  store<i32>(at32(slotOf, i), -1);
  return bestHostLinear();
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
    if (r == 0) t = combine(resourceScore(h), aff, taint);
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
