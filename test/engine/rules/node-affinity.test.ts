// rules/node-affinity.ts (NodeAffinity's terms) and model/selectors.ts (the requirement and label
// selector semantics under it). Twin: core-wasm/assembly/constraints.ts (reqMatches, termMatches,
// affinityOk, preferredWeight).
//
// Kubernetes' answers:
//   termHolds, nodeAffinityHolds  staging/src/k8s.io/component-helpers/scheduling/corev1/nodeaffinity/
//                                 nodeaffinity.go: NewNodeSelector/nodeSelectorTerms.Match (terms ORed,
//                                 an empty term skipped: it matches nothing) and
//                                 RequiredNodeAffinity.Match (pod.spec.nodeSelector AND the terms)
//   preferredWeight               nodeaffinity.go NewPreferredSchedulingTerms/Score (empty terms skipped)
//   setRequirementHolds,          staging/src/k8s.io/apimachinery/pkg/labels/selector.go Requirement.Matches
//   numericRequirementHolds,      (Gt/Lt: both sides strconv.ParseInt(s, 10, 64), a parse failure is no
//   requirementMatches            match, an absent key is no match)
//   parseInt64                    Go's strconv.ParseInt(s, 10, 64)
//   selectorMatches               staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/helpers.go
//                                 LabelSelectorAsSelector: nil → labels.Nothing(), {} → labels.Everything()

import { describe, expect, it } from 'vitest';
import { andTerms, nodeAffinityHolds, preferredWeight, termHolds } from '../../../core-wasm/src/rules/node-affinity.js';
import {
  isEmptySelector,
  numericRequirementHolds,
  parseInt64,
  requirementMatches,
  selectorMatches,
  setRequirementHolds,
  type SetOperator,
} from '../../../model/selectors.js';
import type { LabelSelector, NodeSelectorRequirement, NodeSelectorTerm } from '../../../model/types.js';
import { labelSelector, labels, requirement as req } from '../../fixtures/rules.js';

const INT64_MAX = (1n << 63n) - 1n; // 9223372036854775807
const INT64_MIN = -(1n << 63n); // -9223372036854775808

/** The host every NodeAffinity row is judged on. */
const node = labels({ 'topology.kubernetes.io/zone': 'a', disk: 'ssd', cpus: '16' });
const holds = (r: NodeSelectorRequirement) => requirementMatches(r, node);
const zoneA = req('topology.kubernetes.io/zone', 'In', 'a'); // holds
const zoneB = req('topology.kubernetes.io/zone', 'In', 'b'); // fails
const ssd = req('disk', 'In', 'ssd'); // holds
const hdd = req('disk', 'In', 'hdd'); // fails

describe('termHolds', () => {
  it.each([
    { what: 'an empty term', reqs: [], want: false }, // matches nothing (nodeaffinity.go skips it)
    { what: 'one requirement that holds', reqs: [zoneA], want: true }, // zone a ∈ {a}
    { what: 'one that fails', reqs: [zoneB], want: false }, // zone a ∉ {b}
    { what: 'all hold', reqs: [zoneA, ssd], want: true }, // requirements are ANDed
    { what: 'one of two fails', reqs: [zoneA, hdd], want: false }, // disk ssd ∉ {hdd}
  ])('$what: $want', ({ reqs, want }) => {
    expect(termHolds(reqs, holds)).toBe(want);
  });
});

describe('nodeAffinityHolds', () => {
  it.each<{ what: string; selector: NodeSelectorRequirement[]; required: NodeSelectorRequirement[][] | null; want: boolean }>([
    { what: 'nothing asked', selector: [], required: null, want: true }, // no nodeSelector, no required affinity
    { what: 'nodeSelector holds', selector: [zoneA, ssd], required: null, want: true }, // zone a and disk ssd
    { what: 'nodeSelector fails', selector: [zoneA, hdd], required: null, want: false }, // every entry must hold
    { what: 'the only term holds', selector: [], required: [[zoneA]], want: true }, // zone a
    { what: 'the only term fails', selector: [], required: [[zoneB]], want: false }, // zone a ∉ {b}
    { what: 'the second term holds', selector: [], required: [[zoneB], [ssd, zoneA]], want: true }, // terms are ORed
    { what: 'no term holds', selector: [], required: [[zoneB], [zoneA, hdd]], want: false }, // zone fails; disk fails
    // an empty term matches nothing, even though no requirement of it fails
    { what: 'only an empty term', selector: [], required: [[]], want: false },
    { what: 'an empty term beside one that holds', selector: [], required: [[], [ssd]], want: true }, // the second term holds
    // nodeSelector AND required affinity
    { what: 'affinity holds, nodeSelector fails', selector: [hdd], required: [[zoneA]], want: false },
    { what: 'nodeSelector holds, affinity fails', selector: [ssd], required: [[zoneB]], want: false }, // zone a ∉ {b}
    { what: 'both hold', selector: [ssd], required: [[zoneA]], want: true }, // disk ssd; zone a
  ])('$what: $want', ({ selector, required, want }) => {
    expect(nodeAffinityHolds(selector, required, holds)).toBe(want);
  });
});

