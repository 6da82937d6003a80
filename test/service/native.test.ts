// Contract tests for the native API (/v1), health and metrics, through app.request.

import { Packr } from 'msgpackr';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { node, pod, policy, quota, deployment, yamlDocs } from '../fixtures/k8s.js';
import { harness, type Harness, type Obj } from './harness.js';

const packr = new Packr({ useRecords: false, mapsAsObjects: true });

const hosts = (): Obj[] => [
  node('h1').labels({ zone: 'a' }).allocatable({ cpu: '8', memory: '32Gi', pods: '10' }).obj(),
  node('h2').labels({ zone: 'b' }).allocatable({ cpu: '8', memory: '32Gi', pods: '10' }).obj(),
];

describe('native API', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness({ limits: { apply: 64 * 1024 } });
  });
  afterEach(() => h.close());

  /** Everything a client can see, to check that a failed request changed nothing. */
  const snapshot = async () =>
    Promise.all(['/v1/hosts', '/v1/namespaces', '/v1/placements'].map(async (p) => (await h.json('GET', p)).body));

  it('applies multi-document YAML and answers the PlacementResult; the placements are listed', async () => {
    const body = yamlDocs(
      ...hosts(),
      quota('q').ns('web').hard({ 'requests.cpu': '10' }).obj(),
      deployment('web').ns('web').replicas(3).container({ cpu: '2', memory: '1Gi' }).obj(),
    );
    const r = await h.json('POST', '/v1/apply', body, { 'content-type': 'application/yaml' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      apiVersion: 'placer.dev/v1alpha1',
      kind: 'PlacementResult',
      strategy: 'LeastAllocated',
      summary: { placed: 3, unplaced: 0, hosts: 2 },
    });
    const placed = r.body.placements as Obj[];
    expect(placed).toHaveLength(3);
    const list = (await h.json('GET', '/v1/placements?namespace=web')).body;
    expect(list.apiVersion).toBe('placer.dev/v1alpha1');
    expect(list.kind).toBe('PlacementList');
    expect((list.items as Obj[]).map((i) => [i.namespace, i.kind, i.name, i.host])).toEqual(
      placed.map((p) => [p.namespace, p.kind, p.name, p.host]).sort((a, b) => String(a[2]).localeCompare(String(b[2]))),
    );
    expect((list.items as Obj[])[0]).toMatchObject({ owner: 'Deployment/web', origin: 'apply' });
    expect((await h.json('GET', '/v1/placements?namespace=other')).body.items).toEqual([]);
  });

  it('re-applying the same manifests places nothing twice (idempotent)', async () => {
    const body = yamlDocs(...hosts(), deployment('web').ns('web').replicas(3).container({ cpu: '2', memory: '1Gi' }).obj());
    const first = await h.json('POST', '/v1/apply', body, { 'content-type': 'application/yaml' });
    const second = await h.json('POST', '/v1/apply', body, { 'content-type': 'application/yaml' });
    expect(second.status).toBe(200);
    expect((second.body.placements as Obj[]).map((p) => [p.name, p.host, p.existing])).toEqual(
      (first.body.placements as Obj[]).map((p) => [p.name, p.host, true]),
    );
    expect((await h.json('GET', '/v1/placements')).body.items).toHaveLength(3);
    const used = ((await h.json('GET', '/v1/namespaces')).body.items as Obj[])[0].used;
    expect(used).toEqual({ cpu: '6', memory: '3Gi', pods: '3' });
  });

  it('takes a JSON object, a List, a JSON array and a msgpack array; answers msgpack when asked', async () => {
    const [h1, h2] = hosts();
    expect((await h.json('POST', '/v1/apply', h1)).status).toBe(200);
    expect((await h.json('POST', '/v1/apply', { apiVersion: 'v1', kind: 'List', items: [h2] })).status).toBe(200);
    expect((await h.json('POST', '/v1/apply', [pod('a').ns('x').container({ cpu: '1' }).obj()])).status).toBe(200);
    const res = await h.request('POST', '/v1/apply', packr.pack([pod('b').ns('x').container({ cpu: '1' }).obj()]), {
      'content-type': 'application/vnd.msgpack',
      accept: 'application/vnd.msgpack',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.msgpack');
    const result = packr.unpack(new Uint8Array(await res.arrayBuffer())) as Obj;
    expect(result).toMatchObject({ kind: 'PlacementResult', placements: [{ namespace: 'x', kind: 'Pod', name: 'b' }] });
    const legacy = await h.request('POST', '/v1/apply', packr.pack(pod('c').ns('x').container({ cpu: '1' }).obj()), {
      'content-type': 'application/x-msgpack',
    });
    expect(legacy.status).toBe(200);
    expect((await h.json('GET', '/v1/hosts')).body.items).toHaveLength(2);
    expect((await h.json('GET', '/v1/placements')).body.items).toHaveLength(3);
  });

  it('lists hosts with allocatable, used and utilization, and namespaces with quota and reservation usage', async () => {
    await h.json('POST', '/v1/apply', [
      ...hosts(),
      quota('compute').ns('pay').hard({ 'requests.cpu': '10', 'count/pods': '5' }).obj(),
      policy('pay').ns('pay').reservation({ cpu: '4' }).obj(),
      pod('p').ns('pay').container({ cpu: '2', memory: '4Gi' }).nodeName('h1').obj(),
    ]);
    const hl = (await h.json('GET', '/v1/hosts')).body;
    expect(hl).toMatchObject({ apiVersion: 'placer.dev/v1alpha1', kind: 'HostList' });
    expect((hl.items as Obj[])[0]).toEqual({
      name: 'h1',
      unschedulable: false,
      allocatable: { cpu: '8', memory: '32Gi', pods: '10' },
      used: { cpu: '2', memory: '4Gi', pods: '1' },
      utilization: { cpu: 25, memory: 12.5, pods: 10 },
      workloads: 1,
    });
    const nl = (await h.json('GET', '/v1/namespaces')).body;
    expect(nl.kind).toBe('NamespaceList');
    expect((nl.items as Obj[]).find((n) => n.namespace === 'pay')).toEqual({
      namespace: 'pay',
      used: { cpu: '2', memory: '4Gi', pods: '1' },
      reservation: { cpu: '4' },
      quotas: [{ name: 'compute', hard: { 'count/pods': '5', 'requests.cpu': '10' }, used: { 'count/pods': '1', 'requests.cpu': '2' } }],
    });
  });

  it('releases a workload; then 404; unknown namespace and kind are 404 Status objects', async () => {
    await h.json('POST', '/v1/apply', [...hosts(), pod('a').ns('x').container({ cpu: '1' }).obj()]);
    const ok = await h.json('DELETE', '/v1/namespaces/x/Pod/a');
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'a', kind: 'Pod' } });
    expect((await h.json('GET', '/v1/placements')).body.items).toEqual([]);
    expect(((await h.json('GET', '/v1/hosts')).body.items as Obj[]).every((x) => Object.keys(x.used as Obj).length === 0)).toBe(true);
    const again = await h.json('DELETE', '/v1/namespaces/x/pods/a');
    expect(again.status).toBe(404);
    expect(again.body).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'NotFound',
      code: 404,
      // placer forgets a namespace with its last placement (a namespace per CI run must not accumulate)
      message: 'namespace "x" not found: placer holds nothing in it',
    });
    await h.json('POST', '/v1/apply', [pod('b').ns('x').container({ cpu: '1' }).obj()]);
    const other = await h.json('DELETE', '/v1/namespaces/x/pods/a');
    expect(other).toMatchObject({ status: 404, body: { message: 'Pod x/a not found: placer does not hold it' } });
    const ns = await h.json('DELETE', '/v1/namespaces/nowhere/Pod/a');
    expect(ns.status).toBe(404);
    expect(ns.body.message).toMatch(/namespace "nowhere" not found/);
    const kind = await h.json('DELETE', '/v1/namespaces/x/Deployment/a');
    expect(kind.status).toBe(404);
    expect(kind.body.message).toMatch(/placer places Pod and VirtualMachine, not "Deployment"/);
  });

  it('removes an empty host; a host that holds workloads is a 409 Conflict', async () => {
    await h.json('POST', '/v1/apply', [...hosts(), pod('a').ns('x').container({ cpu: '1' }).nodeName('h1').obj()]);
    const busy = await h.json('DELETE', '/v1/hosts/h1');
    expect(busy.status).toBe(409);
    expect(busy.body).toMatchObject({ kind: 'Status', reason: 'Conflict', code: 409 });
    expect((await h.json('DELETE', '/v1/hosts/h2')).status).toBe(200);
    expect((await h.json('DELETE', '/v1/hosts/h2')).status).toBe(404);
    await h.restart();
    expect(((await h.json('GET', '/v1/hosts')).body.items as Obj[]).map((x) => x.name)).toEqual(['h1']);
  });

  it.each([
    ['malformed JSON', '{"apiVersion": "v1", "kind": ', 'application/json', 400, 'BadRequest', /invalid JSON/],
    ['broken YAML', 'apiVersion: v1\nkind: Pod\nmetadata: {name: p\n', 'application/yaml', 400, 'BadRequest', /invalid YAML/],
    ['wrong content type', 'apiVersion: v1', 'text/html', 415, 'UnsupportedMediaType', /unknown format "text\/html"/],
    ['broken msgpack', new Uint8Array([0xc1, 0xc1]), 'application/vnd.msgpack', 400, 'BadRequest', /not valid msgpack/],
    ['empty body', '', 'application/json', 400, 'BadRequest', /empty/],
  ])('%s: Status %s and nothing changes', async (_, body, type, code, reason, message) => {
    await h.json('POST', '/v1/apply', hosts());
    const before = await snapshot();
    const r = await h.json('POST', '/v1/apply', body, { 'content-type': type });
    expect(r.status).toBe(code);
    expect(r.body).toMatchObject({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason, code });
    expect(r.body.message).toMatch(message);
    expect(await snapshot()).toEqual(before);
  });

  it.each([
    ['negative quantity', '-1', /spec\.containers\[0\]\.resources\.requests\.cpu/, /must be greater than or equal to 0/],
    ['malformed quantity', '2 cores', /spec\.containers\[0\]\.resources\.requests\.cpu/, /quantities must match the regular expression/],
  ])('%s: 422 Invalid with the field path; nothing of the request is applied', async (_, cpu, field, message) => {
    await h.json('POST', '/v1/apply', hosts());
    const before = await snapshot();
    // a valid new host and pod before the bad one: none of them may stay
    const body = [
      node('h3').allocatable({ cpu: '8', memory: '8Gi' }).obj(),
      pod('ok').ns('x').container({ cpu: '1' }).obj(),
      pod('bad').ns('x').container({ cpu }).obj(),
    ];
    const r = await h.json('POST', '/v1/apply', body);
    expect(r.status).toBe(422);
    expect(r.body).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'Invalid',
      code: 422,
      details: { kind: 'Pod', name: 'x/bad' },
    });
    const cause = ((r.body.details as Obj).causes as Obj[])[0];
    expect(cause.reason).toBe('FieldValueInvalid');
    expect(cause.field).toMatch(field);
    expect(cause.message).toMatch(message);
    expect(await snapshot()).toEqual(before);
  });

  it('a reservation that cannot be honoured is 422 and rolls back everything of the request', async () => {
    await h.json('POST', '/v1/apply', hosts());
    const before = await snapshot();
    const r = await h.json('POST', '/v1/apply', [
      quota('q').ns('a').hard({ 'requests.cpu': '1' }).obj(),
      policy('a').ns('a').reservation({ cpu: '100' }).obj(),
      pod('p').ns('a').container({ cpu: '1' }).nodeName('h1').obj(),
    ]);
    expect(r.status).toBe(422);
    expect(r.body.message).toMatch(/reservations cannot be honoured/);
    expect(((r.body.details as Obj).causes as Obj[])[0].field).toBe('[1].spec.reservation[cpu]'); // the policy is item 1 of the array
    expect(await snapshot()).toEqual(before);
    await h.restart();
    expect(await snapshot()).toEqual(before);
  });

  it('a running pod on another host than placer holds is a 409 Conflict', async () => {
    await h.json('POST', '/v1/apply', [...hosts(), pod('a').ns('x').container({ cpu: '1' }).nodeName('h1').obj()]);
    const r = await h.json('POST', '/v1/apply', [pod('a').ns('x').container({ cpu: '1' }).nodeName('h2').obj()]);
    expect(r.status).toBe(409);
    expect(r.body.message).toMatch(/runs on host h1 according to placer, not on h2/);
  });

  it('an oversized body is 413, by Content-Length or while streaming', async () => {
    const big = JSON.stringify([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { x: 'y'.repeat(70 * 1024) } }]);
    const r = await h.json('POST', '/v1/apply', big, { 'content-type': 'application/json' });
    expect(r.status).toBe(413);
    expect(r.body).toMatchObject({ kind: 'Status', reason: 'RequestEntityTooLarge', code: 413 });
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < 80; i++) c.enqueue(new TextEncoder().encode('x'.repeat(1024)));
        c.close();
      },
    });
    const res = await h.request('POST', '/v1/apply', stream, { 'content-type': 'application/json' });
    expect(res.status).toBe(413);
  });

  it('restart finds every placement and the same ledgers', async () => {
    await h.json('POST', '/v1/apply', [...hosts(), deployment('web').ns('web').replicas(4).container({ cpu: '1', memory: '2Gi' }).obj()]);
    const before = await snapshot();
    await h.restart();
    expect(await snapshot()).toEqual(before);
  });

  it('unknown routes are 404 Status objects', async () => {
    const r = await h.json('GET', '/v2/everything');
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404 });
  });
});

