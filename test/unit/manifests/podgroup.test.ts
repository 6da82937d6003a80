// Coscheduling PodGroups: pods and pod templates labelled scheduling.x-k8s.io/pod-group become one
// all-or-nothing gang.

import { describe, expect, it } from 'vitest';
import type { WorkloadTemplate } from '../../../model/types.js';
import { deployment, inputErrorOf, job, parseObjects, pod, podGroup } from '../../fixtures/k8s.js';

const PG = 'scheduling.x-k8s.io/pod-group';
const gangs = (ws: WorkloadTemplate[]): [string, string | undefined, number | undefined][] =>
  ws.map((w) => [w.instances.map((i) => i.name).join(','), w.gang?.name, w.gang?.minMember]);

describe('PodGroup gangs', () => {
  it('gives labelled pods and controller templates the PodGroup gang', () => {
    const ws = parseObjects([
      podGroup('trainer', 4).ns('ml').obj(),
      job('train')
        .ns('ml')
        .templateLabels({ [PG]: 'trainer' })
        .job({ parallelism: 3, completions: 3 })
        .container({ cpu: '8' })
        .obj(),
      pod('param-server')
        .ns('ml')
        .labels({ [PG]: 'trainer' })
        .container({ cpu: '4' })
        .obj(),
      pod('notebook').ns('ml').container({ cpu: '1' }).obj(),
    ]).workloads;
    expect(gangs(ws)).toEqual([
      [expect.stringMatching(/^train-\w{5},train-\w{5},train-\w{5}$/), 'PodGroup ml/trainer', 4],
      ['param-server', 'PodGroup ml/trainer', 4],
      ['notebook', undefined, undefined],
    ]);
  });

  it('an absent minMember is 1; an empty label value means no group', () => {
    const ws = parseObjects([
      podGroup('g').obj(),
      pod('a')
        .labels({ [PG]: 'g' })
        .container()
        .obj(),
      pod('b')
        .labels({ [PG]: '' })
        .container()
        .obj(),
    ]).workloads;
    expect(gangs(ws)).toEqual([
      ['a', 'PodGroup default/g', 1],
      ['b', undefined, undefined],
    ]);
  });

  it('pods of one owner in different groups get different templates', () => {
    const p = (name: string, group: string) =>
      pod(name)
        .labels({ [PG]: group })
        .ownedBy('ReplicaSet', 'legacy-6c9f')
        .container({ cpu: '1' })
        .nodeName('hv-1');
    const ws = parseObjects([
      podGroup('a', 1).obj(),
      podGroup('b', 1).obj(),
      p('legacy-6c9f-aaaaa', 'a').obj(),
      p('legacy-6c9f-bbbbb', 'b').obj(),
    ]).workloads;
    expect(gangs(ws)).toEqual([
      ['legacy-6c9f-aaaaa', 'PodGroup default/a', 1],
      ['legacy-6c9f-bbbbb', 'PodGroup default/b', 1],
    ]);
  });

  it.each<[string, Record<string, unknown>[], string]>([
    [
      'minMember 0',
      [podGroup('g', 0).ns('ml').obj()],
      'test.yaml: document 1 (PodGroup ml/g): spec.minMember: Invalid value: 0: spec.minMember in body should be greater than or equal to 1',
    ],
    [
      'a pod naming a missing PodGroup',
      [
        podGroup('trainer', 2).ns('other').obj(),
        pod('w')
          .ns('ml')
          .labels({ [PG]: 'trainer' })
          .container()
          .obj(),
      ],
      'test.yaml: document 2 (Pod ml/w): metadata.labels[scheduling.x-k8s.io/pod-group]: no PodGroup with name trainer was found in namespace ml',
    ],
    [
      'a Deployment template naming a missing PodGroup',
      [
        deployment('web')
          .ns('ml')
          .templateLabels({ [PG]: 'gone' })
          .container()
          .obj(),
      ],
      'test.yaml: document 1 (Deployment ml/web): spec.template.metadata.labels[scheduling.x-k8s.io/pod-group]: no PodGroup with name gone was found in namespace ml',
    ],
    [
      'an unserved version',
      [{ apiVersion: 'scheduling.x-k8s.io/v1beta1', kind: 'PodGroup', metadata: { name: 'g' }, spec: { minMember: 2 } }],
      'test.yaml: document 1 (PodGroup): apiVersion: no matches for kind "PodGroup" in version "scheduling.x-k8s.io/v1beta1" (served: scheduling.x-k8s.io/v1alpha1)',
    ],
  ])('rejects %s', (_name, objs, message) => {
    expect(inputErrorOf(() => parseObjects(objs))).toBe(message);
  });

  it('leaves PodGroups of other groups (Volcano) alone', () => {
    const volcano = {
      apiVersion: 'scheduling.volcano.sh/v1beta1',
      kind: 'PodGroup',
      metadata: { name: 'g', namespace: 'x' },
      spec: { minMember: 2 },
    };
    expect(parseObjects([volcano]).ignored.map((i) => `${i.kind} ${i.name}`)).toEqual(['PodGroup x/g']);
  });
});
