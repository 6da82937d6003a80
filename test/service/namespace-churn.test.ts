// Standalone placer with a namespace per CI run: each run applies a NamespacePolicy and a
// ResourceQuota, places a pod through the extender (filter, bind) whose node affinity and
// toleration name the run, and is torn down — the pod released, the quota and the policy deleted
// through the API. The engine's names (namespaces, constraint programs, label values, toleration
// keys), its namespace rows and every gauge return to what they were before the runs.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { harness, type Harness, type Obj } from './harness.js';

const HOSTS = ['c-1', 'c-2', 'c-3'];
const RUNS = 500;

function node(name: string): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'ci.example.com/pool': 'ci' } },
    status: { allocatable: { cpu: '32', memory: '128Gi', pods: '110' } },
  };
}

/** Run r's namespace objects: a reservation and a quota. */
function namespaceObjects(r: number): Obj[] {
  const namespace = `ci-${r}`;
  return [
    {
      apiVersion: 'placer.dev/v1alpha1',
      kind: 'NamespacePolicy',
      metadata: { name: 'policy', namespace },
      spec: { reservation: { cpu: '2' } },
    },
    { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'quota', namespace }, spec: { hard: { 'requests.cpu': '4' } } },
  ];
}

/** Run r's pod: a node affinity and a toleration naming the run (a constraint program of its own). */
function runPod(r: number): Obj {
  return {
    metadata: { name: `test-${r}`, namespace: `ci-${r}`, uid: `uid-${r}`, labels: { 'ci.example.com/run': `run-${r}` } },
    spec: {
      containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '500m', memory: '64Mi' } } }],
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              {
                matchExpressions: [
                  { key: 'ci.example.com/pool', operator: 'In', values: ['ci', `pool-${r}`] },
                  { key: 'ci.example.com/excluded', operator: 'NotIn', values: [`run-${r}`] },
                ],
              },
            ],
          },
        },
      },
      tolerations: [{ key: `ci.example.com/run-${r}`, operator: 'Exists', effect: 'NoSchedule' }],
    },
  };
}

/** One value of a gauge in /metrics text, by its labels (`` for none). */
function gauge(text: string, name: string, labels = ''): number {
  const m = new RegExp(`^${name}${labels.replace(/[{}]/g, '\\$&')} ([0-9.e+-]+)$`, 'm').exec(text);
  if (!m) throw new Error(`${name}${labels} is not in /metrics`);
  return Number(m[1]);
}

describe('standalone: a namespace per CI run', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
    expect((await h.json('POST', '/v1/apply', HOSTS.map(node))).status).toBe(200);
  });
  afterEach(() => h.close());

  async function ciRun(r: number): Promise<void> {
    expect((await h.json('POST', '/v1/apply', namespaceObjects(r))).status).toBe(200);
    const f = await h.json<{ NodeNames: string[]; Error: string }>('POST', '/scheduler/filter', {
      Pod: runPod(r),
      Nodes: null,
      NodeNames: HOSTS,
    });
    expect(f.body.NodeNames).toEqual(HOSTS);
    const b = await h.json<{ Error: string }>('POST', '/scheduler/bind', {
      PodName: `test-${r}`,
      PodNamespace: `ci-${r}`,
      PodUID: `uid-${r}`,
      Node: HOSTS[r % 3],
    });
    expect(b.body.Error).toBe('');
  }

  async function teardown(r: number): Promise<void> {
    expect((await h.json('DELETE', `/v1/namespaces/ci-${r}/Pod/test-${r}`)).status).toBe(200);
    const q = await h.json<Obj>('DELETE', `/v1/namespaces/ci-${r}/ResourceQuota/quota`);
    expect(q).toMatchObject({ status: 200, body: { status: 'Success', message: `ResourceQuota ci-${r}/quota deleted` } });
    expect((await h.json('DELETE', `/v1/namespaces/ci-${r}/NamespacePolicy/policy`)).status).toBe(200);
  }

  async function snapshot(): Promise<{ retained: unknown; stats: unknown; namespaces: unknown; engineNames: number }> {
    h.state.engine.collectClasses();
    const text = await (await h.request('GET', '/metrics')).text();
    const retained = h.state.retained();
    // parsed pod texts and pod contents are LRU caches of 256, whatever the namespaces
    expect(retained.cacheEntries.extender_pod_texts).toBeLessThanOrEqual(256);
    expect(retained.cacheEntries.extender_pod_contents).toBeLessThanOrEqual(256);
    return {
      retained: { ...retained, cacheEntries: { ...retained.cacheEntries, extender_pod_texts: 0, extender_pod_contents: 0 } },
      stats: { ...h.state.engine.stats(), backendMemoryBytes: 0 },
      namespaces: (await h.json<{ items: unknown[] }>('GET', '/v1/namespaces')).body.items,
      engineNames: gauge(text, 'placer_engine_interned_names', '{table="engine"}'),
    };
  }

  it(`${RUNS} namespaces created, used and deleted: the engine and its gauges back to their baseline`, async () => {
    // the first run opens the label columns its affinity names (the host table's, kept)
    await ciRun(0);
    await teardown(0);
    const base = await snapshot();
    expect(base.namespaces).toEqual([]);
    let mostRows = 0;
    for (let r = 1; r <= RUNS; r++) {
      await ciRun(r);
      // a namespace deleted while its pod runs: the placement and its usage stay
      if (r === 7) {
        expect((await h.json('DELETE', `/v1/namespaces/ci-${r}/NamespacePolicy/policy`)).status).toBe(200);
        h.state.engine.collectClasses();
        const ns = (await h.json<{ items: Obj[] }>('GET', '/v1/namespaces')).body.items.find((n) => n.namespace === 'ci-7');
        expect(ns).toMatchObject({ used: { cpu: '500m' }, reservation: {} });
        expect((await h.json('DELETE', `/v1/namespaces/ci-${r}/Pod/test-${r}`)).status).toBe(200);
        expect((await h.json('DELETE', `/v1/namespaces/ci-${r}/ResourceQuota/quota`)).status).toBe(200);
      } else await teardown(r);
      mostRows = Math.max(mostRows, h.state.engine.ledger().nsUsed.length);
    }
    expect(await snapshot()).toEqual(base);
    // namespace ledger rows: those of the namespaces a class collection waits for (64 classes'),
    // reused, not one per namespace ever seen
    expect(mostRows).toBeLessThanOrEqual(2 * 64);
    expect(h.state.engine.ledger().nsUsed.length).toBe(mostRows);
    // a restart loads what is stored: no namespace of the runs (nor the label columns they opened)
    await h.restart();
    const reopened = await snapshot();
    expect(reopened.namespaces).toEqual([]);
    expect(reopened.engineNames).toBeLessThanOrEqual(base.engineNames);
  });

  it('a deleted quota or policy is gone from the store; an unknown one is a 404 Status', async () => {
    await ciRun(1);
    await teardown(1);
    await h.restart();
    expect((await h.json<{ items: unknown[] }>('GET', '/v1/namespaces')).body.items).toEqual([]);
    const missing = await h.json<Obj>('DELETE', '/v1/namespaces/ci-1/ResourceQuota/quota');
    expect(missing).toMatchObject({
      status: 404,
      body: {
        kind: 'Status',
        reason: 'NotFound',
        message: 'ResourceQuota ci-1/quota not found',
        details: { name: 'quota', kind: 'ResourceQuota' },
      },
    });
  });
});
