// rules/taints.ts: TaintToleration over interned ids. Twin: core-wasm/assembly/constraints.ts
// (tolerated, taintBlocked, preferTaintCount).
//
// Kubernetes' answers:
//   tolerates / tolerated  staging/src/k8s.io/api/core/v1/toleration.go Toleration.ToleratesTaint:
//                          an empty effect matches every effect, an empty key every key, operator
//                          Exists any value, Equal (or empty) the same value
//   blocks                 pkg/scheduler/framework/plugins/tainttoleration/taint_toleration.go Filter:
//                          v1helper.FindMatchingUntoleratedTaint with DoNotScheduleTaintsFilterFunc
//                          (NoSchedule and NoExecute only)
//   repels                 taint_toleration.go Score: countIntolerableTaintsPreferNoSchedule over the
//                          tolerations getAllTolerationPreferNoSchedule keeps (effect '' or PreferNoSchedule)

import { describe, expect, it } from 'vitest';
import { blocks, repels, tolerated, tolerates } from '../../../core-wasm/src/rules/taints.js';
import { taint, toleration } from '../../fixtures/rules.js';

describe('tolerates', () => {
  it.each([
    // key, value and effect all equal
    {
      what: 'Equal, all match',
      tol: toleration('dedicated').equal('db').effect('NoSchedule'),
      taint: 'dedicated=db:NoSchedule',
      want: true,
    },
    // web ≠ db
    {
      what: 'Equal, other value',
      tol: toleration('dedicated').equal('web').effect('NoSchedule'),
      taint: 'dedicated=db:NoSchedule',
      want: false,
    },
    // gpu ≠ dedicated
    { what: 'Equal, other key', tol: toleration('gpu').equal('db').effect('NoSchedule'), taint: 'dedicated=db:NoSchedule', want: false },
    // '' = '': a taint written without value (`kubectl taint nodes n maintenance:NoExecute`)
    { what: "Equal '', taint without value", tol: toleration('maintenance').equal(''), taint: 'maintenance:NoExecute', want: true },
    // '' ≠ yes
    { what: "Equal '', taint with a value", tol: toleration('maintenance').equal(''), taint: 'maintenance=yes:NoExecute', want: false },
    // Exists: any value of the key
    { what: 'Exists, any value', tol: toleration('dedicated').exists().effect('NoSchedule'), taint: 'dedicated=db:NoSchedule', want: true },
    // Exists still needs the key
    { what: 'Exists, other key', tol: toleration('gpu').exists(), taint: 'dedicated=db:NoSchedule', want: false },
    // an empty effect matches NoSchedule ...
    { what: "effect '', NoSchedule", tol: toleration('k').exists().effect(''), taint: 'k=v:NoSchedule', want: true },
    // ... PreferNoSchedule ...
    { what: "effect '', PreferNoSchedule", tol: toleration('k').exists().effect(''), taint: 'k=v:PreferNoSchedule', want: true },
    // ... and NoExecute
    { what: "effect '', NoExecute", tol: toleration('k').exists().effect(''), taint: 'k=v:NoExecute', want: true },
    // a set effect must be the taint's own: NoSchedule does not cover NoExecute ...
    { what: 'NoSchedule vs NoExecute', tol: toleration('k').exists().effect('NoSchedule'), taint: 'k=v:NoExecute', want: false },
    // ... nor NoExecute NoSchedule ...
    { what: 'NoExecute vs NoSchedule', tol: toleration('k').exists().effect('NoExecute'), taint: 'k=v:NoSchedule', want: false },
    // ... nor the soft effect the hard one
    {
      what: 'PreferNoSchedule vs NoSchedule',
      tol: toleration('k').exists().effect('PreferNoSchedule'),
      taint: 'k=v:NoSchedule',
      want: false,
    },
    // the same effect
    { what: 'PreferNoSchedule, same', tol: toleration('k').exists().effect('PreferNoSchedule'), taint: 'k=v:PreferNoSchedule', want: true },
    // an empty key with Exists tolerates every taint ...
    {
      what: "key '' Exists, a node condition",
      tol: toleration('').exists(),
      taint: 'node.kubernetes.io/unreachable:NoExecute',
      want: true,
    },
    // ... whatever its key, value and effect ...
    { what: "key '' Exists, any taint", tol: toleration('').exists(), taint: 'dedicated=db:PreferNoSchedule', want: true },
    // ... of its effect only, when one is set
    { what: "key '' Exists NoSchedule, NoExecute", tol: toleration('').exists().effect('NoSchedule'), taint: 'k=v:NoExecute', want: false },
    // empty key, same effect
    {
      what: "key '' Exists NoSchedule, NoSchedule",
      tol: toleration('').exists().effect('NoSchedule'),
      taint: 'k=v:NoSchedule',
      want: true,
    },
  ])('$what: $want', ({ tol, taint: t, want }) => {
    expect(tolerates(tol.obj(), taint(t))).toBe(want);
  });
});

