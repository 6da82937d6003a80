// rules/filter-stages.ts: a host's first failing filter stage, and FitError's histogram. Twin:
// core-wasm/assembly/batch.ts (the failure histogram).
//
// Kubernetes' answers:
//   firstStage       pkg/scheduler/framework/runtime/framework.go RunFilterPlugins stops at a node's
//                    first failing plugin, in the default profile's order (pkg/scheduler/apis/config/v1
//                    default_plugins.go): NodeUnschedulable, TaintToleration, NodeAffinity,
//                    NodeResourcesFit, PodTopologySpread, InterPodAffinity; within InterPodAffinity,
//                    interpodaffinity/filtering.go Filter checks affinity, anti-affinity, then existing
//                    anti-affinity; within PodTopologySpread, the missing label before the skew
//   filterHistogram  pkg/scheduler/framework/types.go FitError.Error: "0/N nodes are available: …", each
//                    node counted under the reasons of its status; NodeResourcesFit (noderesources/fit.go)
//                    gives one reason per insufficient resource; TaintToleration names the first
//                    untolerated taint (v1helper.FindMatchingUntoleratedTaint)

import { describe, expect, it } from 'vitest';
import {
  DIM_CPU,
  DIM_MEMORY,
  DIM_PODS,
  insufficientBit,
  MAX_DIMS,
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
import { filterHistogram, firstStage, TOPOLOGY_REASONS } from '../../../core-wasm/src/rules/filter-stages.js';
import { verdict } from '../../fixtures/rules.js';

const CPU = insufficientBit(DIM_CPU);
const MEMORY = insufficientBit(DIM_MEMORY);
const PODS = insufficientBit(DIM_PODS);
const LAST_DIM = insufficientBit(MAX_DIMS - 1); // the last extended resource

describe('TOPOLOGY_REASONS', () => {
  it("is PodTopologySpread's then InterPodAffinity's reasons, in the order they are checked", () => {
    expect(TOPOLOGY_REASONS).toEqual([R_SPREAD_LABEL, R_SPREAD, R_POD_AFFINITY, R_POD_ANTI_AFFINITY, R_EXISTING_ANTI_AFFINITY]);
  });
});

describe('firstStage', () => {
  it.each([
    { what: 'feasible', reasons: 0, stage: 'none', bit: 0 }, // no bit: no stage
    // an empty slot is absent whatever else is recorded
    { what: 'absent', reasons: R_ABSENT, stage: 'absent', bit: R_ABSENT },
    // R_ABSENT first: the taint of a removed host is moot
    { what: 'absent over a taint', reasons: R_ABSENT | R_TAINT, stage: 'absent', bit: R_ABSENT },
    // NodeUnschedulable, TaintToleration, NodeAffinity, NodeResourcesFit: each before the next
    { what: 'cordon before taint', reasons: R_UNSCHEDULABLE | R_TAINT, stage: 'unschedulable', bit: R_UNSCHEDULABLE },
    // TaintToleration runs before NodeAffinity and NodeResourcesFit
    { what: 'taint before node affinity', reasons: R_TAINT | R_AFFINITY | CPU, stage: 'taint', bit: R_TAINT },
    // NodeAffinity runs before NodeResourcesFit
    { what: 'node affinity before resources', reasons: R_AFFINITY | CPU, stage: 'affinity', bit: R_AFFINITY },
    // resources: every insufficient dimension at once, without the unresolvable marker
    { what: 'resources', reasons: CPU, stage: 'resources', bit: CPU },
    // NodeResourcesFit reports them all
    { what: 'several resources', reasons: CPU | MEMORY | PODS, stage: 'resources', bit: CPU | MEMORY | PODS },
    // R_UNRESOLVABLE_FIT grades the stage, it is no resource
    { what: 'resources, unresolvable', reasons: MEMORY | R_UNRESOLVABLE_FIT, stage: 'resources', bit: MEMORY },
    { what: 'an extended resource', reasons: LAST_DIM, stage: 'resources', bit: LAST_DIM }, // dimension 15, the last bit of the mask
    // NodeResourcesFit runs before PodTopologySpread
    { what: 'resources before topology', reasons: CPU | R_SPREAD, stage: 'resources', bit: CPU },
    // topology: the first reason bit in TOPOLOGY_REASONS order
    { what: 'missing label before skew', reasons: R_SPREAD | R_SPREAD_LABEL, stage: 'topology', bit: R_SPREAD_LABEL },
    // PodTopologySpread runs before InterPodAffinity
    { what: 'spread before pod affinity', reasons: R_SPREAD | R_POD_AFFINITY, stage: 'topology', bit: R_SPREAD },
    // satisfyPodAffinity is checked first
    { what: 'affinity before anti-affinity', reasons: R_POD_ANTI_AFFINITY | R_POD_AFFINITY, stage: 'topology', bit: R_POD_AFFINITY },
    {
      what: 'own anti-affinity before existing', // satisfyPodAntiAffinity before satisfyExistingPodsAntiAffinity
      reasons: R_EXISTING_ANTI_AFFINITY | R_POD_ANTI_AFFINITY,
      stage: 'topology',
      bit: R_POD_ANTI_AFFINITY,
    },
    // the last check of all
    { what: 'existing anti-affinity', reasons: R_EXISTING_ANTI_AFFINITY, stage: 'topology', bit: R_EXISTING_ANTI_AFFINITY },
  ])('$what: $stage', ({ reasons, stage, bit }) => {
    expect(firstStage(reasons)).toEqual({ stage, bit });
  });
});

describe('filterHistogram', () => {
  /** The first untolerated taint of each slot (only asked for taint-stage hosts). */
  const TAINTS = [5, 5, 7, 3, 2];
  it.each([
    // a feasible host is a host, with no reason
    { what: 'feasible hosts', reasons: [0, 0], hosts: 2, counts: [], asked: [] },
    // 0/2 hosts: 1 Insufficient cpu
    { what: 'one feasible, one short of cpu', reasons: [0, CPU], hosts: 2, counts: [{ bit: CPU, taint: 0, count: 1 }], asked: [] },
    // empty slots are not hosts: 0/1, not 0/3
    {
      what: 'absent slots',
      reasons: [R_ABSENT, R_ABSENT | R_TAINT, CPU],
      hosts: 1,
      counts: [{ bit: CPU, taint: 0, count: 1 }],
      asked: [],
    },
    // taint stage: one line per first untolerated taint (slots 0 and 1 carry taint 5, slot 2 taint 7)
    {
      what: 'taints by their first untolerated taint',
      reasons: [R_TAINT, R_TAINT, R_TAINT | CPU],
      hosts: 3,
      counts: [
        { bit: 0, taint: 5, count: 2 },
        { bit: 0, taint: 7, count: 1 },
      ],
      asked: [0, 1, 2],
    },
    // resources: every insufficient dimension of a host counts (cpu on 2 hosts, memory on 2); the
    // unresolvable marker is not a line
    {
      what: 'every insufficient resource',
      reasons: [CPU | MEMORY, CPU, MEMORY | R_UNRESOLVABLE_FIT],
      hosts: 3,
      counts: [
        { bit: CPU, taint: 0, count: 2 },
        { bit: MEMORY, taint: 0, count: 2 },
      ],
      asked: [],
    },
    // only the first stage counts: slot 0's taint and the cpu of slots 1 and 3 are not lines
    {
      what: 'the first stage only',
      reasons: [R_UNSCHEDULABLE | R_TAINT, R_AFFINITY | CPU, R_SPREAD | R_POD_AFFINITY, R_TAINT | CPU],
      hosts: 4,
      counts: [
        { bit: 0, taint: 3, count: 1 },
        { bit: R_UNSCHEDULABLE, taint: 0, count: 1 },
        { bit: R_AFFINITY, taint: 0, count: 1 },
        { bit: R_SPREAD, taint: 0, count: 1 },
      ],
      asked: [3],
    },
    // topology: its first reason bit (R_SPREAD twice: slot 0 also fails pod affinity)
    {
      what: 'topology by its first reason',
      reasons: [R_SPREAD | R_POD_AFFINITY, R_POD_ANTI_AFFINITY | R_EXISTING_ANTI_AFFINITY, R_SPREAD],
      hosts: 3,
      counts: [
        { bit: R_SPREAD, taint: 0, count: 2 },
        { bit: R_POD_ANTI_AFFINITY, taint: 0, count: 1 },
      ],
      asked: [],
    },
    // lines sorted by bit (taints, bit 0, first), then taint id
    {
      what: 'sorted by bit, then taint',
      reasons: [R_EXISTING_ANTI_AFFINITY, PODS, R_UNSCHEDULABLE, R_TAINT, R_TAINT],
      hosts: 5,
      counts: [
        { bit: 0, taint: 2, count: 1 },
        { bit: 0, taint: 3, count: 1 },
        { bit: R_UNSCHEDULABLE, taint: 0, count: 1 },
        { bit: PODS, taint: 0, count: 1 },
        { bit: R_EXISTING_ANTI_AFFINITY, taint: 0, count: 1 },
      ],
      asked: [3, 4],
    },
    { what: 'no slots', reasons: [], hosts: 0, counts: [], asked: [] }, // 0/0
  ])('$what', ({ reasons, hosts, counts, asked }) => {
    const slots: number[] = [];
    const firstTaint = (slot: number) => {
      slots.push(slot);
      return TAINTS[slot];
    };
    expect(filterHistogram(reasons.map(verdict), firstTaint)).toEqual({ kind: 'filter', hosts, counts });
    expect(slots).toEqual(asked);
  });
});
