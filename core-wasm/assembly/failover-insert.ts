// Namespace HA in the core: the exact, typically O(1), effect of one more workload on the kept
// restart plans (failover-kept.ts), so that failover admission asks once per question instead of
// walking plans in TypeScript. core-wasm/src/rules/failover-insert.ts is the reference twin and
// holds the exactness proof; in short, a plan is first fit over a fixed scan order of its own, so
//   - a placement of W on host X (not failed in the plan) leaves the plan as it is when, per
//     dimension, use(X) + W ≤ free(X): every item on X fits at a use no larger than the final use,
//     items that skipped X skip it with less room, items placed before X never looked at it
//     (keepsPlan; `affected` asks it of every plan touching X);
//   - a release on X leaves it as it is when nothing it placed lies past X in its scan order and
//     nothing is left unplaced (keepsPlanOnRelease; `affectedOnRelease`);
//   - a protected W that ran on a failed host of the plan, at sort position p, goes to the first
//     host t in the scan order where it fits beside the items before p; every other item keeps its
//     host iff final use(t) + W ≤ free(t) (insertTarget: null, −1 here, when that is not decided);
//   - a placement on X changes no plan at all when X keeps, after W, the most any plan puts there
//     and no plan touching X took gang members out (keepsHeld).
// The requests and the slot's free room row are read from failover-kept.ts `query`; the free room
// of every slot and the class reasons rows from failover.ts, where TypeScript keeps them current.

import { MAX_DIMS, R_INSUFFICIENT_MASK, R_SPREAD, R_SPREAD_LABEL, R_UNRESOLVABLE_FIT } from './abi';
import { freeRoom, reasonsRows, reasonsStride } from './failover';
import {
  answerRoom, block, eachCapacity, eachRoom, failedAt, failedOf, gangsOutOf, gangTouched, handleCount, heldAt, isAbsent, itemsOf,
  planOf, query, refresh, replace, reqAt, slotCount, startOf, targetAt, targetsAt, targetsOf, touchedAnew, touchedAt, touchedOf,
  touches, unplacedOf, useAt, useOf, userCount, userList,
} from './failover-kept';

/** The filter bits a restart ignores (rules/failover.ts RESTART_IGNORED). */
const IGNORED: u32 = R_INSUFFICIENT_MASK | R_UNRESOLVABLE_FIT | R_SPREAD | R_SPREAD_LABEL;
const ROW: usize = <usize>MAX_DIMS * 8;
/** insertTarget's answer: bit 0 the prefix-use read flag, the rest target + 1 (0: a replan decides). */
const PREFIX_READ: i32 = 1;

/** Scratch for the use of a plan's items before an insertion's position (f64 [MAX_DIMS]). */
const prefix: usize = memory.data(<i32>ROW, 8);

// @ts-ignore: decorator
@inline function reqQ(d: i32): f64 {
  return load<f64>(query + (<usize>d << 3));
}

/** keepsPlan: plan `p` stays as it is when `slot` (not failed in it) loses the query's requests from its free row at `free`. */
function keepsPlan(p: usize, slot: i32, free: usize, dims: i32): bool {
  if (gangsOutOf(p) && touches(p, slot)) return false;
  const u = useOf(p, slot);
  if (u == 0) return true;
  for (let d = 0; d < dims; d++) {
    const x = reqQ(d);
    if (x > 0 && load<f64>(u + (<usize>d << 3)) + x > load<f64>(free + (<usize>d << 3))) return false;
  }
  return true;
}

/** The kept plans touching `slot` for which keepsPlan does not hold (the query's free row), ascending at answerRoom(); how many. */
export function affected(slot: i32, dims: i32): i32 {
  const n = userCount(slot);
  if (n == 0) return 0;
  const list = userList(slot);
  const out = answerRoom(n);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const h = load<i32>(list + (<usize>i << 2));
    if (!keepsPlan(planOf(h), slot, query + ROW, dims)) store<i32>(out + (<usize>(k++) << 2), h);
  }
  sortAnswers(out, k);
  return k;
}

/** Some kept plan touching `slot` changes when it loses the query's requests from its free row at `free`. */
function anyAffected(slot: i32, free: usize, dims: i32): bool {
  const n = userCount(slot);
  const list = userList(slot);
  for (let i = 0; i < n; i++) if (!keepsPlan(planOf(load<i32>(list + (<usize>i << 2))), slot, free, dims)) return true;
  return false;
}

/**
 * A batch of `count` questions at eachRoom()'s address (slots, handles, positions), each: is a
 * placement of the query's requests on the slot (its free room from failover.ts) one that changes
 * no kept plan touching the slot, and where does plan `handle` insert it (reasons row `row`, at
 * the position)? The answers go over the slots: insertTarget's, or 0 when a plan is affected.
 */
