// POST /v1/capacity (docs/api.md): how many more replicas of a shape or of workload manifests fit
// against the service's cluster, every rule applied, per namespace and zone — and nothing changes.
// Each answer is checked by applying that many replicas and one more. Through app.request on a
// real store.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CapacityReportDoc } from '../../service/placement/api-types.js';
import { deployment, node, policy, quota } from '../fixtures/k8s.js';
import { harness, type Harness, type Obj } from './harness.js';

const ZONE = 'topology.kubernetes.io/zone';
// zone a: 2 hosts × 8 cpu; zone b: 1 host × 16 cpu — 32 cores, 32 replicas of 1 core at most
const cluster = (): Obj[] => [
  node('a1')
    .labels({ [ZONE]: 'a' })
    .allocatable({ cpu: '8', memory: '64Gi', pods: '110' })
    .obj(),
  node('a2')
    .labels({ [ZONE]: 'a' })
    .allocatable({ cpu: '8', memory: '64Gi', pods: '110' })
    .obj(),
  node('b1')
    .labels({ [ZONE]: 'b' })
    .allocatable({ cpu: '16', memory: '64Gi', pods: '110' })
    .obj(),
  quota('web').ns('team').hard({ 'requests.cpu': '6' }).obj(),
  policy('policy').ns('other').reservation({ cpu: '4' }).obj(),
];

describe('POST /v1/capacity', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
    expect((await h.json('POST', '/v1/apply', cluster())).status).toBe(200);
  });
  afterEach(() => h.close());

  const snapshot = async () =>
    Promise.all(['/v1/hosts', '/v1/namespaces', '/v1/placements', '/v1/pending'].map(async (p) => (await h.json('GET', p)).body));
  const ask = async (query: string, body?: unknown) => {
    const r = await h.json<CapacityReportDoc>('POST', `/v1/capacity${query}`, body);
    expect(r.status).toBe(200);
    return r.body;
  };

  it('a shape in a namespace: its quota, the quota aside, per zone; the answers hold, nothing changes', async () => {
    const before = await snapshot();
    const doc = await ask('?shape=cpu=1,memory=1Gi&namespace=team');
    expect(doc.kind).toBe('CapacityReport');
    const [item] = doc.items;
    // quota requests.cpu 6 ÷ 1 = 6; aside, 32 cores less namespace other's 4 reserved = 28; zone a 16, zone b 16 (both under the quota: 6)
    expect(item).toMatchObject({
      namespace: 'team',
      workload: { shape: { cpu: '1', memory: '1Gi' } },
      headroom: 6,
      stoppedBy: { message: 'exceeded quota: web, requested: requests.cpu=1, used: requests.cpu=6, limited: requests.cpu=6' },
      quotaAside: { headroom: 28 },
      zones: [
        { zone: 'a', headroom: 6 },
        { zone: 'b', headroom: 6 },
      ],
    });
    expect(item.quotaAside.stoppedBy?.message).toMatch(
      /^exceeds unreserved capacity: requested: cpu=1, free: cpu=4, reserved for other namespaces: cpu=4/,
    );
    expect(await snapshot()).toEqual(before);
    // Applying 6 places 6; a 7th is refused with the message given.
    const six = await h.json<Obj>('POST', '/v1/apply', [
      deployment('web').ns('team').replicas(6).container({ cpu: '1', memory: '1Gi' }).obj(),
    ]);
    expect((six.body.summary as Obj).placed).toBe(6);
    const seventh = await h.json<Obj>('POST', '/v1/apply', [
      deployment('more').ns('team').replicas(1).container({ cpu: '1', memory: '1Gi' }).obj(),
    ]);
    expect((seventh.body.unplaced as Obj[])[0].reason).toBe(item.stoppedBy!.message);
  });

  it('workload manifests in the body: each in its own namespace', async () => {
    const doc = await ask('', [deployment('api').ns('free').replicas(3).container({ cpu: '2', memory: '1Gi' }).obj()]);
    // no quota in namespace free: 28 cores outside other's reservation ÷ 2 = 14
    expect(doc.items.map((i) => [i.namespace, i.workload, i.headroom])).toEqual([['free', { kind: 'Deployment', name: 'api' }, 14]]);
  });

  it('allNamespaces: every namespace placer holds objects or placements in', async () => {
    const doc = await ask('?shape=cpu=1&allNamespaces=true');
    expect(doc.items.map((i) => [i.namespace, i.headroom])).toEqual([
      ['other', 32], // its own reservation is its to use
      ['team', 6],
    ]);
  });

  it.each([
    ['?shape=cpu=8x', 400, 'query parameter shape[cpu]: Invalid value: "8x"'],
    ['?shape=cpu', 400, 'expected resource=quantity pairs'],
    ['?shape=cpu=0', 400, 'must be positive'],
    ['?shape=cpu=1&allNamespaces=maybe', 400, 'query parameter allNamespaces: unsupported value "maybe": expected true, false'],
    ['?shape=cpu=1&zone=a', 400, 'unknown query parameter "zone"'],
    ['?shape=cpu=1&namespace=team&allNamespaces=true', 400, 'give namespace or allNamespaces=true, not both'],
    ['?namespace=team', 400, 'namespace and allNamespaces go with shape'],
  ])('%s answers %i', async (query, status, message) => {
    const before = await snapshot();
    const r = await h.json<Obj>('POST', `/v1/capacity${query}`, query.includes('shape') ? undefined : [deployment('x').obj()]);
    expect(r.status).toBe(status);
    expect(r.body).toMatchObject({ kind: 'Status', code: status });
    expect(String(r.body.message)).toContain(message);
    expect(await snapshot()).toEqual(before);
  });

  it('infrastructure in the body is refused: capacity takes workloads', async () => {
    const r = await h.json<Obj>('POST', '/v1/capacity', [node('x').obj()]);
    expect(r.status).toBe(422);
    expect(String(r.body.message)).toContain('Node is infrastructure: capacity takes workloads');
  });

  it('a shape with a body is refused', async () => {
    const r = await h.json<Obj>('POST', '/v1/capacity?shape=cpu=1', [deployment('x').obj()]);
    expect(r.status).toBe(400);
  });
});
