// Admit: ResourceQuota, then the reservation rule — decided before any host is tried.

import { type ClassSpec, type Failure, MAX_DIMS } from '../contract.js';
import { exceededQuota } from '../rules/quota.js';
import { keepsReservations, unusedReservation, withinUnreserved } from '../rules/reservation.js';
import type { RefState } from './state.js';

export function admit(s: RefState, cls: number): Failure | null {
  const c = s.classes[cls];
  return admitQuota(s, c) ?? admitReservation(s, c);
}

/** ResourceQuota: the first quota (in evaluation order) any of whose hard limits would be exceeded. */
function admitQuota(s: RefState, c: ClassSpec): Failure | null {
  const exceeded = exceededQuota(c, s.quotaEntries, (e) => s.entries[e]);
  return exceeded ? { kind: 'quota', ...exceeded } : null;
}

/** The reservation rule, per dimension the workload requests (rules/reservation.ts). */
function admitReservation(s: RefState, c: ClassSpec): Failure | null {
  if (s.reservation.length === 0) return null;
  const dims: { dim: number; free: bigint; reservedForOthers: bigint }[] = [];
  for (let d = 0; d < MAX_DIMS; d++) {
    const q = c.req[d];
    if (q === 0) continue;
    const others = totalUnused(s, d, c.ns);
    if (others === 0n) continue;
    if (!withinUnreserved(BigInt(q), s.free[d], others)) dims.push({ dim: d, free: s.free[d], reservedForOthers: others });
  }
  return dims.length > 0 ? { kind: 'reservation', dims } : null;
}

/** Per dimension: does the reservation invariant F ≥ Σ U hold now? */
export function reservationsHeld(s: RefState): boolean[] {
  return Array.from({ length: MAX_DIMS }, (_, d) => s.free[d] >= totalUnused(s, d, -1));
}

/**
 * The reservation invariant survives a preemption of workload class `cls` onto host `slot` after
 * its victims left, in every dimension where it held before (rules/reservation.ts,
 * keepsReservations).
 */
export function keepsHeldReservations(s: RefState, cls: number, slot: number, held: readonly boolean[]): boolean {
  if (s.reservation.length === 0) return true;
  const c = s.classes[cls];
  const schedulable = !s.hosts[slot].unschedulable;
  for (let d = 0; d < MAX_DIMS; d++) {
    if (!held[d]) continue;
    const q = BigInt(c.req[d]);
    const own = unusedReservation(s.reservation[c.ns]?.[d] ?? 0n, s.nsUsed[c.ns]?.[d] ?? 0n);
    if (!keepsReservations(q, schedulable ? q : 0n, s.free[d], totalUnused(s, d, c.ns), own)) return false;
  }
  return true;
}

/** Σ U_n[d] over the namespaces other than `except`. */
function totalUnused(s: RefState, d: number, except: number): bigint {
  let sum = 0n;
  s.reservation.forEach((r, ns) => {
    if (ns !== except && r) sum += unusedReservation(r[d] ?? 0n, s.nsUsed[ns]?.[d] ?? 0n);
  });
  return sum;
}
