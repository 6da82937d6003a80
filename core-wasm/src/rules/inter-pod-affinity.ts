// InterPodAffinity (pkg/scheduler/framework/plugins/interpodaffinity). Terms count placed
// workloads matching a selector per topology domain. Filter: required affinity needs matching
// workloads in the host's domain of every term; required anti-affinity needs none in any; a placed
// workload's required anti-affinity rejects the hosts of its domain for the workloads it matches.
// Score: the weighted matching counts of the host's domains, min-max normalized. Rule twin:
// core-wasm/assembly/topology.ts.

import { HARD_POD_AFFINITY_WEIGHT, MAX_NODE_SCORE, type TermSpec } from '../contract.js';

/** One term seen from a host: does the host carry the topology label, and how many match in its domain? */
export interface TermDomain {
  labelled: boolean;
  matching: number;
}

/**
 * Required affinity: every term's topology label exists on the host, and every term has matching
 * workloads in the host's domain — except that the first workload of a group with affinity to
 * itself may start it anywhere, when nothing matches anywhere yet.
 */
export function requiredAffinityHolds(terms: readonly TermDomain[], nothingAnywhere: boolean, selfMatch: boolean): boolean {
  if (terms.some((t) => !t.labelled)) return false;
  if (terms.every((t) => t.matching > 0)) return true;
  return nothingAnywhere && selfMatch;
}

/** Required anti-affinity: some term has matching workloads in the host's domain. */
export function antiAffinityViolated(terms: readonly TermDomain[]): boolean {
  return terms.some((t) => t.labelled && t.matching > 0);
}

/** The weight a held term scores with: its own (±1..100), or hardPodAffinityWeight for a required affinity (marked 0). */
export function heldTermWeight(t: TermSpec): number {
  return t.weight === 0 ? HARD_POD_AFFINITY_WEIGHT : t.weight;
}

/** NormalizeScore: min-max over the feasible hosts, float, truncated. */
export function interPodNormalized(raw: number, min: number, max: number): number {
  const diff = max - min;
  return diff > 0 ? Math.trunc(MAX_NODE_SCORE * ((raw - min) / diff)) : 0;
}
