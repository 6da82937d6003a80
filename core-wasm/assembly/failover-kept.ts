// Namespace HA in the core: the restart plans failover admission keeps, by handle (a single host's
// plan, a zone's), so that its incremental questions (failover-insert.ts) read them here instead
// of TypeScript copying them back in. core-wasm/src/reference/failover-kept.ts is the reference
// twin. A plan is kept as the restart plan (failover.ts) has just computed it; per slot the store
// indexes the plans that touched it and the room held there — per dimension the most any of those
// plans puts on it — kept current as plans are kept, replaced and grown, and how many of them took
// gang members back out.
//
// A kept plan is one heap block:
//   header  i32 × 8: start, items, touched, targets, gangsOut, failed, unplaced, (pad)
//   target  i32 [items]                  (padded to 8 bytes)
//   req     f64 [items][MAX_DIMS]
//   touched i32 [touched] ascending
//   targets i32 [targets] ascending      (padded to 8 bytes)
//   use     f64 [targets][MAX_DIMS]      in targets' order
//   failed  i32 [failed]

import { MAX_DIMS } from './abi';
import {
  lastGangsOut, lastReq, lastStart, lastTarget, lastTargetCount, lastTargets, lastTouched, lastTouchedCount, lastUse,
} from './failover';

const H_START: usize = 0;
const H_ITEMS: usize = 4;
const H_TOUCHED: usize = 8;
const H_TARGETS: usize = 12;
const H_GANGS: usize = 16;
const H_FAILED: usize = 20;
const H_UNPLACED: usize = 24;
const HEADER: usize = 32;
const ROW: usize = <usize>MAX_DIMS * 8;

let handleCap: i32 = 0;
let blocks: usize = 0; // usize [handleCap]: the kept plan's block, 0 none
let slots: i32 = 0;
let slotCap: i32 = 0;
let users: usize = 0; // usize [slotCap]: i32 list of the handles touching the slot
let usersN: usize = 0; // i32 [slotCap]
let usersCap: usize = 0; // i32 [slotCap]
let held: usize = 0; // f64 [slotCap][MAX_DIMS]
let gangUsers: usize = 0; // i32 [slotCap]: plans touching the slot that took gang members out
let absent: usize = 0; // u8 [slotCap]: slots without a present host, as TypeScript last wrote them
let failedIn: usize = 0; // i32 [failedCap]: the failed slots of the plan to keep
let failedCap: i32 = 0;
let answers: usize = 0; // i32 [answersCap]: handles a question answers
let answersCap: i32 = 0;

/** The requests and the free room row a question reads (f64 [2][MAX_DIMS]). */
export const query: usize = memory.data(<i32>(2 * ROW), 8);

function zeroed(bytes: usize): usize {
  const q = heap.alloc(bytes < 16 ? 16 : bytes);
  memory.fill(q, 0, bytes);
  return q;
}

function regrown(p: usize, oldBytes: usize, bytes: usize): usize {
  const q = zeroed(bytes);
  if (p != 0) {
    memory.copy(q, p, oldBytes);
    heap.free(p);
  }
  return q;
}

// @ts-ignore: decorator
@inline function pad8(x: usize): usize {
  return (x + 7) & ~(<usize>7);
}

// @ts-ignore: decorator
@inline export function count(p: usize, field: usize): i32 {
  return load<i32>(p + field);
}
// @ts-ignore: decorator
@inline export function targetAt(p: usize): usize {
  return p + HEADER;
}
// @ts-ignore: decorator
@inline export function reqAt(p: usize): usize {
  return p + HEADER + pad8(<usize>count(p, H_ITEMS) << 2);
}
// @ts-ignore: decorator
@inline export function touchedAt(p: usize): usize {
  return reqAt(p) + <usize>count(p, H_ITEMS) * ROW;
}
// @ts-ignore: decorator
@inline export function targetsAt(p: usize): usize {
  return touchedAt(p) + (<usize>count(p, H_TOUCHED) << 2);
}
// @ts-ignore: decorator
@inline export function useAt(p: usize): usize {
  return pad8(targetsAt(p) + (<usize>count(p, H_TARGETS) << 2));
}
// @ts-ignore: decorator
@inline export function failedAt(p: usize): usize {
  return useAt(p) + <usize>count(p, H_TARGETS) * ROW;
}

