// Namespace HA: the exact, typically O(1), effect of one more workload on a cached restart plan
// (rules/failover.ts), so that failover admission re-checks only what a placement can affect. The
// readable rule: the reference backend answers with it (reference/failover-kept.ts), the Wasm core
// runs its twin over the plans it keeps (assembly/failover-insert.ts).
//
// Exactness note. A plan is first fit decreasing over a fixed scan order of its own (the slots
// cyclically from `start`). Let W be a workload without inter-workload terms and outside gangs.
//
// 1. W placed on a host X that the plan does not fail (X loses W's room). Every item the plan put
//    on X was placed at a use no larger than X's final use, so it still fits when
//    final use(X) + W ≤ free(X); items that skipped X skip it with less room; items placed before X
//    in the scan order never looked at X. So the plan is unchanged when, per dimension,
//    use(X) + W ≤ free(X) (`keepsPlan`) — the same argument as the held-room fast path, per plan.
// 2. W becomes one more item of the plan (it is protected and ran on a failed host), at its sort
//    position p. Items before p are placed as before. W goes to the first host t_W in the scan
//    order where it fits given the use of the items before p (`prefix use`). Every item after p
//    keeps its host iff, per dimension, final use(t_W) + W ≤ free(t_W): a host before t_W did not
//    change; a host after t_W only lost room to nothing; an item placed after t_W did not fit t_W
//    with less use then, so it does not with more; and an item placed on t_W fits at its old use
//    plus W, which is at most the final use plus W. Anti-affinity among restarted items is
//    unchanged (W carries no term and every term-carrying item keeps its host), and so are the
//    gangs (every item keeps its host, so the short gangs are the same).
//    `insertTarget` scans the order: a host W's filter reasons exclude, skip; not a target of the
//    plan, W fits iff W ≤ free; a target with final use + W ≤ free, W goes there and nothing else
//    moves; W does not fit at the prefix use, skip; otherwise later items may be displaced and the
//    answer is left to a full replan (null), as it is when W finds no host or the plan took gang
//    members back out (its final use is then less than the use its scan ended with).

import * as abi from '../contract.js';
import type { InsertHosts, InsertScan } from '../contract.js';
import { RESTART_IGNORED, type RestartPlan } from './failover.js';

export type { InsertHosts, InsertScan };

const MAX_DIMS = abi.MAX_DIMS;
const R_ABSENT = abi.R_ABSENT;

/** The plan's items as the insertion reads them. */
export interface InsertItems {
  /** Failed slots of the plan (they take no restart). */
  failed: readonly number[];
  /** The items' requests (MAX_DIMS entries each), in the plan's order. */
  req: readonly ArrayLike<number>[];
}

/** The plan stays as it is when host `slot` (not failed in it) loses `req` from its free room `free` (MAX_DIMS entries). */
export function keepsPlan(plan: RestartPlan, slot: number, req: ArrayLike<number>, free: ArrayLike<number>, dims: number): boolean {
  if (plan.gangsOut && plan.touched.includes(slot)) return false;
  const use = plan.use.get(slot);
  if (!use) return true;
  for (let d = 0; d < dims; d++) if (req[d] > 0 && use[d] + req[d] > free[d]) return false;
  return true;
}

/**
 * The plan stays as it is when host `slot` gains room (a release; `n` slots): nothing it placed
 * lies past `slot` in its scan order (an item placed there might now fit on `slot`) and it leaves
 * nothing unplaced (an unplaced item might now fit).
 */
export function keepsPlanOnRelease(plan: RestartPlan, slot: number, n: number): boolean {
  const past = (slot - plan.start + n) % n;
  for (const s of plan.touched) if ((s - plan.start + n) % n > past) return false;
  const target = plan.target;
  for (let i = 0; i < target.length; i++) if (target[i] < 0) return false;
  return true;
}

/**
 * insertTarget: the slot where the first-fit plan `plan` of `items` restarts one more workload —
 * requests `req`, filter reasons by slot `reasons`, sort position `pos` among the items — when
 * every other item keeps its host; null when that is not decided here (a full replan answers).
 * `scan`, when given, tells whether the answer read the use before `pos`. See the file comment.
 */
export function insertTarget(
  plan: RestartPlan,
  items: InsertItems,
  req: ArrayLike<number>,
  reasons: ArrayLike<number>,
  pos: number,
  hosts: InsertHosts,
  scan?: InsertScan,
): number | null {
  if (scan) scan.prefixRead = false;
  if (plan.gangsOut) return null;
  const { n, dims, free, absent } = hosts;
  const failed = items.failed;
  for (let k = 0, s = plan.start; k < n; k++, s = s + 1 === n ? 0 : s + 1) {
    if (absent[s] || ((reasons[s] ?? R_ABSENT) & ~RESTART_IGNORED) !== 0 || failed.includes(s)) continue;
    const base = s * MAX_DIMS;
    const use = plan.use.get(s);
    if (!use) {
      if (fits(req, free, base, null, dims)) return s;
      continue;
    }
    if (fits(req, free, base, use, dims)) return s;
    if (scan) scan.prefixRead = true;
    if (!fits(req, free, base, prefixUse(plan, s, pos, items), dims)) continue;
    return null;
  }
  return null;
}

/** What the plan's items before position `pos` put on slot `s`. */
function prefixUse(plan: RestartPlan, s: number, pos: number, items: InsertItems): Float64Array {
  const use = new Float64Array(MAX_DIMS);
  for (let i = 0; i < pos; i++) {
    if (plan.target[i] !== s) continue;
    const r = items.req[i];
    for (let d = 0; d < MAX_DIMS; d++) use[d] += r[d];
  }
  return use;
}

/** `req` fits slot `base / MAX_DIMS` with `use` already there (null: nothing). */
function fits(req: ArrayLike<number>, free: Float64Array, base: number, use: Float64Array | null, dims: number): boolean {
  for (let d = 0; d < dims; d++) if (req[d] > 0 && (use ? use[d] : 0) + req[d] > free[base + d]) return false;
  return true;
}

/**
 * Apply an insertion `insertTarget` decided: item `pos` restarts on `slot` with requests `req`;
 * `target` and `why` gain its entry, the slot's use grows. Every other item keeps its host.
 */
export function applyInsertion(plan: RestartPlan, pos: number, slot: number, req: ArrayLike<number>): void {
  const target = new Int32Array(plan.target.length + 1);
  target.set(plan.target.subarray(0, pos));
  target[pos] = slot;
  target.set(plan.target.subarray(pos), pos + 1);
  plan.target = target;
  plan.why.splice(pos, 0, null);
  let use = plan.use.get(slot);
  if (!use) {
    plan.use.set(slot, (use = new Float64Array(MAX_DIMS)));
    plan.targets = insertSorted(plan.targets, slot);
    plan.touched = insertSorted(plan.touched, slot);
  }
  for (let d = 0; d < MAX_DIMS; d++) use[d] += req[d];
}

function insertSorted(xs: number[], x: number): number[] {
  if (xs.includes(x)) return xs;
  const out = [...xs, x];
  out.sort((a, b) => a - b);
  return out;
}
