// PodTopologySpread and InterPodAffinity over every host: they compare domains, so they run after
// the per-host filters. Counters hold placed workloads per host (one per selector group or held
// term family, see topology-front.ts); the rules are rules/spread.ts and rules/inter-pod-affinity.ts.

import {
  type ConstraintSpec,
  R_EXISTING_ANTI_AFFINITY,
  R_POD_AFFINITY,
  R_POD_ANTI_AFFINITY,
  R_SPREAD,
  R_SPREAD_LABEL,
  type SpreadSpec,
  type TermSpec,
  type TopologySpec,
} from '../contract.js';
import { antiAffinityViolated, heldTermWeight, interPodNormalized, requiredAffinityHolds } from '../rules/inter-pod-affinity.js';
import { roundHalfAway, skewExceeds, spreadMinimum, spreadNormalized, spreadScoreTerm, topologyWeight } from '../rules/spread.js';
import { nodeAffinityOk, type Tolerated } from './filter.js';
import type { Host, RefState } from './state.js';

/** Raw scores per host slot and their normalization over the feasible hosts. */
export interface PluginScores {
  raw: number[];
  normalized: (slot: number) => number;
}

const labelOf = (h: Host, col: number): number => h.labels[col] ?? 0;

/** Σ of `counter` over hosts by topology value of `col`. */
function domainCounts(s: RefState, counter: number, col: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const [slot, n] of s.counters.get(counter) ?? []) {
    const h = s.hosts[slot];
    const v = h?.present ? labelOf(h, col) : 0;
    if (v === 0 || n === 0) continue;
    out.set(v, (out.get(v) ?? 0) + n);
  }
  return out;
}

/** kube-scheduler's topologyToMatchedTermCount: Σ over terms of matching workloads (× weight) per (key, value), zeros dropped. */
function pairCounts(s: RefState, terms: readonly TermSpec[], weight: (t: TermSpec) => number = () => 1): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of terms) {
    for (const [v, n] of domainCounts(s, t.counter, t.col)) {
      const key = `${t.col}/${v}`;
      const sum = (out.get(key) ?? 0) + weight(t) * n;
      if (sum === 0) out.delete(key);
      else out.set(key, sum);
    }
  }
  return out;
}

/**
 * Matching workloads per domain of a spread constraint, over the hosts that count for it: present,
 * carrying every constraint's key, and — per the constraint's policies — matching the workload's
 * node affinity and without taints it does not tolerate. `domainOk` narrows the domains further.
 */
function spreadCounts(
  s: RefState,
  c: SpreadSpec,
  all: readonly SpreadSpec[],
  k: ConstraintSpec,
  tol: Tolerated,
  domainOk: (v: number) => boolean = () => true,
): Map<number, number> {
  const counts = new Map<number, number>();
  s.hosts.forEach((h, slot) => {
    if (!h.present || !all.every((x) => labelOf(h, x.col) !== 0)) return;
    if (c.honorAffinity && !nodeAffinityOk(s, k, h)) return;
    if (c.honorTaints && h.taints.some((x) => tol.hard.has(x))) return;
    const v = labelOf(h, c.col);
    if (!domainOk(v)) return;
    counts.set(v, (counts.get(v) ?? 0) + s.count(c.counter, slot));
  });
  return counts;
}