export function startOf(p: usize): i32 {
  return count(p, H_START);
}
export function itemsOf(p: usize): i32 {
  return count(p, H_ITEMS);
}
export function touchedOf(p: usize): i32 {
  return count(p, H_TOUCHED);
}
export function targetsOf(p: usize): i32 {
  return count(p, H_TARGETS);
}
export function gangsOutOf(p: usize): bool {
  return count(p, H_GANGS) != 0;
}
export function failedOf(p: usize): i32 {
  return count(p, H_FAILED);
}
export function unplacedOf(p: usize): i32 {
  return count(p, H_UNPLACED);
}

/** A block for a plan of these counts, its header written (the rest zero). */
export function block(start: i32, items: i32, nTouched: i32, nTargets: i32, gangs: i32, nFailed: i32, unplaced: i32): usize {
  const bytes = HEADER + pad8(<usize>items << 2) + <usize>items * ROW + pad8((<usize>nTouched << 2) + (<usize>nTargets << 2)) +
    <usize>nTargets * ROW + (<usize>nFailed << 2);
  const p = zeroed(bytes);
  store<i32>(p + H_START, start);
  store<i32>(p + H_ITEMS, items);
  store<i32>(p + H_TOUCHED, nTouched);
  store<i32>(p + H_TARGETS, nTargets);
  store<i32>(p + H_GANGS, gangs);
  store<i32>(p + H_FAILED, nFailed);
  store<i32>(p + H_UNPLACED, unplaced);
  return p;
}

/** The kept plan of `handle` (0: none). */
export function planOf(handle: i32): usize {
  return handle >= 0 && handle < handleCap ? load<usize>(blocks + (<usize>handle << alignof<usize>())) : 0;
}

export function handleCount(): i32 {
  return handleCap;
}

export function slotCount(): i32 {
  return slots;
}

export function isAbsent(s: i32): bool {
  return load<u8>(absent + <usize>s) != 0;
}

/** The row of what plan `p` puts on slot `s` (0: nothing, not a target): a binary search of its targets. */
export function useOf(p: usize, s: i32): usize {
  const t = targetsAt(p);
  let lo = 0;
  let hi = count(p, H_TARGETS);
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const x = load<i32>(t + (<usize>mid << 2));
    if (x == s) return useAt(p) + <usize>mid * ROW;
    if (x < s) lo = mid + 1;
    else hi = mid;
  }
  return 0;
}

/** Plan `p` touched slot `s`: a binary search of its touched slots. */
export function touches(p: usize, s: i32): bool {
  const t = touchedAt(p);
  let lo = 0;
  let hi = count(p, H_TOUCHED);
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const x = load<i32>(t + (<usize>mid << 2));
    if (x == s) return true;
    if (x < s) lo = mid + 1;
    else hi = mid;
  }
  return false;
}

/** Forget every kept plan; `n` slots from now on. */
export function clear(n: i32): void {
  for (let h = 0; h < handleCap; h++) {
    const p = planOf(h);
    if (p != 0) heap.free(p);
  }
  if (blocks != 0) memory.fill(blocks, 0, <usize>handleCap << alignof<usize>());
  if (n > slotCap) {
    const cap = max(n, slotCap * 2);
    const w = <usize>1 << alignof<usize>();
    users = regrown(users, <usize>slotCap * w, <usize>cap * w);
    usersN = regrown(usersN, <usize>slotCap * 4, <usize>cap * 4);
    usersCap = regrown(usersCap, <usize>slotCap * 4, <usize>cap * 4);
    held = regrown(held, 0, <usize>cap * ROW);
    gangUsers = regrown(gangUsers, 0, <usize>cap * 4);
    absent = regrown(absent, 0, <usize>cap);
    slotCap = cap;
  }
  slots = n;
  memory.fill(usersN, 0, <usize>slotCap * 4);
  memory.fill(held, 0, <usize>slotCap * ROW);
  memory.fill(gangUsers, 0, <usize>slotCap * 4);
}

