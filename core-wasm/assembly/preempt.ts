// DefaultPreemption for a workload that fits nowhere (kube-scheduler's SelectVictimsOnNode and
// pickOneNodeForPreemption): on every host whose first failing check preemption could resolve,
// remove every lower-priority workload; if the workload then fits (quota, reservation and every
// filter re-checked), reprieve them greedily — PDB-violating first, most important first — and
// keep as victims only those it cannot fit beside. The host with the fewest PDB violations, then
// the lowest highest victim priority, the smallest priority sum, the fewest victims, the latest
// earliest start among the highest-priority victims, then the first host, wins. Rule twin:
// core-wasm/src/rules/preemption.ts (the reference applies it in core-wasm/src/reference/preempt.ts).

import {
  FAIL_NONE, ITEM_GANG_MEMBER, R_ABSENT, R_AFFINITY, R_INSUFFICIENT_MASK, R_POD_AFFINITY, R_SPREAD, R_SPREAD_LABEL,
  R_TAINT, R_UNRESOLVABLE_FIT, R_UNSCHEDULABLE,
} from './abi';
import {
  at32,
  at64,
  clsItem,
  clsItemCap,
  hostEnd,
  itemFlags,
  itemGang,
  itemPdbOff,
  itemPrio,
  reasons,
  regrow,
  topoPool,
} from './layout';
import { admit, keepsHeldReservations, noteReservationsHeld } from './admit';
import { applyLedgers, pdbCount, pdbDesired, pdbHealthy } from './ledger';
import { itemOfInstance } from './run';
import { scan } from './scan';
import { topological } from './topology';
import { hostReasons } from './verdict';
import { firstUnit, freeUnitSlot, nextUnit, refOf, relinkUnit, uCls, uStamp, unlinkUnit } from './units';

/** The lowest priority among the batch's items: nothing placed can be a victim of an item at or below it. */
let batchMinPrio: i32 = i32.MAX_VALUE;
export function setBatchPriorities(items: i32): void {
  batchMinPrio = i32.MAX_VALUE;
  for (let i = 0; i < items; i++) batchMinPrio = min(batchMinPrio, load<i32>(at32(itemPrio, i)));
}

let cap: i32 = 0;
let hostsList: usize = 0; // i32: candidate hosts
let cand: usize = 0; // i32: lower-priority units on the host, most important first
let violFlag: usize = 0; // u8 per cand
let victims: usize = 0; // i32
let best: usize = 0; // i32: best plan's victims
let allowedBase: usize = 0; // i64 [pdb]
let allowedCur: usize = 0; // i64 [pdb]
let pdbCap: i32 = 0;

function ensure(n: i32): void {
  if (n > cap) {
    let c = cap == 0 ? 1024 : cap;
    while (c < n) c *= 2;
    hostsList = regrow(hostsList, 0, <usize>c * 4);
    cand = regrow(cand, 0, <usize>c * 4);
    violFlag = regrow(violFlag, 0, <usize>c);
    victims = regrow(victims, 0, <usize>c * 4);
    best = regrow(best, 0, <usize>c * 4);
    cap = c;
  }
  if (pdbCount > pdbCap) {
    allowedBase = regrow(allowedBase, 0, <usize>pdbCount * 8);
    allowedCur = regrow(allowedCur, 0, <usize>pdbCount * 8);
    pdbCap = pdbCount;
  }
}

// @ts-ignore: decorator
@inline function itemOfUnit(u: i32): i32 {
  const cls = load<i32>(at32(uCls, u));
  return cls < clsItemCap ? load<i32>(at32(clsItem, cls)) : -1;
}

// @ts-ignore: decorator
@inline function prioOfUnit(u: i32): i32 {
  return load<i32>(at32(itemPrio, itemOfUnit(u)));
}

/** u is more important than v: higher priority, then committed earlier. */
// @ts-ignore: decorator
@inline function moreImportant(u: i32, v: i32): bool {
  const pu = prioOfUnit(u);
  const pv = prioOfUnit(v);
  if (pu != pv) return pu > pv;
  return load<i32>(at32(uStamp, u)) < load<i32>(at32(uStamp, v));
}

function sortByImportance(p: usize, n: i32): void {
  for (let a = 1; a < n; a++) {
    const x = load<i32>(at32(p, a));
    let b = a - 1;
    while (b >= 0 && moreImportant(x, load<i32>(at32(p, b)))) {
      store<i32>(at32(p, b + 1), load<i32>(at32(p, b)));
      b--;
    }
    store<i32>(at32(p, b + 1), x);
  }
}

/** Could preemption help on a host with these reasons? (its first failing check is resolvable) */
function resolvable(r: u32): bool {
  if (r == 0 || (r & R_ABSENT) != 0) return false;
  if (r & (R_UNSCHEDULABLE | R_TAINT | R_AFFINITY)) return false;
  if (r & R_INSUFFICIENT_MASK) return (r & R_UNRESOLVABLE_FIT) == 0;
  if (r & R_SPREAD_LABEL) return false;
  if (r & R_SPREAD) return true;
  if (r & R_POD_AFFINITY) return false;
  return true; // anti-affinity (own or placed workloads')
}

/** The prepared item fits on host h now (admission, the held reservation invariant and every filter). */
function fitsOn(h: i32): bool {
  if (admit(false) != FAIL_NONE || !keepsHeldReservations(h)) return false;
  if (!topological) return hostReasons(h) == 0;
  scan();
  return load<u32>(at32(reasons, h)) == 0;
}

function take(h: i32, u: i32): void {
  applyLedgers(itemOfUnit(u), h, -1);
  unlinkUnit(h, u);
}

