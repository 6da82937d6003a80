// ResourceQuota, NamespacePolicy and Namespace: the per-namespace objects.

import { describe, expect, it } from 'vitest';
import { parseManifests, parseText } from '../../../service/manifests/index.js';
import { inputErrorOf, namespace, parseObjects, policy, quota, resolveObjects } from '../../fixtures/k8s.js';

const Gi = 1024n ** 3n;

describe('ResourceQuota', () => {
  it('keeps hard keys as written; cpu-like keys in millicores, the rest in units', () => {
    const [q] = parseObjects([
      quota('compute')
        .ns('team-a')
        .hard({
          cpu: '10',
          'requests.cpu': '9500m',
          'limits.cpu': 20,
          memory: '64Gi',
          'requests.memory': '48Gi',
          'limits.memory': '128Gi',
          'requests.ephemeral-storage': '500Gi',
          pods: '100',
          'count/pods': 100,
          'count/virtualmachines.vmoperator.vmware.com': '20',
          'requests.nvidia.com/gpu': '4',
        })
        .obj(),
    ]).quotas;
    expect(q).toMatchObject({ name: 'compute', namespace: 'team-a', scopes: [], scopeSelector: [] });
    expect(Object.fromEntries(q!.hard)).toEqual({
      cpu: 10_000n,
      'requests.cpu': 9_500n,
      'limits.cpu': 20_000n,
      memory: 64n * Gi,
      'requests.memory': 48n * Gi,
      'limits.memory': 128n * Gi,
      'requests.ephemeral-storage': 500n * Gi,
      pods: 100n,
      'count/pods': 100n,
      'count/virtualmachines.vmoperator.vmware.com': 20n,
      'requests.nvidia.com/gpu': 4n,
    });
    expect(q!.source).toEqual({ file: 'test.yaml', doc: 0, path: '' });
  });

  it('reads scopes and scope selectors', () => {
    const [q] = parseObjects([
      quota('high')
        .ns('a')
        .hard({ pods: '10' })
        .scopes('NotTerminating')
        .scopeSelector(
          { scopeName: 'PriorityClass', operator: 'In', values: ['high', 'critical'] },
          { scopeName: 'NotBestEffort', operator: 'Exists' },
        )
        .obj(),
    ]).quotas;
    expect(q!.scopes).toEqual(['NotTerminating']);
    expect(q!.scopeSelector).toEqual([
      { scopeName: 'PriorityClass', operator: 'In', values: ['high', 'critical'] },
      { scopeName: 'NotBestEffort', operator: 'Exists', values: [] },
    ]);
  });

  it.each<[string, ReturnType<typeof quota>, string]>([
    [
      'a negative limit',
      quota('q').hard({ 'requests.cpu': '-1' }),
      'spec.hard[requests.cpu]: Invalid value: "-1": must be greater than or equal to 0',
    ],
    ['a fractional object count', quota('q').hard({ pods: '1.5' }), 'spec.hard.pods: Invalid value: "1500m": must be an integer'],
    ['an unknown scope', quota('q').scopes('Sometimes'), 'spec.scopes[0]: Invalid value: "Sometimes": unsupported scope'],
    [
      'conflicting scopes',
      quota('q').scopes('BestEffort', 'NotBestEffort'),
      'spec.scopes: Invalid value: "BestEffort,NotBestEffort": conflicting scopes',
    ],
    [
      'In without values',
      quota('q').scopeSelector({ scopeName: 'PriorityClass', operator: 'In' }),
      "spec.scopeSelector.matchExpressions[0].values: Required value: must be at least one value when `operator` is 'In' or 'NotIn' for scope selector",
    ],
    [
      'Exists with values',
      quota('q').scopeSelector({ scopeName: 'PriorityClass', operator: 'Exists', values: ['x'] }),
      "spec.scopeSelector.matchExpressions[0].values: Invalid value: \"x\": must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector",
    ],
    [
      'a BestEffort selector with In',
      quota('q').scopeSelector({ scopeName: 'BestEffort', operator: 'In', values: ['x'] }),
      'spec.scopeSelector.matchExpressions[0].operator: Invalid value: "In": must be \'Exist\' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity',
    ],
  ])('rejects %s', (_name, b, tail) => {
    expect(inputErrorOf(() => parseObjects([b.ns('a').obj()]))).toBe(`test.yaml: document 1 (ResourceQuota a/q): ${tail}`);
  });
});

