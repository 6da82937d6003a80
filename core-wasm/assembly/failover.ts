// Namespace HA in the core: the restart plan of failed hosts, first fit over the surviving hosts
// scanned cyclically from `start` (core-wasm/src/rules/failover.ts is the reference twin and
// states the rule). Per item, in order, the first slot where it fits: not out of the plan, the
// class's filter reasons (resource and spread bits masked: the plan tracks its own room and spread
// is not required for restarts), every dimension against free room less the plan's use, and no
// restarted anti-affinity item in the same domain of a column of either's terms (the core's own
// label value ids). Gangs short of a member are taken back out.
//
// Inputs stay in the core between plans: the free room (slot × MAX_DIMS + d, f64) is rewritten
// by the TypeScript side only where it changed, and the class reasons rows (u32 [row][hostCap])
// only when a class's reasons change; the items (requests, reasons row, gang, anti-affinity
// columns) are written per plan. Outputs: per item its target and why row, the touched slots
// ascending, the targets with their use, and whether gang members were taken out.

import {
  MAX_DIMS, R_ABSENT, R_INSUFFICIENT_MASK, R_INSUFFICIENT_SHIFT, R_POD_ANTI_AFFINITY, R_SPREAD, R_SPREAD_LABEL,
  R_UNRESOLVABLE_FIT,
} from './abi';
import { colI, hostCap, labels } from './layout';

/** The filter bits a restart ignores (rules/failover.ts RESTART_IGNORED). */
const IGNORED: u32 = R_INSUFFICIENT_MASK | R_UNRESOLVABLE_FIT | R_SPREAD | R_SPREAD_LABEL;
/** whyRow of an item taken back out with its gang. */
export const WHY_GANG: i32 = -2;

let slotCap: i32 = 0;
let itemCap: i32 = 0;
let rowCap: i32 = 0;
let colCap: i32 = 0;
let whyCap: i32 = 0;
// per slot
let free: usize = 0; // f64 [slotCap][MAX_DIMS] free room
let use: usize = 0; // f64 [slotCap][MAX_DIMS]  the plan's use while it runs (zeroed after)
let out: usize = 0; // u8 [slotCap]             failed or absent
let seen: usize = 0; // u8 [slotCap]            touched by the running plan
let touched: usize = 0; // i32 [slotCap]        touched slots (ascending after the plan)
let targets: usize = 0; // i32 [slotCap]        target slots, ascending
let useOut: usize = 0; // f64 [slotCap][MAX_DIMS] the use of each target, in targets' order
let rows: usize = 0; // u32 [rowCap][slotCap]  class filter reasons
// per item
let req: usize = 0; // f64 [itemCap][MAX_DIMS]
let row: usize = 0; // i32 [itemCap]  reasons row
let gang: usize = 0; // i32 [itemCap] gang index (< itemCap) or −1
let colOff: usize = 0; // i32 [itemCap] first anti-affinity column in cols
let colLen: usize = 0; // i32 [itemCap] anti-affinity columns (0: none)
let target: usize = 0; // i32 [itemCap]
let whyRow: usize = 0; // i32 [itemCap] −1 placed, WHY_GANG, or the row of its masks in why
let anti: usize = 0; // i32 [itemCap] placed items with anti-affinity columns, in placing order
let short: usize = 0; // u8 [itemCap] gangs short of a member
let cols: usize = 0; // i32 [colCap]
let why: usize = 0; // u32 [whyCap] reasons of every slot per unplaced item

let touchedCount: i32 = 0;
let targetCount: i32 = 0;
let gangsOut: i32 = 0;
let antiCount: i32 = 0;
let whyRows: i32 = 0;
let planStart: i32 = 0;

/** The addresses and counts TypeScript reads (wasm/restart.ts RESTART_FIELDS, in this order). */
const table: usize = memory.data(24 * 4);

function grown(p: usize, bytes: usize): usize {
  if (p != 0) heap.free(p);
  const q = heap.alloc(bytes < 16 ? 16 : bytes);
  memory.fill(q, 0, bytes);
  return q;
}

/**
 * Room for a plan over `n` slots of `items` items, `nRows` reasons rows and `nCols` columns.
 * Returns 1 when the free room or the reasons rows moved (their content is lost: write them anew).
 */
export function ensure(n: i32, items: i32, nRows: i32, nCols: i32): i32 {
  let lost = 0;
  if (n > slotCap) {
    slotCap = max(n, slotCap * 2);
    const wide = <usize>slotCap * MAX_DIMS * 8;
    free = grown(free, wide);
    use = grown(use, wide);
    useOut = grown(useOut, wide);
    out = grown(out, <usize>slotCap);
    seen = grown(seen, <usize>slotCap);
    touched = grown(touched, <usize>slotCap * 4);
    targets = grown(targets, <usize>slotCap * 4);
    rowCap = 0;
    lost = 1;
  }
  if (nRows > rowCap) {
    rowCap = max(nRows, rowCap * 2);
    rows = grown(rows, <usize>rowCap * <usize>slotCap * 4);
    lost = 1;
  }
  if (items > itemCap) {
    itemCap = max(items, itemCap * 2);
    req = grown(req, <usize>itemCap * MAX_DIMS * 8);
    row = grown(row, <usize>itemCap * 4);
    gang = grown(gang, <usize>itemCap * 4);
    colOff = grown(colOff, <usize>itemCap * 4);
    colLen = grown(colLen, <usize>itemCap * 4);
    target = grown(target, <usize>itemCap * 4);
    whyRow = grown(whyRow, <usize>itemCap * 4);
    anti = grown(anti, <usize>itemCap * 4);
    short = grown(short, <usize>itemCap);
  }
  if (nCols > colCap) {
    colCap = max(nCols, colCap * 2);
    cols = grown(cols, <usize>colCap * 4);
  }
  return lost;
}

