// rules/inter-pod-affinity.ts: InterPodAffinity. Twin: core-wasm/assembly/topology.ts
// (topologyFilter, interPodScores).
//
// Kubernetes' answers, pkg/scheduler/framework/plugins/interpodaffinity/:
//   requiredAffinityHolds  filtering.go satisfyPodAffinity: every term's topology key on the node,
//                          affinityCounts[pair] > 0 for every term — else, when affinityCounts is empty
//                          and podMatchesAllAffinityTerms (the pod matches its own terms), it passes
//   antiAffinityViolated   filtering.go satisfyPodAntiAffinity: some term with antiAffinityCounts[pair] > 0
//                          on a node carrying its key
//   heldTermWeight         scoring.go processExistingPod: an existing pod's required affinity terms
//                          score with args.HardPodAffinityWeight (default 1), preferred ones with theirs
//   interPodNormalized     scoring.go NormalizeScore: int64(MaxNodeScore × float64(s − min) / float64(max − min)),
//                          0 when max = min

import { describe, expect, it } from 'vitest';
import {
  antiAffinityViolated,
  heldTermWeight,
  interPodNormalized,
  requiredAffinityHolds,
} from '../../../core-wasm/src/rules/inter-pod-affinity.js';

/** A term seen from a host: `on(n)` carries the topology label with n matching in its domain; `off` lacks the label. */
const on = (matching: number) => ({ labelled: true, matching });
const off = { labelled: false, matching: 0 };

describe('requiredAffinityHolds', () => {
  it.each([
    // matching workloads in the host's domain of every term
    { what: 'every term has matches here', terms: [on(2), on(1)], nothingAnywhere: false, selfMatch: false, want: true },
    // the second term's domain has 0: every term needs matches
    { what: 'one term has none here', terms: [on(2), on(0)], nothingAnywhere: false, selfMatch: true, want: false },
    // matches exist in other domains only: this one is not eligible, even for a self-matching pod
    { what: 'matches elsewhere only', terms: [on(0)], nothingAnywhere: false, selfMatch: true, want: false },
    // the first pod of a group with affinity to itself: nothing matches anywhere yet
    { what: 'first of a self-matching group', terms: [on(0), on(0)], nothingAnywhere: true, selfMatch: true, want: true },
    // ... but a pod not matching its own terms waits for others forever (Kubernetes does the same)
    { what: 'first, not self-matching', terms: [on(0)], nothingAnywhere: true, selfMatch: false, want: false },
    // all topology labels must exist on the host, whatever else holds
    { what: 'a term without its label', terms: [on(3), off], nothingAnywhere: false, selfMatch: false, want: false },
    // the label check comes before the first-of-a-group rule
    { what: 'first of a group, host unlabelled', terms: [off], nothingAnywhere: true, selfMatch: true, want: false },
    { what: 'no terms', terms: [], nothingAnywhere: true, selfMatch: false, want: true }, // nothing required
  ])('$what: $want', ({ terms, nothingAnywhere, selfMatch, want }) => {
    expect(requiredAffinityHolds(terms, nothingAnywhere, selfMatch)).toBe(want);
  });
});

describe('antiAffinityViolated', () => {
  it.each([
    { what: 'no terms', terms: [], want: false }, // no term, no violation
    { what: 'none matching here', terms: [on(0), on(0)], want: false }, // 0 and 0
    { what: 'one matching here', terms: [on(1)], want: true }, // 1 > 0 in the host's domain
    { what: 'the second term matches', terms: [on(0), on(2)], want: true }, // any term violates
    // a host without the key belongs to no domain of the term: the term cannot reject it
    { what: 'host without the label', terms: [off], want: false },
    { what: 'unlabelled term, labelled match', terms: [off, on(1)], want: true }, // the second term violates
  ])('$what: $want', ({ terms, want }) => {
    expect(antiAffinityViolated(terms)).toBe(want);
  });
});

describe('heldTermWeight', () => {
  it.each([
    { what: 'a required affinity term (marked 0)', weight: 0, want: 1 }, // hardPodAffinityWeight, default 1
    { what: 'a preferred affinity term', weight: 50, want: 50 }, // its own weight
    { what: 'the largest preferred weight', weight: 100, want: 100 }, // its own weight
    { what: 'a preferred anti-affinity term', weight: -30, want: -30 }, // anti-affinity subtracts
  ])('$what: $want', ({ weight, want }) => {
    expect(heldTermWeight({ counter: 0, col: 0, weight })).toBe(want);
  });
});

describe('interPodNormalized', () => {
  it.each([
    // trunc(100 × (raw − min) / (max − min)), in float64 like Go
    { raw: 5, min: 0, max: 10, want: 50 }, // 100 × 5/10
    { raw: 10, min: 0, max: 10, want: 100 }, // 100 × 10/10
    { raw: 0, min: 0, max: 10, want: 0 }, // 100 × 0/10
    { raw: 1, min: 0, max: 3, want: 33 }, // 33.33 → 33
    { raw: 2, min: 0, max: 3, want: 66 }, // 66.67 → 66: truncated, not rounded
    // negative raw scores (anti-affinity): shifted by the minimum
    { raw: -5, min: -10, max: 10, want: 25 }, // 100 × 5/20
    { raw: -10, min: -10, max: 10, want: 0 }, // 100 × 0/20
    // float64 as in Go: 29/100 = 0.29 is a little below, × 100 = 28.999999999999996 → 28
    { raw: 29, min: 0, max: 100, want: 28 },
    // every host scores the same: 0, not a division by zero
    { raw: 4, min: 4, max: 4, want: 0 },
  ])('raw $raw in [$min, $max]: $want', ({ raw, min, max, want }) => {
    expect(interPodNormalized(raw, min, max)).toBe(want);
  });
});