export function insertEach(count: i32, row: i32, n: i32, dims: i32): void {
  const at = eachRoom(0);
  const free = freeRoom();
  for (let i = 0; i < count; i++) {
    const slotAt = at + (<usize>i << 2);
    const slot = load<i32>(slotAt);
    const handle = load<i32>(slotAt + (<usize>eachCapacity() << 2));
    const pos = load<i32>(slotAt + (<usize>eachCapacity() << 3));
    store<i32>(slotAt, anyAffected(slot, free + <usize>slot * ROW, dims) ? 0 : insertTarget(handle, row, pos, n, dims));
  }
}

/** keepsPlanOnRelease: plan `p` stays as it is when `slot` gains room. */
function keepsPlanOnRelease(p: usize, slot: i32, n: i32): bool {
  if (unplacedOf(p) > 0) return false;
  if (touchedOf(p) == 0) return true;
  const start = startOf(p);
  const past = (slot - start + n) % n;
  const t = touchedAt(p);
  for (let k = 0; k < touchedOf(p); k++) if ((load<i32>(t + (<usize>k << 2)) - start + n) % n > past) return false;
  return true;
}

/** The kept plans for which keepsPlanOnRelease does not hold, ascending at answerRoom()'s address; returns how many. */
export function affectedOnRelease(slot: i32): i32 {
  const handles = handleCount();
  const out = answerRoom(handles);
  const n = slotCount();
  let k = 0;
  for (let h = 0; h < handles; h++) {
    const p = planOf(h);
    if (p != 0 && !keepsPlanOnRelease(p, slot, n)) store<i32>(out + (<usize>(k++) << 2), h);
  }
  return k;
}

function sortAnswers(out: usize, k: i32): void {
  for (let a = 1; a < k; a++) {
    const x = load<i32>(out + (<usize>a << 2));
    let b = a - 1;
    for (; b >= 0 && load<i32>(out + (<usize>b << 2)) > x; b--) store<i32>(out + (<usize>(b + 1) << 2), load<i32>(out + (<usize>b << 2)));
    store<i32>(out + (<usize>(b + 1) << 2), x);
  }
}

/** The query's requests fit slot `s`'s free room with `use` (f64 [MAX_DIMS], 0: nothing) already there. */
function fits(s: i32, use: usize, dims: i32): bool {
  const f = freeRoom() + <usize>s * ROW;
  for (let d = 0; d < dims; d++) {
    const x = reqQ(d);
    const u = use == 0 ? 0.0 : load<f64>(use + (<usize>d << 3));
    if (x > 0 && u + x > load<f64>(f + (<usize>d << 3))) return false;
  }
  return true;
}

/** What plan `p`'s items before position `pos` put on slot `s`, into `prefix`. */
function prefixUse(p: usize, s: i32, pos: i32): usize {
  memory.fill(prefix, 0, ROW);
  const t = targetAt(p);
  const r = reqAt(p);
  for (let i = 0; i < pos; i++) {
    if (load<i32>(t + (<usize>i << 2)) != s) continue;
    const q = r + <usize>i * ROW;
    for (let d = 0; d < MAX_DIMS; d++) {
      const a = prefix + (<usize>d << 3);
      store<f64>(a, load<f64>(a) + load<f64>(q + (<usize>d << 3)));
    }
  }
  return prefix;
}

function failedIn(p: usize, s: i32): bool {
  const f = failedAt(p);
  for (let k = 0; k < failedOf(p); k++) if (load<i32>(f + (<usize>k << 2)) == s) return true;
  return false;
}

/**
 * insertTarget: where kept plan `handle` restarts one more workload (the query's requests, class
 * reasons row `row`, sort position `pos`) with every other item in place, over `n` slots. Returns
 * (target + 1) << 1, or 0 when a replan must tell; bit 0 set when the scan read the use of the
 * items before `pos`.
 */
export function insertTarget(handle: i32, row: i32, pos: i32, n: i32, dims: i32): i32 {
  const p = planOf(handle);
  if (p == 0 || gangsOutOf(p)) return 0;
  let read = 0;
  const reasons = reasonsRows() + ((<usize>row * <usize>reasonsStride()) << 2);
  for (let k = 0, s = startOf(p); k < n; k++, s = s + 1 == n ? 0 : s + 1) {
    const r = load<u32>(reasons + (<usize>s << 2));
    if (isAbsentSlot(s) || (r & ~IGNORED) != 0 || failedIn(p, s)) continue;
    const use = useOf(p, s);
    if (use == 0) {
      if (fits(s, 0, dims)) return ((s + 1) << 1) | read;
      continue;
    }
    if (fits(s, use, dims)) return ((s + 1) << 1) | read;
    read = PREFIX_READ;
    if (!fits(s, prefixUse(p, s, pos), dims)) continue;
    return read;
  }
  return read;
}

// @ts-ignore: decorator
@inline function isAbsentSlot(s: i32): bool {
  return s >= slotCount() || isAbsent(s);
}