describe('NamespacePolicy', () => {
  it('reads reservation and placement defaults', () => {
    const [p] = parseObjects([
      policy('default')
        .ns('team-a')
        .reservation({ cpu: '20', memory: '64Gi', 'nvidia.com/gpu': 2 })
        .placement({
          strategy: 'MostAllocated',
          nodeSelector: { 'topology.kubernetes.io/zone': 'zone-a' },
          tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'team-a', effect: 'NoSchedule' }],
          priorityClassName: 'team-a-default',
          spreadAcrossHosts: true,
        })
        .obj(),
    ]).policies;
    expect(p).toEqual({
      name: 'default',
      namespace: 'team-a',
      reservation: new Map([
        ['cpu', 20_000n],
        ['memory', 64n * Gi],
        ['nvidia.com/gpu', 2n],
      ]),
      placement: {
        strategy: 'MostAllocated',
        nodeSelector: new Map([['topology.kubernetes.io/zone', 'zone-a']]),
        tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'team-a', effect: 'NoSchedule' }],
        priorityClassName: 'team-a-default',
        spreadAcrossHosts: true,
      },
      source: { file: 'test.yaml', doc: 0, path: '' },
    });
  });

  it('has empty defaults', () => {
    const [p] = parseObjects([policy('p').ns('b').obj()]).policies;
    expect(p!.reservation.size).toBe(0);
    expect(p!.placement).toEqual({ nodeSelector: new Map(), tolerations: [], spreadAcrossHosts: false });
    expect(p!).not.toHaveProperty('failover');
  });

  it('reads spec.failover: the namespace is protected, an absent count is 0', () => {
    const read = (f: Record<string, unknown>) => parseObjects([policy('p').ns('a').failover(f).obj()]).policies[0]!.failover;
    expect(read({ hostFailuresToTolerate: 1 })).toEqual({ hostFailuresToTolerate: 1, zoneFailuresToTolerate: 0 });
    expect(read({ hostFailuresToTolerate: 3, zoneFailuresToTolerate: 1 })).toEqual({
      hostFailuresToTolerate: 3,
      zoneFailuresToTolerate: 1,
    });
    expect(read({ zoneFailuresToTolerate: 1 })).toEqual({ hostFailuresToTolerate: 0, zoneFailuresToTolerate: 1 });
    expect(read({})).toEqual({ hostFailuresToTolerate: 0, zoneFailuresToTolerate: 0 });
    // YAML as a file gives it
    const yaml =
      'apiVersion: placer.dev/v1alpha1\nkind: NamespacePolicy\nmetadata: {name: ha, namespace: a}\nspec:\n  failover:\n    hostFailuresToTolerate: 2\n';
    expect(parseManifests(parseText(yaml, 'ha.yaml')).policies[0]!.failover).toEqual({
      hostFailuresToTolerate: 2,
      zoneFailuresToTolerate: 0,
    });
  });

  it.each<[string, ReturnType<typeof policy>, string]>([
    [
      'an unknown field (strict decoding)',
      policy('p').patch({ spec: { reservations: { cpu: '1' } } }),
      'spec.reservations: field not declared in schema',
    ],
    [
      'an unknown strategy',
      policy('p').placement({ strategy: 'Spread' }),
      'spec.placement.strategy: Unsupported value: "Spread": supported values: "LeastAllocated", "MostAllocated", "BalancedAllocation", "RequestedToCapacityRatio"',
    ],
    [
      'a toleration with Exists and a value',
      policy('p').placement({ tolerations: [{ key: 'k', operator: 'Exists', value: 'v' }] }),
      'spec.placement.tolerations[0].operator: Invalid value: "v": value must be empty when `operator` is \'Exists\'',
    ],
    [
      'a negative reservation',
      policy('p').reservation({ memory: '-1Gi' }),
      'spec.reservation.memory: Invalid value: "-1Gi": must be greater than or equal to 0',
    ],
    [
      'spreadAcrossHosts as a string',
      policy('p').placement({ spreadAcrossHosts: 'true' }),
      'spec.placement.spreadAcrossHosts: Invalid value: "true": must be a boolean',
    ],
    [
      'an unknown failover field',
      policy('p').failover({ hostFailuresToTolerate: 1, hostFailures: 2 }),
      'spec.failover.hostFailures: field not declared in schema',
    ],
    [
      'four host failures',
      policy('p').failover({ hostFailuresToTolerate: 4 }),
      'spec.failover.hostFailuresToTolerate: Invalid value: 4: must be between 0 and 3, inclusive',
    ],
    [
      'a negative host failure count',
      policy('p').failover({ hostFailuresToTolerate: -1 }),
      'spec.failover.hostFailuresToTolerate: Invalid value: -1: must be greater than or equal to 0',
    ],
    [
      'a fractional host failure count',
      policy('p').failover({ hostFailuresToTolerate: 1.5 }),
      'spec.failover.hostFailuresToTolerate: Invalid value: 1.5: must be an integer',
    ],
    [
      'a host failure count as a string',
      policy('p').failover({ hostFailuresToTolerate: '1' }),
      'spec.failover.hostFailuresToTolerate: Invalid value: "1": must be an integer',
    ],
    [
      'two zone failures',
      policy('p').failover({ zoneFailuresToTolerate: 2 }),
      'spec.failover.zoneFailuresToTolerate: Invalid value: 2: must be between 0 and 1, inclusive',
    ],
    [
      'failover as a number',
      policy('p').failover(1 as unknown as Record<string, unknown>),
      'spec.failover: Invalid value: 1: must be an object',
    ],
  ])('rejects %s', (_name, b, tail) => {
    expect(inputErrorOf(() => parseObjects([b.ns('a').obj()]))).toBe(`test.yaml: document 1 (NamespacePolicy a/p): ${tail}`);
  });

  it('allows at most one policy per namespace, naming both', () => {
    expect(
      inputErrorOf(() => parseObjects([policy('first').ns('a').obj(), policy('other').ns('b').obj(), policy('second').ns('a').obj()])),
    ).toBe(
      'test.yaml: document 3 (NamespacePolicy a/second): namespace a already has NamespacePolicy first (test.yaml: document 1); at most one NamespacePolicy per namespace',
    );
  });
});

