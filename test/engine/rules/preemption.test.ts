// rules/preemption.ts: DefaultPreemption's rules. Twin: core-wasm/assembly/preempt.ts (resolvable,
// sortByImportance, selectVictims).
//
// Kubernetes' answers:
//   hostGrade           the status code of a node's first failing Filter plugin:
//                       nodeunschedulable, tainttoleration, nodeaffinity → UnschedulableAndUnresolvable;
//                       noderesources/fit.go Filter → Unschedulable, UnschedulableAndUnresolvable when an
//                       InsufficientResource is Unresolvable (request above the node's allocatable);
//                       podtopologyspread/filtering.go → ErrReasonNodeLabelNotMatch unresolvable,
//                       ErrReasonConstraintsNotMatch Unschedulable; interpodaffinity/filtering.go →
//                       ErrReasonAffinityRulesNotMatch unresolvable, the two anti-affinity reasons Unschedulable
//   preemptionMayHelp   pkg/scheduler/framework/preemption/preemption.go nodesWherePreemptionMightHelp
//                       (every node whose status is not UnschedulableAndUnresolvable)
//   evictable           defaultpreemption/default_preemption.go isPreemptionAllowed / SelectVictimsOnNode:
//                       lower priority than the preemptor (gang members are placer's own exception)
//   moreImportant       pkg/scheduler/util/utils.go MoreImportantPod: higher priority, then earlier start
//   pickPreemptionHost  preemption.go pickOneNodeForPreemption: fewest PDB violations, lowest highest
//                       victim priority, smallest Σ(priority + MaxInt32 + 1), fewest victims, latest
//                       GetEarliestPodStartTime (earliest start among the highest-priority victims), first

import { describe, expect, it } from 'vitest';
import {
  type Failure,
  DIM_CPU,
  DIM_MEMORY,
  DIM_PODS,
  insufficientBit,
  R_ABSENT,
  R_AFFINITY,
  R_EXISTING_ANTI_AFFINITY,
  R_POD_AFFINITY,
  R_POD_ANTI_AFFINITY,
  R_SPREAD,
  R_SPREAD_LABEL,
  R_TAINT,
  R_UNRESOLVABLE_FIT,
  R_UNSCHEDULABLE,
} from '../../../core-wasm/src/contract.js';
import {
  evictable,
  failureGrade,
  hostGrade,
  moreImportant,
  pickPreemptionHost,
  preemptionMayHelp,
} from '../../../core-wasm/src/rules/preemption.js';
import { plan, type Victim } from '../../fixtures/rules.js';

const CPU = insufficientBit(DIM_CPU);
const MEMORY = insufficientBit(DIM_MEMORY);
const PODS = insufficientBit(DIM_PODS); // "Too many pods"
const U = 'Unschedulable';
const UU = 'UnschedulableAndUnresolvable';
const MIN_INT32 = -2147483648;

describe('hostGrade', () => {
  it.each([
    // one stage at a time
    { what: 'cordoned', reasons: R_UNSCHEDULABLE, want: UU },
    { what: 'untolerated taint', reasons: R_TAINT, want: UU }, // TaintToleration: evicting pods removes no taint
    { what: 'node affinity', reasons: R_AFFINITY, want: UU }, // NodeAffinity: labels do not change by eviction
    { what: 'insufficient cpu', reasons: CPU, want: U }, // evicting frees cpu
    { what: 'insufficient cpu and memory', reasons: CPU | MEMORY, want: U }, // both within allocatable: evicting may free both
    { what: 'too many pods', reasons: PODS, want: U }, // evicting frees a slot
    { what: 'request above the whole allocatable', reasons: CPU | R_UNRESOLVABLE_FIT, want: UU }, // nothing to evict makes room
    { what: 'spread: missing topology label', reasons: R_SPREAD_LABEL, want: UU }, // ErrReasonNodeLabelNotMatch
    { what: 'spread: skew', reasons: R_SPREAD, want: U }, // ErrReasonConstraintsNotMatch: evicting matching pods lowers the skew
    { what: 'required pod affinity', reasons: R_POD_AFFINITY, want: UU }, // ErrReasonAffinityRulesNotMatch: evicting adds no match
    { what: 'own anti-affinity', reasons: R_POD_ANTI_AFFINITY, want: U }, // ErrReasonAntiAffinityRulesNotMatch: evicting the matches helps
    { what: "a placed workload's anti-affinity", reasons: R_EXISTING_ANTI_AFFINITY, want: U }, // ErrReasonExistingAntiAffinityRulesNotMatch
    // the first failing stage decides, as kube-scheduler stops at the first failing plugin
    { what: 'taint before resources', reasons: R_TAINT | CPU, want: UU },
    { what: 'resources before pod affinity', reasons: CPU | R_POD_AFFINITY, want: U }, // NodeResourcesFit fails first, resolvably
    { what: 'spread before pod affinity', reasons: R_SPREAD | R_POD_AFFINITY, want: U }, // PodTopologySpread fails first, resolvably
    { what: 'missing label before skew', reasons: R_SPREAD_LABEL | R_SPREAD, want: UU }, // the label check comes first
    // satisfyPodAffinity comes first
    { what: 'pod affinity before anti-affinity', reasons: R_POD_AFFINITY | R_POD_ANTI_AFFINITY, want: UU },
    // R_ABSENT is masked: the grade is that of the other reasons
    { what: 'absent, with a taint', reasons: R_ABSENT | R_TAINT, want: UU },
    { what: 'absent, with insufficient cpu', reasons: R_ABSENT | CPU, want: U }, // graded as the cpu shortage
    { what: 'absent alone', reasons: R_ABSENT, want: U }, // no failing stage left
    { what: 'no reason', reasons: 0, want: U }, // a feasible host: no failing stage
  ])('$what: $want', ({ reasons, want }) => {
    expect(hostGrade(reasons)).toBe(want);
  });
});

