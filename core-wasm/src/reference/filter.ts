// Filter, per host: NodeUnschedulable, TaintToleration, NodeAffinity, NodeResourcesFit. Every
// check runs, so --explain can show all reasons; messages use the first failing stage
// (rules/filter-stages.ts). PodTopologySpread and InterPodAffinity look across hosts and run
// after these (topology.ts).

import { numericRequirementHolds, setRequirementHolds } from '../../../model/selectors.js';
import {
  type ClassSpec,
  type ConstraintSpec,
  DIM_PODS,
  MAX_DIMS,
  R_ABSENT,
  R_AFFINITY,
  R_TAINT,
  R_UNRESOLVABLE_FIT,
  R_UNSCHEDULABLE,
  type Requirement,
  SelectorOp,
  UNSCHEDULABLE_TAINT_ID,
  insufficientBit,
} from '../contract.js';
import { nodeAffinityHolds } from '../rules/node-affinity.js';
import { blocks, repels } from '../rules/taints.js';
import type { Host, RefState } from './state.js';

/** A class's toleration verdicts over the taint vocabulary, computed once per evaluation. */
export interface Tolerated {
  /** Untolerated NoSchedule/NoExecute taints. */
  hard: Set<number>;
  /** Untolerated PreferNoSchedule taints. */
  prefer: Set<number>;
  unschedulableOk: boolean;
}

export function tolerated(s: RefState, c: ClassSpec): Tolerated {
  const tolerations = s.constraints[c.constraint].tolerations;
  const hard = new Set<number>();
  const prefer = new Set<number>();
  s.taints.forEach((t, id) => {
    if (!t) return;
    if (blocks(tolerations, t)) hard.add(id);
    else if (repels(tolerations, t)) prefer.add(id);
  });
  return { hard, prefer, unschedulableOk: !hard.has(UNSCHEDULABLE_TAINT_ID) };
}

/** The SelectorOp ids' names (contract.ts), for the model's requirement rule. */
const OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'] as const;

/** One requirement against a host's interned labels (0 = absent), by model/selectors.ts's rule. */
export function matches(s: RefState, h: Host, r: Requirement): boolean {
  const v = h.labels[r.col] ?? 0;
  if (r.op === SelectorOp.Gt || r.op === SelectorOp.Lt) {
    return numericRequirementHolds(r.op === SelectorOp.Gt ? 'Gt' : 'Lt', v === 0 ? null : (s.labelNumbers[v] ?? null), r.num);
  }
  return setRequirementHolds(OPERATORS[r.op] as 'In' | 'NotIn' | 'Exists' | 'DoesNotExist', v === 0 ? undefined : v, r.values);
}

export function nodeAffinityOk(s: RefState, k: ConstraintSpec, h: Host): boolean {
  return nodeAffinityHolds(k.selector, k.required, (r) => matches(s, h, r));
}

/** The per-host reasons of one workload of class c (0 = feasible so far). */
export function filterHost(s: RefState, c: ClassSpec, k: ConstraintSpec, tol: Tolerated, h: Host): number {
  if (!h.present) return R_ABSENT;
  let reasons = 0;
  if (h.unschedulable && !tol.unschedulableOk) reasons |= R_UNSCHEDULABLE;
  if (h.taints.some((t) => tol.hard.has(t))) reasons |= R_TAINT;
  if (!nodeAffinityOk(s, k, h)) reasons |= R_AFFINITY;
  for (let d = 0; d < MAX_DIMS; d++) {
    const q = c.req[d];
    // Like NodeResourcesFit: a zero request never fails, except the pod count which always applies.
    if (q === 0) continue;
    if (q > h.alloc[d] - h.used[d]) {
      reasons |= insufficientBit(d);
      if (q > h.alloc[d] && d !== DIM_PODS) reasons |= R_UNRESOLVABLE_FIT;
    }
  }
  return reasons;
}
