// Contract tests of the read endpoints the web console is built on (docs/api.md): host columns,
// one host in detail, pending workloads, explain (pasted and pending), ETags and 304s, and the
// console's static files. Through app.request on a real store.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deployment, node, pod, policy, quota, vm, vmClass, yamlDocs } from '../fixtures/k8s.js';
import { harness, type Harness, type Obj } from './harness.js';

const ZONE = 'topology.kubernetes.io/zone';
const cluster = (): Obj[] => [
  node('h1')
    .labels({ [ZONE]: 'a', disk: 'ssd' })
    .allocatable({ cpu: '8', memory: '32Gi', pods: '10' })
    .obj(),
  node('h2')
    .labels({ [ZONE]: 'b' })
    .allocatable({ cpu: '16', memory: '64Gi', pods: '10', 'nvidia.com/gpu': '2' })
    .taint('gpu', 'true', 'NoSchedule')
    .obj(),
  node('h3')
    .allocatable({ cpu: '8', memory: '32Gi', pods: '10' })
    .unschedulable()
    .taint('node.kubernetes.io/unschedulable', undefined, 'NoSchedule')
    .obj(),
];

describe('console read endpoints', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness({ limits: { apply: 64 * 1024 } });
  });
  afterEach(() => h.close());

  const apply = async (objs: Obj[]) => {
    const r = await h.json('POST', '/v1/apply', objs);
    expect(r.status).toBe(200);
    return r.body;
  };
  const snapshot = async () =>
    Promise.all(['/v1/hosts', '/v1/namespaces', '/v1/placements', '/v1/pending'].map(async (p) => (await h.json('GET', p)).body));

  it('GET /v1/hosts?format=columns: every host in columns, amounts in engine units, zone label values by index', async () => {
    await apply([
      ...cluster(),
      pod('a').ns('x').container({ cpu: '1500m', memory: '2Gi' }).nodeName('h1').obj(),
      pod('b').ns('y').container({ cpu: '1' }).nodeName('h1').obj(),
    ]);
    const r = await h.json('GET', `/v1/hosts?format=columns&labels=${ZONE},disk`);
    expect(r.status).toBe(200);
    const c = r.body;
    expect(c).toMatchObject({
      apiVersion: 'placer.dev/v1alpha1',
      kind: 'HostColumns',
      names: ['h1', 'h2', 'h3'],
      unschedulable: [0, 0, 1],
      taints: [0, 1, 0],
      workloads: [2, 0, 0],
    });
    const res = c.resources as string[];
    expect(res).toEqual(expect.arrayContaining(['cpu', 'memory', 'pods', 'nvidia.com/gpu']));
    expect((c.allocatable as Record<string, number[]>).cpu).toEqual([8000, 16000, 8000]);
    expect((c.used as Record<string, number[]>).cpu).toEqual([2500, 0, 0]);
    expect((c.used as Record<string, number[]>).memory).toEqual([2 * 2 ** 30, 0, 0]);
    expect((c.allocatable as Record<string, number[]>)['nvidia.com/gpu']).toEqual([0, 2, 0]);
    expect(c.labels).toEqual({ [ZONE]: { values: ['a', 'b'], index: [0, 1, -1] }, disk: { values: ['ssd'], index: [0, -1, -1] } });
    // without labels=: no label columns
    expect((await h.json('GET', '/v1/hosts?format=columns')).body.labels).toEqual({});
  });

  it('GET /v1/hosts/{name}: labels, taints, amounts, workloads per namespace; 404 for an unknown host', async () => {
    await apply([
      ...cluster(),
      pod('a').ns('x').container({ cpu: '1', memory: '1Gi' }).nodeName('h1').obj(),
      pod('b').ns('x').container({ cpu: '1' }).nodeName('h1').obj(),
      pod('c').ns('y').container({ cpu: '1' }).nodeName('h1').obj(),
    ]);
    const r = await h.json('GET', '/v1/hosts/h1');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      apiVersion: 'placer.dev/v1alpha1',
      kind: 'Host',
      name: 'h1',
      unschedulable: false,
      labels: { [ZONE]: 'a', disk: 'ssd' },
      taints: [],
      allocatable: { cpu: '8', memory: '32Gi', pods: '10' },
      used: { cpu: '3', memory: '1Gi', pods: '3' },
      utilization: { cpu: 37.5, memory: 3.1, pods: 30 },
      workloads: 3,
      namespaces: [
        { namespace: 'x', workloads: 2 },
        { namespace: 'y', workloads: 1 },
      ],
    });
    expect((await h.json('GET', '/v1/hosts/h2')).body.taints).toEqual([{ key: 'gpu', value: 'true', effect: 'NoSchedule' }]);
    // released workloads leave the per-namespace counts
    await h.json('DELETE', '/v1/namespaces/y/Pod/c');
    expect((await h.json('GET', '/v1/hosts/h1')).body.namespaces).toEqual([{ namespace: 'x', workloads: 2 }]);
    const nf = await h.json('GET', '/v1/hosts/nope');
    expect(nf.status).toBe(404);
    expect(nf.body).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404 });
  });

  it('GET /v1/pending: what apply could not place, with the CLI reason; forgotten once placed', async () => {
    const web = (replicas: number) => deployment('web').ns('w').replicas(replicas).container({ cpu: '2', memory: '1Gi' }).obj();
    const first = await apply([...cluster(), quota('q').ns('w').hard({ 'requests.cpu': '4' }).obj(), web(3)]);
    const unplaced = first.unplaced as Obj[];
    expect(unplaced).toHaveLength(1);
    const r = await h.json('GET', '/v1/pending');
    expect(r.body.kind).toBe('PendingList');
    const items = r.body.items as Obj[];
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      namespace: 'w',
      kind: 'Pod',
      name: unplaced[0].name,
      owner: 'Deployment/web',
      reason: unplaced[0].reason,
      grade: 'UnschedulableAndUnresolvable',
    });
    expect(String(items[0].reason)).toMatch(
      /^exceeded quota: q, requested: requests.cpu=2, used: requests.cpu=4, limited: requests.cpu=4$/,
    );
    expect(Date.parse(String(items[0].since))).not.toBeNaN();
    expect((await h.json('GET', '/v1/pending?namespace=other')).body.items).toEqual([]);
    // more quota: re-applying places the pending replica, and it leaves the list
    await apply([quota('q').ns('w').hard({ 'requests.cpu': '6' }).obj(), web(3)]);
    expect((await h.json('GET', '/v1/pending')).body.items).toEqual([]);
  });

  it('POST /v1/explain: the selected host and every rejection grouped by reason; nothing changes', async () => {
    await apply([...cluster(), pod('busy').ns('x').container({ cpu: '7' }).nodeName('h1').obj()]);
    const before = await snapshot();
    const tag = (await h.request('GET', '/v1/hosts')).headers.get('etag');
    const body = yamlDocs(pod('probe').ns('x').container({ cpu: '2', memory: '1Gi' }).obj());
    const r = await h.json('POST', '/v1/explain', body, { 'content-type': 'application/yaml' });
    expect(r.status).toBe(200);
    expect(r.body.kind).toBe('ExplanationList');
    const [e] = r.body.items as Obj[];
    expect(e).toMatchObject({
      namespace: 'x',
      kind: 'Pod',
      name: 'probe',
      replicas: 1,
      admission: null,
      selected: null,
      hosts: 3,
      feasible: [],
    });
    expect(e.rejected).toEqual([
      { reasons: ['Insufficient cpu'], grade: 'Unschedulable', hosts: ['h1'] },
      { reasons: ['host(s) had untolerated taint {gpu: true}'], grade: 'UnschedulableAndUnresolvable', hosts: ['h2'] },
      {
        reasons: ['host(s) were unschedulable', 'host(s) had untolerated taint {node.kubernetes.io/unschedulable: }'],
        grade: 'UnschedulableAndUnresolvable',
        hosts: ['h3'],
      },
    ]);
    expect(e.message).toBe(
      '0/3 hosts are available: 1 Insufficient cpu, 1 host(s) had untolerated taint {gpu: true}, 1 host(s) were unschedulable.',
    );
    // tolerating the GPU taint: h2 is selected
    const tolerant = pod('probe')
      .ns('x')
      .container({ cpu: '2', memory: '1Gi' })
      .toleration({ key: 'gpu', operator: 'Exists', effect: 'NoSchedule' })
      .obj();
    const ok = (await h.json('POST', '/v1/explain', tolerant)).body.items as Obj[];
    expect(ok[0]).toMatchObject({ selected: 'h2', message: null });
    expect((ok[0].feasible as Obj[]).map((f) => f.host)).toEqual(['h2']);
    // dry run: nothing moved, the ETag did not change
    expect(await snapshot()).toEqual(before);
    expect((await h.request('GET', '/v1/hosts', undefined, { 'if-none-match': tag! })).status).toBe(304);
  });

  it('POST /v1/explain resolves VM classes applied earlier and reports admission failures', async () => {
    await apply([
      ...cluster(),
      vmClass('small').ns('v').hardware(2, '4Gi').obj(),
      quota('q').ns('v').hard({ 'requests.cpu': '1' }).obj(),
      policy('p').ns('v').obj(),
    ]);
    const r = await h.json('POST', '/v1/explain', vm('db').ns('v').className('small').obj());
    expect(r.status).toBe(200);
    const [e] = r.body.items as Obj[];
    expect(e).toMatchObject({ kind: 'VirtualMachine', name: 'db', selected: null });
    expect(String(e.admission)).toMatch(/^exceeded quota: q, requested: requests.cpu=2, used: requests.cpu=0, limited: requests.cpu=1$/);
  });

  it('GET /v1/namespaces/{ns}/{kind}/{name}/explain: a pending workload against the cluster now; 409 when placed, 404 otherwise', async () => {
    await apply([...cluster(), pod('big').ns('x').container({ cpu: '12' }).obj(), pod('small').ns('x').container({ cpu: '1' }).obj()]);
    const r = await h.json('GET', '/v1/namespaces/x/pods/big/explain');
    expect(r.status).toBe(200);
    const [e] = r.body.items as Obj[];
    expect(e).toMatchObject({ namespace: 'x', kind: 'Pod', name: 'big', selected: null });
    expect(e.message).toBe(
      '0/3 hosts are available: 1 Insufficient cpu, 1 host(s) had untolerated taint {gpu: true}, 1 host(s) were unschedulable.',
    );
    // a bigger host arrives: the pending pod would go there now (nothing is placed by asking)
    await apply([node('h4').allocatable({ cpu: '32', memory: '64Gi', pods: '10' }).obj()]);
    const now = (await h.json('GET', '/v1/namespaces/x/Pod/big/explain')).body.items as Obj[];
    expect(now[0]).toMatchObject({ selected: 'h4' });
    expect((await h.json('GET', '/v1/pending')).body.items).toHaveLength(1);
    const placed = await h.json('GET', '/v1/namespaces/x/Pod/small/explain');
    expect(placed.status).toBe(409);
    expect(placed.body).toMatchObject({ kind: 'Status', reason: 'Conflict' });
    expect((await h.json('GET', '/v1/namespaces/x/Pod/ghost/explain')).status).toBe(404);
    expect((await h.json('GET', '/v1/namespaces/x/Service/big/explain')).status).toBe(404);
  });

  it('explain input errors are Status objects: 400 broken YAML, 415 media type, 422 infrastructure or no workload, 413 too large', async () => {
    await apply(cluster());
    const broken = await h.json('POST', '/v1/explain', 'kind: Pod\n  metadata: [', { 'content-type': 'application/yaml' });
    expect(broken.status).toBe(400);
    expect(broken.body).toMatchObject({ kind: 'Status', reason: 'BadRequest' });
    expect((await h.json('POST', '/v1/explain', 'x', { 'content-type': 'text/plain' })).status).toBe(415);
    const infra = await h.json('POST', '/v1/explain', node('h9').allocatable({ cpu: '1' }).obj());
    expect(infra.status).toBe(422);
    expect(infra.body).toMatchObject({ reason: 'Invalid', details: { causes: [{ field: 'kind' }] } });
    expect(String(infra.body.message)).toMatch(/Node is infrastructure: explain takes workloads/);
    const none = await h.json('POST', '/v1/explain', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'x' } });
    expect(none.status).toBe(422);
    const bad = await h.json('POST', '/v1/explain', pod('p').ns('x').container({ cpu: '2x' }).obj());
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({ details: { causes: [{ field: 'spec.containers[0].resources.requests.cpu' }] } });
    const big = await h.json('POST', '/v1/explain', `kind: Pod\n# ${'x'.repeat(70 * 1024)}\n`, { 'content-type': 'application/yaml' });
    expect(big.status).toBe(413);
  });

  it('GETs under /v1 carry an ETag; If-None-Match answers 304 until the state changes', async () => {
    await apply(cluster());
    const first = await h.request('GET', '/v1/namespaces');
    const tag = first.headers.get('etag');
    expect(tag).toMatch(/^W\/".+"$/);
    expect(first.headers.get('cache-control')).toBe('no-cache');
    for (const path of ['/v1/namespaces', '/v1/hosts?format=columns', '/v1/pending']) {
      const r = await h.request('GET', path, undefined, { 'if-none-match': tag! });
      expect(r.status).toBe(304);
      expect(await r.text()).toBe('');
    }
    // msgpack answers have their own tag
    expect((await h.request('GET', '/v1/namespaces', undefined, { 'if-none-match': tag!, accept: 'application/vnd.msgpack' })).status).toBe(
      200,
    );
    await apply([pod('a').ns('x').container({ cpu: '1' }).obj()]);
    const after = await h.request('GET', '/v1/namespaces', undefined, { 'if-none-match': tag! });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(tag);
    // a 404 carries no tag
    expect((await h.request('GET', '/v1/hosts/nope')).headers.get('etag')).toBeNull();
  });
});