export function topologyFilter(s: RefState, t: TopologySpec, k: ConstraintSpec, tol: Tolerated, reasons: number[]): void {
  const hard = t.spread.filter((c) => c.hard);
  const domains = hard.map((c) => {
    const counts = spreadCounts(s, c, hard, k, tol);
    return { counts, min: spreadMinimum(counts, c.minDomains) };
  });
  const affinity = pairCounts(s, t.requiredAffinity);
  const anti = pairCounts(s, t.requiredAnti);
  const existing = pairCounts(s, t.heldAnti);
  const seen = (counts: Map<string, number>, h: Host) => (term: TermSpec) => {
    const v = labelOf(h, term.col);
    return { labelled: v !== 0, matching: v === 0 ? 0 : (counts.get(`${term.col}/${v}`) ?? 0) };
  };
  s.hosts.forEach((h, slot) => {
    if (!h.present) return;
    for (let i = 0; i < hard.length; i++) {
      const c = hard[i];
      const v = labelOf(h, c.col);
      if (v === 0) {
        reasons[slot] |= R_SPREAD_LABEL;
        break;
      }
      if (skewExceeds(domains[i].counts.get(v) ?? 0, c.selfMatch, domains[i].min, c.maxSkew)) {
        reasons[slot] |= R_SPREAD;
        break;
      }
    }
    if (
      t.requiredAffinity.length > 0 &&
      !requiredAffinityHolds(t.requiredAffinity.map(seen(affinity, h)), affinity.size === 0, t.affinitySelfMatch)
    ) {
      reasons[slot] |= R_POD_AFFINITY;
    }
    if (antiAffinityViolated(t.requiredAnti.map(seen(anti, h)))) reasons[slot] |= R_POD_ANTI_AFFINITY;
    for (const key of existing.keys()) {
      const [col, v] = key.split('/').map(Number);
      if (labelOf(h, col) === v) {
        reasons[slot] |= R_EXISTING_ANTI_AFFINITY;
        break;
      }
    }
  });
}

/** InterPodAffinity Score: Σ over topology pairs of the host of the weighted matching counts; min-max normalized. */
export function interPodScores(s: RefState, t: TopologySpec, feasible: boolean[]): PluginScores | null {
  const terms = [...t.preferred, ...t.heldScore.map((x) => ({ ...x, weight: heldTermWeight(x) }))];
  if (terms.length === 0) return null;
  const pairs = pairCounts(s, terms, (x) => x.weight);
  const cols = [...new Set(terms.map((x) => x.col))];
  const raw = s.hosts.map((h, slot) => {
    if (!feasible[slot]) return 0;
    let score = 0;
    for (const col of cols) {
      const v = labelOf(h, col);
      if (v !== 0) score += pairs.get(`${col}/${v}`) ?? 0;
    }
    return score;
  });
  const scored = raw.filter((_, slot) => feasible[slot]);
  const min = Math.min(...scored);
  const max = Math.max(...scored);
  return { raw, normalized: (slot) => (pairs.size === 0 ? 0 : interPodNormalized(raw[slot], min, max)) };
}

/** PodTopologySpread Score (ScheduleAnyway constraints): matching counts weighted by log(domains + 2). */
export function spreadScores(s: RefState, t: TopologySpec, k: ConstraintSpec, tol: Tolerated, feasible: boolean[]): PluginScores | null {
  const soft = t.spread.filter((c) => !c.hard);
  if (soft.length === 0) return null;
  const ignored = s.hosts.map((h, slot) => feasible[slot] && !soft.every((c) => labelOf(h, c.col) !== 0));
  const candidates = s.hosts.filter((_, slot) => feasible[slot] && !ignored[slot]).length;
  const per = soft.map((c) => {
    if (c.hostname) return { counts: null, weight: topologyWeight(candidates) };
    const domains = new Set<number>();
    s.hosts.forEach((h, slot) => {
      if (feasible[slot] && !ignored[slot]) domains.add(labelOf(h, c.col));
    });
    return { counts: spreadCounts(s, c, soft, k, tol, (v) => domains.has(v)), weight: topologyWeight(domains.size) };
  });
  const raw = s.hosts.map((h, slot) => {
    if (!feasible[slot] || ignored[slot]) return 0;
    let score = 0;
    soft.forEach((c, i) => {
      const counts = per[i].counts;
      const matching = counts === null ? s.count(c.counter, slot) : (counts.get(labelOf(h, c.col)) ?? 0);
      score += spreadScoreTerm(matching, per[i].weight, c.maxSkew);
    });
    return roundHalfAway(score);
  });
  let min = Number.MAX_SAFE_INTEGER;
  let max = 0;
  raw.forEach((r, slot) => {
    if (!feasible[slot] || ignored[slot]) return;
    min = Math.min(min, r);
    max = Math.max(max, r);
  });
  return { raw, normalized: (slot) => (ignored[slot] ? 0 : spreadNormalized(raw[slot], min, max)) };
}
