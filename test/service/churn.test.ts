// Standalone placer under churn: rollouts through the extender (filter in NodeNames mode, bind),
// the previous rollout released through DELETE. What the state keeps — classes, the extender's
// pod cache, owners and shapes of held placements, stored shapes — follows the live pods, not
// every pod that ever passed (a store reopened from disk agrees).

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { harness, type Harness, type Obj } from './harness.js';

const HOSTS = ['c-1', 'c-2', 'c-3'];
/** Candidates a class collection waits for (core-wasm/src/compiler.ts COLLECT_AFTER). */
const COLLECT_AFTER = 64;

function node(name: string): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name } },
    status: { allocatable: { cpu: '32', memory: '128Gi', pods: '110' } },
  };
}

/** Pod i of rollout k as kube-scheduler sends it: a Deployment's on even rollouts, a Job's on odd ones. */
function rolloutPod(k: number, i: number): { name: string; uid: string; pod: Obj } {
  const job = k % 2 === 1;
  const owner = job ? `batch-${k}` : `web-h${k}x`;
  const name = `${owner}-${i}`;
  const uid = `uid-${k}-${i}`;
  const labels = job ? { 'job-name': owner, 'controller-uid': `owner-${k}` } : { app: 'web', 'pod-template-hash': `h${k}x` };
  return {
    name,
    uid,
    pod: {
      metadata: {
        name,
        namespace: 'churn',
        uid,
        labels,
        ownerReferences: [{ apiVersion: 'apps/v1', kind: job ? 'Job' : 'ReplicaSet', name: owner, uid: `owner-${k}`, controller: true }],
      },
      spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: `${100 * (i + 1)}m`, memory: '64Mi' } } }] },
    },
  };
}

describe('standalone churn through the extender', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
    const r = await h.json('POST', '/v1/apply', HOSTS.map(node));
    expect(r.status).toBe(200);
  });
  afterEach(() => h.close());

  it('nothing outlives its last placement: classes, pod cache, owners, shapes, stored shapes', async () => {
    const rollouts = 120;
    const perRollout = 3;
    let previous: string[] = [];
    let most = 0;
    for (let k = 0; k < rollouts; k++) {
      const current: string[] = [];
      for (let i = 0; i < perRollout; i++) {
        const { name, uid, pod } = rolloutPod(k, i);
        const f = await h.json<{ NodeNames: string[]; Error: string }>('POST', '/scheduler/filter', {
          Pod: pod,
          Nodes: null,
          NodeNames: HOSTS,
        });
        expect(f.body.NodeNames).toEqual(HOSTS);
        const b = await h.json<{ Error: string }>('POST', '/scheduler/bind', {
          PodName: name,
          PodNamespace: 'churn',
          PodUID: uid,
          Node: HOSTS[(k + i) % 3],
        });
        expect(b.body.Error).toBe('');
        current.push(name);
      }
      expect(h.state.retained().cacheEntries.extender_pods).toBe(0); // bound pods leave the cache
      for (const name of previous) expect((await h.json('DELETE', `/v1/namespaces/churn/Pod/${name}`)).status).toBe(200);
      previous = current;
      const r = h.state.retained();
      most = Math.max(most, r.classes);
      expect(r.interned.owners).toBe(1);
      expect(r.interned.shapes).toBeLessThanOrEqual(perRollout);
    }
    // 360 pods, a class each (new labels every rollout): at most the uncollected candidates and the live ones
    expect(most).toBeLessThanOrEqual(COLLECT_AFTER + 2 * perRollout);

    for (const name of previous) expect((await h.json('DELETE', `/v1/namespaces/churn/Pod/${name}`)).status).toBe(200);
    h.state.engine.collectClasses();
    const r = h.state.retained();
    expect(r.classes).toBe(0);
    expect(r.interned).toMatchObject({ owners: 0, shapes: 0, stored_shapes: 0 });
    expect(r.cacheEntries.extender_pods).toBe(0);
    expect(h.state.placementCount()).toBe(0);
    await h.restart();
    expect(h.state.placementCount()).toBe(0);
    expect(h.state.retained().interned.stored_shapes).toBe(0);
  });

  it('a filtered pod that is never bound stays in the cache only until its bind or the LRU bound', async () => {
    const { pod, name, uid } = rolloutPod(0, 0);
    await h.json('POST', '/scheduler/filter', { Pod: pod, Nodes: null, NodeNames: HOSTS });
    expect(h.state.retained().cacheEntries.extender_pods).toBe(1);
    const b = await h.json<{ Error: string }>('POST', '/scheduler/bind', {
      PodName: name,
      PodNamespace: 'churn',
      PodUID: uid,
      Node: 'c-1',
    });
    expect(b.body.Error).toBe('');
    expect(h.state.retained().cacheEntries.extender_pods).toBe(0);
    // a replayed bind is answered by the held placement
    const again = await h.json<{ Error: string }>('POST', '/scheduler/bind', {
      PodName: name,
      PodNamespace: 'churn',
      PodUID: uid,
      Node: 'c-1',
    });
    expect(again.body.Error).toBe('');
  });
});
