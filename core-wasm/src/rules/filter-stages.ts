// The filter stages in kube-scheduler's default plugin order — NodeUnschedulable, TaintToleration,
// NodeAffinity, NodeResourcesFit, PodTopologySpread, InterPodAffinity — and the first one a host
// fails: kube-scheduler stops at a node's first failing plugin, so messages, histograms and the
// grade (can preemption help?) all speak of that stage only. Engines record every reason bit
// (--explain shows them all). Rule twin: core-wasm/assembly/batch.ts (the failure histogram).

import {
  type Failure,
  type HostVerdict,
  MAX_DIMS,
  type ReasonCount,
  insufficientBit,
  R_ABSENT,
  R_AFFINITY,
  R_EXISTING_ANTI_AFFINITY,
  R_FAILOVER,
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

export type Stage = 'absent' | 'unschedulable' | 'taint' | 'affinity' | 'resources' | 'topology' | 'failover' | 'none';

/**
 * A host's first failing stage. `topology` comes with its first reason bit; `resources` covers
 * every insufficient dimension (NodeResourcesFit reports them all); `failover` is placer's failover
 * admission, after every filter; `absent` is an empty slot, never counted.
 */
export function firstStage(reasons: number): { stage: Stage; bit: number } {
  if (reasons & R_ABSENT) return { stage: 'absent', bit: R_ABSENT };
  if (reasons & R_UNSCHEDULABLE) return { stage: 'unschedulable', bit: R_UNSCHEDULABLE };
  if (reasons & R_TAINT) return { stage: 'taint', bit: R_TAINT };
  if (reasons & R_AFFINITY) return { stage: 'affinity', bit: R_AFFINITY };
  if (reasons & R_INSUFFICIENT_MASK) return { stage: 'resources', bit: reasons & R_INSUFFICIENT_MASK };
  const bit = TOPOLOGY_REASONS.find((b) => reasons & b);
  if (bit !== undefined) return { stage: 'topology', bit };
  // placer's failover admission runs after every filter (failover-guard.ts)
  return reasons & R_FAILOVER ? { stage: 'failover', bit: R_FAILOVER } : { stage: 'none', bit: 0 };
}

/**
 * FitError's histogram, "0/N hosts are available: …": every present host counted once, under its
 * first failing stage (every insufficient resource of a host counts); `firstTaint` names a
 * taint-stage host's first untolerated taint.
 */
export function filterHistogram(
  verdicts: readonly Pick<HostVerdict, 'reasons'>[],
  firstTaint: (slot: number) => number,
): Extract<Failure, { kind: 'filter' }> {
  const counts = new Map<string, ReasonCount>();
  const bump = (bit: number, taint: number) => {
    const key = `${bit}/${taint}`;
    const rc = counts.get(key) ?? { bit, taint, count: 0 };
    rc.count++;
    counts.set(key, rc);
  };
  let hosts = 0;
  verdicts.forEach((v, slot) => {
    const { stage, bit } = firstStage(v.reasons);
    if (stage === 'absent') return;
    hosts++;
    if (stage === 'taint') bump(0, firstTaint(slot));
    else if (stage === 'resources') {
      for (let d = 0; d < MAX_DIMS; d++) if (v.reasons & insufficientBit(d)) bump(insufficientBit(d), 0);
    } else if (stage !== 'none') bump(bit, 0);
  });
  const list = [...counts.values()].sort((a, b) => a.bit - b.bit || a.taint - b.taint);
  return { kind: 'filter', hosts, counts: list };
}
