// Placed workloads, one unit each, per host in commit order (a doubly linked list through unit
// arrays): what preemption may evict and how important each is (its class's priority, then its
// commit stamp — earlier is more important, like an earlier pod start time). Releases take the
// most recent units of the class first.

import { CHECKS } from './checks';
import { at32, calloc, hostCap, regrow } from './layout';

let unitCap: i32 = 0;
let unitLen: i32 = 0;
let freeUnit: i32 = -1;
export let uCls: usize = 0; // i32: class id (the TypeScript side's)
export let uStamp: usize = 0; // i32: commit stamp
let uRef: usize = 0; // i32: batch instance, −1 when committed outside a batch (read with refOf)
let uPrev: usize = 0; // i32
let uNext: usize = 0; // i32
let headCap: i32 = 0;
export let hHead: usize = 0; // i32 [host]: oldest unit
let hTail: usize = 0; // i32 [host]: newest unit
export let stamp: i32 = 0;
let batchFrom: i32 = i32.MAX_VALUE; // stamps from here on belong to the running batch

function ensureHostHeads(): void {
  if (headCap >= hostCap) return;
  const h = calloc(<usize>hostCap * 4);
  const t = calloc(<usize>hostCap * 4);
  for (let i = 0; i < hostCap; i++) {
    store<i32>(at32(h, i), i < headCap ? load<i32>(at32(hHead, i)) : -1);
    store<i32>(at32(t, i), i < headCap ? load<i32>(at32(hTail, i)) : -1);
  }
  if (hHead != 0) {
    heap.free(hHead);
    heap.free(hTail);
  }
  hHead = h;
  hTail = t;
  headCap = hostCap;
}

function newUnit(): i32 {
  if (freeUnit >= 0) {
    const u = freeUnit;
    freeUnit = load<i32>(at32(uNext, u));
    return u;
  }
  if (unitLen == unitCap) growUnits(unitCap == 0 ? 4096 : unitCap * 2);
  return unitLen++;
}

function growUnits(cap: i32): void {
  uCls = regrow(uCls, <usize>unitCap * 4, <usize>cap * 4);
  uStamp = regrow(uStamp, <usize>unitCap * 4, <usize>cap * 4);
  uRef = regrow(uRef, <usize>unitCap * 4, <usize>cap * 4);
  uPrev = regrow(uPrev, <usize>unitCap * 4, <usize>cap * 4);
  uNext = regrow(uNext, <usize>unitCap * 4, <usize>cap * 4);
  unitCap = cap;
}

/**
 * Room for `n` more units in one step: a batch knows its instance count, and growing the tables
 * once beats ~log2(n) doublings (each a copy, and Wasm memory growth under them).
 */
export function reserveUnits(n: i32): void {
  if (unitLen + n > unitCap) growUnits(max(unitLen + n, unitCap * 2));
}

/** A batch starts: units committed from now on carry its instances. */
export function beginBatchUnits(): void {
  batchFrom = stamp + 1;
}

/** The batch instance of unit u if the running batch committed it; −1 for one committed before it. */
export function refOf(u: i32): i32 {
  return load<i32>(at32(uStamp, u)) >= batchFrom ? load<i32>(at32(uRef, u)) : -1;
}

/** Append `count` units of class `cls` on host h, all with one new stamp. */
export function addUnits(h: i32, cls: i32, count: i32, ref: i32): void {
  ensureHostHeads();
  stamp++;
  for (let n = 0; n < count; n++) {
    const u = newUnit();
    store<i32>(at32(uCls, u), cls);
    store<i32>(at32(uStamp, u), stamp);
    store<i32>(at32(uRef, u), ref);
    linkAfterTail(h, u);
  }
}

function linkAfterTail(h: i32, u: i32): void {
  const t = load<i32>(at32(hTail, h));
  store<i32>(at32(uPrev, u), t);
  store<i32>(at32(uNext, u), -1);
  if (t >= 0) store<i32>(at32(uNext, t), u);
  else store<i32>(at32(hHead, h), u);
  store<i32>(at32(hTail, h), u);
}

/** Unlink unit u from host h (it stays allocated: see restoreUnit / freeUnitSlot). */
export function unlinkUnit(h: i32, u: i32): void {
  const p = load<i32>(at32(uPrev, u));
  const n = load<i32>(at32(uNext, u));
  if (p >= 0) store<i32>(at32(uNext, p), n);
  else store<i32>(at32(hHead, h), n);
  if (n >= 0) store<i32>(at32(uPrev, n), p);
  else store<i32>(at32(hTail, h), p);
}

/** Put an unlinked unit back on host h, at its place in commit order. */
export function relinkUnit(h: i32, u: i32): void {
  const s = load<i32>(at32(uStamp, u));
  let after = load<i32>(at32(hTail, h));
  while (after >= 0 && load<i32>(at32(uStamp, after)) > s) after = load<i32>(at32(uPrev, after));
  if (after < 0) {
    const first = load<i32>(at32(hHead, h));
    store<i32>(at32(uPrev, u), -1);
    store<i32>(at32(uNext, u), first);
    if (first >= 0) store<i32>(at32(uPrev, first), u);
    else store<i32>(at32(hTail, h), u);
    store<i32>(at32(hHead, h), u);
    return;
  }
  const next = load<i32>(at32(uNext, after));
  store<i32>(at32(uPrev, u), after);
  store<i32>(at32(uNext, u), next);
  store<i32>(at32(uNext, after), u);
  if (next >= 0) store<i32>(at32(uPrev, next), u);
  else store<i32>(at32(hTail, h), u);
}

export function freeUnitSlot(u: i32): void {
  store<i32>(at32(uNext, u), freeUnit);
  freeUnit = u;
}

/** Remove the newest `count` units of class `cls` on host h. */
export function removeUnits(h: i32, cls: i32, count: i32): void {
  ensureHostHeads();
  let u = load<i32>(at32(hTail, h));
  let n = 0;
  while (u >= 0 && n < count) {
    const prev = load<i32>(at32(uPrev, u));
    if (load<i32>(at32(uCls, u)) == cls) {
      unlinkUnit(h, u);
      freeUnitSlot(u);
      n++;
    }
    u = prev;
  }
  if (CHECKS) assert(n == count, 'released more workloads of a class than the host holds');
}

export function firstUnit(h: i32): i32 {
  ensureHostHeads();
  return load<i32>(at32(hHead, h));
}

export function nextUnit(u: i32): i32 {
  return load<i32>(at32(uNext, u));
}
