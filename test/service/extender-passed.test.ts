// kube-scheduler's default sequence with its adaptive percentageOfNodesToScore: every pod gets a
// list of its own (never pre-encoded), and prioritize follows filter with the pod's bytes again
// and exactly the names the filter answered, in its order. That prioritize is read from the
// filter's parse (PassedMemo in extender-args.ts) — and must answer what the general path (the
// same request, NodeNames first) answers, from the state as it is when prioritize comes, in
// every variation: another pod, another order, a change in between (the filter's verdicts of
// those nodes, JudgedMemo.passed, are reused only while the pod and the engine are unchanged).

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cappedQuota, goOrder, mixedExtenderCluster, namesFirst } from '../fixtures/extender-cluster.js';
import { harness, type Harness, type Obj } from './harness.js';

function pod(name: string, cpu: string, namespace = 'apps'): Obj {
  return {
    metadata: { name, namespace, uid: `uid-${name}`, labels: { app: name } },
    spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu, memory: '1Gi' } } }] },
    status: { phase: 'Pending' },
  };
}

const JSON_TYPE = { 'content-type': 'application/json' };

describe('extender: a prioritize after the filter of its pod, over a list of its own', () => {
  let h: Harness;
  let names: string[] = [];
  beforeEach(async () => {
    h = await harness();
    const cluster = mixedExtenderCluster(60, () => 'yes');
    names = cluster.names;
    const r = await h.json('POST', '/v1/apply', [...cluster.objects, cappedQuota()]);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  });
  afterEach(() => h.close());

  /** Pod k's share of the nodes, as kube-scheduler rotates its start: a list no other pod gets. */
  const share = (k: number): string[] => Array.from({ length: 23 }, (_, i) => names[(k * 23 + i) % names.length]);

  /** filter as the general path reads it, then in Go's order (last: what prioritize follows). */
  async function filter(p: Obj, list: string[]): Promise<Obj> {
    const general = await h.json('POST', '/scheduler/filter', namesFirst(p, list), JSON_TYPE);
    const r = await h.json('POST', '/scheduler/filter', goOrder(p, list), JSON_TYPE);
    expect(r.status).toBe(200);
    expect(r.body).toEqual(general.body);
    return r.body;
  }

  /** prioritize in Go's order, then as the general path reads it: the same answer. */
  async function prioritize(p: Obj, list: string[]): Promise<Obj[]> {
    const r = await h.json('POST', '/scheduler/prioritize', goOrder(p, list), JSON_TYPE);
    expect(r.status).toBe(200);
    const general = await h.json('POST', '/scheduler/prioritize', namesFirst(p, list), JSON_TYPE);
    expect(r.body).toEqual(general.body);
    return r.body as unknown as Obj[];
  }

  it('pod after pod: prioritize over the filter’s answer scores those hosts, in that order', async () => {
    const pods = [pod('a', '500m'), pod('b', '2'), pod('c', '60'), pod('d', '700m', 'capped'), pod('e', '1', 'packed'), pod('f', '3')];
    let scored = 0;
    for (let k = 0; k < pods.length; k++) {
      const passed = (await filter(pods[k], share(k))).NodeNames as string[];
      const p = await prioritize(pods[k], passed);
      expect(p.map((e) => e.Host)).toEqual(passed);
      scored += p.length;
    }
    expect(scored).toBeGreaterThan(50);
  });

  it('a prioritize over the filter’s hosts in another order, a subset, or for another pod is read anew', async () => {
    const a = pod('a', '500m');
    const passed = (await filter(a, share(1))).NodeNames as string[];
    expect(passed.length).toBeGreaterThan(3);
    expect((await prioritize(a, [...passed].reverse())).map((e) => e.Host)).toEqual([...passed].reverse());
    await filter(a, share(1));
    expect((await prioritize(a, passed.slice(1))).map((e) => e.Host)).toEqual(passed.slice(1));
    await filter(a, share(1));
    // the same names, a pod one byte different (another request)
    const other = (await prioritize(pod('a', '501m'), passed)).map((e) => e.Score);
    const mostly = await h.json('POST', '/scheduler/prioritize', namesFirst(pod('a', '501m'), passed), JSON_TYPE);
    expect(other).toEqual((mostly.body as unknown as Obj[]).map((e) => e.Score));
  });

  it('every node passing: the answer holds the request’s own list, escapes and all', async () => {
    const fit = names.filter((_, i) => i % 9 !== 4 && i % 13 !== 5).slice(0, 30);
    const p = pod('small', '100m');
    const general = await h.json('POST', '/scheduler/filter', namesFirst(p, fit), JSON_TYPE);
    expect(general.body.NodeNames).toEqual(fit);
    // the same names, written with escapes: the answer decodes to the same names
    const escaped = `[${fit.map((n) => `"\\u0065${n.slice(1)}"`).join(',')}]`;
    const r = await h.json('POST', '/scheduler/filter', `{"Pod":${JSON.stringify(p)},"Nodes":null,"NodeNames":${escaped}}`, JSON_TYPE);
    expect(r.body).toEqual(general.body);
    await filter(p, fit);
    expect((await prioritize(p, fit)).map((e) => e.Host)).toEqual(fit);
  });

  it('a change between filter and prioritize is what prioritize scores', async () => {
    const p = pod('web', '1');
    const passed = (await filter(p, share(2))).NodeNames as string[];
    const host = passed.find((n) => n !== 'esx-007')!;
    const before = await prioritize(p, passed);
    await filter(p, share(2));
    // a VM kube-scheduler does not see fills `host`: its score drops
    const vm = {
      apiVersion: 'vmoperator.vmware.com/v1alpha6',
      kind: 'VirtualMachine',
      metadata: { name: 'filler', namespace: 'other' },
      spec: { imageName: 'ubuntu', resources: { size: { cpu: '40', memory: '300Gi' } } },
      status: { nodeName: host },
    };
    expect((await h.json('POST', '/v1/apply', [vm])).status).toBe(200);
    const after = await prioritize(p, passed);
    expect(after.find((e) => e.Host === host)!.Score).toBeLessThan(before.find((e) => e.Host === host)!.Score as number);
  });
});