/**
 * applyInsertion: item `pos` of kept plan `handle` (the query's requests) restarts on `slot`:
 * the plan's block grows by the item (and by the slot among its targets and touched slots when
 * new there); the slot's index and held room follow.
 */
export function applyInsertion(handle: i32, pos: i32, slot: i32): void {
  const p = planOf(handle);
  if (p == 0) return;
  const items = itemsOf(p);
  const nTouched = touchedOf(p);
  const nTargets = targetsOf(p);
  const wasTarget = useOf(p, slot) != 0;
  const wasTouched = touches(p, slot);
  const q = block(
    startOf(p),
    items + 1,
    wasTouched ? nTouched : nTouched + 1,
    wasTarget ? nTargets : nTargets + 1,
    gangsOutOf(p) ? 1 : 0,
    failedOf(p),
    unplacedOf(p),
  );
  const pos4 = <usize>pos << 2;
  memory.copy(targetAt(q), targetAt(p), pos4);
  store<i32>(targetAt(q) + pos4, slot);
  memory.copy(targetAt(q) + pos4 + 4, targetAt(p) + pos4, (<usize>(items - pos)) << 2);
  const posR = <usize>pos * ROW;
  memory.copy(reqAt(q), reqAt(p), posR);
  memory.copy(reqAt(q) + posR, query, ROW);
  memory.copy(reqAt(q) + posR + ROW, reqAt(p) + posR, <usize>(items - pos) * ROW);
  insertSlot(touchedAt(q), touchedAt(p), nTouched, slot, wasTouched);
  // targets and their use rows, the slot's row added to or inserted in order
  const tp = targetsAt(p);
  const tq = targetsAt(q);
  const up = useAt(p);
  const uq = useAt(q);
  let k = 0;
  let placed = false;
  for (let i = 0; i < nTargets; i++) {
    const s = load<i32>(tp + (<usize>i << 2));
    if (!wasTarget && !placed && s > slot) {
      newUseRow(tq, uq, k++, slot);
      placed = true;
    }
    store<i32>(tq + (<usize>k << 2), s);
    memory.copy(uq + <usize>k * ROW, up + <usize>i * ROW, ROW);
    if (s == slot) addQuery(uq + <usize>k * ROW);
    k++;
  }
  if (!wasTarget && !placed) newUseRow(tq, uq, k, slot);
  memory.copy(failedAt(q), failedAt(p), <usize>failedOf(p) << 2);
  replace(handle, q);
  if (!wasTouched) touchedAnew(handle, q, slot);
  refresh(slot);
}

function newUseRow(targets: usize, use: usize, k: i32, slot: i32): void {
  store<i32>(targets + (<usize>k << 2), slot);
  memory.fill(use + <usize>k * ROW, 0, ROW);
  addQuery(use + <usize>k * ROW);
}

function addQuery(row: usize): void {
  for (let d = 0; d < MAX_DIMS; d++) {
    const a = row + (<usize>d << 3);
    store<f64>(a, load<f64>(a) + reqQ(d));
  }
}

/** `count` ascending slots from `from` into `to`, with `slot` inserted in order unless `present`. */
function insertSlot(to: usize, from: usize, count: i32, slot: i32, present: bool): void {
  let k = 0;
  let placed = present;
  for (let i = 0; i < count; i++) {
    const s = load<i32>(from + (<usize>i << 2));
    if (!placed && s > slot) {
      store<i32>(to + (<usize>(k++) << 2), slot);
      placed = true;
    }
    store<i32>(to + (<usize>(k++) << 2), s);
  }
  if (!placed) store<i32>(to + (<usize>k << 2), slot);
}

/** keepsHeld: `slot`, with the query's free row, keeps after the query's requests the room every kept plan puts there. */
export function keepsHeld(slot: i32, dims: i32): bool {
  return keepsHeldAt(slot, query + ROW, dims);
}

/** keepsHeld with the free row at `free` (f64 [MAX_DIMS]). */
function keepsHeldAt(slot: i32, free: usize, dims: i32): bool {
  const inside = slot < slotCount();
  if (inside && gangTouched(slot)) return false;
  const h = inside ? heldAt(slot) : 0;
  for (let d = 0; d < dims; d++) {
    const x = reqQ(d);
    const room: f64 = inside ? load<f64>(h + (<usize>d << 3)) : 0.0;
    if (x > 0 && load<f64>(free + (<usize>d << 3)) - x < room) return false;
  }
  return true;
}

/** The slots below `n` where keepsHeld does not hold, each with its free room from failover.ts, ascending at answerRoom(); how many. */
export function heldShort(n: i32, dims: i32): i32 {
  const out = answerRoom(n);
  const free = freeRoom();
  let k = 0;
  for (let s = 0; s < n; s++) if (!keepsHeldAt(s, free + <usize>s * ROW, dims)) store<i32>(out + (<usize>(k++) << 2), s);
  return k;
}
