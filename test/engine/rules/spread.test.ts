// rules/spread.ts: PodTopologySpread. Twin: core-wasm/assembly/topology.ts (topologyFilter,
// spreadScores).
//
// Kubernetes' answers, pkg/scheduler/framework/plugins/podtopologyspread/:
//   spreadMinimum      filtering.go preFilterState.minMatchNum (0 while domainsNum < MinDomains) over
//                      criticalPaths, which start at math.MaxInt32 (newCriticalPaths); common.go
//                      filterTopologySpreadConstraints treats a nil minDomains as 1
//   skewExceeds        filtering.go Filter: matchNum + selfMatchNum − minMatchNum > MaxSkew
//   topologyWeight     scoring.go topologyNormalizingWeight: math.Log(size + 2)
//   spreadScoreTerm    scoring.go scoreForCount: cnt × tpWeight + (maxSkew − 1)
//   roundHalfAway      scoring.go Score: int64(math.Round(score))
//   spreadNormalized   scoring.go NormalizeScore: MaxNodeScore × (max + min − s) / max; 100 when max = 0

import { describe, expect, it } from 'vitest';
import {
  roundHalfAway,
  skewExceeds,
  spreadMinimum,
  spreadNormalized,
  spreadScoreTerm,
  topologyWeight,
} from '../../../core-wasm/src/rules/spread.js';

const MAX_INT32 = 2147483647;
/** Matching workloads per topology domain (label value id → count). */
const domains = (...counts: number[]) => new Map(counts.map((n, i) => [i + 1, n]));

describe('spreadMinimum', () => {
  it.each([
    { what: 'the least loaded domain', counts: domains(2, 5), minDomains: 0, want: 2 }, // min(2, 5)
    { what: 'a domain with none matching', counts: domains(0, 3), minDomains: 0, want: 0 }, // an eligible domain counts at 0
    { what: 'minDomains met exactly', counts: domains(2, 5), minDomains: 2, want: 2 }, // 2 domains ≥ 2
    { what: 'minDomains not met', counts: domains(2, 5), minDomains: 3, want: 0 }, // 2 < 3: the global minimum is 0
    { what: 'one domain, minDomains 1', counts: domains(4), minDomains: 1, want: 4 }, // kube-scheduler's nil minDomains
    { what: 'no domain at all', counts: domains(), minDomains: 0, want: MAX_INT32 }, // criticalPaths untouched: math.MaxInt32
    { what: 'no domain, minDomains 1', counts: domains(), minDomains: 1, want: 0 }, // 0 < 1
  ])('$what: $want', ({ counts, minDomains, want }) => {
    expect(spreadMinimum(counts, minDomains)).toBe(want);
  });
});

describe('skewExceeds', () => {
  it.each([
    // in-domain + self − minimum > maxSkew
    { inDomain: 2, selfMatch: true, minimum: 1, maxSkew: 1, want: true }, // 2 + 1 − 1 = 2 > 1
    { inDomain: 1, selfMatch: true, minimum: 1, maxSkew: 1, want: false }, // 1 + 1 − 1 = 1, not > 1
    { inDomain: 2, selfMatch: false, minimum: 1, maxSkew: 1, want: false }, // 2 + 0 − 1 = 1: it does not count itself
    { inDomain: 7, selfMatch: true, minimum: 2, maxSkew: 5, want: true }, // 7 + 1 − 2 = 6 > 5
    { inDomain: 6, selfMatch: true, minimum: 2, maxSkew: 5, want: false }, // 6 + 1 − 2 = 5
    // minDomains not met, minimum 0
    { inDomain: 3, selfMatch: true, minimum: 0, maxSkew: 3, want: true }, // 3 + 1 − 0 = 4 > 3
    { inDomain: 2, selfMatch: true, minimum: 0, maxSkew: 3, want: false }, // 2 + 1 − 0 = 3
    // no eligible domain: minimum MaxInt32 makes every skew negative
    { inDomain: 0, selfMatch: true, minimum: MAX_INT32, maxSkew: 1, want: false }, // 0 + 1 − 2147483647 < 1
  ])('$inDomain + self($selfMatch) − $minimum > $maxSkew: $want', ({ inDomain, selfMatch, minimum, maxSkew, want }) => {
    expect(skewExceeds(inDomain, selfMatch, minimum, maxSkew)).toBe(want);
  });
});

describe('topologyWeight', () => {
  it.each([
    { domains: 0, want: 0.6931471805599453 }, // ln 2
    { domains: 1, want: 1.0986122886681096 }, // ln 3
    { domains: 3, want: 1.6094379124341003 }, // ln 5
    { domains: 98, want: 4.605170185988092 }, // ln 100
  ])('log($domains + 2) = $want', ({ domains, want }) => {
    expect(topologyWeight(domains)).toBeCloseTo(want, 14);
  });
});

describe('spreadScoreTerm', () => {
  const LN3 = 1.0986122886681096;
  const LN5 = 1.6094379124341003;
  it.each([
    { matching: 3, weight: LN5, maxSkew: 1, want: 4.828313737302301 }, // 3 × ln 5 + 0
    { matching: 0, weight: LN5, maxSkew: 1, want: 0 }, // 0 × ln 5 + 0
    { matching: 2, weight: LN3, maxSkew: 3, want: 4.197224577336219 }, // 2 × ln 3 + 2
    { matching: 0, weight: LN3, maxSkew: 2, want: 1 }, // 0 + (2 − 1)
  ])('$matching × $weight + ($maxSkew − 1) = $want', ({ matching, weight, maxSkew, want }) => {
    expect(spreadScoreTerm(matching, weight, maxSkew)).toBeCloseTo(want, 12);
  });
});

describe('roundHalfAway', () => {
  it.each([
    { x: 0, want: 0 }, // nothing to round
    { x: 2.4999, want: 2 }, // below the half
    { x: 2.5, want: 3 }, // half: away from zero
    { x: 3.5, want: 4 }, // not to even
    { x: 0.5, want: 1 }, // half: away from zero
    { x: 4.828313737302301, want: 5 }, // 3 × ln 5
    { x: 4.197224577336219, want: 4 }, // 2 × ln 3 + 2
    // the largest double below ½: math.Round gives 0, where floor(x + 0.5) would round the sum up to 1
    { x: 0.49999999999999994, want: 0 },
    { x: 2 ** 50 + 0.5, want: 2 ** 50 + 1 }, // exact halves far from zero
  ])('round($x) = $want', ({ x, want }) => {
    expect(roundHalfAway(x)).toBe(want);
  });
});

describe('spreadNormalized', () => {
  it.each([
    // 100 × (max + min − raw) / max, integer division
    { raw: 2, min: 2, max: 8, want: 100 }, // 100 × 8 / 8: the least crowded host
    { raw: 8, min: 2, max: 8, want: 25 }, // 100 × 2 / 8
    { raw: 5, min: 2, max: 8, want: 62 }, // 100 × 5 / 8 = 62.5 → 62
    { raw: 7, min: 1, max: 7, want: 14 }, // 100 × 1 / 7 = 14.28 → 14
    { raw: 3, min: 3, max: 3, want: 100 }, // all equal: everyone 100
    { raw: 0, min: 0, max: 0, want: 100 }, // max 0: MaxNodeScore for all
  ])('raw $raw in [$min, $max]: $want', ({ raw, min, max, want }) => {
    expect(spreadNormalized(raw, min, max)).toBe(want);
  });
});