describe('preferredWeight', () => {
  it.each([
    { what: 'no preferred terms', preferred: [], want: 0 }, // an empty sum
    {
      what: 'one of two holds',
      preferred: [
        { weight: 10, reqs: [zoneA] },
        { weight: 5, reqs: [hdd] },
      ],
      want: 10, // 10 (zone a) + 0 (disk is ssd)
    },
    {
      what: 'both hold',
      preferred: [
        { weight: 10, reqs: [zoneA] },
        { weight: 5, reqs: [ssd] },
      ],
      want: 15, // 10 + 5
    },
    // disk ssd ∉ {hdd}: the term scores nothing
    { what: 'a term with one failing requirement', preferred: [{ weight: 40, reqs: [zoneA, hdd] }], want: 0 },
    { what: 'an empty term', preferred: [{ weight: 50, reqs: [] }], want: 0 }, // skipped, like an empty required term
    {
      what: 'the same weight twice',
      preferred: [
        { weight: 100, reqs: [zoneA] },
        { weight: 100, reqs: [ssd] },
      ],
      want: 200, // 100 + 100: the raw sum, normalized later
    },
  ])('$what: $want', ({ preferred, want }) => {
    expect(preferredWeight(preferred, holds)).toBe(want);
  });
});

describe('andTerms', () => {
  const byName: NodeSelectorRequirement = req('metadata.name', 'In', 'esx-01');
  it.each<{ what: string; terms: NodeSelectorTerm[] | null; extra: NodeSelectorRequirement[]; want: NodeSelectorTerm[] }>([
    // no required affinity: one term of just the extra requirements
    { what: 'no terms', terms: null, extra: [zoneA], want: [{ matchExpressions: [zoneA], matchFields: [] }] },
    // every term gets the extra requirements after its own; matchFields stay as they were
    {
      what: 'ANDed into every term',
      terms: [
        { matchExpressions: [ssd], matchFields: [] },
        { matchExpressions: [], matchFields: [byName] },
      ],
      extra: [zoneA, hdd],
      want: [
        { matchExpressions: [ssd, zoneA, hdd], matchFields: [] },
        { matchExpressions: [zoneA, hdd], matchFields: [byName] },
      ],
    },
  ])('$what', ({ terms, extra, want }) => {
    const before = JSON.stringify(terms);
    expect(andTerms(terms, extra)).toEqual(want);
    expect(JSON.stringify(terms)).toBe(before); // the workload's own terms are not modified
  });
});

describe('setRequirementHolds', () => {
  it.each<{ op: SetOperator; value: string | undefined; values: string[]; want: boolean }>([
    { op: 'In', value: 'a', values: ['a', 'b'], want: true }, // a ∈ {a, b}
    { op: 'In', value: 'c', values: ['a', 'b'], want: false }, // c ∉ {a, b}
    { op: 'In', value: undefined, values: ['a', 'b'], want: false }, // an absent key is in no set
    { op: 'In', value: '', values: [''], want: true }, // a present empty value is a value
    { op: 'NotIn', value: 'c', values: ['a', 'b'], want: true }, // c ∉ {a, b}
    { op: 'NotIn', value: 'a', values: ['a', 'b'], want: false }, // a ∈ {a, b}
    { op: 'NotIn', value: undefined, values: ['a', 'b'], want: true }, // an absent key is in none of them
    { op: 'Exists', value: 'a', values: [], want: true }, // present
    { op: 'Exists', value: '', values: [], want: true }, // present, empty
    { op: 'Exists', value: undefined, values: [], want: false }, // absent
    { op: 'DoesNotExist', value: undefined, values: [], want: true }, // absent
    { op: 'DoesNotExist', value: '', values: [], want: false }, // present, empty
  ])('$op $values on $value: $want', ({ op, value, values, want }) => {
    expect(setRequirementHolds(op, value, values)).toBe(want);
  });

  it.each([
    // the engines pass interned ids: the same rule over numbers
    { op: 'In' as const, value: 3, values: [1, 3], want: true },
    { op: 'NotIn' as const, value: 3, values: [1, 3], want: false }, // 3 ∈ {1, 3}
    { op: 'In' as const, value: undefined, values: [1, 3], want: false }, // absent
  ])('over ids: $op $values on $value: $want', ({ op, value, values, want }) => {
    expect(setRequirementHolds<number>(op, value, values)).toBe(want);
  });
});

