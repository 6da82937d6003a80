// The reservation rule (docs/placement-rules.md, "NamespacePolicy and reservations"). Let F[d] be
// the free capacity of the schedulable hosts and U_n[d] = max(0, R_n[d] − used_n[d]) namespace
// n's unused reservation. A workload of namespace a requesting q is admitted only if
//   q[d] ≤ F[d] − Σ_{n≠a} U_n[d]  for every dimension d it requests,
// which is exactly what keeps F ≥ Σ_n U_n after the placement. A set of reservations is honourable
// when Σ_n max(R_n, used_n) ≤ the schedulable capacity. Rule twin: core-wasm/assembly/admit.ts.

/** U_n[d]: what namespace n reserved and does not use yet, max(0, R − used). */
export function unusedReservation(reserved: bigint, used: bigint): bigint {
  return reserved > used ? reserved - used : 0n;
}

/** One dimension of the rule: does q fit in F minus what the other namespaces still hold? */
export function withinUnreserved(q: bigint, free: bigint, reservedForOthers: bigint): boolean {
  return q <= free - reservedForOthers;
}

/**
 * One dimension of a preemption that keeps F ≥ Σ U where it held: after the victims leave (F′,
 * U′), the preemptor of namespace a takes q, which removes `taken` from F (q on a schedulable
 * host, 0 on a cordoned one it tolerates), and must leave F′ − taken ≥ Σ_{n≠a} U′_n + max(0, U′_a − q).
 * Admission alone does not decide it: a victim on an over-committed host frees less capacity
 * than it returns to its namespace's unused reservation.
 */
export function keepsReservations(q: bigint, taken: bigint, free: bigint, othersUnused: bigint, ownUnused: bigint): boolean {
  return free - taken >= othersUnused + unusedReservation(ownUnused, q);
}

/** Σ_n max(R_n, used_n) for one dimension: what the namespaces hold, reserved or used. */
export function heldCapacity(rows: Iterable<{ reserved: bigint; used: bigint }>): bigint {
  let held = 0n;
  for (const { reserved, used } of rows) held += reserved > used ? reserved : used;
  return held;
}
