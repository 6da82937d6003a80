// The extender's fast paths (service/server/routes/extender-wire.ts): a body shaped as Go writes
// it (NodeNames last) is read as the pod and the list apart (the split path), and from the third
// time a list is seen, requests ending with it are answered without parsing it, from pre-encoded
// bytes (the known-list path). Every answer must equal the general path's: the same request with
// NodeNames first (which takes neither).

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cappedQuota, extenderNode, goOrder, mixedExtenderCluster, namesFirst } from '../fixtures/extender-cluster.js';
import { fixture, harness, type Harness, type Obj } from './harness.js';

function pod(
  name: string,
  cpu: string,
  memory: string,
  extra: { namespace?: string; uid?: string; priorityClassName?: string; priority?: number } = {},
): Obj {
  return {
    metadata: { name, namespace: extra.namespace ?? 'apps', uid: extra.uid ?? `uid-${name}`, labels: { app: name } },
    spec: {
      containers: [{ name: 'c', image: 'x', resources: { requests: { cpu, memory } } }],
      ...(extra.priorityClassName !== undefined && { priorityClassName: extra.priorityClassName }),
      ...(extra.priority !== undefined && { priority: extra.priority }),
    },
    status: { phase: 'Pending' },
  };
}

describe('extender: the known-list fast path answers what the general path answers', () => {
  let h: Harness;
  const names: string[] = [];
  beforeEach(async () => {
    h = await harness();
    // a mix: big, small, tainted, cordoned (see the fixture)
    const cluster = mixedExtenderCluster(40, () => 'yes');
    names.push(...cluster.names);
    const r = await h.json('POST', '/v1/apply', [...cluster.objects, cappedQuota()]);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  });
  afterEach(() => {
    h.close();
    names.length = 0;
  });

  /**
   * Send the request four times in Go's order (the first three take the split path, the 4th the known-list path) and
   * once NodeNames first.
   */
  async function same(verb: 'filter' | 'prioritize', p: Obj, list: unknown, trailer = ''): Promise<unknown> {
    const general = await h.json('POST', `/scheduler/${verb}`, namesFirst(p, list), { 'content-type': 'application/json' });
    expect(general.status).toBe(200);
    for (let k = 0; k < 4; k++) {
      const r = await h.json('POST', `/scheduler/${verb}`, goOrder(p, list) + trailer, { 'content-type': 'application/json' });
      expect(r.status).toBe(200);
      expect(r.body).toEqual(general.body);
      if (verb === 'filter')
        expect(Object.keys(r.body as Obj)).toEqual(['Nodes', 'NodeNames', 'FailedNodes', 'FailedAndUnresolvableNodes', 'Error']);
    }
    return general.body;
  }

  it('feasible, full, tainted and cordoned hosts; failures keep their grade', async () => {
    const f = (await same('filter', pod('web-1', '2', '4Gi'), names)) as Obj;
    expect((f.NodeNames as string[]).length).toBeGreaterThan(20);
    expect(Object.keys(f.FailedNodes as Obj).length).toBeGreaterThan(0); // the 4-cpu hosts holding 3 cpu
    expect(Object.values(f.FailedAndUnresolvableNodes as Obj)).toContain('placer: host(s) had untolerated taint {maint: yes}');
    expect(Object.values(f.FailedAndUnresolvableNodes as Obj)).toContain('placer: host(s) were unschedulable');
    const p = (await same('prioritize', pod('web-1', '2', '4Gi'), names)) as Obj[];
    expect(p.map((e) => e.Host)).toEqual(names);
  });

  it('score 10 (a host the pod fills exactly, MostAllocated) shifts the rest of the list correctly', async () => {
    const p = (await same('prioritize', pod('db-1', '2', '4Gi', { namespace: 'packed' }), names)) as Obj[];
    expect(p.find((e) => e.Host === 'esx-007')!.Score).toBe(10);
    expect(p.filter((e) => e.Score === 10)).toHaveLength(1);
    await same('filter', pod('db-1', '2', '4Gi', { namespace: 'packed' }), names);
  });

  it('unknown hosts, names that need escaping, a shorter list in another order', async () => {
    const odd = ['esx-003', 'nope', 'quote"d', 'ümlaut-\u2028', ...names.slice(10, 20).reverse()];
    await same('filter', pod('web-2', '500m', '1Gi'), odd);
    await same('prioritize', pod('web-2', '500m', '1Gi'), odd);
  });

  it('a list with duplicate names', async () => {
    const dup = [...names.slice(0, 5), ...names.slice(0, 5), 'nope', 'nope'];
    await same('filter', pod('web-3', '500m', '1Gi'), dup);
    await same('prioritize', pod('web-3', '500m', '1Gi'), dup);
  });

  it('a pod rejected at admission (quota) and a pod placer already bound', async () => {
    await same('filter', pod('big', '2', '1Gi', { namespace: 'capped' }), names);
    await same('prioritize', pod('big', '2', '1Gi', { namespace: 'capped' }), names);
    const bound = pod('held-1', '1', '1Gi');
    await h.json('POST', '/scheduler/filter', goOrder(bound, names), { 'content-type': 'application/json' });
    const b = await h.json('POST', '/scheduler/bind', { PodName: 'held-1', PodNamespace: 'apps', PodUID: 'uid-held-1', Node: 'esx-001' });
    expect(b.body).toEqual({ Error: '' });
    const f = (await same('filter', bound, names)) as Obj;
    expect(f.NodeNames).toEqual(['esx-001']);
    await same('prioritize', bound, names);
  });

  it('trailing whitespace after the body; the answers follow state changes between calls', async () => {
    await same('filter', pod('web-4', '1', '1Gi'), names, '\n');
    const before = (await same('prioritize', pod('web-4', '1', '1Gi'), names)) as Obj[];
    // fill esx-001 and cordon esx-002: the next answers must see it
    await h.json('POST', '/v1/apply', [
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'filler', namespace: 'other', uid: 'uid-filler' },
        spec: { nodeName: 'esx-001', containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '60', memory: '1Gi' } } }] },
      },
      extenderNode('esx-002', '64', '512Gi', { unschedulable: true }),
    ]);
    const f = (await same('filter', pod('web-4', '1', '1Gi'), names)) as Obj;
    expect(f.NodeNames).not.toContain('esx-002');
    const after = (await same('prioritize', pod('web-4', '1', '1Gi'), names)) as Obj[];
    expect(after).not.toEqual(before);
  });

  it('consecutive pods failing alike share one filter answer; pods failing elsewhere get their own', async () => {
    // a and b fail on the same hosts (taints, cordons, the busy 4-cpu hosts); c and d elsewhere too
    // the last two fail on every host, for other reasons (quota; capacity, taints, cordons)
    const pods = [
      pod('a', '500m', '1Gi'),
      pod('b', '600m', '1Gi'),
      pod('c', '2', '4Gi'),
      pod('a2', '500m', '1Gi'),
      pod('d', '60', '1Gi'),
      pod('e', '700m', '1Gi', { namespace: 'capped' }),
      pod('q', '2', '1Gi', { namespace: 'capped' }),
      pod('huge', '100', '1Gi'),
    ];
    for (const p of pods) {
      await same('filter', p, names);
      await same('prioritize', p, names);
    }
  });

  it('a prioritize after a change reads the change, not the filter of the same pod before it', async () => {
    const p = pod('web-6', '1', '1Gi');
    await same('filter', p, names);
    // a placement kube-scheduler does not see (a VM; the hosts themselves do not change) fills
    // esx-010 and its score drops
    const before = (
      (await h.json('POST', '/scheduler/prioritize', namesFirst(p, names), { 'content-type': 'application/json' })).body as unknown as Obj[]
    ).find((e) => e.Host === 'esx-010')!.Score as number;
    await h.json('POST', '/v1/apply', [
      {
        apiVersion: 'vmoperator.vmware.com/v1alpha6',
        kind: 'VirtualMachine',
        metadata: { name: 'filler-10', namespace: 'other' },
        spec: { imageName: 'ubuntu', resources: { size: { cpu: '62', memory: '500Gi' } } },
        status: { nodeName: 'esx-010' },
      },
    ]);
    const after = (await same('prioritize', p, names)) as Obj[];
    expect(after.find((e) => e.Host === 'esx-010')!.Score).toBeLessThan(before);
    await same('filter', p, names);
  });

  it('a known list after Nodes, or next to another spelling of NodeNames, is read by the general path', async () => {
    const p = pod('web-5', '1', '1Gi');
    await same('filter', p, names); // the list is known now
    const nodes = { metadata: {}, items: [fixture<{ items: Obj[] }>('nodes.json').items[0]] };
    const withNodes = await h.json(
      'POST',
      '/scheduler/filter',
      `{"Pod":${JSON.stringify(p)},"Nodes":${JSON.stringify(nodes)},"NodeNames":${JSON.stringify(names)}}`,
      { 'content-type': 'application/json' },
    );
    expect(withNodes.body.NodeNames).toBeNull();
    expect(((withNodes.body.Nodes as Obj).items as Obj[]).length).toBe(1);
    const twice = await h.json(
      'POST',
      '/scheduler/filter',
      `{"Pod":${JSON.stringify(p)},"nodenames":["esx-001"],"NodeNames":${JSON.stringify(names)}}`,
      { 'content-type': 'application/json' },
    );
    const general = await h.json(
      'POST',
      '/scheduler/filter',
      JSON.parse(`{"Pod":${JSON.stringify(p)},"nodenames":["esx-001"],"NodeNames":${JSON.stringify(names)}}`),
    );
    expect(twice.body).toEqual(general.body);
  });

  it('a body whose last member is not the list is read by the general path', async () => {
    const p = pod('web-6', '1', '1Gi');
    const general = await h.json('POST', '/scheduler/filter', namesFirst(p, names), { 'content-type': 'application/json' });
    // ends `]}` with a NodeNames key before it, but the part after the key is not one array
    const odd = await h.json(
      'POST',
      '/scheduler/filter',
      `{"Pod":${JSON.stringify(p)},"Nodes":null,"NodeNames":${JSON.stringify(names)},"Extra":["x"]}`,
      { 'content-type': 'application/json' },
    );
    expect(odd.status).toBe(200);
    expect(odd.body).toEqual(general.body);
  });

  it('a pod whose PriorityClass appears later is read again (its priority no longer defaults to 0)', async () => {
    const p = pod('prio-1', '1', '1Gi', { priorityClassName: 'later' });
    await same('filter', p, names);
    await h.json('POST', '/v1/apply', [
      { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'later' }, value: 1000 },
    ]);
    await same('filter', p, names);
    await same('prioritize', p, names);
  });
});
