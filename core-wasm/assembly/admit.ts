// Admit: ResourceQuota hard limits, then the namespace reservation rule (docs/placement-rules.md):
//   q[d] ≤ F[d] − Σ_{n≠a} U_n[d]   for every dimension d the workload requests,
// where U_n = max(0, R_n − used_n). A failure is written to the failure log when asked to. Rule
// twins: core-wasm/src/rules/quota.ts and core-wasm/src/rules/reservation.ts.

import { FAIL_NONE, FAIL_QUOTA, FAIL_RESERVATION, MAX_DIMS } from './abi';
import {
  at32,
  at64,
  chargeAmount,
  chargeEntry,
  clusterFree,
  ensureLog,
  entryHard,
  entryQuota,
  entryUsed,
  itemChargeLen,
  itemChargeOff,
  logPush,
  logPush64,
  reservingNamespaces,
  unusedReserved,
} from './layout';
import { curItem, curNs, reqDimCount, reqDims, reqOf } from './item';
import { schedulable, unusedOf } from './ledger';

/** Admission of one workload of the prepared item; logs the failure when `record`. */
export function admit(record: bool): i32 {
  if (quotaExceeded(record)) return FAIL_QUOTA;
  if (reservationBroken(record)) return FAIL_RESERVATION;
  return FAIL_NONE;
}

/** The first quota (charges are grouped by quota, in evaluation order) with any exceeded entry. */
function quotaExceeded(record: bool): bool {
  const off = load<i32>(at32(itemChargeOff, curItem));
  const end = off + load<i32>(at32(itemChargeLen, curItem));
  let c = off;
  while (c < end) {
    const quota = load<i32>(at32(entryQuota, load<i32>(at32(chargeEntry, c))));
    let groupEnd = c;
    let exceeded = 0;
    while (groupEnd < end && load<i32>(at32(entryQuota, load<i32>(at32(chargeEntry, groupEnd)))) == quota) {
      if (over(groupEnd)) exceeded++;
      groupEnd++;
    }
    if (exceeded > 0) {
      if (record) {
        ensureLog(4 + exceeded * 3);
        logPush(curItem);
        logPush(FAIL_QUOTA);
        logPush(quota);
        logPush(exceeded);
        for (let k = c; k < groupEnd; k++) {
          if (!over(k)) continue;
          const e = load<i32>(at32(chargeEntry, k));
          logPush(e);
          logPush64(load<i64>(at64(entryUsed, e)));
        }
      }
      return true;
    }
    c = groupEnd;
  }
  return false;
}

// @ts-ignore: decorator
@inline function over(c: i32): bool {
  const e = load<i32>(at32(chargeEntry, c));
  return load<i64>(at64(entryUsed, e)) + load<i64>(at64(chargeAmount, c)) > load<i64>(at64(entryHard, e));
}

/** Σ_{n≠a} U_n[d]: unused reservations of the other namespaces. */
// @ts-ignore: decorator
@inline function othersUnused(d: i32): i64 {
  return load<i64>(at64(unusedReserved, d)) - unusedOf(curNs, d);
}

function reservationBroken(record: bool): bool {
  if (reservingNamespaces == 0) return false;
  let broken = 0;
  for (let i = 0; i < reqDimCount; i++) {
    const d = load<i32>(reqDims + (<usize>i << 2));
    const others = othersUnused(d);
    // With nothing reserved by others the rule reduces to q ≤ F, which Filter decides anyway.
    if (others == 0) continue;
    if (<i64>reqOf(d) > load<i64>(at64(clusterFree, d)) - others) broken++;
  }
  if (broken == 0) return false;
  if (record) {
    ensureLog(3 + broken * 5);
    logPush(curItem);
    logPush(FAIL_RESERVATION);
    logPush(broken);
    for (let i = 0; i < reqDimCount; i++) {
      const d = load<i32>(reqDims + (<usize>i << 2));
      const others = othersUnused(d);
      if (others == 0) continue;
      const free = load<i64>(at64(clusterFree, d));
      if (<i64>reqOf(d) <= free - others) continue;
      logPush(d);
      logPush64(free);
      logPush64(others);
    }
  }
  return true;
}

/** Per dimension, whether F ≥ Σ U held when the current preemption began (1) or not (0). */
const heldBefore: usize = memory.data(MAX_DIMS);

/** Notes, per dimension, whether the reservation invariant F ≥ Σ U holds now. */
export function noteReservationsHeld(): void {
  for (let d = 0; d < MAX_DIMS; d++) {
    const held = load<i64>(at64(clusterFree, d)) >= load<i64>(at64(unusedReserved, d));
    store<u8>(heldBefore + <usize>d, held ? 1 : 0);
  }
}

/**
 * After a preemption's victims left, the prepared item of namespace a taking q on host h keeps
 * F ≥ Σ U in every dimension where it held before: F′ − taken ≥ Σ_{n≠a} U′_n + max(0, U′_a − q),
 * where taken is q on a schedulable host and 0 on a cordoned one (F counts schedulable hosts).
 * Victims on an over-committed host return more unused reservation than capacity, which
 * admission misses. Rule twin: keepsReservations in core-wasm/src/rules/reservation.ts.
 */
export function keepsHeldReservations(h: i32): bool {
  if (reservingNamespaces == 0) return true;
  const counted = schedulable(h);
  for (let d = 0; d < MAX_DIMS; d++) {
    if (load<u8>(heldBefore + <usize>d) == 0) continue;
    const q = <i64>reqOf(d);
    const own = unusedOf(curNs, d);
    const ownLeft = own > q ? own - q : 0;
    if (load<i64>(at64(clusterFree, d)) - (counted ? q : 0) < othersUnused(d) + ownLeft) return false;
  }
  return true;
}
