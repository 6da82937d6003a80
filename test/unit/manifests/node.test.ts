import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseText } from '../../../service/manifests/load.js';
import { parseManifests } from '../../../service/manifests/parse.js';
import { inputErrorOf, list, node, parseObjects } from '../../fixtures/k8s.js';

const FIXTURE = new URL('../../fixtures/manifests/kubectl-get-nodes.json', import.meta.url);

describe('Node → HostObj', () => {
  it('reads a real-shaped `kubectl get nodes -o json` List', () => {
    const hosts = parseManifests(parseText(readFileSync(FIXTURE, 'utf8'), 'nodes.json')).hosts;
    expect(hosts.map((h) => h.name)).toEqual(['hv-dc1a-r07-u12', 'hv-dc1a-r07-u14', 'hv-dc1b-r02-u05']);
    const [h1, h2, h3] = hosts;
    expect(Object.fromEntries(h1!.allocatable)).toEqual({
      cpu: 63_800n, // "63800m"
      'ephemeral-storage': 48_307_038_948n, // plain bytes
      'hugepages-1Gi': 0n,
      'hugepages-2Mi': 0n,
      memory: 539_730_407_424n, // 527080476Ki × 1024
      pods: 1024n,
    });
    expect(h1!.source).toEqual({ file: 'nodes.json', doc: 0, path: 'items[0]' });
    expect(h1!.labels.get('topology.kubernetes.io/zone')).toBe('zone-a');
    expect(h1!.labels.get('node-role.kubernetes.io/agent')).toBe('');
    expect(h1!.taints).toEqual([]);
    expect(h1!.unschedulable).toBe(false);
    expect(h2!.allocatable.get('nvidia.com/gpu')).toBe(4n);
    expect(h3!.allocatable.get('cpu')).toBe(95_800n);
    expect(h3!.allocatable.get('memory')).toBe(1_055_991_436n * 1024n);
    expect(h3!.unschedulable).toBe(true);
    expect(h3!.taints).toEqual([
      { key: 'node.kubernetes.io/unschedulable', value: '', effect: 'NoSchedule' },
      { key: 'placer.dev/maintenance', value: 'planned', effect: 'PreferNoSchedule' },
    ]);
  });

  it('reads an API-server NodeList whose items carry no kind or apiVersion', () => {
    const items = [node('a').allocatable({ cpu: '4' }).obj(), node('b').allocatable({ cpu: '8' }).obj()].map((n) => {
      const { kind: _k, apiVersion: _a, ...rest } = n;
      return rest;
    });
    const hosts = parseManifests(parseText(JSON.stringify(list('NodeList', items)), 'nodes.json')).hosts;
    expect(hosts.map((h) => [h.name, h.allocatable.get('cpu'), h.source.path])).toEqual([
      ['a', 4000n, 'items[0]'],
      ['b', 8000n, 'items[1]'],
    ]);
  });

  it('falls back to status.capacity key by key', () => {
    const [h] = parseObjects([
      node('hv-1')
        .capacity({ cpu: '64', memory: '512Gi', pods: '1024', 'nvidia.com/gpu': '2' })
        .allocatable({ cpu: '63800m', memory: '500Gi' })
        .obj(),
    ]).hosts;
    expect(Object.fromEntries(h!.allocatable)).toEqual({
      cpu: 63_800n,
      memory: 500n * 1024n ** 3n,
      pods: 1024n, // from capacity
      'nvidia.com/gpu': 2n, // from capacity
    });
  });

  it('a node without status has no allocatable resources', () => {
    const [h] = parseObjects([node('bare').without('status').obj()]).hosts;
    expect(h!.allocatable.size).toBe(0);
  });

  it.each<[string, ReturnType<typeof node>, string]>([
    ['taint without effect', node('n').patch({ spec: { taints: [{ key: 'k' }] } }), 'spec.taints[0].effect: Required value'],
    [
      'unknown taint effect',
      node('n').taint('k', 'v', 'NoScheduling'),
      'spec.taints[0].effect: Unsupported value: "NoScheduling": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
    ],
    ['taint without key', node('n').taint('', 'v', 'NoSchedule'), 'spec.taints[0].key: Required value'],
    [
      'duplicate key and effect',
      node('n').taint('k', 'a', 'NoSchedule').taint('k', 'b', 'NoSchedule'),
      'spec.taints[1]: Duplicate value: "k:NoSchedule": taints must be unique by key and effect pair',
    ],
    [
      'negative allocatable',
      node('n').allocatable({ cpu: '-1' }),
      'status.allocatable.cpu: Invalid value: "-1": must be greater than or equal to 0',
    ],
    [
      'a bad quantity',
      node('n').allocatable({ memory: '512GB' }),
      `status.allocatable.memory: Invalid value: "512GB": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
    ],
    [
      'unschedulable not a boolean',
      node('n').patch({ spec: { unschedulable: 'yes' } }),
      'spec.unschedulable: Invalid value: "yes": must be a boolean',
    ],
  ])('rejects %s', (_name, b, tail) => {
    expect(inputErrorOf(() => parseObjects([b.obj()]))).toBe(`test.yaml: document 1 (Node n): ${tail}`);
  });
});