/** Room for one more unplaced item's masks over `n` slots. */
function whyRoom(n: i32): void {
  const need = (whyRows + 1) * n;
  if (need <= whyCap) return;
  const cap = max(need, whyCap * 2);
  const q = heap.alloc(<usize>cap * 4);
  if (why != 0) {
    memory.copy(q, why, <usize>whyRows * <usize>n * 4);
    heap.free(why);
  }
  why = q;
  whyCap = cap;
}

// @ts-ignore: decorator
@inline function label(s: i32, col: i32): i32 {
  return s < hostCap ? load<i32>(colI(labels, col, s)) : 0;
}

/** Slots s and t share a domain under one of item i's anti-affinity columns (0: no label, no domain). */
function sharesDomain(i: i32, s: i32, t: i32): bool {
  const off = load<i32>(colOff + (<usize>i << 2));
  const end = off + load<i32>(colLen + (<usize>i << 2));
  for (let c = off; c < end; c++) {
    const col = load<i32>(cols + (<usize>c << 2));
    const v = label(s, col);
    if (v != 0 && v == label(t, col)) return true;
  }
  return false;
}

/** A placed anti-affinity item shares slot `s` or a domain of s under a column of either's terms. */
function antiConflict(i: i32, s: i32): bool {
  for (let k = 0; k < antiCount; k++) {
    const j = load<i32>(anti + (<usize>k << 2));
    const t = load<i32>(target + (<usize>j << 2));
    if (t < 0) continue;
    if (t == s || sharesDomain(i, s, t) || sharesDomain(j, s, t)) return true;
  }
  return false;
}

/** Why item i cannot restart on slot s now (0: it can). */
function reasonsAt(i: i32, s: i32, dims: i32): u32 {
  if (load<u8>(out + <usize>s) != 0) return R_ABSENT;
  const r0 = load<i32>(row + (<usize>i << 2));
  let r = load<u32>(rows + ((<usize>r0 * <usize>slotCap + <usize>s) << 2)) & ~IGNORED;
  const b = <usize>s * MAX_DIMS;
  const q = req + <usize>i * MAX_DIMS * 8;
  for (let d = 0; d < dims; d++) {
    const x = load<f64>(q + (<usize>d << 3));
    if (x > 0 && load<f64>(use + ((b + <usize>d) << 3)) + x > load<f64>(free + ((b + <usize>d) << 3))) {
      r |= (<u32>1) << (<u32>(R_INSUFFICIENT_SHIFT + d));
    }
  }
  if (load<i32>(colLen + (<usize>i << 2)) > 0 && antiConflict(i, s)) r |= R_POD_ANTI_AFFINITY;
  return r;
}

function addUse(i: i32, s: i32, sign: f64): void {
  const b = use + <usize>s * MAX_DIMS * 8;
  const q = req + <usize>i * MAX_DIMS * 8;
  for (let d = 0; d < MAX_DIMS; d++) {
    const p = b + (<usize>d << 3);
    store<f64>(p, load<f64>(p) + sign * load<f64>(q + (<usize>d << 3)));
  }
}

/** The first-fit restart of `items` items over `n` slots from `start`; returns the number of targets. */
export function plan(n: i32, dims: i32, items: i32, start: i32): i32 {
  const first = n == 0 ? 0 : ((start % n) + n) % n;
  planStart = first;
  touchedCount = 0;
  antiCount = 0;
  whyRows = 0;
  gangsOut = 0;
  for (let i = 0; i < items; i++) {
    let slot = -1;
    for (let k = 0, s = first; k < n; k++, s = s + 1 == n ? 0 : s + 1) {
      if (reasonsAt(i, s, dims) == 0) {
        slot = s;
        break;
      }
    }
    store<i32>(target + (<usize>i << 2), slot);
    if (slot < 0) {
      whyRoom(n);
      const w = why + <usize>whyRows * <usize>n * 4;
      for (let s = 0; s < n; s++) store<u32>(w + (<usize>s << 2), reasonsAt(i, s, dims));
      store<i32>(whyRow + (<usize>i << 2), whyRows++);
      continue;
    }
    store<i32>(whyRow + (<usize>i << 2), -1);
    if (load<u8>(seen + <usize>slot) == 0) {
      store<u8>(seen + <usize>slot, 1);
      store<i32>(touched + (<usize>(touchedCount++) << 2), slot);
    }
    addUse(i, slot, 1);
    if (load<i32>(colLen + (<usize>i << 2)) > 0) store<i32>(anti + (<usize>(antiCount++) << 2), i);
  }
  takeGangsOut(items);
  return collect(n);
}