describe('console static files', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(() => h.close());

  it('serves /ui/ and its hashed assets with content types, caching headers and a CSP; unknown files are 404', async () => {
    expect((await h.request('GET', '/ui')).headers.get('location')).toBe('/ui/');
    expect((await h.request('GET', '/')).headers.get('location')).toBe('/ui/');
    const index = await h.request('GET', '/ui/');
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(index.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    const html = await index.text();
    const js = /src="(assets\/main-[A-Z0-9]+\.js)"/.exec(html)?.[1];
    const css = /href="(assets\/main-[A-Z0-9]+\.css)"/.exec(html)?.[1];
    expect(js).toBeDefined();
    expect(css).toBeDefined();
    // nothing from elsewhere: every URL in the page is relative to placer
    expect(html).not.toMatch(/https?:\/\//);
    const script = await h.request('GET', `/ui/${js}`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await script.text()).length).toBeGreaterThan(1000);
    expect((await h.request('GET', `/ui/${css}`)).headers.get('content-type')).toBe('text/css; charset=utf-8');
    const again = await h.request('GET', '/ui/', undefined, { 'if-none-match': index.headers.get('etag')! });
    expect(again.status).toBe(304);
    const missing = await h.request('GET', '/ui/assets/nope.js');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ kind: 'Status', code: 404 });
    expect((await h.request('GET', '/ui/../package.json')).status).toBe(404);
  });
});
