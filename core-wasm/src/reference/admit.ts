// Admit: ResourceQuota, then the reservation rule — decided before any host is tried.

import { type ClassSpec, type Failure, MAX_DIMS } from '../contract.js';
import { exceededQuota } from '../rules/quota.js';
import { unusedReservation, withinUnreserved } from '../rules/reservation.js';
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
    let others = 0n;
    s.reservation.forEach((r, ns) => {
      if (ns !== c.ns && r) others += unusedReservation(r[d] ?? 0n, s.nsUsed[ns]?.[d] ?? 0n);
    });
    if (others === 0n) continue;
    if (!withinUnreserved(BigInt(q), s.free[d], others)) dims.push({ dim: d, free: s.free[d], reservedForOthers: others });
  }
  return dims.length > 0 ? { kind: 'reservation', dims } : null;
}
