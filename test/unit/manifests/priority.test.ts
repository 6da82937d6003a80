// PriorityClass objects and the references to them (resolve.ts).

import { describe, expect, it } from 'vitest';
import { deployment, inputErrorOf, parseObjects, pod, policy, priorityClass, resolveObjects } from '../../fixtures/k8s.js';

describe('PriorityClass', () => {
  it('reads value, globalDefault and preemptionPolicy (default PreemptLowerPriority)', () => {
    const parsed = parseObjects([
      priorityClass('high', 100_000).obj(),
      priorityClass('batch', -10).globalDefault().preemptionPolicy('Never').obj(),
    ]);
    expect(parsed.priorityClasses.map(({ source: _s, ...p }) => p)).toEqual([
      { name: 'high', value: 100_000, globalDefault: false, preemptionPolicy: 'PreemptLowerPriority' },
      { name: 'batch', value: -10, globalDefault: true, preemptionPolicy: 'Never' },
    ]);
  });

  it('adds the built-in system classes unless the input has them', () => {
    const names = (objs: Record<string, unknown>[]): string[] =>
      resolveObjects(objs).priorityClasses.map((p) => `${p.name}=${p.value}@${p.source.file}`);
    expect(names([priorityClass('high', 1000).obj()])).toEqual([
      'high=1000@test.yaml',
      'system-node-critical=2000001000@<built-in>',
      'system-cluster-critical=2000000000@<built-in>',
    ]);
    // `kubectl get priorityclasses -o json` includes them
    expect(names([priorityClass('system-cluster-critical', 2_000_000_000).obj()])).toEqual([
      'system-cluster-critical=2000000000@test.yaml',
      'system-node-critical=2000001000@<built-in>',
    ]);
  });

  it.each<[string, ReturnType<typeof priorityClass>, string]>([
    [
      'a value above 1e9',
      priorityClass('huge', 1_000_000_001),
      '(PriorityClass huge): value: Forbidden: maximum allowed value of a user defined priority is 1000000000',
    ],
    [
      'a reserved name',
      priorityClass('system-custom', 5),
      "(PriorityClass system-custom): metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-custom is not a known system priority class",
    ],
    ['no value', priorityClass('x', 0).without('value'), '(PriorityClass x): value: Required value'],
    [
      'a value beyond int32',
      priorityClass('x', 2 ** 31),
      '(PriorityClass x): value: Invalid value: 2147483648: must be between -2147483648 and 2147483647, inclusive',
    ],
  ])('rejects %s', (_name, b, tail) => {
    expect(inputErrorOf(() => parseObjects([b.obj()]))).toBe(`test.yaml: document 1 ${tail}`);
  });

  it('allows one globalDefault', () => {
    expect(
      inputErrorOf(() => parseObjects([priorityClass('a', 1).globalDefault().obj(), priorityClass('b', 2).globalDefault().obj()])),
    ).toBe(
      'test.yaml: document 2 (PriorityClass b): globalDefault: Forbidden: PriorityClass a is already marked as default. Only one default can exist',
    );
  });
});

describe('priority class references', () => {
  it('accepts declared and built-in classes', () => {
    const ws = resolveObjects([
      priorityClass('high', 1000).obj(),
      pod('a').container().priorityClass('high').obj(),
      pod('b').ns('kube-system').container().priorityClass('system-node-critical').priority(2_000_001_000).obj(),
    ]).workloads;
    expect(ws.map((w) => w.priorityClassName)).toEqual(['high', 'system-node-critical']);
  });

  it.each<[string, Record<string, unknown>[], string]>([
    [
      'a pod',
      [pod('web').ns('a').container().priorityClass('gold').obj()],
      'test.yaml: document 1 (Pod a/web): spec.priorityClassName: no PriorityClass with name gold was found',
    ],
    [
      'a Deployment template',
      [priorityClass('silver', 10).obj(), deployment('api').ns('a').container().priorityClass('gold').obj()],
      'test.yaml: document 2 (Deployment a/api): spec.template.spec.priorityClassName: no PriorityClass with name gold was found',
    ],
    [
      'a NamespacePolicy default',
      [policy('p').ns('a').placement({ priorityClassName: 'gold' }).obj()],
      'test.yaml: document 1 (NamespacePolicy a/p): spec.placement.priorityClassName: no PriorityClass with name gold was found',
    ],
    [
      'a spec.priority that disagrees with the class',
      [priorityClass('high', 1000).obj(), pod('web').ns('a').container().priorityClass('high').priority(5).obj()],
      'test.yaml: document 2 (Pod a/web): spec.priority: the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 1000 from the given PriorityClass name',
    ],
  ])('an unknown class in %s is an error at the field', (_name, objs, message) => {
    expect(inputErrorOf(() => resolveObjects(objs))).toBe(message);
  });

  it('rejects a bad cpuMhzPerCore', () => {
    expect(inputErrorOf(() => resolveObjects([], 0))).toBe('cpuMhzPerCore: Invalid value: 0: must be a positive integer (MHz)');
  });
});
