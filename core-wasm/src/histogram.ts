// The "0/N hosts are available" histogram: every present host counted once, under its first
// failing filter stage (kube-scheduler stops at the first failing plugin of a node), in the order
// NodeUnschedulable, TaintToleration, NodeAffinity, NodeResourcesFit, PodTopologySpread,
// InterPodAffinity (affinity, anti-affinity, existing workloads' anti-affinity). Shared by the reference
// backend and by explanations; the Wasm core computes the same in assembly/batch.ts.

import {
  type Failure,
  type HostVerdict,
  MAX_DIMS,
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
  type ReasonCount,
  insufficientBit,
} from './contract.js';

export function filterHistogram(
  verdicts: readonly HostVerdict[],
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
    if (v.reasons & R_ABSENT) return;
    hosts++;
    if (v.reasons & R_UNSCHEDULABLE) bump(R_UNSCHEDULABLE, 0);
    else if (v.reasons & R_TAINT) bump(0, firstTaint(slot));
    else if (v.reasons & R_AFFINITY) bump(R_AFFINITY, 0);
    else if (v.reasons & R_INSUFFICIENT_MASK) {
      for (let d = 0; d < MAX_DIMS; d++) if (v.reasons & insufficientBit(d)) bump(insufficientBit(d), 0);
    } else {
      const bit = firstBit(v.reasons, [R_SPREAD_LABEL, R_SPREAD, R_POD_AFFINITY, R_POD_ANTI_AFFINITY, R_EXISTING_ANTI_AFFINITY]);
      if (bit) bump(bit, 0);
    }
  });
  const list = [...counts.values()].sort((a, b) => a.bit - b.bit || a.taint - b.taint);
  return { kind: 'filter', hosts, counts: list };
}

function firstBit(reasons: number, order: number[]): number {
  for (const b of order) if (reasons & b) return b;
  return 0;
}
