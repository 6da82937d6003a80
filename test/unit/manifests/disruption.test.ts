// policy/v1 PodDisruptionBudget: what preemption needs (selector, budget, pods being evicted) and
// ValidatePodDisruptionBudgetSpec's errors with their full messages.

import { describe, expect, it } from 'vitest';
import { inputErrorOf, parseObjects, pdb, resolveObjects, type PdbBuilder } from '../../fixtures/k8s.js';

describe('PodDisruptionBudget', () => {
  it('reads selector, budget and disrupted pods', () => {
    const [p] = parseObjects([
      pdb('web')
        .ns('shop')
        .minAvailable(2)
        .selector({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['canary'] }] })
        .disruptedPods('web-5d4b8c-abcde', 'web-5d4b8c-fghij')
        .obj(),
    ]).pdbs!;
    expect(p).toEqual({
      name: 'web',
      namespace: 'shop',
      selector: { matchLabels: new Map([['app', 'web']]), matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['canary'] }] },
      minAvailable: 2,
      disruptedPods: ['web-5d4b8c-abcde', 'web-5d4b8c-fghij'],
      source: { file: 'test.yaml', doc: 0, path: '' },
    });
  });

  it.each<[string, PdbBuilder, { minAvailable?: number | string; maxUnavailable?: number | string }]>([
    ['a percentage', pdb('p').maxUnavailable('25%'), { maxUnavailable: '25%' }],
    ['0%', pdb('p').minAvailable('0%'), { minAvailable: '0%' }],
    ['100%', pdb('p').maxUnavailable('100%'), { maxUnavailable: '100%' }],
    ['zero', pdb('p').maxUnavailable(0), { maxUnavailable: 0 }],
    ['neither (protects nothing)', pdb('p'), {}],
  ])('budget: %s', (_name, b, budget) => {
    const [p] = parseObjects([b.ns('a').obj()]).pdbs!;
    expect({
      ...(p!.minAvailable !== undefined && { minAvailable: p!.minAvailable }),
      ...(p!.maxUnavailable !== undefined && { maxUnavailable: p!.maxUnavailable }),
    }).toEqual(budget);
  });

  it('an absent selector is null; budgets pass through resolution', () => {
    const input = resolveObjects([pdb('p').ns('a').minAvailable(1).obj()]);
    expect(input.pdbs).toEqual([
      { name: 'p', namespace: 'a', selector: null, minAvailable: 1, disruptedPods: [], source: { file: 'test.yaml', doc: 0, path: '' } },
    ]);
  });

  it.each<[string, PdbBuilder, string]>([
    [
      'both minAvailable and maxUnavailable',
      pdb('p').minAvailable(1).maxUnavailable(1),
      'spec: Invalid value: object: minAvailable and maxUnavailable cannot be both set',
    ],
    [
      'a percentage without %',
      pdb('p').minAvailable('50'),
      "spec.minAvailable: Invalid value: 50: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
    ],
    [
      'a fractional percentage',
      pdb('p').maxUnavailable('12.5%'),
      "spec.maxUnavailable: Invalid value: 12.5%: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
    ],
    ['more than 100%', pdb('p').maxUnavailable('110%'), 'spec.maxUnavailable: Invalid value: 110%: must not be greater than 100%'],
    ['a negative number', pdb('p').minAvailable(-1), 'spec.minAvailable: Invalid value: -1: must be greater than or equal to 0'],
    ['a fraction', pdb('p').minAvailable(1.5), "spec.minAvailable: Invalid value: 1.5: must be an integer or percentage (e.g '5%')"],
    [
      'a bad selector',
      pdb('p')
        .minAvailable(1)
        .selector({ matchExpressions: [{ key: 'app', operator: 'Exists', values: ['web'] }] }),
      "spec.selector.matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
    ],
    [
      'an unknown unhealthyPodEvictionPolicy',
      pdb('p')
        .minAvailable(1)
        .patch({ spec: { unhealthyPodEvictionPolicy: 'Never' } }),
      'spec.unhealthyPodEvictionPolicy: Unsupported value: "Never": supported values: "AlwaysAllow", "IfHealthyBudget"',
    ],
  ])('rejects %s', (_name, b, tail) => {
    expect(inputErrorOf(() => parseObjects([b.ns('a').obj()]))).toBe(`test.yaml: document 1 (PodDisruptionBudget a/p): ${tail}`);
  });

  it('does not serve policy/v1beta1', () => {
    expect(inputErrorOf(() => parseObjects([pdb('p', 'v1beta1').ns('a').minAvailable(1).obj()]))).toBe(
      'test.yaml: document 1 (PodDisruptionBudget): apiVersion: no matches for kind "PodDisruptionBudget" in version "policy/v1beta1" (served: policy/v1)',
    );
  });

  it('rejects a second budget with the same name in one namespace', () => {
    expect(inputErrorOf(() => parseObjects([pdb('p').ns('a').obj(), pdb('p').ns('b').obj(), pdb('p').ns('a').obj()]))).toBe(
      'test.yaml: document 3 (PodDisruptionBudget a/p): duplicate object: PodDisruptionBudget a/p is already defined in test.yaml: document 1',
    );
  });
});
