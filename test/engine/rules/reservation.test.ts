// rules/reservation.ts: the namespace reservation rule (docs/placement-rules.md, "Namespace policy
// and reservations"). placer's own rule, no Kubernetes counterpart. Twin: core-wasm/assembly/admit.ts
// (reservationBroken). With F the free capacity of the schedulable hosts and U_n = max(0, R_n − used_n),
// a workload of namespace a requesting q is admitted only if q ≤ F − Σ_{n≠a} U_n; a set of
// reservations is honourable when Σ_n max(R_n, used_n) ≤ the schedulable capacity.

import { describe, expect, it } from 'vitest';
import { heldCapacity, unusedReservation, withinUnreserved } from '../../../core-wasm/src/rules/reservation.js';

const BIG = 1n << 62n; // beyond every double's exact range: the rule is bigint arithmetic

describe('unusedReservation', () => {
  it.each([
    { reserved: 10n, used: 3n, want: 7n }, // 10 − 3
    { reserved: 10n, used: 9n, want: 1n }, // 10 − 9
    { reserved: 10n, used: 10n, want: 0n }, // fully used
    { reserved: 10n, used: 12n, want: 0n }, // max(0, 10 − 12): using more than reserved holds nothing back
    { reserved: 0n, used: 5n, want: 0n }, // no reservation
    { reserved: 0n, used: 0n, want: 0n }, // nothing reserved, nothing used
    { reserved: BIG + 1n, used: 1n, want: BIG }, // (2^62 + 1) − 1, exact
  ])('U(R=$reserved, used=$used) = $want', ({ reserved, used, want }) => {
    expect(unusedReservation(reserved, used)).toBe(want);
  });
});

describe('withinUnreserved', () => {
  it.each([
    // the boundary q = F − Σ others is admitted; one more is not
    { q: 6n, free: 10n, others: 4n, want: true }, // 6 ≤ 10 − 4 = 6
    { q: 7n, free: 10n, others: 4n, want: false }, // 7 > 6
    { q: 5n, free: 10n, others: 4n, want: true }, // 5 ≤ 6
    // nothing held for others: q ≤ F
    { q: 10n, free: 10n, others: 0n, want: true }, // 10 ≤ 10
    { q: 11n, free: 10n, others: 0n, want: false }, // 11 > 10
    // others hold all the free capacity: nothing is left for namespace a
    { q: 1n, free: 10n, others: 10n, want: false }, // 1 > 0
    // others hold more than is free (reservations made before the hosts filled): F − Σ < 0
    { q: 1n, free: 3n, others: 5n, want: false }, // 1 > −2
    // exact beyond 2^53
    { q: BIG, free: BIG + 7n, others: 7n, want: true }, // 2^62 ≤ 2^62 + 7 − 7
    { q: BIG + 1n, free: BIG + 7n, others: 7n, want: false }, // 2^62 + 1 > 2^62
  ])('$q ≤ $free − $others: $want', ({ q, free, others, want }) => {
    expect(withinUnreserved(q, free, others)).toBe(want);
  });

  // Admitting at the boundary keeps F ≥ Σ_n U_n: namespaces b (R 30, used 10) and c (R 5, used 8)
  // hold U_b = 20 and U_c = 0; F = 50; a (R 10, used 0, U_a = 10) asks q.
  it.each([
    // q = F − (U_b + U_c) = 30: admitted; after it F = 20, U_a = max(0, 10 − 30) = 0 ⇒ 20 ≥ 20 + 0 + 0
    { q: 30n, admitted: true, freeAfter: 20n, heldAfter: 20n },
    // q = 31: refused; had it been placed, F = 19 < U_b = 20
    { q: 31n, admitted: false, freeAfter: 19n, heldAfter: 20n },
    // q = 8: admitted; F = 42, U_a = 10 − 8 = 2 ⇒ 42 ≥ 20 + 0 + 2
    { q: 8n, admitted: true, freeAfter: 42n, heldAfter: 22n },
  ])('q = $q: admitted $admitted, F after $freeAfter vs Σ U after $heldAfter', ({ q, admitted, freeAfter, heldAfter }) => {
    const free = 50n;
    const others = unusedReservation(30n, 10n) + unusedReservation(5n, 8n);
    expect(withinUnreserved(q, free, others)).toBe(admitted);
    expect(free - q).toBe(freeAfter);
    expect(others + unusedReservation(10n, q)).toBe(heldAfter);
    expect(freeAfter >= heldAfter).toBe(admitted);
  });
});

describe('heldCapacity', () => {
  it.each([
    { what: 'no namespaces', rows: [], want: 0n }, // an empty sum
    { what: 'reserved above use', rows: [{ reserved: 10n, used: 3n }], want: 10n }, // max(10, 3)
    { what: 'used above reservation', rows: [{ reserved: 2n, used: 5n }], want: 5n }, // max(2, 5)
    { what: 'equal', rows: [{ reserved: 4n, used: 4n }], want: 4n }, // max(4, 4)
    {
      what: 'summed over namespaces',
      rows: [
        { reserved: 10n, used: 3n },
        { reserved: 2n, used: 5n },
        { reserved: 0n, used: 0n },
      ],
      want: 15n, // 10 + 5 + 0
    },
    {
      what: 'exact beyond 2^53',
      rows: [
        { reserved: BIG, used: 0n },
        { reserved: 0n, used: BIG },
        { reserved: 1n, used: 0n },
      ],
      want: 2n * BIG + 1n, // 2^62 + 2^62 + 1
    },
  ])('$what: $want', ({ rows, want }) => {
    expect(heldCapacity(rows)).toBe(want);
  });
});