/** Gangs restart together or not at all: the members of a gang short of one are taken back out. */
function takeGangsOut(items: i32): void {
  memory.fill(short, 0, <usize>items);
  for (let i = 0; i < items; i++) {
    const g = load<i32>(gang + (<usize>i << 2));
    if (g >= 0 && load<i32>(target + (<usize>i << 2)) < 0) store<u8>(short + <usize>g, 1);
  }
  for (let i = 0; i < items; i++) {
    const g = load<i32>(gang + (<usize>i << 2));
    if (g < 0 || load<u8>(short + <usize>g) == 0) continue;
    const slot = load<i32>(target + (<usize>i << 2));
    if (slot >= 0) {
      addUse(i, slot, -1);
      gangsOut = 1;
      store<i32>(target + (<usize>i << 2), -1);
      store<i32>(whyRow + (<usize>i << 2), WHY_GANG);
    }
  }
}

/** Touched slots ascending, targets (touched, in the plan, some use) with their use; the scratch zeroed again. */
function collect(n: i32): i32 {
  if (touchedCount * touchedCount > n) {
    let k = 0;
    for (let s = 0; s < n; s++) if (load<u8>(seen + <usize>s) != 0) store<i32>(touched + (<usize>(k++) << 2), s);
  } else {
    for (let a = 1; a < touchedCount; a++) {
      const x = load<i32>(touched + (<usize>a << 2));
      let b = a - 1;
      for (; b >= 0 && load<i32>(touched + (<usize>b << 2)) > x; b--) {
        store<i32>(touched + (<usize>(b + 1) << 2), load<i32>(touched + (<usize>b << 2)));
      }
      store<i32>(touched + (<usize>(b + 1) << 2), x);
    }
  }
  targetCount = 0;
  for (let k = 0; k < touchedCount; k++) {
    const s = load<i32>(touched + (<usize>k << 2));
    const u = use + <usize>s * MAX_DIMS * 8;
    let some = false;
    for (let d = 0; d < MAX_DIMS; d++) if (load<f64>(u + (<usize>d << 3)) != 0) some = true;
    if (some && load<u8>(out + <usize>s) == 0) {
      memory.copy(useOut + <usize>targetCount * MAX_DIMS * 8, u, MAX_DIMS * 8);
      store<i32>(targets + (<usize>(targetCount++) << 2), s);
    }
    memory.fill(u, 0, MAX_DIMS * 8);
    store<u8>(seen + <usize>s, 0);
  }
  return targetCount;
}

/** The table of addresses and counts, in wasm/restart.ts RESTART_FIELDS order. */
export function restartTable(): usize {
  store<i32>(table, <i32>free);
  store<i32>(table + 4, <i32>out);
  store<i32>(table + 8, <i32>rows);
  store<i32>(table + 12, slotCap);
  store<i32>(table + 16, <i32>req);
  store<i32>(table + 20, <i32>row);
  store<i32>(table + 24, <i32>gang);
  store<i32>(table + 28, <i32>colOff);
  store<i32>(table + 32, <i32>colLen);
  store<i32>(table + 36, <i32>cols);
  store<i32>(table + 40, <i32>target);
  store<i32>(table + 44, <i32>whyRow);
  store<i32>(table + 48, <i32>why);
  store<i32>(table + 52, <i32>touched);
  store<i32>(table + 56, touchedCount);
  store<i32>(table + 60, <i32>targets);
  store<i32>(table + 64, targetCount);
  store<i32>(table + 68, <i32>useOut);
  store<i32>(table + 72, gangsOut);
  store<i32>(table + 76, itemCap);
  store<i32>(table + 80, colCap);
  store<i32>(table + 84, whyCap);
  store<i32>(table + 88, rowCap);
  return table;
}

// What the kept plans (failover-kept.ts) copy of the plan just computed, and what an insertion
// (failover-insert.ts) reads of the inputs that stay here: the free room and the reasons rows.

/** The start slot of the last plan, its scan normalised to 0..n−1. */
export function lastStart(): i32 {
  return planStart;
}
export function lastTouched(): usize {
  return touched;
}
export function lastTouchedCount(): i32 {
  return touchedCount;
}
export function lastTargets(): usize {
  return targets;
}
export function lastUse(): usize {
  return useOut;
}
export function lastTarget(): usize {
  return target;
}
export function lastReq(): usize {
  return req;
}
export function lastGangsOut(): i32 {
  return gangsOut;
}
/** f64 [slots][MAX_DIMS]: the free room as TypeScript last wrote it. */
export function freeRoom(): usize {
  return free;
}
/** u32 [rows][slots]: the class reasons rows, `reasonsStride()` slots apart. */
export function reasonsRows(): usize {
  return rows;
}
export function reasonsStride(): i32 {
  return slotCap;
}
export function lastTargetCount(): i32 {
  return targetCount;
}
