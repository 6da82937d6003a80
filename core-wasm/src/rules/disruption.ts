// PodDisruptionBudgets (policy/v1) as the engine and the service read them: which workloads a
// budget covers, the disruption controller's desired healthy count, the disruptions it allows now
// — and the pacing of move plans against them.
//
// Pacing: placer decides where each workload goes; the moving itself is evictions (kubectl drain,
// the eviction API) that a budget throttles: a pod covered by a budget may be evicted only while
// the budget has a disruption left, and the disruption comes back once the replacement runs. So a
// plan executes in waves: within a wave, no budget loses more pods than it allows; the next wave
// starts when the previous one's replacements are up. A budget that allows no disruption at all
// blocks its pods: eviction would wait forever (what `kubectl drain` does), and the plan says so
// before anyone starts. VirtualMachines are not paced: they migrate live (vMotion) and a
// PodDisruptionBudget selects pods only.

import type { PodDisruptionBudgetObj, WorkloadTemplate } from '../../../model/types.js';
import { isEmptySelector, selectorMatches } from '../../../model/selectors.js';

/** A budget with the disruption controller's own count, when the object carries a status. */
export type BudgetObj = PodDisruptionBudgetObj & { disruptionsAllowed?: number };

/** A budget selects nothing with a null or empty selector (kube-scheduler's preemption); otherwise LabelSelector semantics. */
export function pdbSelects(pdb: PodDisruptionBudgetObj, labels: ReadonlyMap<string, string>): boolean {
  if (!pdb.selector || isEmptySelector(pdb.selector)) return false;
  return selectorMatches(pdb.selector, labels);
}

/**
 * The disruption controller's desired healthy count: minAvailable (an integer, or a percentage of
 * the expected workloads rounded up), or expected − maxUnavailable (rounded up); neither: 0.
 */
export function desiredHealthy(pdb: PodDisruptionBudgetObj, expected: number): number {
  const scaled = (v: number | string) => (typeof v === 'number' ? v : Math.ceil((Number(v.slice(0, -1)) * expected) / 100));
  if (pdb.minAvailable !== undefined) return scaled(pdb.minAvailable);
  if (pdb.maxUnavailable !== undefined) return Math.max(0, expected - scaled(pdb.maxUnavailable));
  return 0;
}

/**
 * Disruptions a budget allows now: `status.disruptionsAllowed` when the object carries the
 * disruption controller's count; otherwise healthy − desired, with the healthy workloads it covers
 * taken as the expected ones.
 */
export function disruptionsAllowed(pdb: BudgetObj, healthy: number): number {
  return pdb.disruptionsAllowed ?? allowedBy(healthy, desiredHealthy(pdb, healthy));
}

/** The disruption controller's rule: disruptionsAllowed = max(0, healthy − desired healthy). */
export function allowedBy(healthy: number, desired: number): number {
  return Math.max(0, healthy - desired);
}

export interface PacedMove {
  /** 1-based wave; 0 when blocked. */
  wave: number;
  /** The budget that allows no disruption of this pod (the move cannot start). */
  blockedBy?: string;
}

/** Whether a budget covers a workload in pacing: same namespace, selected, and a pod. */
export function pdbCovers(pdb: PodDisruptionBudgetObj, t: WorkloadTemplate): boolean {
  return t.kind === 'Pod' && pdb.namespace === t.namespace && pdbSelects(pdb, t.labels);
}

/** Disruptions each budget allows now, counting as healthy the placed pods it covers (less those already in `status.disruptedPods`). */
export function allowedDisruptions(pdbs: readonly BudgetObj[], placed: Iterable<{ t: WorkloadTemplate; j: number }>): number[] {
  const healthy = pdbs.map(() => 0);
  for (const { t, j } of placed) {
    pdbs.forEach((pdb, i) => {
      if (pdbCovers(pdb, t) && !pdb.disruptedPods.includes(t.instances[j].name)) healthy[i]++;
    });
  }
  return pdbs.map((pdb, i) => disruptionsAllowed(pdb, healthy[i]));
}

/**
 * Waves for moves given the budgets covering each (`covers[m]`: indexes into `allowed`). Each move
 * takes the earliest wave where every budget covering it has a disruption left; `ordered` keeps
 * waves non-decreasing along the list (a rebalance's moves are a sequence, each legal after the
 * ones before it). Uncovered moves go in the first wave (or the current one, ordered).
 */
export function paceWaves(
  covers: readonly (readonly number[])[],
  allowed: readonly number[],
  names: readonly string[],
  ordered = false,
): PacedMove[] {
  // used[p][w-1]: disruptions of budget p spent in wave w; open[p]: budget p's first wave with
  // room (every wave before it is full for p), so a long run under one budget stays linear
  const used: number[][] = allowed.map(() => []);
  const open: number[] = allowed.map(() => 1);
  let floor = 1;
  return covers.map((pdbs) => {
    const blocked = pdbs.find((p) => allowed[p] <= 0);
    if (blocked !== undefined) return { wave: 0, blockedBy: names[blocked] };
    let w = ordered ? floor : 1;
    for (const p of pdbs) w = Math.max(w, open[p]);
    while (pdbs.some((p) => (used[p][w - 1] ?? 0) >= allowed[p])) w++;
    for (const p of pdbs) {
      used[p][w - 1] = (used[p][w - 1] ?? 0) + 1;
      while ((used[p][open[p] - 1] ?? 0) >= allowed[p]) open[p]++;
    }
    if (ordered) floor = w;
    return { wave: w };
  });
}
