// rules/disruption.ts: PodDisruptionBudgets (policy/v1). paceWaves is test/engine/pacing.test.ts's;
// this file covers the rest. Used by the engine front and by the reference engine's preemption
// (its twin: core-wasm/assembly/preempt.ts counts the same disruptionsAllowed).
//
// Kubernetes' answers:
//   pdbSelects          pkg/registry/core/pod/storage/eviction.go getPodDisruptionBudgets and
//                       pkg/scheduler/framework/preemption filterPodsWithPDBViolation: "a PDB with a nil
//                       or empty selector matches nothing"; otherwise LabelSelectorAsSelector().Matches
//   desiredHealthy      pkg/controller/disruption/disruption.go getExpectedPodCount: an integer
//                       minAvailable as is; a percentage, or maxUnavailable, scaled by
//                       staging/src/k8s.io/apimachinery/pkg/util/intstr/intstr.go
//                       GetScaledValueFromIntOrPercent(…, roundUp=true) = ceil(v × total / 100);
//                       expected − maxUnavailable floored at 0; neither set: 0 (policy/v1 has no default)
//   allowedBy,          disruption.go updatePdbStatus: disruptionsAllowed = currentHealthy − desiredHealthy,
//   disruptionsAllowed  0 when that is ≤ 0; status.disruptionsAllowed is what the eviction API reads
//   pdbCovers           eviction.go: same namespace, selected; VirtualMachines are placer's (not pods)

import { describe, expect, it } from 'vitest';
import {
  allowedBy,
  allowedDisruptions,
  desiredHealthy,
  disruptionsAllowed,
  pdbCovers,
  pdbSelects,
} from '../../../core-wasm/src/rules/disruption.js';
import type { WorkloadTemplate } from '../../../model/types.js';
import { pod, vm } from '../../fixtures/model.js';
import { labels, labelSelector, pdb } from '../../fixtures/rules.js';

describe('pdbSelects', () => {
  const web = labels({ app: 'web', tier: 'fe' });
  it.each([
    { what: 'a null selector', budget: pdb('b').selector(null), on: web, want: false }, // nothing
    { what: 'an empty selector', budget: pdb('b').selector(labelSelector().obj()), on: web, want: false }, // nothing, not everything
    { what: 'matchLabels, equal', budget: pdb('b').matching({ app: 'web' }), on: web, want: true }, // app=web on app=web
    { what: 'matchLabels, other value', budget: pdb('b').matching({ app: 'db' }), on: web, want: false }, // db ≠ web
    // env is not a label of the pod
    { what: 'matchLabels, absent key', budget: pdb('b').matching({ app: 'web', env: 'prod' }), on: web, want: false },
    // fe ∈ {fe, be}
    { what: 'an In expression', budget: pdb('b').selector(labelSelector().expr('tier', 'In', 'fe', 'be').obj()), on: web, want: true },
    {
      what: 'labels and a NotIn on an absent key',
      budget: pdb('b').selector(labelSelector().match('app', 'web').expr('env', 'NotIn', 'prod').obj()),
      on: web,
      want: true, // app=web holds; env is absent, so not prod
    },
  ])('$what: $want', ({ budget, on, want }) => {
    expect(pdbSelects(budget.obj(), on)).toBe(want);
  });
});

