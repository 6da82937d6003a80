// kube-scheduler's scoring formulas, as table tests with the arithmetic in the comments, through
// the pure functions and through every engine backend.

import { describe, expect, it } from 'vitest';
import { Engine, type BackendName } from '../../core-wasm/src/engine.js';
import {
  balancedScore,
  brokenLinear,
  leastRequestedScore,
  mostRequestedScore,
  normalizeScore,
  roundedMean,
  rtcrResourceScore,
  scaleShape,
} from '../../core-wasm/src/rules/scoring.js';
import type { Strategy } from '../../model/types.js';
import { host, pod } from '../fixtures/model.js';

const BACKENDS: BackendName[] = ['reference', 'wasm', 'wasm-scalar'];
const GI = 2 ** 30;

describe('scoring functions', () => {
  it.each([
    // (capacity − requested) × 100 / capacity
    { requested: 2000, capacity: 4000, want: 50 }, // 2000×100/4000 = 50
    { requested: 3 * GI, capacity: 8 * GI, want: 62 }, // 5Gi×100/8Gi = 62.5 → 62
    { requested: 4001, capacity: 4000, want: 0 }, // over capacity
    { requested: 0, capacity: 0, want: 0 }, // no capacity
  ])('leastRequestedScore($requested, $capacity) = $want', ({ requested, capacity, want }) => {
    expect(leastRequestedScore(requested, capacity)).toBe(want);
  });

  it.each([
    { requested: 2000, capacity: 4000, want: 50 }, // 2000×100/4000
    { requested: 3 * GI, capacity: 8 * GI, want: 37 }, // 3Gi×100/8Gi = 37.5 → 37
    { requested: 5000, capacity: 4000, want: 100 }, // clamped to capacity (non-zero defaults may exceed it)
  ])('mostRequestedScore($requested, $capacity) = $want', ({ requested, capacity, want }) => {
    expect(mostRequestedScore(requested, capacity)).toBe(want);
  });

  it('is exact for capacities beyond 2^46 (integer path)', () => {
    const cap = 2 ** 52 + 1; // odd: any float shortcut would round
    expect(leastRequestedScore(1, cap)).toBe(Number(((BigInt(cap) - 1n) * 100n) / BigInt(cap)));
    expect(mostRequestedScore(cap - 1, cap)).toBe(99);
  });

  it('broken-linear shape, scaled ×10 (MaxNodeScore / MaxCustomPriorityScore)', () => {
    const shape = scaleShape([
      { utilization: 0, score: 0 },
      { utilization: 100, score: 10 },
    ]);
    expect(brokenLinear(shape, 50)).toBe(50); // 0 + (100−0)×(50−0)/(100−0)
    expect(brokenLinear(shape, 37)).toBe(37);
    const decreasing = scaleShape([
      { utilization: 0, score: 10 },
      { utilization: 100, score: 0 },
    ]);
    // 100 + (0−100)×(33−0)/100 = 100 − 33 (Go truncates −33.0 toward zero)
    expect(brokenLinear(decreasing, 33)).toBe(67);
    expect(rtcrResourceScore(shape, 5000, 4000)).toBe(100); // over capacity ⇒ f(100)
  });

  it('RequestedToCapacityRatio rounds the weighted mean half away from zero', () => {
    expect(roundedMean(87, 2)).toBe(44); // 43.5 → 44
    expect(roundedMean(86, 2)).toBe(43);
  });

  it('BalancedAllocation (classic): (1 − std of fractions) × 100', () => {
    expect(balancedScore([0.5, 0.375])).toBe(93); // std = |0.5 − 0.375| / 2 = 0.0625 → 93.75 → 93
    expect(balancedScore([0.5, 0.5])).toBe(100);
    // three resources: mean 0.5, std = sqrt(((0.2)² + 0 + (0.2)²)/3) = 0.1633 → 83.67 → 83
    expect(balancedScore([0.3, 0.5, 0.7])).toBe(83);
    expect(balancedScore([0.9])).toBe(100); // fewer than two fractions: std 0
  });

  it('DefaultNormalizeScore', () => {
    expect(normalizeScore(30, 60, false)).toBe(50); // 100×30/60
    expect(normalizeScore(1, 3, true)).toBe(67); // 100 − 100×1/3 = 100 − 33
    expect(normalizeScore(0, 0, true)).toBe(100); // no taints anywhere: everyone gets MaxNodeScore
    expect(normalizeScore(0, 0, false)).toBe(0);
  });
});

