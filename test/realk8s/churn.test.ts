// `placer serve --kubeconfig` against the real API server under churn: rollouts whose pods carry
// new labels each time — a Deployment's pod-template-hash with a spread selecting it, a Job's
// controller-uid with an anti-affinity selecting it — created and deleted through the API server
// (some bound through the extender's Binding, some created bound), and what placer keeps follows
// the live pods: nothing of a deleted pod stays in the mirror (placements, hosts' usage), the state
// (owners, shapes, the extender's pod cache) or the engine (classes beyond what a collection waits
// for, topology counters beyond what those classes name). The long run of the same churn (a
// million pods) is the soak-kube benchmark, against the fake API server.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { pod } from '../fixtures/k8s.js';
import { bind, call, filter, metric } from '../apiserver/replica.js';
import { killAll } from '../e2e/server.js';
import { hosts, placements } from '../e2e/kube-harness.js';
import { Cluster } from './cluster.js';
import { ControlPlane } from './controlplane.js';
import type { Obj } from './kube.js';
import { applyDeploy } from './objects.js';
import { startPlacer, type Placer } from './placer.js';
import { until } from './procs.js';
import { describeReal } from './suite.js';

const W = 10_000; // the longest wait for placer to see what the API server says
const NS = 'churn';
/** Enough rollouts that, without freeing, the counters they made would outnumber what the classes a collection waits for can name. */
const ROLLOUTS = 140;
const PER_ROLLOUT = 2;
/** Candidates a class collection waits for (core-wasm/src/compiler.ts COLLECT_AFTER). */
const COLLECT_AFTER = 64;
/** Counters one class of this churn names at most: a spread group, or an anti-affinity group and family. */
const COUNTERS_PER_CLASS = 2;

/** Pod i of rollout k: a Deployment's (even k) or a Job's (odd k), with a selector naming its rollout. */
function rolloutPod(k: number, i: number) {
  const ownerUid = `22222222-0000-4000-8000-${k.toString(16).padStart(12, '0')}`;
  if (k % 2 === 0) {
    const hash = `h${k.toString(36)}x9`;
    return pod(`web-${hash}-${i}`)
      .ns(NS)
      .labels({ app: 'web', 'pod-template-hash': hash })
      .ownedBy('ReplicaSet', `web-${hash}`, ownerUid)
      .container({ cpu: `${100 * (i + 1)}m`, memory: '128Mi' })
      .topologySpread({
        maxSkew: 1,
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: { app: 'web', 'pod-template-hash': hash } },
      });
  }
  return pod(`batch-${k}-${i}`)
    .ns(NS)
    .labels({ 'job-name': `batch-${k}`, 'controller-uid': ownerUid })
    .ownedBy('Job', `batch-${k}`, ownerUid, 'batch/v1')
    .container({ cpu: `${100 * (i + 1)}m`, memory: '128Mi' })
    .preferredPodAntiAffinity({
      weight: 10,
      podAffinityTerm: { labelSelector: { matchLabels: { 'controller-uid': ownerUid } }, topologyKey: 'kubernetes.io/hostname' },
    });
}

describeReal('placer serve --kubeconfig against the real API server: churn leaves nothing behind', (bins) => {
  let cp: ControlPlane;
  let c: Cluster;
  let r: Placer;
  beforeAll(async () => {
    cp = await ControlPlane.start(bins);
    c = new Cluster(cp);
    await applyDeploy(cp.admin);
    r = await startPlacer(cp);
  });
  afterAll(async () => {
    killAll();
    await cp?.stop();
  });

  it('pods created and deleted through the API server leave nothing in the mirror, the state or the engine', async () => {
    await c.node('ch-1', { cpu: '16', pods: '50' });
    await c.node('ch-2', { cpu: '16', pods: '50' });
    let previous: Obj[] = [];
    let mostClasses = 0;
    let mostCounters = 0;
    for (let k = 0; k < ROLLOUTS; k++) {
      const current: Obj[] = [];
      for (let i = 0; i < PER_ROLLOUT; i++) {
        const b = rolloutPod(k, i);
        if (i === 0) {
          // through the extender: filter, then bind (placer posts the Binding to the API server)
          const p = await c.create(b.obj());
          await until(async () => (await filter(r, p, ['ch-1', 'ch-2'])).passed.length === 2, W, `rollout ${k} filtered`);
          expect(await bind(r, p, k % 2 === 0 ? 'ch-1' : 'ch-2')).toBe('');
          current.push(p);
        } else current.push(await c.create(b.nodeName(k % 2 === 0 ? 'ch-2' : 'ch-1').obj()));
      }
      for (const p of previous) await c.remove(p);
      previous = current;
      await until(async () => Object.keys(await placements(r, NS)).length === PER_ROLLOUT, W, `rollout ${k} alone`);
      mostClasses = Math.max(mostClasses, await metric(r, 'placer_engine_classes'));
      mostCounters = Math.max(mostCounters, await metric(r, 'placer_engine_interned_names', { table: 'counters' }));
    }
    for (const p of previous) await c.remove(p);
    await until(async () => Object.keys(await placements(r, NS)).length === 0, W, 'every pod gone');

    // the mirror: nothing placed, no usage left on the hosts
    expect(await hosts(r, 'ch-')).toEqual({
      'ch-1': { used: {}, unschedulable: false, workloads: 0 },
      'ch-2': { used: {}, unschedulable: false, workloads: 0 },
    });
    // the state: no placement, owner, shape or extender record of a deleted pod
    const m = (await call(r, 'GET', '/metrics')).text;
    const gauge = (name: string, labels = '') => {
      const line = new RegExp(`^${name}${labels.replace(/[{}]/g, '\\$&')} ([0-9.e+-]+)$`, 'm').exec(m);
      if (!line) throw new Error(`${name}${labels} is not in /metrics`);
      return Number(line[1]);
    };
    expect(gauge('placer_placements')).toBe(0);
    expect(gauge('placer_engine_interned_names', '{table="owners"}')).toBe(0);
    expect(gauge('placer_engine_interned_names', '{table="shapes"}')).toBe(0);
    expect(gauge('placer_cache_entries', '{cache="extender_pods"}')).toBe(0);
    // the engine: 280 pods of 280 classes, each with counters of its own rollout; what is left is
    // at most the classes a collection waits for, and the counters those name
    const classes = gauge('placer_engine_classes');
    expect(classes).toBeLessThan(COLLECT_AFTER);
    expect(mostClasses).toBeLessThanOrEqual(COLLECT_AFTER + 2 * PER_ROLLOUT);
    expect(gauge('placer_engine_interned_names', '{table="counters"}')).toBeLessThanOrEqual(COUNTERS_PER_CLASS * classes);
    expect(mostCounters).toBeLessThanOrEqual(COUNTERS_PER_CLASS * (COLLECT_AFTER + 2 * PER_ROLLOUT));
  });
});