describe('desiredHealthy', () => {
  it.each([
    // minAvailable, an integer: as is
    { what: 'minAvailable 3 of 10', budget: pdb('b').minAvailable(3), expected: 10, want: 3 },
    { what: 'minAvailable 12 of 10', budget: pdb('b').minAvailable(12), expected: 10, want: 12 }, // more than exist
    // minAvailable, a percentage: ceil(p × expected / 100)
    { what: 'minAvailable 50% of 6', budget: pdb('b').minAvailable('50%'), expected: 6, want: 3 }, // 300/100 = 3
    { what: 'minAvailable 50% of 5', budget: pdb('b').minAvailable('50%'), expected: 5, want: 3 }, // 2.5 → 3, rounded up
    { what: 'minAvailable 33% of 3', budget: pdb('b').minAvailable('33%'), expected: 3, want: 1 }, // 0.99 → 1
    { what: 'minAvailable 29% of 7', budget: pdb('b').minAvailable('29%'), expected: 7, want: 3 }, // 2.03 → 3
    // (7 × 100) / 100 = 7 exactly, as Go multiplies first; 7/100 × 100 would be 7.000000000000001 → 8
    { what: 'minAvailable 7% of 100', budget: pdb('b').minAvailable('7%'), expected: 100, want: 7 },
    { what: 'minAvailable 0% of 7', budget: pdb('b').minAvailable('0%'), expected: 7, want: 0 }, // ceil(0 × 7 / 100) = 0
    { what: 'minAvailable 100% of 7', budget: pdb('b').minAvailable('100%'), expected: 7, want: 7 }, // ceil(100 × 7 / 100) = 7
    { what: 'minAvailable 50% of 0', budget: pdb('b').minAvailable('50%'), expected: 0, want: 0 }, // ceil(50 × 0 / 100) = 0
    // maxUnavailable: expected − scaled, at least 0
    { what: 'maxUnavailable 2 of 6', budget: pdb('b').maxUnavailable(2), expected: 6, want: 4 }, // 6 − 2
    { what: 'maxUnavailable 0 of 5', budget: pdb('b').maxUnavailable(0), expected: 5, want: 5 }, // no disruption at all
    { what: 'maxUnavailable 10 of 3', budget: pdb('b').maxUnavailable(10), expected: 3, want: 0 }, // max(0, 3 − 10)
    { what: 'maxUnavailable 25% of 10', budget: pdb('b').maxUnavailable('25%'), expected: 10, want: 7 }, // 10 − ceil(2.5) = 10 − 3
    { what: 'maxUnavailable 50% of 5', budget: pdb('b').maxUnavailable('50%'), expected: 5, want: 2 }, // 5 − ceil(2.5) = 5 − 3
    { what: 'maxUnavailable 100% of 4', budget: pdb('b').maxUnavailable('100%'), expected: 4, want: 0 }, // 4 − 4
    // neither: policy/v1 does not default minAvailable (v1beta1 did, to 1)
    { what: 'neither set', budget: pdb('b'), expected: 5, want: 0 },
  ])('$what: $want', ({ budget, expected, want }) => {
    expect(desiredHealthy(budget.obj(), expected)).toBe(want);
  });
});

describe('allowedBy', () => {
  it.each([
    { healthy: 5, desired: 3, want: 2 }, // 5 − 3
    { healthy: 3, desired: 3, want: 0 }, // exactly at the budget: no disruption left
    { healthy: 2, desired: 3, want: 0 }, // below it: max(0, −1)
    { healthy: 0, desired: 0, want: 0 }, // nothing covered, nothing to disrupt
  ])('max(0, $healthy − $desired) = $want', ({ healthy, desired, want }) => {
    expect(allowedBy(healthy, desired)).toBe(want);
  });
});

describe('disruptionsAllowed', () => {
  it.each([
    // the disruption controller's count wins when the object carries it
    { what: 'status 2', budget: pdb('b').minAvailable(1).status(2), healthy: 10, want: 2 },
    { what: 'status 0', budget: pdb('b').minAvailable(1).status(0), healthy: 10, want: 0 }, // 0 though 10 − 1 = 9 by the count
    // otherwise healthy − desiredHealthy(healthy), the healthy ones standing in for the expected
    { what: 'minAvailable 2, 5 healthy', budget: pdb('b').minAvailable(2), healthy: 5, want: 3 }, // 5 − 2
    { what: 'minAvailable 5, 3 healthy', budget: pdb('b').minAvailable(5), healthy: 3, want: 0 }, // max(0, 3 − 5)
    { what: 'maxUnavailable 1, 5 healthy', budget: pdb('b').maxUnavailable(1), healthy: 5, want: 1 }, // 5 − (5 − 1)
    { what: 'maxUnavailable 50%, 3 healthy', budget: pdb('b').maxUnavailable('50%'), healthy: 3, want: 2 }, // 3 − (3 − ceil(1.5))
    { what: 'minAvailable 50%, 3 healthy', budget: pdb('b').minAvailable('50%'), healthy: 3, want: 1 }, // 3 − ceil(1.5)
    { what: 'neither, 4 healthy', budget: pdb('b'), healthy: 4, want: 4 }, // 4 − 0
    { what: 'nothing healthy', budget: pdb('b').maxUnavailable(3), healthy: 0, want: 0 }, // max(0, 0 − max(0, 0 − 3)) = 0
  ])('$what: $want', ({ budget, healthy, want }) => {
    expect(disruptionsAllowed(budget.obj(), healthy)).toBe(want);
  });
});