describe('tolerated', () => {
  it.each([
    { what: 'no tolerations', tols: [], want: false }, // nothing tolerates anything
    { what: 'none matches', tols: [toleration('gpu').exists(), toleration('dedicated').equal('web')], want: false }, // other key; value
    { what: 'the second matches', tols: [toleration('gpu').exists(), toleration('dedicated').equal('db')], want: true }, // any one suffices
    { what: 'a catch-all', tols: [toleration('').exists()], want: true }, // empty key, Exists, every effect
  ])('dedicated=db:NoSchedule, $what: $want', ({ tols, want }) => {
    expect(
      tolerated(
        tols.map((b) => b.obj()),
        taint('dedicated=db:NoSchedule'),
      ),
    ).toBe(want);
  });
});

describe('blocks (Filter)', () => {
  const tolerateDb = [toleration('dedicated').equal('db')]; // effect '': every effect
  it.each([
    { what: 'untolerated NoSchedule', tols: [], taint: 'dedicated=db:NoSchedule', want: true }, // rejects the host
    { what: 'untolerated NoExecute', tols: [], taint: 'dedicated=db:NoExecute', want: true }, // rejects the host too
    { what: 'untolerated PreferNoSchedule', tols: [], taint: 'dedicated=db:PreferNoSchedule', want: false }, // never filters, only scores
    { what: 'tolerated NoSchedule', tols: tolerateDb, taint: 'dedicated=db:NoSchedule', want: false }, // key, value equal
    { what: 'tolerated NoExecute', tols: tolerateDb, taint: 'dedicated=db:NoExecute', want: false }, // key, value equal
    // tolerating NoSchedule leaves NoExecute of the same key untolerated
    {
      what: 'NoExecute, NoSchedule tolerated',
      tols: [toleration('dedicated').exists().effect('NoSchedule')],
      taint: 'dedicated=db:NoExecute',
      want: true,
    },
  ])('$what: $want', ({ tols, taint: t, want }) => {
    expect(
      blocks(
        tols.map((b) => b.obj()),
        taint(t),
      ),
    ).toBe(want);
  });
});

describe('repels (Score)', () => {
  it.each([
    { what: 'untolerated PreferNoSchedule', tols: [], taint: 'spot=true:PreferNoSchedule', want: true }, // counts 1 against the host
    { what: 'tolerated, effect empty', tols: [toleration('spot').exists()], taint: 'spot=true:PreferNoSchedule', want: false }, // effect ''
    // tolerated with its own effect
    {
      what: 'tolerated, effect PreferNoSchedule',
      tols: [toleration('spot').equal('true').effect('PreferNoSchedule')],
      taint: 'spot=true:PreferNoSchedule',
      want: false,
    },
    // a NoSchedule toleration is not among getAllTolerationPreferNoSchedule's: the taint still counts
    {
      what: 'tolerated for NoSchedule only',
      tols: [toleration('spot').exists().effect('NoSchedule')],
      taint: 'spot=true:PreferNoSchedule',
      want: true,
    },
    { what: 'untolerated NoSchedule', tols: [], taint: 'spot=true:NoSchedule', want: false }, // hard taints are the filter's business
    { what: 'untolerated NoExecute', tols: [], taint: 'spot=true:NoExecute', want: false }, // never the score's
  ])('$what: $want', ({ tols, taint: t, want }) => {
    expect(
      repels(
        tols.map((b) => b.obj()),
        taint(t),
      ),
    ).toBe(want);
  });
});
