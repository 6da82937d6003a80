// The filter stages in kube-scheduler's default plugin order — NodeUnschedulable, TaintToleration,
// NodeAffinity, NodeResourcesFit, PodTopologySpread, InterPodAffinity — and the first one a host
// fails: kube-scheduler stops at a node's first failing plugin, so messages, histograms and the
// grade (can preemption help?) all speak of that stage only. Engines record every reason bit
// (--explain shows them all). Rule twin: core-wasm/assembly/batch.ts (the failure histogram).

import {
  R_ABSENT,
  R_AFFINITY,
  R_EXISTING_ANTI_AFFINITY,
  R_INSUFFICIENT_MASK,
  R_POD_AFFINITY,
  R_POD_ANTI_AFFINITY,
  R_SPREAD,
  R_SPREAD_LABEL,
  R_TAINT,
  R_UNSCHEDULABLE,
} from '../contract.js';

/** PodTopologySpread's then InterPodAffinity's reasons, in the order they are checked. */
export const TOPOLOGY_REASONS: readonly number[] = [
  R_SPREAD_LABEL,
  R_SPREAD,
  R_POD_AFFINITY,
  R_POD_ANTI_AFFINITY,
  R_EXISTING_ANTI_AFFINITY,
];

export type Stage = 'absent' | 'unschedulable' | 'taint' | 'affinity' | 'resources' | 'topology' | 'none';

/**
 * A host's first failing stage. `topology` comes with its first reason bit; `resources` covers
 * every insufficient dimension (NodeResourcesFit reports them all); `absent` is an empty slot,
 * never counted.
 */
export function firstStage(reasons: number): { stage: Stage; bit: number } {
  if (reasons & R_ABSENT) return { stage: 'absent', bit: R_ABSENT };
  if (reasons & R_UNSCHEDULABLE) return { stage: 'unschedulable', bit: R_UNSCHEDULABLE };
  if (reasons & R_TAINT) return { stage: 'taint', bit: R_TAINT };
  if (reasons & R_AFFINITY) return { stage: 'affinity', bit: R_AFFINITY };
  if (reasons & R_INSUFFICIENT_MASK) return { stage: 'resources', bit: reasons & R_INSUFFICIENT_MASK };
  const bit = TOPOLOGY_REASONS.find((b) => reasons & b);
  return bit === undefined ? { stage: 'none', bit: 0 } : { stage: 'topology', bit };
}
