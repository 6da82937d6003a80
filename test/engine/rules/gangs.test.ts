// rules/gangs.ts: all-or-nothing gangs (a PodGroup's minMember, a guest cluster's VMs). Twin:
// core-wasm/assembly/batch.ts (placeGangs). The minMember rule is the coscheduling plugin's
// (kubernetes-sigs/scheduler-plugins pkg/coscheduling, Permit: a PodGroup's pods bind once minMember
// of them have a node); kube-scheduler itself has no gangs.

import { describe, expect, it } from 'vitest';
import type { Failure } from '../../../core-wasm/src/contract.js';
import { GangIndex, gangFailure, gangHolds } from '../../../core-wasm/src/rules/gangs.js';

describe('gangHolds', () => {
  it.each([
    { placed: 3, minMember: 3, want: true }, // exactly minMember: 3 ≥ 3
    { placed: 2, minMember: 3, want: false }, // one short: 2 < 3, everything is rolled back
    { placed: 5, minMember: 3, want: true }, // more than needed
    { placed: 0, minMember: 1, want: false }, // 0 < 1
    { placed: 0, minMember: 0, want: true }, // minMember 0 asks for nothing (GangIndex's default)
  ])('$placed placed of minMember $minMember: $want', ({ placed, minMember, want }) => {
    expect(gangHolds(placed, minMember)).toBe(want);
  });
});

describe('gangFailure', () => {
  const taintCause: Failure = { kind: 'filter', hosts: 2, counts: [{ bit: 0, taint: 3, count: 2 }] }; // both hosts carry taint 3
  it.each([
    // too few members in the batch to reach minMember: no member failed, so no cause
    { gang: 0, placed: 2, needed: 3, cause: null },
    // the third member found no host: why it failed rides along
    { gang: 4, placed: 2, needed: 5, cause: taintCause },
  ])('gang $gang: $placed of $needed', ({ gang, placed, needed, cause }) => {
    expect(gangFailure(gang, placed, needed, cause)).toEqual({ kind: 'gang', gang, placed, needed, cause });
  });
});

describe('GangIndex', () => {
  it.each([
    {
      what: 'ids in first-seen order',
      // x is new (0), y is new (1), x again (0), z is new (2)
      calls: [['PodGroup a/x'], ['Cluster a/y'], ['PodGroup a/x'], ['TanzuKubernetesCluster b/z']] as [string, number?][],
      ids: [0, 1, 0, 2],
      names: ['PodGroup a/x', 'Cluster a/y', 'TanzuKubernetesCluster b/z'],
      minMembers: [0, 0, 0], // no minMember given: 0
    },
    {
      what: 'minMember from the first sight',
      // x created with 3; the later 5 is ignored; y created with 2
      calls: [
        ['x', 3],
        ['y', 2],
        ['x', 5],
      ] as [string, number?][],
      ids: [0, 1, 0],
      names: ['x', 'y'],
      minMembers: [3, 2],
    },
    {
      what: 'names, not minMember, identify a gang',
      // the same name twice with different minMember is one gang; distinct names with one minMember are two
      calls: [
        ['p', 4],
        ['q', 4],
        ['p', 4],
      ] as [string, number?][],
      ids: [0, 1, 0],
      names: ['p', 'q'],
      minMembers: [4, 4],
    },
    { what: 'empty', calls: [] as [string, number?][], ids: [], names: [], minMembers: [] }, // no gang seen
  ])('$what', ({ calls, ids, names, minMembers }) => {
    const index = new GangIndex();
    expect(calls.map(([name, minMember]) => index.idOf(name, minMember))).toEqual(ids);
    expect(index.names()).toEqual(names);
    expect(index.specs.map((s) => s.minMember)).toEqual(minMembers);
  });
});
