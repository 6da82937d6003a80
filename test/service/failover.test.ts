// GET /v1/failover and POST /v1/failover/simulate (docs/failover.md, docs/api.md): the engine's
// failover report and restart plans as documents with quantities, a NamespacePolicy's
// spec.failover reaching the engine by every path (apply, the store after a restart, Kubernetes
// mode's mirror), 400s naming the field of a bad simulation, and nothing changed. Through
// app.request on a real store.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FailoverReportDoc, FailoverSimulationDoc } from '../../service/placement/api-types.js';
import type { Manifest } from '../../service/manifests/index.js';
import { MEMORY } from '../../service/state/store.js';
import { PlacerState } from '../../service/state/state.js';
import { deployment, node, policy } from '../fixtures/k8s.js';
import { harness, type Harness, type Obj } from './harness.js';

const ZONE = 'topology.kubernetes.io/zone';
const host = (name: string, zone: string): Obj =>
  node(name)
    .labels({ [ZONE]: zone })
    .allocatable({ cpu: '8', memory: '32Gi', pods: '110' })
    .obj();
// three hosts of 8 cores; `ha` tolerates one host failure: 6 × 1 core, 2 per host (LeastAllocated)
const cluster = (): Obj[] => [
  host('a1', 'a'),
  host('a2', 'a'),
  host('b1', 'b'),
  policy('ha').ns('ha').failover({ hostFailuresToTolerate: 1 }).obj(),
  deployment('db').ns('ha').replicas(6).container({ cpu: '1', memory: '1Gi' }).obj(),
  deployment('web').ns('free').replicas(3).container({ cpu: '1', memory: '1Gi' }).obj(),
];

describe('GET /v1/failover, POST /v1/failover/simulate', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
    expect((await h.json('POST', '/v1/apply', cluster())).status).toBe(200);
  });
  afterEach(() => h.close());

  const report = async (): Promise<FailoverReportDoc> => {
    const r = await h.json<FailoverReportDoc>('GET', '/v1/failover');
    expect(r.status).toBe(200);
    return r.body;
  };
  const simulate = (body: unknown) => h.json<FailoverSimulationDoc & Obj>('POST', '/v1/failover/simulate', body);

  it('reports the protected namespace, each host’s restart plan and the room held, in quantities; it survives a restart', async () => {
    const doc = await report();
    expect(doc).toMatchObject({ apiVersion: 'placer.dev/v1alpha1', kind: 'FailoverReport' });
    expect(doc.namespaces).toHaveLength(1);
    expect(doc.namespaces[0]).toMatchObject({
      namespace: 'ha',
      policy: { hostFailuresToTolerate: 1, zoneFailuresToTolerate: 0 },
      kept: true,
      violation: null,
    });
    expect(doc.namespaces[0].toleratesHosts).toBeGreaterThanOrEqual(1);
    // every protected db replica is on some host and each host's plan restarts exactly its own, elsewhere
    const placements = (await h.json<{ items: { namespace: string; name: string; host: string }[] }>('GET', '/v1/placements')).body.items;
    const dbOn = (name: string) => placements.filter((p) => p.namespace === 'ha' && p.host === name).map((p) => p.name);
    expect(doc.hosts.reduce((n, x) => n + x.protectedWorkloads, 0)).toBe(6);
    for (const x of doc.hosts) {
      expect(x.protectedWorkloads).toBe(dbOn(x.host).length);
      expect(x.absorbed).toBe(true);
      expect(x.plan.map((m) => m.name).sort()).toEqual(dbOn(x.host).sort());
      for (const m of x.plan)
        expect(m).toMatchObject({ namespace: 'ha', from: x.host, protected: true, to: expect.not.stringMatching(x.host) });
      // amounts are quantities, as everywhere in the API
      for (const q of Object.values(x.held)) expect(q).toMatch(/^\d+(\.\d+)?([mkMGTPE]|[KMGTPE]i)?$/);
    }
    expect(doc.capacity).toMatchObject({ cpu: '24', memory: '96Gi', pods: '330' });
    expect(doc.vsphere.failures).toBe(1);
    // ⌈100 × 1 / 3⌉ = 34% of 24 cores = 8.16 → 8160m
    expect(doc.vsphere).toMatchObject({ percent: 34, held: { cpu: '8160m' } });
    // the store keeps the policy's spec.failover: the same report after a restart
    await h.restart();
    expect(await report()).toEqual(doc);
  });

  it('simulates failures: every workload of the failed hosts restarted elsewhere or listed, protected first; nothing changes', async () => {
    const before = await Promise.all(['/v1/hosts', '/v1/placements', '/v1/failover'].map(async (p) => (await h.json('GET', p)).body));
    const r = await simulate({ hosts: ['a1'] });
    expect(r.status).toBe(200);
    const doc = r.body;
    expect(doc).toMatchObject({ kind: 'FailoverSimulation', failed: ['a1'], zone: null, absorbed: true });
    const onA1 = (before[1] as { items: { name: string; host: string }[] }).items.filter((p) => p.host === 'a1').map((p) => p.name);
    expect([...doc.restarts.map((m) => m.name), ...doc.unplaced.map((u) => u.name)].sort()).toEqual(onA1.sort());
    for (const m of doc.restarts) expect(m.to).not.toBe('a1');
    const firstFree = doc.restarts.findIndex((m) => !m.protected);
    if (firstFree >= 0) expect(doc.restarts.slice(firstFree).every((m) => !m.protected)).toBe(true);
    expect(doc.summary).toEqual({ restarts: doc.restarts.length, unplaced: doc.unplaced.length, protectedUnplaced: 0 });
    // the report's plan of a1 is the protected part of the simulation
    const reported = (await report()).hosts.find((x) => x.host === 'a1')!;
    expect(doc.restarts.filter((m) => m.protected)).toEqual(reported.plan);
    // a zone: every host with its label
    const zone = await simulate({ zone: 'a' });
    expect(zone.status).toBe(200);
    expect(zone.body).toMatchObject({ failed: ['a1', 'a2'], zone: 'a' });
    for (const m of zone.body.restarts) expect(m.to).toBe('b1');
    const after = await Promise.all(['/v1/hosts', '/v1/placements', '/v1/failover'].map(async (p) => (await h.json('GET', p)).body));
    expect(after).toEqual(before);
  });

  it.each<[string, unknown, string, string]>([
    ['an unknown host', { hosts: ['a1', 'nope'] }, 'hosts[1]', 'hosts[1]: Not found: "nope": no such host'],
    ['an unknown zone', { zone: 'z' }, 'zone', 'zone: Not found: "z": no host has the label topology.kubernetes.io/zone=z'],
    ['no failure at all', {}, 'hosts', 'hosts: Required value: name the hosts that fail, or a zone'],
    ['an unknown field', { hosts: ['a1'], host: 'a2' }, 'host', 'host: field not declared in schema'],
    ['hosts as a string', { hosts: 'a1' }, 'hosts', 'hosts: must be a list of host names'],
    ['a host that is not a name', { hosts: ['a1', 7] }, 'hosts[1]', 'hosts[1]: must be a host name'],
  ])('refuses %s with a 400 Status naming the field', async (_name, body, field, message) => {
    const r = await simulate(body);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'BadRequest', code: 400, message });
    expect((r.body as unknown as { details: { causes: { field: string }[] } }).details.causes[0].field).toBe(field);
  });

  it('a body that is not JSON is a 400', async () => {
    const r = await h.json('POST', '/v1/failover/simulate', '{"hosts": [', { 'content-type': 'application/json' });
    expect(r.status).toBe(400);
  });
});

