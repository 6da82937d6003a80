// Scheduler mode's HA against the real control plane: two placers with --scheduler-name placer
// elect a leader over the Lease placer-system/placer-scheduler (lease 4 s, renew deadline 3 s,
// retry 500 ms); only the holder schedules. Pods arrive at a steady rate; mid-stream the leader is
// SIGKILLed. The standby, which has mirrored the API server all along, takes the Lease once it
// expires and schedules what is pending.
//
// Asserted: no pod waits longer than the lease duration + 3 s after the kill; every pod bound,
// once; the nodes hold exactly as many pods as they have room for (any double booking would leave
// a pod without a slot); the standby bound nothing while the leader lived; the survivor's view is
// the API server's. Then the survivor is SIGKILLed while its preemptor waits for terminating
// victims: a new standby takes over, holds the same room and binds the preemptor once, when the
// victims are gone.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { pod } from '../fixtures/k8s.js';
import { metric } from '../apiserver/replica.js';
import { killAll } from '../e2e/server.js';
import { placements } from '../e2e/kube-harness.js';
import { Cluster } from './cluster.js';
import { ControlPlane } from './controlplane.js';
import type { Obj } from './kube.js';
import { apiPlacements, applyDeploy, deployDocs, pathOf, watchBindings } from './objects.js';
import { logLines, startPlacer, type Placer } from './placer.js';
import { sleep, until } from './procs.js';
import { describeReal } from './suite.js';

const LEASE_MS = 4000;
const RATE = 20; // pods per second
const LOAD_MS = 12_000;
const KILL_AT_MS = 4000;
const NODES = 4;
/** Pod slots per node: the pods fill them exactly. */
const SLOTS = (RATE * LOAD_MS) / 1000 / NODES;

const leads = (p: Placer): boolean => logLines(p).some((l) => l.msg === 'became the leader');
const ARGS = [
  '--scheduler-name',
  'placer',
  '--batch-window',
  '50ms',
  '--leader-elect-lease-duration',
  `${LEASE_MS / 1000}s`,
  '--leader-elect-renew-deadline',
  '3s',
  '--leader-elect-retry-period',
  '500ms',
];

