// One row per kind of bad input, each asserting the whole message: file, document (1-based),
// object, field path, and Kubernetes' wording for the problem.

import { describe, expect, it } from 'vitest';
import { parseText } from '../../../service/manifests/load.js';
import { parseManifests } from '../../../service/manifests/parse.js';
import { InputError } from '../../../model/errors.js';
import { deployment, inputErrorOf, list, node, parseObjects, pod, type PodBuilder } from '../../fixtures/k8s.js';

const AFF = 'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]';
const req = (expr: Record<string, unknown>): PodBuilder =>
  pod('web')
    .ns('shop')
    .container()
    .requiredAffinity({ matchExpressions: [expr] });
const field = (expr: Record<string, unknown>): PodBuilder =>
  pod('web')
    .ns('shop')
    .container()
    .requiredAffinity({ matchFields: [expr] });

describe('bad pods: the full message', () => {
  it.each<[string, PodBuilder, string]>([
    // resources
    [
      'a negative request',
      pod('web').ns('shop').container({ cpu: '-500m' }),
      'spec.containers[0].resources.requests.cpu: Invalid value: "-500m": must be greater than or equal to 0',
    ],
    [
      'a negative limit on the second container',
      pod('web')
        .ns('shop')
        .container()
        .container(undefined, { limits: { memory: '-1Gi' } }),
      'spec.containers[1].resources.limits.memory: Invalid value: "-1Gi": must be greater than or equal to 0',
    ],
    [
      'a quantity that does not parse',
      pod('web').ns('shop').container({ memory: '1.5 GB' }),
      `spec.containers[0].resources.requests.memory: Invalid value: "1.5 GB": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
    ],
    [
      'a wrong-case suffix',
      pod('web').ns('shop').container({ memory: '1mi' }),
      `spec.containers[0].resources.requests.memory: Invalid value: "1mi": unable to parse quantity's suffix`,
    ],
    [
      'a misspelled resource',
      pod('web').ns('shop').container({ cpus: '1' }),
      'spec.containers[0].resources.requests.cpus: Invalid value: "cpus": must be a standard resource for containers',
    ],
    [
      'a request above its limit',
      pod('web')
        .ns('shop')
        .container({ cpu: '2' }, { limits: { cpu: '1' } }),
      'spec.containers[0].resources.requests.cpu: Invalid value: "2": must be less than or equal to cpu limit of 1',
    ],
    [
      'an extended resource without a limit',
      pod('web').ns('shop').container({ 'nvidia.com/gpu': 1 }),
      'spec.containers[0].resources.limits: Required value: Limit must be set for non overcommitable resources',
    ],
    [
      'an extended resource request different from its limit',
      pod('web')
        .ns('shop')
        .container({ 'nvidia.com/gpu': 1 }, { limits: { 'nvidia.com/gpu': 2 } }),
      'spec.containers[0].resources.requests[nvidia.com/gpu]: Invalid value: "1": must be equal to nvidia.com/gpu limit of 2',
    ],
    [
      'a fractional extended resource',
      pod('web')
        .ns('shop')
        .container(undefined, { limits: { 'nvidia.com/gpu': '0.5' } }),
      'spec.containers[0].resources.limits[nvidia.com/gpu]: Invalid value: "500m": must be an integer',
    ],
    [
      'an unsupported pod-level resource',
      pod('web').ns('shop').container().podResources({ 'ephemeral-storage': '1Gi' }),
      'spec.resources.requests.ephemeral-storage: Unsupported value: "ephemeral-storage": supported values: "cpu", "memory", "hugepages-<size>"',
    ],
    [
      'a negative overhead',
      pod('web').ns('shop').container().overhead({ cpu: '-1' }),
      'spec.overhead.cpu: Invalid value: "-1": must be greater than or equal to 0',
    ],
    [
      'a quantity of the wrong type',
      pod('web')
        .ns('shop')
        .container({ cpu: true as unknown as string }),
      'spec.containers[0].resources.requests.cpu: Invalid value: true: must be a quantity (a string such as "500m" or "1Gi", or a number)',
    ],
    // containers
    ['no containers', pod('web').ns('shop'), 'spec.containers: Required value'],
    [
      'a container without a name',
      pod('web')
        .ns('shop')
        .container()
        .specPatch({ containers: [{ image: 'x' }] }),
      'spec.containers[0].name: Required value',
    ],
    [
      'two containers with one name',
      pod('web').ns('shop').container(undefined, { name: 'app' }).initContainer(undefined, { name: 'app' }),
      'spec.initContainers[0].name: Duplicate value: "app"',
    ],
    // node affinity
    [
      'In without values',
      req({ key: 'zone', operator: 'In' }),
      `${AFF}.matchExpressions[0].values: Required value: must be specified when \`operator\` is 'In' or 'NotIn'`,
    ],
    [
      'Exists with values',
      req({ key: 'gpu', operator: 'Exists', values: ['true'] }),
      `${AFF}.matchExpressions[0].values: Forbidden: may not be specified when \`operator\` is 'Exists' or 'DoesNotExist'`,
    ],
    [
      'Gt with two values',
      req({ key: 'cores', operator: 'Gt', values: ['1', '2'] }),
      `${AFF}.matchExpressions[0].values: Required value: must be specified single value when \`operator\` is 'Lt' or 'Gt'`,
    ],
    [
      'Lt with a non-integer',
      req({ key: 'cores', operator: 'Lt', values: ['2.5'] }),
      `${AFF}.matchExpressions[0].values[0]: Invalid value: "2.5": for 'Gt', 'Lt' operators, the value must be an integer`,
    ],
    [
      'an unknown operator',
      req({ key: 'zone', operator: 'Equals', values: ['a'] }),
      `${AFF}.matchExpressions[0].operator: Invalid value: "Equals": not a valid selector operator`,
    ],
    [
      'a field selector on a label',
      field({ key: 'metadata.labels', operator: 'In', values: ['a'] }),
      `${AFF}.matchFields[0].key: Invalid value: "metadata.labels": not a valid field selector key`,
    ],
    [
      'a field selector with Exists',
      field({ key: 'metadata.name', operator: 'Exists' }),
      `${AFF}.matchFields[0].operator: Invalid value: "Exists": not a valid selector operator`,
    ],
    [
      'a field selector with two names',
      field({ key: 'metadata.name', operator: 'In', values: ['a', 'b'] }),
      `${AFF}.matchFields[0].values: Required value: must be only one value when \`operator\` is 'In' or 'NotIn' for node field selector`,
    ],
    [
      'no node selector terms',
      pod('web')
        .ns('shop')
        .container()
        .specPatch({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } } }),
      'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms: Required value: must have at least one node selector term',
    ],
    [
      'a preference weight of 0',
      pod('web')
        .ns('shop')
        .container()
        .preferredAffinity({ weight: 0, preference: { matchExpressions: [{ key: 'ssd', operator: 'Exists' }] } }),
      'spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 0: must be in the range 1-100',
    ],
    // tolerations
    [
      'Exists with a value',
      pod('web').ns('shop').container().toleration({ key: 'k', operator: 'Exists', value: 'v' }),
      'spec.tolerations[0].operator: Invalid value: "v": value must be empty when `operator` is \'Exists\'',
    ],
    [
      'an empty key with Equal',
      pod('web').ns('shop').container().toleration({ operator: 'Equal', value: 'v' }),
      'spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"',
    ],
    [
      'an unknown effect',
      pod('web').ns('shop').container().toleration({ key: 'k', operator: 'Exists', effect: 'NoScheduleAtAll' }),
      'spec.tolerations[0].effect: Unsupported value: "NoScheduleAtAll": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
    ],
    [
      'an unknown operator',
      pod('web').ns('shop').container().toleration({ key: 'k', operator: 'In' }),
      'spec.tolerations[0].operator: Unsupported value: "In": supported values: "Equal", "Exists"',
    ],
    [
      'tolerationSeconds without NoExecute',
      pod('web').ns('shop').container().toleration({ key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 60 }),
      'spec.tolerations[0].effect: Invalid value: "NoSchedule": effect must be \'NoExecute\' when `tolerationSeconds` is set',
    ],
    // scalars
    [
      'an unknown preemptionPolicy',
      pod('web').ns('shop').container().preemptionPolicy('Always'),
      'spec.preemptionPolicy: Unsupported value: "Always": supported values: "PreemptLowerPriority", "Never"',
    ],
    [
      'activeDeadlineSeconds 0',
      pod('web').ns('shop').container().activeDeadlineSeconds(0),
      'spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive',
    ],
    ['a fractional priority', pod('web').ns('shop').container().priority(1.5), 'spec.priority: Invalid value: 1.5: must be an integer'],
    [
      'a number as a node selector value',
      pod('web')
        .ns('shop')
        .container()
        .nodeSelector({ gpu: 1 as unknown as string }),
      'spec.nodeSelector.gpu: Invalid value: 1: must be a string',
    ],
    [
      'a boolean label',
      pod('web')
        .ns('shop')
        .labels({ canary: true as unknown as string })
        .container(),
      'metadata.labels.canary: Invalid value: true: must be a string',
    ],
    [
      'a label key with a domain',
      pod('web')
        .ns('shop')
        .labels({ 'app.kubernetes.io/part-of': 7 as unknown as string })
        .container(),
      'metadata.labels[app.kubernetes.io/part-of]: Invalid value: 7: must be a string',
    ],
  ])('%s', (_name, b, tail) => {
    expect(inputErrorOf(() => parseObjects([node('hv-1').obj(), b.obj()], 'apps/shop.yaml'))).toBe(
      `apps/shop.yaml: document 2 (Pod shop/web): ${tail}`,
    );
  });
});