describe.each(BACKENDS)('worked example through the %s engine', (backend) => {
  // kube-scheduler's example: allocatable 4000m / 8Gi; the node already requests 1000m / 1Gi and
  // the pod 1000m / 2Gi, so requested with the pod is 2000m / 3Gi.
  //   LeastAllocated: cpu (4000−2000)×100/4000 = 50, memory (8−3)×100/8 = 62 ⇒ (50+62)/2 = 56
  //   MostAllocated:  cpu 2000×100/4000 = 50, memory 3×100/8 = 37 ⇒ (50+37)/2 = 43
  //   BalancedAllocation: 1 − |0.5 − 0.375|/2 = 0.9375 ⇒ 93
  //   RequestedToCapacityRatio (0→0, 100→10): f(50)=50, f(37)=37 ⇒ round(87/2 = 43.5) = 44
  // Without BalancedAllocation in the profile (weight 0), fit is the strategy score alone.
  it.each<[Strategy, number]>([
    ['LeastAllocated', 56],
    ['MostAllocated', 43],
    ['BalancedAllocation', 93],
    ['RequestedToCapacityRatio', 44],
  ])('%s = %i', (strategy, want) => {
    const engine = new Engine({ backend, strategy, balancedWeight: 0 });
    engine.upsertHosts([host('node1').cpu('4000m').memory('8Gi').obj()]);
    engine.bindExisting([pod('existing').req({ cpu: '1000m', memory: '1Gi' }).boundTo('node1').obj()]);
    const explanation = engine.explain(pod('incoming').req({ cpu: '1000m', memory: '2Gi' }).obj());
    expect(explanation.hosts[0].fit).toBe(want);
  });

  // kube-scheduler's default profile (placer's default; balancedWeight 1) scores
  // NodeResourcesBalancedAllocation beside NodeResourcesFit: fit = strategy + 93; the
  // BalancedAllocation strategy is that plugin alone.
  it.each<[Strategy, number]>([
    ['LeastAllocated', 56 + 93],
    ['MostAllocated', 43 + 93],
    ['BalancedAllocation', 93],
    ['RequestedToCapacityRatio', 44 + 93],
  ])("%s with kube-scheduler's default profile = %i", (strategy, want) => {
    const engine = new Engine({ backend, strategy, balancedWeight: 1 });
    engine.upsertHosts([host('node1').cpu('4000m').memory('8Gi').obj()]);
    engine.bindExisting([pod('existing').req({ cpu: '1000m', memory: '1Gi' }).boundTo('node1').obj()]);
    const explanation = engine.explain(pod('incoming').req({ cpu: '1000m', memory: '2Gi' }).obj());
    expect(explanation.hosts[0].fit).toBe(want);
  });
});

describe.each(BACKENDS)("BalancedAllocation in kube-scheduler's default total through the %s engine", (backend) => {
  // Two nodes of 4 cpu / 4Gi; node-a runs 2 cpu / 0 memory, node-b 1 cpu / 1Gi; the pod asks
  // 1 cpu / 1Gi. kube-scheduler 1.26 scores them 625 and 650 and binds node-b.
  //   LeastAllocated: node-a cpu (4−3)×100/4 = 25, memory (4−1)×100/4 = 75 ⇒ 50;
  //                   node-b cpu (4−2)×100/4 = 50, memory (4−2)×100/4 = 50 ⇒ 50
  //   BalancedAllocation: node-a 1 − |3/4 − 1/4|/2 = 0.75 ⇒ 75; node-b 1 − |2/4 − 2/4|/2 ⇒ 100
  //   TaintToleration 100 × 3 = 300 on both (no PreferNoSchedule taints)
  // ⇒ node-a 50 + 75 + 300 = 425, node-b 50 + 100 + 300 = 450. kube's totals are 200 higher on
  // both nodes (plugins that give every node the same score here); the ranking is the same.
  function twoNodes(balancedWeight?: number): Engine {
    const engine = new Engine({ backend, ...(balancedWeight === undefined ? {} : { balancedWeight }) });
    // placer's own default is kube's profile (weight 1); the tests that leave the plugin out say 0.
    engine.upsertHosts([host('node-a').cpu('4').memory('4Gi').obj(), host('node-b').cpu('4').memory('4Gi').obj()]);
    engine.bindExisting([
      pod('running-a').req({ cpu: '2', memory: '0' }).boundTo('node-a').obj(),
      pod('running-b').req({ cpu: '1', memory: '1Gi' }).boundTo('node-b').obj(),
    ]);
    return engine;
  }

  it('scores 425 and 450 and places the pod on node-b, by default', () => {
    const engine = twoNodes();
    const incoming = pod('incoming').req({ cpu: '1', memory: '1Gi' }).obj();
    const scores = Object.fromEntries(engine.explain(incoming).hosts.map((h) => [h.host, h.score]));
    expect(scores).toEqual({ 'node-a': 425, 'node-b': 450 });
    expect(engine.place([incoming]).outcomes[0].hosts).toEqual(['node-b']);
  });

  it('without BalancedAllocation (weight 0) both score 350 and the lower slot wins', () => {
    expect(
      twoNodes(1)
        .explain(pod('incoming').req({ cpu: '1', memory: '1Gi' }).obj())
        .hosts.map((h) => h.score),
    ).toEqual([425, 450]);
    const engine = twoNodes(0);
    const incoming = pod('incoming').req({ cpu: '1', memory: '1Gi' }).obj();
    const scores = Object.fromEntries(engine.explain(incoming).hosts.map((h) => [h.host, h.score]));
    expect(scores).toEqual({ 'node-a': 350, 'node-b': 350 });
    expect(engine.place([incoming]).outcomes[0].hosts).toEqual(['node-a']);
  });

  it('refuses a weight beyond the score budget', () => {
    expect(() => twoNodes(11)).toThrow(/BalancedAllocation weight 11: must be an integer 0\.\.10/);
  });
});