describe('health and metrics', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(() => h.close());

  it('livez always; readyz and healthz only once loaded and until shutdown; API 503 before loading', async () => {
    expect((await h.request('GET', '/livez')).status).toBe(200);
    expect((await h.request('GET', '/readyz')).status).toBe(200);
    h.lifecycle.loaded = false;
    expect((await h.request('GET', '/livez')).status).toBe(200);
    expect((await h.request('GET', '/readyz')).status).toBe(503);
    expect(await (await h.request('GET', '/readyz?verbose')).text()).toContain('[-]state-loaded failed');
    const api = await h.json('GET', '/v1/hosts');
    expect(api.status).toBe(503);
    expect(api.body).toMatchObject({ kind: 'Status', reason: 'ServiceUnavailable' });
    h.lifecycle.loaded = true;
    h.lifecycle.shuttingDown = true;
    expect((await h.request('GET', '/readyz')).status).toBe(503);
    expect((await h.request('GET', '/healthz')).status).toBe(503);
  });

  it('a failing probe is logged as Kubernetes components do: at info when the verdict changes, never as an error', async () => {
    h.lifecycle.loaded = false;
    for (let i = 0; i < 5; i++) expect((await h.request('GET', '/readyz')).status).toBe(503);
    h.lifecycle.loaded = true;
    expect((await h.request('GET', '/readyz')).status).toBe(200);
    expect((await h.request('GET', '/readyz')).status).toBe(200);
    expect(h.logs.filter((l) => (l.level as number) >= 50)).toEqual([]);
    const verdicts = h.logs.filter((l) => l.probe === 'readyz').map((l) => [l.level, l.msg, l.failed]);
    expect(verdicts).toEqual([
      [30, 'readyz check failed', ['state-loaded']],
      [30, 'readyz check passed', undefined],
    ]);
  });

  it('/metrics: kube-scheduler-shaped attempts, durations, extender verb latencies, quota gauges', async () => {
    await h.json('POST', '/v1/apply', [
      ...hosts(),
      quota('compute').ns('pay').hard({ 'requests.cpu': '3' }).obj(),
      deployment('web').ns('pay').replicas(4).container({ cpu: '1' }).obj(),
    ]);
    await h.json('POST', '/scheduler/filter', { Pod: pod('e').ns('pay').container({ cpu: '1' }).obj(), NodeNames: ['h1', 'h2'] });
    const res = await h.request('GET', '/metrics');
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toContain('placer_schedule_attempts_total{result="scheduled",profile="native"} 3');
    expect(text).toContain('placer_schedule_attempts_total{result="unschedulable",profile="native"} 1');
    expect(text).toContain('placer_schedule_attempts_total{result="unschedulable",profile="extender"} 1');
    expect(text).toMatch(/placer_scheduling_attempt_duration_seconds_bucket\{le="0\.001",result="scheduled",profile="native"\} \d+/);
    expect(text).toMatch(/placer_extender_request_duration_seconds_count\{verb="filter",result="success"\} 1/);
    expect(text).toContain('placer_resourcequota{namespace="pay",resourcequota="compute",resource="requests.cpu",type="hard"} 3');
    expect(text).toContain('placer_resourcequota{namespace="pay",resourcequota="compute",resource="requests.cpu",type="used"} 3');
    expect(text).toContain('placer_placements 3');
    expect(text).toContain('placer_hosts 2');
    expect(text).toMatch(/placer_process_cpu_user_seconds_total \d/);
  });
});