describe('failureGrade', () => {
  it.each<{ what: string; f: Failure; want: string }>([
    // FitError: some node may be resolved by preemption
    { what: 'filter', f: { kind: 'filter', hosts: 3, counts: [] }, want: U },
    // admission refusals are decided before any host: no eviction changes them
    { what: 'quota', f: { kind: 'quota', quota: 0, entries: [] }, want: UU },
    { what: 'reservation', f: { kind: 'reservation', dims: [] }, want: UU }, // F − Σ others holds whatever one host evicts
    { what: 'gang', f: { kind: 'gang', gang: 0, placed: 1, needed: 3, cause: null }, want: UU }, // a gang never preempts
  ])('$what: $want', ({ f, want }) => {
    expect(failureGrade(f)).toBe(want);
  });
});

describe('preemptionMayHelp', () => {
  it.each([
    { what: 'a feasible host', reasons: 0, want: false }, // nothing to resolve
    { what: 'insufficient cpu', reasons: CPU, want: true }, // evicting frees cpu
    { what: 'too many pods', reasons: PODS, want: true }, // evicting frees a slot
    { what: 'spread skew', reasons: R_SPREAD, want: true }, // evicting matching workloads lowers the skew
    { what: 'own anti-affinity', reasons: R_POD_ANTI_AFFINITY, want: true }, // evicting the matching workloads helps
    { what: "a placed workload's anti-affinity", reasons: R_EXISTING_ANTI_AFFINITY, want: true }, // evicting the holder helps
    { what: 'request above allocatable', reasons: CPU | R_UNRESOLVABLE_FIT, want: false }, // more than the empty host holds
    { what: 'a taint', reasons: R_TAINT, want: false }, // unresolvable
    { what: 'a taint and insufficient cpu', reasons: R_TAINT | CPU, want: false }, // the taint is the first failure
    { what: 'cordoned', reasons: R_UNSCHEDULABLE, want: false }, // unresolvable
    { what: 'node affinity', reasons: R_AFFINITY, want: false }, // unresolvable
    { what: 'missing topology label', reasons: R_SPREAD_LABEL, want: false }, // unresolvable
    { what: 'required pod affinity', reasons: R_POD_AFFINITY, want: false }, // unresolvable: evicting adds no match
    { what: 'an empty slot', reasons: R_ABSENT, want: false }, // no host
    { what: 'an empty slot with cpu short', reasons: R_ABSENT | CPU, want: false }, // no host there to evict from
  ])('$what: $want', ({ reasons, want }) => {
    expect(preemptionMayHelp(reasons)).toBe(want);
  });
});

describe('evictable', () => {
  it.each([
    { victim: 0, preemptor: 100, gangMember: false, want: true }, // 0 < 100
    { victim: 100, preemptor: 100, gangMember: false, want: false }, // equal priority is never evicted
    { victim: 200, preemptor: 100, gangMember: false, want: false }, // higher priority
    { victim: -10, preemptor: 0, gangMember: false, want: true }, // −10 < 0
    { victim: MIN_INT32, preemptor: MIN_INT32 + 1, gangMember: false, want: true }, // −2^31 < −2^31 + 1
    { victim: 0, preemptor: 100, gangMember: true, want: false }, // gang members keep their all-or-nothing placement
  ])('priority $victim by $preemptor (gang $gangMember): $want', ({ victim, preemptor, gangMember, want }) => {
    expect(evictable(victim, preemptor, gangMember)).toBe(want);
  });
});