describe('Namespace', () => {
  it('keeps its labels and always has kubernetes.io/metadata.name, as the API server sets it', () => {
    const parsed = parseObjects([
      namespace('payments').labels({ team: 'payments', 'kubernetes.io/metadata.name': 'spoofed' }).obj(),
      namespace('web').obj(),
    ]);
    expect(parsed.namespaces).toEqual([
      {
        name: 'payments',
        labels: new Map([
          ['team', 'payments'],
          ['kubernetes.io/metadata.name', 'payments'],
        ]),
        source: { file: 'test.yaml', doc: 0, path: '' },
      },
      { name: 'web', labels: new Map([['kubernetes.io/metadata.name', 'web']]), source: { file: 'test.yaml', doc: 1, path: '' } },
    ]);
    expect(parsed.ignored).toEqual([]);
  });

  it('passes through resolution; an undeclared namespace is not an error', () => {
    const input = resolveObjects([namespace('a').obj(), quota('q').ns('undeclared').hard({ pods: '1' }).obj()]);
    expect(input.namespaces!.map((n) => n.name)).toEqual(['a']);
  });

  it.each<[string, string, string]>([
    [
      'an upper-case name',
      'Team-A',
      `metadata.name: Invalid value: "Team-A": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
    ],
    ['a dotted name', 'team.a', 'metadata.name: Invalid value: "team.a": must not contain dots'],
    ['a name over 63 bytes', 'n'.repeat(64), `metadata.name: Invalid value: "${'n'.repeat(64)}": must be no more than 63 bytes`],
  ])('rejects %s', (_name, name, tail) => {
    expect(inputErrorOf(() => parseObjects([namespace(name).obj()]))).toBe(`test.yaml: document 1 (Namespace ${name}): ${tail}`);
  });

  it('rejects a namespace declared twice', () => {
    expect(inputErrorOf(() => parseObjects([namespace('a').obj(), namespace('a').obj()]))).toBe(
      'test.yaml: document 2 (Namespace a): duplicate object: Namespace a is already defined in test.yaml: document 1',
    );
  });
});