describe('pdbCovers', () => {
  const web = pod('web').label('app', 'web').obj(); // namespace default
  it.each<{ what: string; t: WorkloadTemplate; want: boolean }>([
    { what: 'a selected pod of its namespace', t: web, want: true }, // default, app=web
    // a budget covers its own namespace only
    { what: 'a selected pod of another namespace', t: pod('web').ns('other').label('app', 'web').obj(), want: false },
    { what: 'a pod not selected', t: pod('db').label('app', 'db').obj(), want: false }, // db ≠ web
    { what: 'a selected VM', t: vm('web').label('app', 'web').obj(), want: false }, // migrates live: never paced
  ])('$what: $want', ({ t, want }) => {
    expect(pdbCovers(pdb('web').matching({ app: 'web' }).obj(), t)).toBe(want);
  });

  it('an empty selector covers no pod', () => {
    expect(pdbCovers(pdb('all').selector(labelSelector().obj()).obj(), web)).toBe(false);
  });
});

describe('allowedDisruptions', () => {
  const web = pod('web').label('app', 'web').replicas(4).obj(); // web-0 … web-3
  const all = [0, 1, 2, 3].map((j) => ({ t: web, j }));
  const webVM = vm('web-vm').label('app', 'web').obj();
  const elsewhere = pod('web').ns('other').label('app', 'web').obj();
  it.each([
    // 4 healthy − 2
    { what: 'minAvailable 2 over 4 placed', budgets: [pdb('a').matching({ app: 'web' }).minAvailable(2)], placed: all, want: [2] },
    // web-1 is already being evicted (status.disruptedPods): 3 healthy, 3 − 2 = 1
    {
      what: 'disrupted pods are not healthy',
      budgets: [pdb('a').matching({ app: 'web' }).minAvailable(2).disrupted('web-1')],
      placed: all,
      want: [1],
    },
    // only the placed instances count: web-0 and web-2, 2 − ceil(50% × 2) = 1
    {
      what: 'only what is placed',
      budgets: [pdb('a').matching({ app: 'web' }).minAvailable('50%')],
      placed: [all[0], all[2]],
      want: [1],
    },
    // a VM and a pod of another namespace carry app=web too, and count for nothing: 2 − 1
    {
      what: 'VMs and other namespaces',
      budgets: [pdb('a').matching({ app: 'web' }).minAvailable(1)],
      placed: [all[0], all[1], { t: webVM, j: 0 }, { t: elsewhere, j: 0 }],
      want: [1],
    },
    // the controller's status.disruptionsAllowed wins over the count
    { what: 'status wins', budgets: [pdb('a').matching({ app: 'web' }).minAvailable(1).status(0)], placed: all, want: [0] },
    // per budget, in order: a 4 − (4 − 1) = 1; b selects nothing placed: 0 − 0 = 0; c has a null selector: 0
    {
      what: 'several budgets',
      budgets: [pdb('a').matching({ app: 'web' }).maxUnavailable(1), pdb('b').matching({ app: 'db' }).maxUnavailable(1), pdb('c')],
      placed: all,
      want: [1, 0, 0],
    },
    { what: 'no budgets', budgets: [], placed: all, want: [] }, // nothing to count
  ])('$what: $want', ({ budgets, placed, want }) => {
    expect(
      allowedDisruptions(
        budgets.map((b) => b.obj()),
        placed,
      ),
    ).toEqual(want);
  });
});