/** Room for the failed slots of a plan to keep (i32 [n]); returns their address. */
export function failedRoom(n: i32): usize {
  if (n > failedCap) {
    failedCap = max(n, failedCap * 2);
    if (failedIn != 0) heap.free(failedIn);
    failedIn = zeroed(<usize>failedCap * 4);
  }
  return failedIn;
}

/** Room for a question's answers (i32 [n]); returns their address. */
export function answerRoom(n: i32): usize {
  if (n > answersCap) {
    answersCap = max(n, answersCap * 2);
    if (answers != 0) heap.free(answers);
    answers = zeroed(<usize>answersCap * 4);
  }
  return answers;
}

let each: usize = 0; // i32 [3][eachCap]: a batch of questions' slots, handles and positions
let eachCap: i32 = 0;

/** Room for a batch of `n` insertion questions (i32 [3][n]: slots, handles, positions; the answers go over the slots); its address. */
export function eachRoom(n: i32): usize {
  if (n > eachCap) {
    eachCap = max(n, eachCap * 2);
    if (each != 0) heap.free(each);
    each = zeroed(<usize>eachCap * 12);
  }
  return each;
}

/** The batch's capacity: the stride of its three rows. */
export function eachCapacity(): i32 {
  return eachCap;
}

/** Where the absent slots are written (u8 [slots]). */
export function absentRow(): usize {
  return absent;
}

function setPlan(handle: i32, p: usize): void {
  if (handle >= handleCap) {
    const cap = max(handle + 1, handleCap * 2);
    const w = alignof<usize>();
    blocks = regrown(blocks, <usize>handleCap << w, <usize>cap << w);
    handleCap = cap;
  }
  store<usize>(blocks + (<usize>handle << alignof<usize>()), p);
}

/**
 * Keep the plan failover.ts has just computed (`items` items; its failed slots, `nFailed`, at
 * failedRoom()'s address) under `handle`, replacing the plan kept there.
 */
export function keep(handle: i32, items: i32, nFailed: i32): void {
  const old = planOf(handle);
  const nTouched = lastTouchedCount();
  const nTargets = lastTargetCount();
  let unplaced = 0;
  const tgt = lastTarget();
  for (let i = 0; i < items; i++) if (load<i32>(tgt + (<usize>i << 2)) < 0) unplaced++;
  const p = block(lastStart(), items, nTouched, nTargets, lastGangsOut(), nFailed, unplaced);
  memory.copy(targetAt(p), tgt, <usize>items << 2);
  memory.copy(reqAt(p), lastReq(), <usize>items * ROW);
  memory.copy(touchedAt(p), lastTouched(), <usize>nTouched << 2);
  memory.copy(targetsAt(p), lastTargets(), <usize>nTargets << 2);
  memory.copy(useAt(p), lastUse(), <usize>nTargets * ROW);
  memory.copy(failedAt(p), failedIn, <usize>nFailed << 2);
  if (old != 0) unindex(handle, old);
  setPlan(handle, p);
  index(handle, p);
  if (old != 0) {
    refreshAll(old);
    heap.free(old);
  }
  refreshAll(p);
}

/** Plan `p` (kept under `handle`) leaves the index of the slots it touched. */
function unindex(handle: i32, p: usize): void {
  const t = touchedAt(p);
  const gangs = gangsOutOf(p);
  for (let k = 0; k < count(p, H_TOUCHED); k++) {
    const s = load<i32>(t + (<usize>k << 2));
    if (s >= slots) continue;
    removeUser(s, handle);
    if (gangs) store<i32>(gangUsers + (<usize>s << 2), load<i32>(gangUsers + (<usize>s << 2)) - 1);
  }
}