describe('bad objects anywhere', () => {
  it('names a List member by its path', () => {
    const text = JSON.stringify(list('List', [pod('a').container().obj(), pod('b').ns('x').container({ cpu: '-1' }).obj()]));
    expect(inputErrorOf(() => parseManifests(parseText(text, 'dump.json')))).toBe(
      'dump.json: document 1 (Pod x/b): items[1].spec.containers[0].resources.requests.cpu: Invalid value: "-1": must be greater than or equal to 0',
    );
  });

  it('gives the error its parts', () => {
    try {
      parseManifests(parseText(JSON.stringify([node('n').obj(), pod('b').container({ cpu: 'x' }).obj()]), 'arr.json'));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      const err = e as InputError;
      expect(err.source).toEqual({ file: 'arr.json', doc: 0, path: '[1]' });
      expect(err.field).toBe('[1].spec.containers[0].resources.requests.cpu');
      expect(err.object).toBe('Pod default/b');
      expect(err.detail).toBe(
        `Invalid value: "x": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
      );
    }
  });

  it('names both sources of a duplicate object', () => {
    const a = parseText(`# first file\n${JSON.stringify(list('List', [node('n0').obj(), node('hv-1').obj()]))}`, 'cluster/nodes.json');
    const b = parseText(`---\n${JSON.stringify(pod('p').container().obj())}\n---\n${JSON.stringify(node('hv-1').obj())}`, 'more.yaml');
    expect(inputErrorOf(() => parseManifests([...a, ...b]))).toBe(
      'more.yaml: document 2 (Node hv-1): duplicate object: Node hv-1 is already defined in cluster/nodes.json: document 1 at items[1]',
    );
  });

  it('does not confuse same-named objects of different kinds or namespaces', () => {
    const parsed = parseObjects([
      pod('x').ns('a').container().obj(),
      pod('x').ns('b').container().obj(),
      deployment('x').ns('a').container().obj(),
    ]);
    expect(parsed.workloads).toHaveLength(3);
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      'no name',
      pod('x').container().without('metadata', 'name').obj(),
      'test.yaml: document 1 (Pod): metadata.name: Required value: name or generateName is required',
    ],
    [
      'a removed API version',
      deployment('d').container().patch({ apiVersion: 'apps/v1beta2' }).obj(),
      'test.yaml: document 1 (Deployment): apiVersion: no matches for kind "Deployment" in version "apps/v1beta2" (served: apps/v1)',
    ],
    [
      'a namespace that is not a string',
      pod('x')
        .container()
        .patch({ metadata: { namespace: 5 } })
        .obj(),
      'test.yaml: document 1 (Pod): metadata.namespace: Invalid value: 5: must be a string',
    ],
    [
      'containers that are not a list',
      pod('x')
        .specPatch({ containers: { name: 'c' } })
        .obj(),
      'test.yaml: document 1 (Pod default/x): spec.containers: Invalid value: object: must be a list',
    ],
  ])('%s', (_name, obj, message) => {
    expect(inputErrorOf(() => parseObjects([obj]))).toBe(message);
  });

  it('ignores kinds that carry nothing for placement, and does not check them for duplicates', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'shop' }, data: { mode: 'fast' } };
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { ports: [{ port: 80 }] } };
    const cfg = { apiVersion: 'kubescheduler.config.k8s.io/v1', kind: 'KubeSchedulerConfiguration', extenders: [] };
    const parsed = parseObjects([cm, svc, cm, cfg]);
    expect(parsed.ignored.map((i) => `${i.kind} ${i.name} #${i.source.doc}`)).toEqual([
      'ConfigMap shop/settings #0',
      'Service shop/web #1',
      'ConfigMap shop/settings #2',
      'KubeSchedulerConfiguration  #3',
    ]);
  });
});
