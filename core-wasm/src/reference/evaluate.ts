// One workload over every host: Filter (filter.ts, then the topology filters), Score (the
// strategy, preferred node affinity, PreferNoSchedule taints, InterPodAffinity, PodTopologySpread),
// each plugin normalized over the feasible hosts and combined with kube-scheduler's weights.

import {
  type ClassSpec,
  DIM_CPU,
  DIM_MEMORY,
  FIXED_DIMS,
  type HostVerdict,
  Strategy,
  type VerdictColumns,
  WEIGHT_FIT,
  WEIGHT_INTER_POD_AFFINITY,
  WEIGHT_NODE_AFFINITY,
  WEIGHT_TAINT_TOLERATION,
  WEIGHT_TOPOLOGY_SPREAD,
} from '../contract.js';
import { preferredWeight } from '../rules/node-affinity.js';
import {
  balancedScore,
  leastRequestedScore,
  mostRequestedScore,
  normalizeScore,
  roundedMean,
  rtcrResourceScore,
  weightedMean,
} from '../rules/scoring.js';
import { filterHost, matches, type Tolerated, tolerated } from './filter.js';
import type { Host, RefState } from './state.js';
import { interPodScores, spreadScores, topologyFilter } from './topology.js';

export function evaluate(s: RefState, cls: number): HostVerdict[] {
  const c = s.classes[cls];
  const k = s.constraints[c.constraint];
  const tol = tolerated(s, c);
  const reasons = s.hosts.map((h) => filterHost(s, c, k, tol, h));
  // PodTopologySpread and InterPodAffinity look across hosts: they run after the per-host checks.
  if (c.topology) topologyFilter(s, c.topology, k, tol, reasons);
  const verdicts: HostVerdict[] = s.hosts.map((h, slot) => {
    const r = reasons[slot];
    if (r !== 0) return { reasons: r, fit: 0, affinityRaw: 0, taintRaw: 0, interPodRaw: 0, spreadRaw: 0, total: -1 };
    return {
      reasons: r,
      fit: fitScore(s, c, h) + balancedTerm(s, c, h),
      affinityRaw: preferredWeight(k.preferred, (req) => matches(s, h, req)),
      taintRaw: taintRaw(tol, h),
      interPodRaw: 0,
      spreadRaw: 0,
      total: 0,
    };
  });
  const feasible = verdicts.map((v) => v.reasons === 0);
  const interPod = c.topology ? interPodScores(s, c.topology, feasible) : null;
  const spread = c.topology ? spreadScores(s, c.topology, k, tol, feasible) : null;
  // NormalizeScore runs over the feasible hosts only, as in kube-scheduler.
  let maxAffinity = 0;
  let maxTaint = 0;
  for (const v of verdicts) {
    if (v.reasons !== 0) continue;
    maxAffinity = Math.max(maxAffinity, v.affinityRaw);
    maxTaint = Math.max(maxTaint, v.taintRaw);
  }
  verdicts.forEach((v, slot) => {
    if (v.reasons !== 0) return;
    v.interPodRaw = interPod?.raw[slot] ?? 0;
    v.spreadRaw = spread?.raw[slot] ?? 0;
    v.total =
      WEIGHT_FIT * v.fit +
      WEIGHT_NODE_AFFINITY * normalizeScore(v.affinityRaw, maxAffinity, false) +
      WEIGHT_TAINT_TOLERATION * normalizeScore(v.taintRaw, maxTaint, true) +
      WEIGHT_INTER_POD_AFFINITY * (interPod ? interPod.normalized(slot) : 0) +
      WEIGHT_TOPOLOGY_SPREAD * (spread ? spread.normalized(slot) : 0);
  });
  return verdicts;
}

/** evaluate() as columns (the Backend contract's VerdictColumns). */
export function evaluateColumns(s: RefState, cls: number): VerdictColumns {
  const verdicts = evaluate(s, cls);
  const n = verdicts.length;
  const out: VerdictColumns = { n, reasons: new Uint32Array(n), fit: new Int32Array(n), total: new Int32Array(n) };
  verdicts.forEach((v, h) => {
    out.reasons[h] = v.reasons;
    out.fit[h] = v.fit;
    out.total[h] = v.total;
  });
  return out;
}

/** The strategy's 0..100 score for host h with the workload added (rules/scoring.ts). */
function fitScore(s: RefState, c: ClassSpec, h: Host): number {
  if (c.strategy === Strategy.BalancedAllocation) return balanced(s, c, h);
  let sum = 0;
  let weights = 0;
  for (const { dim, weight } of s.config.scoring) {
    const [requested, capacity] = requestedAndCapacity(c, h, dim, false);
    if (capacity === 0) continue;
    let score: number;
    if (c.strategy === Strategy.LeastAllocated) score = leastRequestedScore(requested, capacity);
    else if (c.strategy === Strategy.MostAllocated) score = mostRequestedScore(requested, capacity);
    else {
      score = rtcrResourceScore(s.shape, requested, capacity);
      if (score <= 0) continue; // RequestedToCapacityRatio only counts positive resource scores
    }
    sum += score * weight;
    weights += weight;
  }
  return c.strategy === Strategy.RequestedToCapacityRatio ? roundedMean(sum, weights) : weightedMean(sum, weights);
}

/**
 * resource_allocation.go calculateResourceAllocatableRequest: cpu and memory use the non-zero
 * defaults (unless `actual`), other resources their real requests; an extended resource the
 * workload does not request is skipped (capacity 0).
 */
function requestedAndCapacity(c: ClassSpec, h: Host, dim: number, actual: boolean): [number, number] {
  if (dim >= FIXED_DIMS && c.req[dim] === 0) return [0, 0];
  if (!actual && dim === DIM_CPU) return [h.usedNonZeroCpu + c.nzCpu, h.alloc[dim]];
  if (!actual && dim === DIM_MEMORY) return [h.usedNonZeroMem + c.nzMem, h.alloc[dim]];
  return [h.used[dim] + c.req[dim], h.alloc[dim]];
}

/** NodeResourcesBalancedAllocation × its weight beside the strategy (score.ts balancedTerm). */
function balancedTerm(s: RefState, c: ClassSpec, h: Host): number {
  if (s.config.balancedWeight === 0 || c.strategy === Strategy.BalancedAllocation) return 0;
  return s.config.balancedWeight * balanced(s, c, h);
}

function balanced(s: RefState, c: ClassSpec, h: Host): number {
  // Best-effort workloads are skipped by the plugin (kubernetes#129138): no score from it.
  if (s.config.balanced.every(({ dim }) => c.req[dim] === 0)) return 0;
  const fractions: number[] = [];
  for (const { dim } of s.config.balanced) {
    const [requested, capacity] = requestedAndCapacity(c, h, dim, true);
    if (capacity === 0) continue;
    fractions.push(Math.min(requested / capacity, 1));
  }
  return balancedScore(fractions);
}

/** TaintToleration's raw score: the host's untolerated PreferNoSchedule taints. */
function taintRaw(tol: Tolerated, h: Host): number {
  let n = 0;
  for (const t of h.taints) if (tol.prefer.has(t)) n++;
  return n;
}