/** Plan `p` (kept under `handle`) joins the index of the slots it touched. */
function index(handle: i32, p: usize): void {
  const t = touchedAt(p);
  const gangs = gangsOutOf(p);
  for (let k = 0; k < count(p, H_TOUCHED); k++) {
    const s = load<i32>(t + (<usize>k << 2));
    if (s >= slots) continue;
    addUser(s, handle);
    if (gangs) store<i32>(gangUsers + (<usize>s << 2), load<i32>(gangUsers + (<usize>s << 2)) + 1);
  }
}

/** Handle `handle` touched slot `s` anew (an insertion): indexed there, the held room updated. */
export function touchedAnew(handle: i32, p: usize, s: i32): void {
  if (s >= slots) return;
  addUser(s, handle);
  if (gangsOutOf(p)) store<i32>(gangUsers + (<usize>s << 2), load<i32>(gangUsers + (<usize>s << 2)) + 1);
}

/** Replace the block of `handle` (its plan grew in place). */
export function replace(handle: i32, p: usize): void {
  const old = planOf(handle);
  setPlan(handle, p);
  if (old != 0) heap.free(old);
}

function addUser(s: i32, handle: i32): void {
  const w = alignof<usize>();
  const nAt = usersN + (<usize>s << 2);
  const capAt = usersCap + (<usize>s << 2);
  const n = load<i32>(nAt);
  let list = load<usize>(users + (<usize>s << w));
  const cap = load<i32>(capAt);
  if (n == cap) {
    const next = max(4, cap * 2);
    list = regrown(list, <usize>cap << 2, <usize>next << 2);
    store<usize>(users + (<usize>s << w), list);
    store<i32>(capAt, next);
  }
  store<i32>(list + (<usize>n << 2), handle);
  store<i32>(nAt, n + 1);
}

function removeUser(s: i32, handle: i32): void {
  const nAt = usersN + (<usize>s << 2);
  const n = load<i32>(nAt);
  const list = load<usize>(users + (<usize>s << alignof<usize>()));
  for (let k = 0; k < n; k++) {
    if (load<i32>(list + (<usize>k << 2)) != handle) continue;
    store<i32>(list + (<usize>k << 2), load<i32>(list + (<usize>(n - 1) << 2)));
    store<i32>(nAt, n - 1);
    return;
  }
}

/** How many kept plans touched slot `s`, and the i32 list of their handles (unordered). */
export function userCount(s: i32): i32 {
  return s < slots ? load<i32>(usersN + (<usize>s << 2)) : 0;
}
export function userList(s: i32): usize {
  return load<usize>(users + (<usize>s << alignof<usize>()));
}

/** Some kept plan touching `s` took gang members back out. */
export function gangTouched(s: i32): bool {
  return s < slots && load<i32>(gangUsers + (<usize>s << 2)) > 0;
}

/** The held room row of slot `s` (f64 [MAX_DIMS]). */
export function heldAt(s: i32): usize {
  return held + <usize>s * ROW;
}

/** The held room of every slot plan `p` touched, anew. */
function refreshAll(p: usize): void {
  const t = touchedAt(p);
  for (let k = 0; k < count(p, H_TOUCHED); k++) refresh(load<i32>(t + (<usize>k << 2)));
}

/** Slot `s`'s held room anew: per dimension the most a plan touching it puts there. */
export function refresh(s: i32): void {
  if (s >= slots) return;
  const row = heldAt(s);
  memory.fill(row, 0, ROW);
  const n = load<i32>(usersN + (<usize>s << 2));
  const list = userList(s);
  for (let k = 0; k < n; k++) {
    const u = useOf(planOf(load<i32>(list + (<usize>k << 2))), s);
    if (u == 0) continue;
    for (let d = 0; d < MAX_DIMS; d++) {
      const x = load<f64>(u + (<usize>d << 3));
      if (x > load<f64>(row + (<usize>d << 3))) store<f64>(row + (<usize>d << 3), x);
    }
  }
}
