// Kubernetes mode's pod parse (KubeSync.parsePod, service/apiserver/sync.ts) keeps one parse per pod
// content: the replicas of a controller share it, yet each gets exactly the template a parse of it
// gives — its own instance and the source that names it — and a pod whose PodGroup changed is
// parsed anew.

import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkloadTemplate } from '../../model/types.js';
import { KubeSync } from '../../service/apiserver/sync.js';
import { PODGROUP_API } from '../../service/apiserver/resources.js';
import { PlacerState } from '../../service/state/state.js';
import { MEMORY } from '../../service/state/store.js';

type Obj = Record<string, unknown>;

const PODS = '/api/v1/pods';
const log = pino({ level: 'silent' });

/** Replica `name` of a ReplicaSet, pending, as the pod watch sends it. */
function replica(name: string, labels: Record<string, string> = { app: 'web' }): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'team-a',
      uid: `uid-${name}`,
      resourceVersion: String(100 + name.length),
      creationTimestamp: '2026-12-07T09:00:00Z',
      labels,
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d9f8', uid: 'rs-uid', controller: true }],
    },
    spec: {
      schedulerName: 'placer',
      containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu: '250m', memory: '256Mi' } } }],
    },
    status: { phase: 'Pending', qosClass: 'Burstable' },
  };
}

const podGroup = (minMember: number, resourceVersion: string): Obj => ({
  apiVersion: PODGROUP_API,
  kind: 'PodGroup',
  metadata: { name: 'train', namespace: 'team-a', uid: 'pg-uid', resourceVersion },
  spec: { minMember },
});

describe('KubeSync.parsePod: one parse per pod content', () => {
  let state: PlacerState;
  beforeAll(async () => {
    state = await PlacerState.open({ dataDir: MEMORY });
  });
  afterAll(() => state.close());

  /** A KubeSync with nothing kept: what a parse of `o` alone gives. */
  const fresh = (o: Obj, groups: Obj[] = []): WorkloadTemplate | undefined => {
    const s = new KubeSync(() => state, log, undefined);
    for (const g of groups) s.handlerFor('PodGroup', '/apis/scheduling.x-k8s.io/v1alpha1/podgroups').event('ADDED', g);
    return s.parsePod(o, PODS);
  };

  it('a second replica shares the first parse and equals its own parse, source and instance included', () => {
    const sync = new KubeSync(() => state, log, undefined);
    const a = sync.parsePod(replica('web-7d9f8-abcde'), PODS)!;
    const b = sync.parsePod(replica('web-7d9f8-x2k4q'), PODS)!;
    // shared maps: the second template came from the kept parse, not a parse of its own
    expect(b.requests).toBe(a.requests);
    expect(b).toEqual(fresh(replica('web-7d9f8-x2k4q')));
    expect(b.source.file).toBe('api-server /api/v1/namespaces/team-a/pods/web-7d9f8-x2k4q');
    expect(b.instances).toEqual([{ name: 'web-7d9f8-x2k4q', uid: 'uid-web-7d9f8-x2k4q' }]);
    expect(a.instances).toEqual([{ name: 'web-7d9f8-abcde', uid: 'uid-web-7d9f8-abcde' }]);
    // a pod that differs in more than its identity is parsed anew
    const c = sync.parsePod(replica('web-7d9f8-zz9', { app: 'api' }), PODS)!;
    expect(c.requests).not.toBe(a.requests);
    expect(c).toEqual(fresh(replica('web-7d9f8-zz9', { app: 'api' })));
  });

  it("a gang member is parsed with its PodGroup as it is now: the group's change is a new parse", () => {
    const sync = new KubeSync(() => state, log, undefined);
    const groups = sync.handlerFor('PodGroup', '/apis/scheduling.x-k8s.io/v1alpha1/podgroups');
    const member = (name: string): Obj => replica(name, { app: 'train', 'scheduling.x-k8s.io/pod-group': 'train' });
    groups.event('ADDED', podGroup(4, '7'));
    const a = sync.parsePod(member('train-0'), PODS)!;
    const b = sync.parsePod(member('train-1'), PODS)!;
    expect(b.requests).toBe(a.requests);
    expect(b).toEqual(fresh(member('train-1'), [podGroup(4, '7')]));
    groups.event('MODIFIED', podGroup(3, '8'));
    const c = sync.parsePod(member('train-2'), PODS)!;
    expect(c.requests).not.toBe(a.requests);
    expect(c).toEqual(fresh(member('train-2'), [podGroup(3, '8')]));
    expect(c).not.toEqual({ ...fresh(member('train-2'), [podGroup(4, '7')]) });
  });
});
