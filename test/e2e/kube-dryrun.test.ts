// POST /v1/apply?dryRun in Kubernetes mode: a what-if against the mirrored cluster. A real
// `placer serve --kubeconfig` against the fake API server answers where the request's workloads
// would go, over the nodes, pods and quotas it mirrors, and changes nothing — neither its mirror
// nor the API server (no write reaches it); without dryRun, apply stays a 405.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quota } from '../fixtures/k8s.js';
import { FakeApiServer } from '../apiserver/fake-apiserver.js';
import { call, killAll, kubeconfigFor, removeTempDirs, startReplica, type Replica } from '../apiserver/replica.js';
import { until } from '../apiserver/until.js';
import { hosts, hv, json, placements, web } from './kube-harness.js';

let f: FakeApiServer;
let r: Replica;
beforeAll(async () => {
  f = await FakeApiServer.start({ token: 'e2e-token' });
  r = await startReplica(kubeconfigFor(f));
});
afterAll(async () => {
  killAll();
  await f.stop();
  removeTempDirs();
});

const deployment = (name: string, replicas: number, cpu: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'whatif' },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu, memory: '1Gi' } } }] },
    },
  },
});

describe('POST /v1/apply?dryRun in Kubernetes mode (real process, fake API server)', () => {
  it('answers where the workloads would go over the mirrored cluster, and changes nothing there or in the API server', async () => {
    f.create(hv('w-1').obj());
    f.create(hv('w-2').obj());
    f.create(web('running', 'whatif', '3').nodeName('w-1').obj());
    f.create(quota('compute').ns('whatif').hard({ 'requests.cpu': '6' }).obj());
    await until(async () => (await placements(r, 'whatif'))['whatif/running'] === 'w-1', 5000, 'mirrored');
    const before = json([await hosts(r, 'w-'), await placements(r, 'whatif')]);
    const writes = () => f.requests.filter((q) => q.method !== 'GET').length;
    const writesBefore = writes();

    const dry = await call(r, 'POST', '/v1/apply?dryRun=All', { apiVersion: 'v1', kind: 'List', items: [deployment('web', 3, '1')] });
    expect(dry.status).toBe(200);
    const placed = dry.body.placements as { host: string }[];
    const unplaced = dry.body.unplaced as { reason: string }[];
    // w-1 has 1 cpu left, w-2 has 4; the quota leaves 3 of 6: three replicas fit, on w-2 and w-1
    expect(placed).toHaveLength(3);
    expect(unplaced).toEqual([]);
    expect(placed.filter((p) => p.host === 'w-2').length).toBeGreaterThanOrEqual(2);

    // one more replica than the quota allows: the quota's message, as kube-apiserver's admission says it
    const over = await call(r, 'POST', '/v1/apply?dryRun=true', deployment('web', 4, '1'));
    expect((over.body.unplaced as { reason: string }[]).map((u) => u.reason)).toEqual([
      'exceeded quota: compute, requested: requests.cpu=1, used: requests.cpu=6, limited: requests.cpu=6',
    ]);

    expect(json([await hosts(r, 'w-'), await placements(r, 'whatif')])).toBe(before);
    expect(writes()).toBe(writesBefore);
  });

  it('capacity headroom answers over the mirrored cluster and changes nothing', async () => {
    await until(async () => (await placements(r, 'whatif'))['whatif/running'] === 'w-1', 5000, 'mirrored');
    const before = json([await hosts(r, 'w-'), await placements(r, 'whatif')]);
    const writes = () => f.requests.filter((q) => q.method !== 'GET').length;
    const writesBefore = writes();
    const res = await call(r, 'POST', '/v1/capacity?shape=cpu=1,memory=1Gi&namespace=whatif');
    expect(res.status).toBe(200);
    const [item] = res.body.items as { headroom: number; stoppedBy: { message: string } }[];
    // the quota allows 6 cpu and the running pod uses 3: three more of 1 cpu
    expect(item.headroom).toBe(3);
    expect(item.stoppedBy.message).toMatch(/^exceeded quota: compute/);
    expect(json([await hosts(r, 'w-'), await placements(r, 'whatif')])).toBe(before);
    expect(writes()).toBe(writesBefore);
  });

  it('without dryRun, apply is still refused: the API server is the source of truth', async () => {
    for (const path of ['/v1/apply', '/v1/apply?dryRun=false']) {
      const res = await call(r, 'POST', path, deployment('web', 1, '1'));
      expect(res.status, path).toBe(405);
      expect(res.body).toMatchObject({ kind: 'Status', reason: 'MethodNotAllowed' });
    }
  });
});