describe('numericRequirementHolds', () => {
  it.each<{ op: 'Gt' | 'Lt'; n: bigint | null; bound: bigint | null; want: boolean }>([
    { op: 'Gt', n: 5n, bound: 3n, want: true }, // 5 > 3
    { op: 'Gt', n: 3n, bound: 3n, want: false }, // strict
    { op: 'Lt', n: 2n, bound: 3n, want: true }, // 2 < 3
    { op: 'Lt', n: 3n, bound: 3n, want: false }, // strict
    { op: 'Gt', n: -1n, bound: -2n, want: true }, // negatives compare as integers
    { op: 'Lt', n: -3n, bound: -2n, want: true }, // −3 < −2
    { op: 'Gt', n: null, bound: 0n, want: false }, // the label does not parse: no match, whatever the operator
    { op: 'Lt', n: null, bound: 0n, want: false }, // not an int64: no match for Lt either
    { op: 'Gt', n: 1n, bound: null, want: false }, // the bound does not parse
    { op: 'Gt', n: INT64_MAX, bound: INT64_MAX - 1n, want: true }, // 2^63 − 1 > 2^63 − 2, exactly
    { op: 'Lt', n: INT64_MIN, bound: INT64_MIN + 1n, want: true }, // −2^63 < −2^63 + 1
    { op: 'Gt', n: INT64_MIN, bound: INT64_MAX, want: false }, // −2^63 > 2^63 − 1 is false
  ])('$op: $n vs $bound = $want', ({ op, n, bound, want }) => {
    expect(numericRequirementHolds(op, n, bound)).toBe(want);
  });
});

describe('parseInt64', () => {
  it.each([
    { s: '42', want: 42n }, // decimal digits
    { s: '0', want: 0n }, // zero
    { s: '-7', want: -7n }, // a leading '-'
    { s: '+7', want: 7n }, // ParseInt takes a leading '+'
    { s: '-0', want: 0n }, // negative zero is zero
    { s: '007', want: 7n }, // leading zeros are decimal digits, not an octal prefix, in base 10
    // the int64 bounds, ±2^63
    { s: '9223372036854775807', want: INT64_MAX }, // 2^63 − 1
    { s: '9223372036854775808', want: null }, // 2^63: ErrRange
    { s: '-9223372036854775808', want: INT64_MIN }, // −2^63
    { s: '-9223372036854775809', want: null }, // −2^63 − 1: ErrRange
    { s: '99999999999999999999999', want: null }, // far beyond 2^63: ErrRange
    // not base-10 integers: ErrSyntax
    { s: '', want: null },
    { s: '+', want: null }, // a sign without digits
    { s: '-', want: null }, // a sign without digits
    { s: '+-1', want: null }, // one sign at most
    { s: ' 5', want: null }, // no surrounding space
    { s: '5 ', want: null }, // nor after
    { s: '1.5', want: null }, // no fraction
    { s: '1e3', want: null }, // no exponent
    { s: '0x10', want: null }, // a prefix only in base 0
    { s: '1_000', want: null }, // underscores only in base 0
    { s: '12a', want: null }, // trailing garbage
    { s: 'v3', want: null }, // a version label is not a number
    { s: '٣', want: null }, // ARABIC-INDIC DIGIT THREE: ASCII digits only
  ])('"$s" → $want', ({ s, want }) => {
    expect(parseInt64(s)).toBe(want);
  });
});