function putBack(h: i32, u: i32): void {
  applyLedgers(itemOfUnit(u), h, 1);
  relinkUnit(h, u);
}

export let bestHost: i32 = -1;
export let bestCount: i32 = 0;

/**
 * Find victims for the prepared item i, whose last scan left `reasons` for every host. Leaves the
 * ledgers as they were; the chosen host and its victims are in bestHost / bestVictim(k).
 */
export function selectVictims(i: i32): i32 {
  const prio = load<i32>(at32(itemPrio, i));
  // Victims have a lower priority than the preemptor and belong to one of the batch's items
  // (classes placed before the batch travel as empty items): none has one, so no host has any.
  if (prio <= batchMinPrio) {
    bestHost = -1;
    bestCount = 0;
    return -1;
  }
  const end = hostEnd;
  ensure(end);
  // Victims on an over-committed host return more unused reservation than capacity: fitsOn
  // re-checks F ≥ Σ U after them wherever it holds now.
  noteReservationsHeld();
  let nHosts = 0;
  for (let h = 0; h < end; h++) if (resolvable(load<u32>(at32(reasons, h)))) store<i32>(at32(hostsList, nHosts++), h);
  for (let p = 0; p < pdbCount; p++) {
    const allowed = load<i64>(at64(pdbHealthy, p)) - load<i64>(at64(pdbDesired, p));
    store<i64>(at64(allowedBase, p), allowed > 0 ? allowed : 0);
  }
  bestHost = -1;
  bestCount = 0;
  let bestViol = 0;
  let bestTop = 0;
  let bestSum: i64 = 0;
  let bestEarliest = 0;
  for (let k = 0; k < nHosts; k++) {
    const h = load<i32>(at32(hostsList, k));
    let n = 0;
    for (let u = firstUnit(h); u >= 0; u = nextUnit(u)) {
      const it = itemOfUnit(u);
      if (it < 0 || load<i32>(at32(itemPrio, it)) >= prio) continue;
      // Gang members are never victims: their placement was all-or-nothing.
      if ((load<i32>(at32(itemFlags, it)) & ITEM_GANG_MEMBER) != 0) continue;
      const ref = refOf(u);
      if (ref >= 0 && load<i32>(at32(itemGang, itemOfInstance(ref))) >= 0) continue;
      ensure(n + 1);
      store<i32>(at32(cand, n++), u);
    }
    if (n == 0) continue;
    sortByImportance(cand, n);
    for (let a = 0; a < n; a++) take(h, load<i32>(at32(cand, a)));
    if (!fitsOn(h)) {
      for (let a = n - 1; a >= 0; a--) putBack(h, load<i32>(at32(cand, a)));
      continue;
    }
    memory.copy(allowedCur, allowedBase, <usize>pdbCount * 8);
    for (let a = 0; a < n; a++) {
      const u = load<i32>(at32(cand, a));
      let violates = false;
      const off = load<i32>(at32(itemPdbOff, itemOfUnit(u)));
      if (off >= 0) {
        const m = load<i32>(at32(topoPool, off));
        for (let q = 0; q < m; q++) {
          const p = load<i32>(at32(topoPool, off + 1 + q));
          if (p >= pdbCount) continue;
          const left = load<i64>(at64(allowedCur, p)) - 1;
          store<i64>(at64(allowedCur, p), left);
          if (left < 0) violates = true;
        }
      }
      store<u8>(violFlag + <usize>a, violates ? 1 : 0);
    }
    let nv = 0;
    let violations = 0;
    for (let group = 1; group >= 0; group--) {
      for (let a = 0; a < n; a++) {
        if (<i32>load<u8>(violFlag + <usize>a) != group) continue;
        const u = load<i32>(at32(cand, a));
        putBack(h, u);
        if (!fitsOn(h)) {
          take(h, u);
          store<i32>(at32(victims, nv++), u);
          if (group == 1) violations++;
        }
      }
    }
    for (let a = nv - 1; a >= 0; a--) putBack(h, load<i32>(at32(victims, a)));
    if (nv == 0) continue; // cannot happen: it did not fit with all of them
    sortByImportance(victims, nv);
    const top = prioOfUnit(load<i32>(at32(victims, 0)));
    let sum: i64 = 0;
    let earliest = i32.MAX_VALUE;
    for (let a = 0; a < nv; a++) {
      const u = load<i32>(at32(victims, a));
      const p = prioOfUnit(u);
      sum += <i64>p + 2147483648;
      if (p == top && load<i32>(at32(uStamp, u)) < earliest) earliest = load<i32>(at32(uStamp, u));
    }
    let better = bestHost < 0;
    if (!better && violations != bestViol) better = violations < bestViol;
    else if (!better && top != bestTop) better = top < bestTop;
    else if (!better && sum != bestSum) better = sum < bestSum;
    else if (!better && nv != bestCount) better = nv < bestCount;
    else if (!better && earliest != bestEarliest) better = earliest > bestEarliest;
    if (better) {
      bestHost = h;
      bestCount = nv;
      bestViol = violations;
      bestTop = top;
      bestSum = sum;
      bestEarliest = earliest;
      memory.copy(best, victims, <usize>nv * 4);
    }
  }
  return bestHost;
}

/** Evict victim k of the chosen plan; returns its batch instance (−1 outside the batch). */
export function evictBest(k: i32): i32 {
  const u = load<i32>(at32(best, k));
  take(bestHost, u);
  const ref = refOf(u);
  freeUnitSlot(u);
  return ref;
}

export function bestVictimCls(k: i32): i32 {
  return load<i32>(at32(uCls, load<i32>(at32(best, k))));
}
