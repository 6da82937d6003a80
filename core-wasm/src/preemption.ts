// pickOneNodeForPreemption (kube-scheduler, pkg/scheduler/framework/preemption): lexicographic
// tie-breakers over the candidate hosts, each keeping only the hosts with the best value.

/** Victims sorted most important first (priority desc, earlier start first). */
export interface PreemptionPlan<U extends { stamp: number }> {
  slot: number;
  victims: U[];
  violations: number;
}

const MAX_INT32_PLUS_ONE = 2 ** 31;

export function pickPreemptionHost<U extends { stamp: number }>(
  plans: PreemptionPlan<U>[],
  priorityOf: (u: U) => number,
): PreemptionPlan<U> {
  const keep = (list: PreemptionPlan<U>[], score: (p: PreemptionPlan<U>) => number, lower: boolean) => {
    const values = list.map(score);
    const best = lower ? Math.min(...values) : Math.max(...values);
    return list.filter((_, i) => values[i] === best);
  };
  let c = [...plans].sort((a, b) => a.slot - b.slot);
  // 1. fewest PodDisruptionBudget violations
  c = keep(c, (p) => p.violations, true);
  // 2. lowest priority of the most important victim
  c = keep(c, (p) => priorityOf(p.victims[0]), true);
  // 3. smallest sum of victim priorities (each shifted so negative priorities count right)
  c = keep(c, (p) => p.victims.reduce((a, u) => a + priorityOf(u) + MAX_INT32_PLUS_ONE, 0), true);
  // 4. fewest victims
  c = keep(c, (p) => p.victims.length, true);
  // 5. latest "earliest start" among the highest-priority victims
  c = keep(
    c,
    (p) => {
      const top = priorityOf(p.victims[0]);
      return Math.min(...p.victims.filter((u) => priorityOf(u) === top).map((u) => u.stamp));
    },
    false,
  );
  // 6. the first remaining host
  return c[0];
}
