// The "0/N hosts are available" histogram: every present host counted once, under its first
// failing filter stage (kube-scheduler stops at the first failing plugin of a node), in the order
// NodeUnschedulable, TaintToleration, NodeAffinity, NodeResourcesFit, PodTopologySpread,
// InterPodAffinity (affinity, anti-affinity, existing workloads' anti-affinity). Shared by the reference
// backend and by explanations; the Wasm core computes the same in assembly/batch.ts.

import { type Failure, type HostVerdict, MAX_DIMS, type ReasonCount, insufficientBit } from './contract.js';
import { firstStage } from './rules/filter-stages.js';

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
