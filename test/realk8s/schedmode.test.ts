// Scheduler mode against the real control plane, beside the real kube-scheduler: placer binds the
// pods whose spec.schedulerName is `placer` in batches, kube-scheduler the others (and calls placer
// as its extender for the marked ones); each sees the other's bindings through the watch, so no
// node ends over its allocatable. An unplaced pod shows PodScheduled False/Unschedulable with
// placer's message and a FailedScheduling Event (reportingController placer); a bound one a
// Scheduled Event. Gangs (PodGroup minMember) all or nothing, and tried again when a Node comes; a
// gang larger than a slice of a batch placed whole. Last, at SIGTERM, the Events still waiting are
// sent before placer exits.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { pod, policy, quota } from '../fixtures/k8s.js';
import { metric } from '../apiserver/replica.js';
import { killAll } from '../e2e/server.js';
import { MARKER, placements } from '../e2e/kube-harness.js';
import { Cluster } from './cluster.js';
import { ControlPlane } from './controlplane.js';
import type { Obj } from './kube.js';
import { apiPlacements, applyDeploy, deployDocs, installPodGroups, pathOf } from './objects.js';
import { startPlacer, type Placer } from './placer.js';
import { startScheduler, type Scheduler } from './scheduler.js';
import { until } from './procs.js';
import { describeReal } from './suite.js';

const W = 30_000;

/** A pod placer schedules itself. */
const ours = (name: string, ns: string, cpu: string) =>
  pod(name).ns(ns).container({ cpu, memory: '256Mi' }).specPatch({ schedulerName: 'placer', terminationGracePeriodSeconds: 0 });

