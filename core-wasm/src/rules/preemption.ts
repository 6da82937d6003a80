// DefaultPreemption (kube-scheduler, pkg/scheduler/framework/preemption): where preemption can
// help, who may be a victim, in what order victims are reprieved, and which host is chosen
// (pickOneNodeForPreemption's lexicographic tie-breakers). Rule twin: core-wasm/assembly/preempt.ts.

import { type Failure, R_ABSENT, R_POD_AFFINITY, R_SPREAD_LABEL, R_UNRESOLVABLE_FIT } from '../contract.js';
import { firstStage } from './filter-stages.js';

/** Graded like kube-scheduler's statuses: can preemption help? */
export type Grade = 'Unschedulable' | 'UnschedulableAndUnresolvable';

/** Topology reasons no eviction can resolve: a missing topology label, required pod affinity. */
const TOPOLOGY_UNRESOLVABLE = R_SPREAD_LABEL | R_POD_AFFINITY;

/**
 * The grade of a host's first failing stage, as kube-scheduler's status for that plugin:
 * cordons, taints and node affinity are unresolvable; resources are, when the request exceeds
 * the whole allocatable; spread skew, anti-affinity and existing anti-affinity are not.
 */
export function hostGrade(reasons: number): Grade {
  const { stage, bit } = firstStage(reasons & ~R_ABSENT);
  switch (stage) {
    case 'unschedulable':
    case 'taint':
    case 'affinity':
      return 'UnschedulableAndUnresolvable';
    case 'resources':
      return reasons & R_UNRESOLVABLE_FIT ? 'UnschedulableAndUnresolvable' : 'Unschedulable';
    case 'topology':
      return bit & TOPOLOGY_UNRESOLVABLE ? 'UnschedulableAndUnresolvable' : 'Unschedulable';
    default:
      return 'Unschedulable';
  }
}

/** Quota and reservation are decided before any host is tried: no eviction on a host changes them by itself. */
export function failureGrade(f: Failure): Grade {
  return f.kind === 'filter' || f.kind === 'failover' ? 'Unschedulable' : 'UnschedulableAndUnresolvable';
}

/** Preemption tries a host only where evicting could make the workload fit. */
export function preemptionMayHelp(reasons: number): boolean {
  return reasons !== 0 && (reasons & R_ABSENT) === 0 && hostGrade(reasons) === 'Unschedulable';
}

/** A victim has lower priority than the preemptor and was not placed all-or-nothing (a gang member). */
export function evictable(victimPriority: number, preemptorPriority: number, gangMember: boolean): boolean {
  return victimPriority < preemptorPriority && !gangMember;
}

/** Victims, most important first: higher priority, then earlier start (commit stamp). */
export function moreImportant(a: { priority: number; stamp: number }, b: { priority: number; stamp: number }): number {
  return b.priority - a.priority || a.stamp - b.stamp;
}

/** Victims sorted most important first (priority desc, earlier start first). */
export interface PreemptionPlan<U extends { stamp: number }> {
  slot: number;
  victims: U[];
  violations: number;
}

const MAX_INT32_PLUS_ONE = 2 ** 31;

/** pickOneNodeForPreemption: each tie-breaker keeps only the hosts with its best value. */
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