describe('requirementMatches', () => {
  const host = labels({ zone: 'a', cpus: '16', gen: 'v3', temp: '-5', max: '9223372036854775807', huge: '9223372036854775808' });
  it.each([
    { r: req('zone', 'In', 'a', 'b'), want: true }, // a ∈ {a, b}
    { r: req('zone', 'NotIn', 'a'), want: false }, // a ∈ {a}
    { r: req('rack', 'NotIn', 'r1'), want: true }, // absent key
    { r: req('zone', 'Exists'), want: true }, // present
    { r: req('rack', 'DoesNotExist'), want: true }, // absent
    { r: req('rack', 'In', 'r1'), want: false }, // absent: in no set
    // Gt / Lt: the label parsed as an int64 against the single value
    { r: req('cpus', 'Gt', '8'), want: true }, // 16 > 8
    { r: req('cpus', 'Gt', '16'), want: false }, // 16 > 16 is false
    { r: req('cpus', 'Lt', '32'), want: true }, // 16 < 32
    { r: req('temp', 'Lt', '0'), want: true }, // −5 < 0
    { r: req('temp', 'Gt', '-6'), want: true }, // −5 > −6
    { r: req('gen', 'Gt', '1'), want: false }, // 'v3' is not an int64: no match
    { r: req('gen', 'Lt', '1'), want: false }, // ... for Lt either
    { r: req('rack', 'Gt', '1'), want: false }, // absent key
    { r: req('cpus', 'Gt', 'x'), want: false }, // a bound that does not parse
    { r: req('cpus', 'Gt'), want: false }, // no bound at all
    { r: req('max', 'Gt', '9223372036854775806'), want: true }, // 2^63 − 1 > 2^63 − 2
    { r: req('huge', 'Gt', '0'), want: false }, // 2^63 does not parse as an int64
    { r: req('cpus', 'Lt', '9223372036854775808'), want: false }, // nor does a bound of 2^63
  ])('$r.key $r.operator $r.values: $want', ({ r, want }) => {
    expect(requirementMatches(r, host)).toBe(want);
  });
});

describe('selectorMatches', () => {
  const web = labels({ app: 'web', tier: 'fe' });
  it.each<{ what: string; sel: LabelSelector | null; on: Map<string, string>; want: boolean }>([
    // null matches nothing; the empty selector matches everything
    { what: 'null, labelled', sel: null, on: web, want: false },
    { what: 'null, unlabelled', sel: null, on: labels(), want: false }, // labels.Nothing() matches even less
    { what: '{}, labelled', sel: labelSelector().obj(), on: web, want: true }, // labels.Everything()
    { what: '{}, unlabelled', sel: labelSelector().obj(), on: labels(), want: true }, // labels.Everything(), even without labels
    // matchLabels: each pair an In requirement of one value
    { what: 'matchLabels, equal', sel: labelSelector().match('app', 'web').obj(), on: web, want: true },
    { what: 'matchLabels, other value', sel: labelSelector().match('app', 'db').obj(), on: web, want: false }, // db ≠ web
    { what: 'matchLabels, absent key', sel: labelSelector().match('env', 'prod').obj(), on: web, want: false }, // env is not a label
    { what: "matchLabels '' vs absent", sel: labelSelector().match('env', '').obj(), on: web, want: false }, // absent is not ''
    // present, empty, equal
    { what: "matchLabels '' vs ''", sel: labelSelector().match('env', '').obj(), on: labels({ env: '' }), want: true },
    { what: 'matchLabels, all pairs', sel: labelSelector().match('app', 'web').match('tier', 'be').obj(), on: web, want: false }, // ANDed
    // matchExpressions
    { what: 'In', sel: labelSelector().expr('tier', 'In', 'fe', 'be').obj(), on: web, want: true },
    { what: 'NotIn, absent key', sel: labelSelector().expr('env', 'NotIn', 'prod').obj(), on: web, want: true }, // absent: not prod
    { what: 'Exists, absent key', sel: labelSelector().expr('env', 'Exists').obj(), on: web, want: false }, // absent
    { what: 'DoesNotExist, absent key', sel: labelSelector().expr('env', 'DoesNotExist').obj(), on: web, want: true }, // absent
    // matchLabels AND matchExpressions
    {
      what: 'labels hold, expression fails',
      sel: labelSelector().match('app', 'web').expr('tier', 'In', 'be').obj(),
      on: web,
      want: false,
    },
    // app=web; tier fe ∉ {be}
    { what: 'both hold', sel: labelSelector().match('app', 'web').expr('tier', 'NotIn', 'be').obj(), on: web, want: true },
  ])('$what: $want', ({ sel, on, want }) => {
    expect(selectorMatches(sel, on)).toBe(want);
  });
});

describe('isEmptySelector', () => {
  it.each([
    { what: '{}', sel: labelSelector().obj(), want: true }, // no labels, no expressions
    { what: 'a label', sel: labelSelector().match('app', 'web').obj(), want: false }, // one matchLabels pair
    { what: 'an expression', sel: labelSelector().expr('app', 'Exists').obj(), want: false }, // one matchExpressions entry
  ])('$what: $want', ({ sel, want }) => {
    expect(isEmptySelector(sel)).toBe(want);
  });
});