describeReal(
  'scheduler mode: placer schedules schedulerName placer in batches, beside the real kube-scheduler',
  (bins) => {
    let cp: ControlPlane;
    let c: Cluster;
    let r: Placer;
    let s: Scheduler;

    const podOf = (ns: string, name: string): Promise<Obj> => c.k.get(`/api/v1/namespaces/${ns}/pods/${name}`);
    const events = async (ns: string, name: string, reason: string): Promise<Obj[]> =>
      (await c.k.items(`/apis/events.k8s.io/v1/namespaces/${ns}/events`)).filter(
        (e) => (e.regarding as Obj).name === name && e.reason === reason,
      );
    const scheduledCondition = async (ns: string, name: string): Promise<Obj | undefined> =>
      (((await podOf(ns, name)).status as Obj).conditions as Obj[] | undefined)?.find((x) => x.type === 'PodScheduled');

    /** A PodGroup of `minMember`, and two 4-core nodes `<pool>-1`, `<pool>-2` labelled pool=`pool`. */
    const gangOn = async (namespace: string, name: string, minMember: number, pool: string): Promise<void> => {
      await c.create({
        apiVersion: 'scheduling.x-k8s.io/v1alpha1',
        kind: 'PodGroup',
        metadata: { name, namespace },
        spec: { minMember },
      });
      for (const n of [1, 2]) await c.node(`${pool}-${n}`, { cpu: '4', memory: '16Gi', pods: '110', labels: { pool } });
    };

    beforeAll(async () => {
      cp = await ControlPlane.start(bins);
      c = new Cluster(cp);
      await applyDeploy(cp.admin);
      for (const o of deployDocs('placer-scheduler.yaml')) await cp.admin.apply(pathOf(o), o);
      await installPodGroups(cp.admin);
      r = await startPlacer(cp, {
        args: ['--ignored-resources', 'placer.dev/managed', '--scheduler-name', 'placer', '--batch-window', '200ms', '--batch-size', '64'],
      });
      s = await startScheduler(cp, { placer: r.url, name: 'kube-scheduler' });
    });
    afterAll(async () => {
      await s?.kill();
      killAll();
      await cp?.stop();
    });

    it("binds schedulerName placer's pods in batches while kube-scheduler binds the others; each sees the other's, no node over its allocatable", async () => {
      for (const n of ['m-1', 'm-2', 'm-3', 'm-4']) await c.node(n, { cpu: '4', memory: '16Gi', pods: '110', labels: { pool: 'm' } });
      // 16 cores: 4 pods kube-scheduler binds itself, 4 it binds through placer as its extender, then 8 of placer's own
      const created: Promise<Obj>[] = [];
      for (let i = 0; i < 4; i++)
        created.push(
          c.create(
            pod(`k-${i}`)
              .ns('mixed')
              .container({ cpu: '1', memory: '256Mi' })
              .nodeSelector({ pool: 'm' })
              .specPatch({ terminationGracePeriodSeconds: 0 })
              .obj(),
          ),
        );
      for (let i = 0; i < 4; i++)
        created.push(
          c.create(
            pod(`e-${i}`)
              .ns('mixed')
              .container({ cpu: '1', memory: '256Mi', ...MARKER }, { limits: MARKER })
              .nodeSelector({ pool: 'm' })
              .specPatch({ terminationGracePeriodSeconds: 0 })
              .obj(),
          ),
        );
      await Promise.all(created);
      await until(async () => Object.keys(await apiPlacements(c.k, 'mixed')).length === 8, W, "kube-scheduler's pods bound");
      // placer sees kube-scheduler's bindings: its 8 fill exactly what is left
      await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map((i) => c.create(ours(`p-${i}`, 'mixed', '1').nodeSelector({ pool: 'm' }).obj())));
      await until(async () => Object.keys(await apiPlacements(c.k, 'mixed')).length === 16, W, 'every pod bound');
      // the cluster is full now: kube-scheduler's next pod and placer's next pod both stay pending
      await c.create(ours('p-late', 'mixed', '1').nodeSelector({ pool: 'm' }).obj());
      await c.create(pod('k-late').ns('mixed').container({ cpu: '1', memory: '256Mi' }).nodeSelector({ pool: 'm' }).obj());
      await until(async () => (await events('mixed', 'p-late', 'FailedScheduling')).length > 0, W, "placer's FailedScheduling");
      const api = await apiPlacements(c.k, 'mixed');
      expect(Object.keys(api)).toHaveLength(16);
      const perNode = new Map<string, number>();
      for (const n of Object.values(api)) perNode.set(n, (perNode.get(n) ?? 0) + 1);
      expect([...perNode.values()]).toEqual([4, 4, 4, 4]);
      expect(await metric(r, 'placer_kube_schedule_bindings_total', { result: 'bound' })).toBe(8);
      await until(async () => Object.keys(await placements(r, 'mixed')).length === 16, W, 'placer saw every binding');
      expect(await placements(r, 'mixed')).toEqual(api);
      // kube-scheduler's own pods were never placer's: it scheduled them (its Scheduled events say so)
      const scheduled = await events('mixed', 'k-0', 'Scheduled');
      expect(scheduled.map((e) => e.reportingController)).toEqual(['default-scheduler']);
      await until(async () => (await events('mixed', 'p-0', 'Scheduled')).length > 0, W, "placer's Scheduled event");
      const ev = (await events('mixed', 'p-0', 'Scheduled'))[0];
      expect(ev).toMatchObject({ reportingController: 'placer', type: 'Normal', action: 'Binding' });
      expect(String(ev.note)).toBe(`Successfully assigned mixed/p-0 to ${api['mixed/p-0']}`);
      const late = await scheduledCondition('mixed', 'p-late');
      expect(late).toMatchObject({ status: 'False', reason: 'Unschedulable' });
      expect(String(late!.message)).toMatch(/^0\/\d+ hosts are available: .*4 Insufficient cpu/);
    });

    it("an unplaced pod shows PodScheduled False/Unschedulable with placer's quota message and a FailedScheduling Event", async () => {
      await c.node('q-1', { cpu: '8', memory: '16Gi', pods: '110', labels: { pool: 'q' } });
      await c.create(quota('compute').ns('squota').hard({ 'requests.cpu': '2' }).obj());
      for (const name of ['q-1', 'q-2', 'q-3']) await c.create(ours(name, 'squota', '1').nodeSelector({ pool: 'q' }).obj());
      await until(async () => Object.keys(await apiPlacements(c.k, 'squota')).length === 2, W, 'the two the quota allows bound');
      const api = await apiPlacements(c.k, 'squota');
      const left = ['q-1', 'q-2', 'q-3'].find((n) => api[`squota/${n}`] === undefined)!;
      await until(async () => (await scheduledCondition('squota', left))?.reason === 'Unschedulable', W, 'the condition');
      const cond = (await scheduledCondition('squota', left))!;
      expect(cond).toMatchObject({ status: 'False', reason: 'Unschedulable' });
      expect(cond.message).toBe('exceeded quota: compute, requested: requests.cpu=1, used: requests.cpu=2, limited: requests.cpu=2');
      const failed = await events('squota', left, 'FailedScheduling');
      expect(failed[0]).toMatchObject({ reportingController: 'placer', type: 'Warning', action: 'Scheduling', note: cond.message });
      // raising the quota is a change that helps: tried again, bound
      await c.k.patch(`/api/v1/namespaces/squota/resourcequotas/compute`, { spec: { hard: { 'requests.cpu': '3' } } });
      await until(async () => Object.keys(await apiPlacements(c.k, 'squota')).length === 3, W, 'bound once the quota allows it');
    });

    it('a gang (PodGroup minMember) is bound all or nothing, and tried again when a Node that fits it is added', async () => {
      await gangOn('gang', 'trainer', 3, 'g');
      // three 3-core members: one per node, two nodes
      for (let i = 0; i < 3; i++)
        await c.create(
          ours(`t-${i}`, 'gang', '3').labels({ 'scheduling.x-k8s.io/pod-group': 'trainer' }).nodeSelector({ pool: 'g' }).obj(),
        );
      await until(async () => (await events('gang', 't-0', 'FailedScheduling')).length > 0, W, 'the gang refused');
      expect(await apiPlacements(c.k, 'gang')).toEqual({});
      const cond = (await scheduledCondition('gang', 't-0'))!;
      expect(cond).toMatchObject({ status: 'False', reason: 'Unschedulable' });
      expect(String(cond.message)).toContain('gang PodGroup gang/trainer');
      await c.node('g-3', { cpu: '4', memory: '16Gi', pods: '110', labels: { pool: 'g' } });
      await until(async () => Object.keys(await apiPlacements(c.k, 'gang')).length === 3, W, 'the whole gang bound');
      expect(new Set(Object.values(await apiPlacements(c.k, 'gang')))).toEqual(new Set(['g-1', 'g-2', 'g-3']));
    });

    it('a gang larger than a slice of a batch (64 pods) is placed whole: every member bound', async () => {
      await gangOn('widegang', 'wide', 100, 'w');
      // split in two slices, neither part would have its 100 members: none would ever bind
      const members = Array.from({ length: 100 }, (_, i) =>
        ours(`w-${i}`, 'widegang', '10m').labels({ 'scheduling.x-k8s.io/pod-group': 'wide' }).nodeSelector({ pool: 'w' }).obj(),
      );
      for (let i = 0; i < members.length; i += 20) await Promise.all(members.slice(i, i + 20).map((m) => c.create(m)));
      await until(async () => Object.keys(await apiPlacements(c.k, 'widegang')).length === 100, W, 'the whole gang of 100 bound');
    });

    it('a parked pod is tried again when a pod is deleted and frees its host, and bound there', async () => {
      await c.node('r-1', { cpu: '2', memory: '16Gi', pods: '110', labels: { pool: 'r' } });
      const first = await c.create(ours('first', 'retry', '2').nodeSelector({ pool: 'r' }).obj());
      await until(async () => (await apiPlacements(c.k, 'retry'))['retry/first'] === 'r-1', W, 'first bound');
      await c.create(ours('second', 'retry', '2').nodeSelector({ pool: 'r' }).obj());
      await until(async () => (await events('retry', 'second', 'FailedScheduling')).length > 0, W, 'second refused');
      await c.remove(first);
      await until(async () => (await apiPlacements(c.k, 'retry'))['retry/second'] === 'r-1', W, 'second bound once first is gone');
    });

    it("a parked pod is tried again when another namespace's NamespacePolicy changes, and bound", async () => {
      for (const n of [1, 2]) await c.node(`f-${n}`, { cpu: '2', memory: '16Gi', pods: '110', labels: { pool: 'f' } });
      const ha = await c.create(policy('ha').ns('guarded').failover({ hostFailuresToTolerate: 1 }).obj());
      // guarded's pod fills one f host; its restart needs the other one whole
      await c.create(ours('held', 'guarded', '2').nodeSelector({ pool: 'f' }).obj());
      await until(async () => (await apiPlacements(c.k, 'guarded'))['guarded/held'] !== undefined, W, 'held bound');
      await c.create(ours('seeker', 'other', '1').nodeSelector({ pool: 'f' }).obj());
      await until(async () => (await events('other', 'seeker', 'FailedScheduling')).length > 0, W, 'seeker refused');
      expect(String((await events('other', 'seeker', 'FailedScheduling'))[0].note)).toContain('guarded');
      // guarded's policy goes: nothing in the seeker's own namespace changed, yet it may fit now.
      // Tried again on that change, it is due within its backoff (at most 10 s); parked until
      // something else happens (the watch's next relist, tens of seconds on), it would not be.
      await c.remove(ha);
      const backoffAndBatch = 15_000;
      await until(
        async () => (await apiPlacements(c.k, 'other'))['other/seeker'] !== undefined,
        backoffAndBatch,
        'seeker bound once the policy is gone',
      );
    });

    // last: it stops the placer the others share
    it('at SIGTERM the Events still waiting are sent before placer exits', async () => {
      const n = 300;
      for (const i of [1, 2, 3]) await c.node(`s-${i}`, { cpu: '32', memory: '64Gi', pods: '110', labels: { pool: 's' } });
      await c.namespace('shutdown');
      // stopped the moment the watch shows the last bind: Events wait while Bindings are in flight
      const bound = new Set<string>();
      let all = (): void => {};
      const allBound = new Promise<void>((resolve) => (all = resolve));
      const w = c.k.watch('/api/v1/namespaces/shutdown/pods', (e) => {
        const node = (e.object.spec as Obj | undefined)?.nodeName;
        if (typeof node === 'string' && node !== '') bound.add(String((e.object.metadata as Obj).name));
        if (bound.size === n) all();
      });
      await w.started;
      try {
        const pods = Array.from({ length: n }, (_, i) => ours(`s-${i}`, 'shutdown', '10m').nodeSelector({ pool: 's' }).obj());
        for (let i = 0; i < n; i += 25) await Promise.all(pods.slice(i, i + 25).map((p) => c.create(p)));
        await allBound;
        r.proc.kill('SIGTERM');
        expect((await r.exited).code).toBe(0);
      } finally {
        w.stop();
      }
      const scheduled = (await c.k.items('/apis/events.k8s.io/v1/namespaces/shutdown/events')).filter((e) => e.reason === 'Scheduled');
      expect(new Set(scheduled.map((e) => String((e.regarding as Obj).name))).size).toBe(n);
    });
  },
  { scheduler: true },
);
