// Failover with the real kube-scheduler, in the topology deploy/ ships: two kube-schedulers
// electing a leader over kube-system/kube-scheduler with the shipped timings (lease 15 s, renew
// deadline 10 s, retry 1 s), each calling the placer beside it. Pods arrive at a steady rate;
// mid-stream the leading pair — kube-scheduler and its placer — is SIGKILLed, as a node crash
// does. The standby scheduler takes the lease and schedules through its own placer, which has
// been mirroring the API server all along.
//
// Asserted: no pod waits longer than the lease duration + 5 s after the kill (a pod created after
// it: from its creation); every pod bound, once, onto a node with room; no FailedScheduling at all
// — no extender call failed; the surviving placer's view equals the API server's.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { pod } from '../fixtures/k8s.js';
import { killAll } from '../e2e/server.js';
import { MARKER, placements } from '../e2e/kube-harness.js';
import { Cluster } from './cluster.js';
import { ControlPlane } from './controlplane.js';
import { apiPlacements, applyDeploy, deployDocs, watchBindings } from './objects.js';
import { startPlacer, type Placer } from './placer.js';
import { sleep, until } from './procs.js';
import { startScheduler, type Scheduler } from './scheduler.js';
import { describeReal } from './suite.js';

/** kube-scheduler's leader election as deploy/kube-scheduler-config.yaml ships it. */
const ELECTION = deployDocs('kube-scheduler-config.yaml')[0].leaderElection as {
  leaseDuration: string;
  renewDeadline: string;
  retryPeriod: string;
};
const LEASE_MS = Number(/^(\d+)s$/.exec(ELECTION.leaseDuration)![1]) * 1000;
const RATE = 10; // pods per second
const LOAD_MS = 40_000;
const KILL_AT_MS = 10_000;
const NODES = 8;

describeReal(
  'failover: the leading kube-scheduler and its placer SIGKILLed under load',
  (bins) => {
    let cp: ControlPlane;
    let c: Cluster;
    const pairs: { placer: Placer; scheduler: Scheduler }[] = [];

    beforeAll(async () => {
      cp = await ControlPlane.start(bins);
      c = new Cluster(cp);
      await applyDeploy(cp.admin);
      for (let i = 0; i < NODES; i++) await c.node(`f-${i}`, { cpu: '64', memory: '256Gi', pods: '110' });
      await c.namespace('load');
      for (const name of ['a', 'b']) {
        const placer = await startPlacer(cp, { args: ['--ignored-resources', 'placer.dev/managed'] });
        const scheduler = await startScheduler(cp, { placer: placer.url, name: `kube-scheduler-${name}`, leaderElection: ELECTION });
        pairs.push({ placer, scheduler });
        // a leads before b starts: b is the standby
        if (name === 'a') await until(async () => scheduler.leads(), 30_000, 'kube-scheduler a leads');
      }
      await until(
        async () => pairs[1].scheduler.output().includes('attempting to acquire leader lease kube-system/kube-scheduler'),
        30_000,
        'kube-scheduler b stands by',
      );
    });
    afterAll(async () => {
      for (const p of pairs) await p.scheduler.kill();
      killAll();
      await cp?.stop();
    });

    it(`no pod waits longer than the lease duration + 5 s after the kill; none bound twice, none lost; no extender call failed`, async () => {
      const [a, b] = pairs;
      const watch = watchBindings(c.k, 'load');
      const seen = watch.seen;
      await watch.started;

      const t0 = performance.now();
      let killedAt = 0;
      const kill = (async () => {
        await sleep(KILL_AT_MS);
        a.scheduler.proc.kill('SIGKILL');
        a.placer.proc.kill('SIGKILL');
        killedAt = performance.now();
        await Promise.all([a.scheduler.exited, a.placer.exited]);
      })();
      const total = (RATE * LOAD_MS) / 1000;
      for (let i = 0; i < total; i++) {
        const due = t0 + (i * 1000) / RATE;
        if (performance.now() < due) await sleep(due - performance.now());
        const name = `p-${String(i).padStart(4, '0')}`;
        seen.set(name, { created: 0, bound: 0, nodes: new Set() });
        await c.k.create(
          '/api/v1/namespaces/load/pods',
          pod(name)
            .ns('load')
            .container({ cpu: '100m', memory: '128Mi', ...MARKER }, { limits: MARKER })
            .obj(),
        );
        seen.get(name)!.created = performance.now();
      }
      await kill;
      await until(() => [...seen.values()].every((p) => p.bound > 0), 60_000, 'every pod bound');
      watch.stop();

      // the longest wait after the kill: from the kill, or from its creation for a pod created later
      const waits = [...seen.entries()]
        .filter(([, p]) => p.bound > killedAt)
        .map(([name, p]) => ({ name, ms: p.bound - Math.max(p.created, killedAt) }))
        .sort((x, y) => y.ms - x.ms);
      const takeover = Math.min(...waits.map((w) => w.ms + Math.max(seen.get(w.name)!.created, killedAt))) - killedAt;
      console.log(
        `failover: ${seen.size} pods, ${waits.length} bound after the kill; first bind ${Math.round(takeover)} ms after it; longest wait ${Math.round(waits[0].ms)} ms (${waits[0].name}); lease ${LEASE_MS} ms`,
      );
      expect(b.scheduler.leads()).toBe(true);
      expect(waits.length).toBeGreaterThan(0);
      expect(waits[0].ms).toBeLessThanOrEqual(LEASE_MS + 5000);

      // none lost, none bound twice, none on a node without room
      const api = await apiPlacements(c.k, 'load');
      expect(Object.keys(api).length).toBe(total);
      expect([...seen.values()].every((p) => p.nodes.size === 1)).toBe(true);
      const perNode = new Map<string, number>();
      for (const n of Object.values(api)) perNode.set(n, (perNode.get(n) ?? 0) + 1);
      expect(Math.max(...perNode.values())).toBeLessThanOrEqual(110);
      // no extender call failed: kube-scheduler recorded no FailedScheduling for any pod
      const events = await c.k.items('/apis/events.k8s.io/v1/namespaces/load/events');
      expect(events.filter((e) => e.reason === 'FailedScheduling').map((e) => e.note)).toEqual([]);
      // the survivor's view is the API server's
      await until(
        async () => Object.keys(await placements(b.placer, 'load')).length === total,
        10_000,
        'the survivor mirrors every binding',
      );
      expect(await placements(b.placer, 'load')).toEqual(api);
    });
  },
  { scheduler: true },
);
