// PodTopologySpread (pkg/scheduler/framework/plugins/podtopologyspread). A constraint counts the
// placed workloads its selector matches per topology domain. DoNotSchedule filters: placing here
// must keep matching-in-this-domain (+1 for the workload itself when it matches) − the global
// minimum ≤ maxSkew. ScheduleAnyway scores: fewer matching workloads score higher, each
// constraint weighted by log(domains + 2). Rule twin: core-wasm/assembly/topology.ts.

import { MAX_NODE_SCORE } from '../contract.js';

/** No eligible domain: the minimum is math.MaxInt32, as in the plugin. */
const NO_DOMAIN_MINIMUM = 2 ** 31 - 1;

/** The global minimum over eligible domains; 0 while fewer domains exist than minDomains asks for. */
export function spreadMinimum(counts: ReadonlyMap<number, number>, minDomains: number): number {
  if (counts.size < minDomains) return 0;
  return counts.size === 0 ? NO_DOMAIN_MINIMUM : Math.min(...counts.values());
}

/** The filter: does placing here exceed maxSkew? */
export function skewExceeds(inDomain: number, selfMatch: boolean, minimum: number, maxSkew: number): boolean {
  return inDomain + (selfMatch ? 1 : 0) - minimum > maxSkew;
}

/** A constraint's weight in the score: log(domains + 2) (for hostname, domains = candidate hosts). */
export function topologyWeight(domains: number): number {
  return Math.log(domains + 2);
}

/** One constraint's part of a host's raw score: matching × weight + (maxSkew − 1). */
export function spreadScoreTerm(matching: number, weight: number, maxSkew: number): number {
  return matching * weight + (maxSkew - 1);
}

/** Go's math.Round for the non-negative raw sums: half away from zero, exactly. */
export function roundHalfAway(x: number): number {
  const f = Math.floor(x);
  return x - f >= 0.5 ? f + 1 : f;
}

/** NormalizeScore: fewer matching workloads score higher, MAX·(max + min − raw) / max. */
export function spreadNormalized(raw: number, min: number, max: number): number {
  if (max === 0) return MAX_NODE_SCORE;
  return Math.floor((MAX_NODE_SCORE * (max + min - raw)) / max);
}