describeReal('scheduler mode HA: the leading placer SIGKILLed under load', (bins) => {
  let cp: ControlPlane;
  let c: Cluster;
  const placers: Placer[] = [];

  beforeAll(async () => {
    cp = await ControlPlane.start(bins);
    c = new Cluster(cp);
    await applyDeploy(cp.admin);
    for (const o of deployDocs('placer-scheduler.yaml')) await cp.admin.apply(pathOf(o), o);
    for (let i = 0; i < NODES; i++) await c.node(`h-${i}`, { cpu: '64', memory: '256Gi', pods: String(SLOTS) });
    await c.namespace('ha');
    placers.push(await startPlacer(cp, { args: ARGS }));
    await until(async () => leads(placers[0]), 30_000, 'placer a leads');
    placers.push(await startPlacer(cp, { args: ARGS }));
  });
  afterAll(async () => {
    killAll();
    await cp?.stop();
  });

  it('the standby takes over within the lease duration + 3 s; every pod bound once, no node over its room', async () => {
    const [a, b] = placers;
    const watch = watchBindings(c.k, 'ha');
    const seen = watch.seen;
    await watch.started;

    const t0 = performance.now();
    let killedAt = 0;
    let standbyBoundBeforeKill = -1;
    const kill = (async () => {
      await sleep(KILL_AT_MS);
      standbyBoundBeforeKill = await metric(b, 'placer_kube_schedule_bindings_total', { result: 'bound' });
      a.proc.kill('SIGKILL');
      killedAt = performance.now();
      await a.exited;
    })();
    const total = (RATE * LOAD_MS) / 1000;
    for (let i = 0; i < total; i++) {
      const due = t0 + (i * 1000) / RATE;
      if (performance.now() < due) await sleep(due - performance.now());
      const name = `p-${String(i).padStart(4, '0')}`;
      seen.set(name, { created: 0, bound: 0, nodes: new Set() });
      await c.k.create(
        '/api/v1/namespaces/ha/pods',
        pod(name).ns('ha').container({ cpu: '100m', memory: '128Mi' }).specPatch({ schedulerName: 'placer' }).obj(),
      );
      seen.get(name)!.created = performance.now();
    }
    await kill;
    await until(() => [...seen.values()].every((p) => p.bound > 0), 60_000, 'every pod bound');
    watch.stop();

    const waits = [...seen.entries()]
      .filter(([, p]) => p.bound > killedAt)
      .map(([name, p]) => ({ name, ms: p.bound - Math.max(p.created, killedAt) }))
      .sort((x, y) => y.ms - x.ms);
    console.log(
      `schedmode failover: ${seen.size} pods, ${waits.length} bound after the kill; longest wait ${Math.round(waits[0].ms)} ms (${waits[0].name}); lease ${LEASE_MS} ms`,
    );
    expect(standbyBoundBeforeKill).toBe(0);
    expect(leads(b)).toBe(true);
    expect(waits.length).toBeGreaterThan(0);
    expect(waits[0].ms).toBeLessThanOrEqual(LEASE_MS + 3000);

    const api = await apiPlacements(c.k, 'ha');
    expect(Object.keys(api).length).toBe(total);
    expect([...seen.values()].every((p) => p.nodes.size === 1)).toBe(true);
    const perNode = new Map<string, number>();
    for (const n of Object.values(api)) perNode.set(n, (perNode.get(n) ?? 0) + 1);
    expect([...perNode.values()]).toEqual(Array.from({ length: NODES }, () => SLOTS));
    await until(async () => Object.keys(await placements(b, 'ha')).length === total, 10_000, 'the survivor mirrors every binding');
    expect(await placements(b, 'ha')).toEqual(api);
  });

  it('the leader killed while its preemptor waits for terminating victims: the next leader holds the room and binds it once they are gone', async () => {
    const b = placers[1];
    for (const o of [
      { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'low' }, value: 10 },
      { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high' }, value: 1000 },
    ])
      await c.create(o);
    await c.node('pl-1', { cpu: '2', memory: '16Gi', pods: '110', labels: { pool: 'pl' } });
    const ours = (name: string, cpu: string, cls: string) =>
      pod(name)
        .ns('hapre')
        .container({ cpu, memory: '128Mi' })
        .priorityClass(cls)
        .nodeSelector({ pool: 'pl' })
        .specPatch({ schedulerName: 'placer', terminationGracePeriodSeconds: 30 });
    for (const name of ['low-0', 'low-1']) await c.create(ours(name, '1', 'low').obj());
    await until(async () => Object.keys(await apiPlacements(c.k, 'hapre')).length === 2, 30_000, 'the low pods bound');
    const watch = watchBindings(c.k, 'hapre');
    await watch.started;
    watch.seen.set('urgent', { created: 0, bound: 0, nodes: new Set() });
    await c.create(ours('urgent', '2', 'high').obj());
    const podOf = async (name: string): Promise<Obj> => c.k.get(`/api/v1/namespaces/hapre/pods/${name}`);
    await until(async () => ((await podOf('urgent')).status as Obj).nominatedNodeName === 'pl-1', 30_000, 'urgent nominated');
    // the victims terminate (30 s; no kubelet ends them): the leader dies meanwhile
    const next = await startPlacer(cp, { args: ARGS });
    b.proc.kill('SIGKILL');
    await b.exited;
    await until(async () => leads(next), 30_000, 'the new standby leads');
    // the new leader mirrors the terminating victims: still accounted, urgent still waits
    await until(
      async () => {
        const held = await placements(next, 'hapre');
        return held['hapre/low-0'] === 'pl-1' && held['hapre/low-1'] === 'pl-1';
      },
      10_000,
      'the new leader accounts the victims',
    );
    await sleep(1000);
    expect(((await podOf('urgent')).spec as Obj).nodeName).toBeUndefined();
    for (const name of ['low-0', 'low-1']) await c.k.remove(`/api/v1/namespaces/hapre/pods/${name}`);
    await until(async () => (await apiPlacements(c.k, 'hapre'))['hapre/urgent'] === 'pl-1', 30_000, 'urgent bound to pl-1');
    await sleep(500);
    watch.stop();
    expect(watch.seen.get('urgent')?.nodes).toEqual(new Set(['pl-1']));
    expect(await apiPlacements(c.k, 'hapre')).toEqual({ 'hapre/urgent': 'pl-1' });
    await until(async () => Object.keys(await placements(next, 'hapre')).length === 1, 10_000, 'the new leader mirrors the binding');
    expect(await placements(next, 'hapre')).toEqual({ 'hapre/urgent': 'pl-1' });
  });
});