describe("Kubernetes mode: a mirrored NamespacePolicy's spec.failover reaches the engine", () => {
  it('protects the namespace once mirrored, and no more once deleted', async () => {
    const s = await PlacerState.open({ dataDir: MEMORY });
    try {
      const source = { file: 'watch', doc: 0, path: '' };
      const manifest = (obj: Obj): Manifest => ({ apiVersion: String(obj.apiVersion), kind: String(obj.kind), obj, source });
      expect(s.mirrorObjects('Node', [manifest(host('a1', 'a')), manifest(host('b1', 'b'))], [])).toEqual([]);
      expect(s.engine.failoverReport().namespaces).toEqual([]);
      const p = policy('ha').ns('ha').failover({ hostFailuresToTolerate: 1, zoneFailuresToTolerate: 1 }).obj();
      expect(s.mirrorObjects('NamespacePolicy', [manifest(p)], [])).toEqual([]);
      expect(s.engine.failoverReport().namespaces.map((n) => [n.namespace, n.policy])).toEqual([
        ['ha', { hostFailuresToTolerate: 1, zoneFailuresToTolerate: 1 }],
      ]);
      // a policy the API server took and placer cannot read is reported, not applied
      const bad = policy('ha2').ns('ha2').failover({ hostFailuresToTolerate: 7 }).obj();
      expect(s.mirrorObjects('NamespacePolicy', [manifest(bad)], [])).toEqual([
        {
          object: 'NamespacePolicy ha2/ha2',
          message: expect.stringContaining('spec.failover.hostFailuresToTolerate: Invalid value: 7: must be between 0 and 3, inclusive'),
        },
      ]);
      expect(s.mirrorObjects('NamespacePolicy', [], [{ namespace: 'ha', name: 'ha' }])).toEqual([]);
      expect(s.engine.failoverReport().namespaces).toEqual([]);
    } finally {
      s.close();
    }
  });
});