describe('moreImportant', () => {
  it.each([
    // a comparator: negative when a comes first (more important)
    { a: { priority: 10, stamp: 9 }, b: { priority: 5, stamp: 1 }, want: -1 }, // higher priority first, whatever the start
    { a: { priority: 5, stamp: 1 }, b: { priority: 10, stamp: 9 }, want: 1 }, // lower priority after
    { a: { priority: 5, stamp: 1 }, b: { priority: 5, stamp: 2 }, want: -1 }, // same priority: earlier start first
    { a: { priority: 5, stamp: 3 }, b: { priority: 5, stamp: 2 }, want: 1 }, // later start after
    { a: { priority: 5, stamp: 2 }, b: { priority: 5, stamp: 2 }, want: 0 }, // equally important
    { a: { priority: -1, stamp: 0 }, b: { priority: MIN_INT32, stamp: 0 }, want: -1 }, // −1 > −2^31
  ])('$a vs $b: $want', ({ a, b, want }) => {
    expect(Math.sign(moreImportant(a, b))).toBe(want);
  });

  it('sorts victims most important first', () => {
    const victims = [
      { priority: 1, stamp: 4 },
      { priority: 5, stamp: 7 },
      { priority: 1, stamp: 2 },
      { priority: 5, stamp: 3 },
    ];
    expect(victims.sort(moreImportant)).toEqual([
      { priority: 5, stamp: 3 },
      { priority: 5, stamp: 7 },
      { priority: 1, stamp: 2 },
      { priority: 1, stamp: 4 },
    ]);
  });
});

describe('pickPreemptionHost', () => {
  // Each row is decided by one tie-breaker: the earlier ones tie, and dropping the deciding one
  // would pick another host. Victims are listed most important first (priority, start stamp).
  const priorityOf = (u: Victim) => u.priority;
  it.each([
    {
      what: '1. fewest PDB violations',
      // violations 1 vs 0; host 0 would win every later tie-breaker (its victim has priority 0 < 100)
      plans: [plan(0).violations(1).victim(0, 1), plan(1).violations(0).victim(100, 1)],
      want: 1,
    },
    {
      what: '2. lowest priority of the most important victim',
      // highest victim 10 vs 5; host 1 evicts three, host 0 one (Σ and count would favour host 0)
      plans: [plan(0).victim(10, 1), plan(1).victim(5, 1).victim(5, 2).victim(5, 3)],
      want: 1,
    },
    {
      what: '3. smallest sum of priorities',
      // Σ: 5 + 4 = 9 vs 5 + 1 = 6 (each + 2^31, two victims each); counts tie, starts would favour host 0
      plans: [plan(0).victim(5, 9).victim(4, 1), plan(1).victim(5, 2).victim(1, 8)],
      want: 1,
    },
    {
      what: '3. the sum shifts each priority by MaxInt32 + 1',
      // (−5 + 2^31) × 2 = 2^32 − 10 vs −5 + 2^31: one negative victim beats two; unshifted, −10 < −5 would pick host 0
      plans: [plan(0).victim(-5, 1).victim(-5, 2), plan(1).victim(-5, 1)],
      want: 1,
    },
    {
      what: '3. the sum before the count',
      // host 0: (0 + 2^31) + 2 × (−2^31 + 2^31) = 2^31 with three victims; host 1: 2 × 2^31 with two
      plans: [plan(0).victim(0, 5).victim(MIN_INT32, 6).victim(MIN_INT32, 7), plan(1).victim(0, 8).victim(0, 9)],
      want: 0,
    },
    {
      what: '4. fewest victims',
      // Σ ties at 2 × 2^31 (0, 0, −2^31 vs 0, 0); three victims vs two; starts would favour host 0 (5 > 1)
      plans: [plan(0).victim(0, 5).victim(0, 6).victim(MIN_INT32, 7), plan(1).victim(0, 1).victim(0, 2)],
      want: 1,
    },
    {
      what: '5. latest start among the highest-priority victims',
      // earliest start of the priority-5 victims: stamp 2 vs 4; host 1's older priority-1 victim does not count
      plans: [plan(0).victim(5, 2).victim(1, 9), plan(1).victim(5, 4).victim(1, 0)],
      want: 1,
    },
    {
      what: '5. the earliest of several top victims',
      // top victims started at 2 and 9 vs 3 and 7: earliest 2 vs 3 (the latest, 9 vs 7, would pick host 0)
      plans: [plan(0).victim(5, 2).victim(5, 9), plan(1).victim(5, 3).victim(5, 7)],
      want: 1,
    },
    {
      what: '6. the first host',
      // everything ties: the lowest slot, whatever the order the plans come in
      plans: [plan(2).victim(1, 1), plan(1).victim(1, 1)],
      want: 1,
    },
    { what: 'a single candidate', plans: [plan(7).violations(3).victim(1000, 1)], want: 7 }, // nothing to break ties with
  ])('$what: host $want', ({ plans, want }) => {
    expect(
      pickPreemptionHost(
        plans.map((p) => p.obj()),
        priorityOf,
      ).slot,
    ).toBe(want);
  });
});
