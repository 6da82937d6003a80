// The real kube-scheduler (v1.26.7 framework) driving placer as its extender, configured from
// deploy/kube-scheduler-config.yaml as shipped (only the urlPrefix points at this placer): filter
// and bind for the pods that request the placer.dev/managed marker, the others bound by
// kube-scheduler itself and still accounted by placer; placer's quota message in the pods'
// FailedScheduling events; prioritize deciding where kube-scheduler's own plugins tie (a
// VirtualMachine's usage, which kube-scheduler does not see); preemption through placer — agreed
// where placer's rules admit the pod once the victims are gone, vetoed (and logged) where not.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { pod, policy, priorityClass, quota, vm, vmClass } from '../fixtures/k8s.js';
import { call, metric } from '../apiserver/replica.js';
import { killAll } from '../e2e/server.js';
import { MARKER, placements } from '../e2e/kube-harness.js';
import { Cluster } from './cluster.js';
import { ControlPlane } from './controlplane.js';
import type { Obj } from './kube.js';
import { apiPlacements, apiWorkloads, applyDeploy, installVmOperator } from './objects.js';
import { logLines, startPlacer, type Placer } from './placer.js';
import { startScheduler, type Scheduler } from './scheduler.js';
import { until } from './procs.js';
import { describeReal } from './suite.js';

const W = 30_000;

/** A pod that goes through placer (the extender's managedResources marker). */
const managed = (name: string, ns: string, cpu: string) =>
  pod(name)
    .ns(ns)
    .container({ cpu, memory: '256Mi', ...MARKER }, { limits: MARKER })
    .specPatch({ terminationGracePeriodSeconds: 0 });

describeReal(
  'the real kube-scheduler with placer as its extender: filter, prioritize, preempt, bind',
  (bins) => {
    let cp: ControlPlane;
    let c: Cluster;
    let r: Placer;
    let s: Scheduler;

    const nodeOf = async (ns: string, name: string): Promise<string> =>
      String(((await c.k.get(`/api/v1/namespaces/${ns}/pods/${name}`)).spec as Obj).nodeName ?? '');
    /** The FailedScheduling messages of a pod (kube-scheduler writes events.k8s.io/v1 events). */
    const failures = async (ns: string, name: string): Promise<string[]> =>
      (await c.k.items(`/apis/events.k8s.io/v1/namespaces/${ns}/events`))
        .filter((e) => (e.regarding as Obj).name === name && e.reason === 'FailedScheduling')
        .map((e) => String(e.note));

    beforeAll(async () => {
      cp = await ControlPlane.start(bins);
      c = new Cluster(cp);
      await applyDeploy(cp.admin);
      await installVmOperator(cp.admin);
      r = await startPlacer(cp, { args: ['--ignored-resources', 'placer.dev/managed'] });
      s = await startScheduler(cp, { placer: r.url, name: 'kube-scheduler' });
    });
    afterAll(async () => {
      await s?.kill();
      killAll();
      await cp?.stop();
    });

    it('binds marked pods through placer and the others itself; placer accounts them all, no node over its allocatable', async () => {
      for (const n of ['s-1', 's-2', 's-3']) await c.node(n, { cpu: '4', memory: '16Gi', pods: '110', labels: { pool: 's' } });
      const binds = await metric(r, 'placer_kube_bindings_total', { result: 'bound' });
      for (let i = 0; i < 9; i++) await c.create(managed(`m-${i}`, 'sched', '1').nodeSelector({ pool: 's' }).obj());
      await c.create(pod('plain').ns('sched').container({ cpu: '1', memory: '256Mi' }).nodeSelector({ pool: 's' }).obj());
      await until(async () => Object.keys(await apiPlacements(c.k, 'sched')).length === 10, W, 'every pod bound');
      expect(await metric(r, 'placer_kube_bindings_total', { result: 'bound' })).toBe(binds + 9);
      await until(async () => Object.keys(await placements(r, 'sched')).length === 10, W, 'placer saw every binding');
      expect(await placements(r, 'sched')).toEqual(await apiPlacements(c.k, 'sched'));
      const perNode = new Map<string, number>();
      for (const n of Object.values(await apiPlacements(c.k, 'sched'))) perNode.set(n, (perNode.get(n) ?? 0) + 1);
      expect([...perNode.values()].every((n) => n <= 4)).toBe(true);
    });

    it("a pod placer's quota refuses stays Pending with placer's message in its FailedScheduling event", async () => {
      await c.node('q-1', { cpu: '8', memory: '16Gi', pods: '110', labels: { pool: 'q' } });
      await c.create(quota('compute').ns('quota').hard({ 'requests.cpu': '2' }).obj());
      for (const name of ['q-1', 'q-2']) await c.create(managed(name, 'quota', '1').nodeSelector({ pool: 'q' }).obj());
      await until(async () => Object.keys(await apiPlacements(c.k, 'quota')).length === 2, W, 'the two that fit bound');
      await c.create(managed('q-3', 'quota', '1').nodeSelector({ pool: 'q' }).obj());
      await until(async () => (await failures('quota', 'q-3')).length > 0, W, 'a FailedScheduling event');
      expect((await failures('quota', 'q-3'))[0]).toContain(
        'placer: exceeded quota: compute, requested: requests.cpu=1, used: requests.cpu=2, limited: requests.cpu=2',
      );
      expect(await nodeOf('quota', 'q-3')).toBe('');
    });

    it("prioritize decides where kube-scheduler's plugins tie: a VirtualMachine's usage, which only placer sees", async () => {
      await c.create(vmClass('big').ns('prio').hardware(3, '4Gi').obj());
      for (let i = 0; i < 4; i++) {
        const pair = { pair: `p${i}` };
        await c.node(`pr-vm-${i}`, { cpu: '4', memory: '16Gi', pods: '110', labels: pair });
        await c.node(`pr-free-${i}`, { cpu: '4', memory: '16Gi', pods: '110', labels: pair });
        await c.create(
          vm(`vm-${i}`)
            .ns('prio')
            .className('big')
            .status({ nodeName: `pr-vm-${i}` })
            .obj(),
        );
      }
      await until(async () => Object.keys(await placements(r, 'prio')).length === 4, W, 'the VMs accounted');
      // each pod fits on both nodes of its pair (placer's filter passes both); kube-scheduler sees two empty nodes
      const scored = () => metric(r, 'placer_extender_request_duration_seconds_count', { verb: 'prioritize', result: 'success' });
      const before = await scored();
      for (let i = 0; i < 4; i++)
        await c.create(
          managed(`p-${i}`, 'prio', '1')
            .nodeSelector({ pair: `p${i}` })
            .obj(),
        );
      await until(async () => Object.keys(await apiPlacements(c.k, 'prio')).length === 4, W, 'bound');
      expect(await apiPlacements(c.k, 'prio')).toEqual(Object.fromEntries([0, 1, 2, 3].map((i) => [`prio/p-${i}`, `pr-free-${i}`])));
      expect(await scored()).toBeGreaterThanOrEqual(before + 4);
    });

    /**
     * A MostAllocated namespace `ns` over three empty-ish 8-cpu nodes `<prefix>-1..3`, a 4-cpu
     * filler on `<prefix>-2` that `chooser` has seen: kube-scheduler's LeastAllocated prefers
     * -1 and -3, the namespace's strategy -2.
     */
    async function packedNamespace(chooser: Placer, ns: string, prefix: string): Promise<void> {
      await c.create(policy('pack').ns(ns).placement({ strategy: 'MostAllocated' }).obj());
      for (const i of [1, 2, 3]) await c.node(`${prefix}-${i}`, { cpu: '8', memory: '32Gi', pods: '110', labels: { pool: prefix } });
      await c.create(
        pod('filler')
          .ns(ns)
          .container({ cpu: '4', memory: '4Gi' })
          .specPatch({ nodeName: `${prefix}-2`, terminationGracePeriodSeconds: 0 })
          .obj(),
      );
      await until(async () => (await placements(chooser, ns))[`${ns}/filler`] === `${prefix}-2`, W, 'placer sees the filler');
    }

    it("--extender-choice placer: kube-scheduler takes placer's choice as it is (no scoring, no prioritize), so a namespace's MostAllocated decides", async () => {
      // a second placer that chooses, behind a second kube-scheduler (profile "choosing")
      const chooser = await startPlacer(cp, { args: ['--ignored-resources', 'placer.dev/managed', '--extender-choice', 'placer'] });
      const s2 = await startScheduler(cp, { placer: chooser.url, name: 'kube-scheduler-choosing', schedulerName: 'choosing' });
      try {
        await packedNamespace(chooser, 'packed', 'ch');
        const prioritized = () =>
          metric(chooser, 'placer_extender_request_duration_seconds_count', { verb: 'prioritize', result: 'success' });
        // kube-scheduler's LeastAllocated prefers the empty ch-1 and ch-3; the namespace packs onto ch-2
        // one at a time: a pod filtered while the last one's bind is on its way is kube-scheduler's to score
        for (let i = 0; i < 2; i++) {
          await c.create(managed(`pk-${i}`, 'packed', '1').nodeSelector({ pool: 'ch' }).specPatch({ schedulerName: 'choosing' }).obj());
          await until(async () => Object.keys(await apiPlacements(c.k, 'packed')).length === 2 + i, W, `pk-${i} bound`);
        }
        expect(await apiPlacements(c.k, 'packed')).toEqual({ 'packed/filler': 'ch-2', 'packed/pk-0': 'ch-2', 'packed/pk-1': 'ch-2' });
        expect(await metric(chooser, 'placer_extender_choices_total', { by: 'placer' })).toBeGreaterThanOrEqual(1);
        expect(await prioritized()).toBe(0);
      } finally {
        await s2.kill();
      }
    });

    it('--extender-choice placer behind a kube-scheduler that binds by itself (no bindVerb): the pod watch ends the wait for the bind', async () => {
      const chooser = await startPlacer(cp, { args: ['--ignored-resources', 'placer.dev/managed', '--extender-choice', 'placer'] });
      const s3 = await startScheduler(cp, {
        placer: chooser.url,
        name: 'kube-scheduler-self-binding',
        schedulerName: 'self-binding',
        extenderBinds: false,
      });
      try {
        await packedNamespace(chooser, 'packed-self', 'sb');
        const managedHere = (name: string) =>
          managed(name, 'packed-self', '1').nodeSelector({ pool: 'sb' }).specPatch({ schedulerName: 'self-binding' }).obj();
        await c.create(managedHere('sb-a'));
        await until(async () => (await placements(chooser, 'packed-self'))['packed-self/sb-a'] !== undefined, W, 'placer sees sb-a bound');
        // at once (well within the 2 s a pod waits for its bind): placer never gets sb-a's bind,
        // the watch has ended the wait
        await c.create(managedHere('sb-b'));
        await until(async () => Object.keys(await apiPlacements(c.k, 'packed-self')).length === 3, W, 'sb-b bound');
        expect(await apiPlacements(c.k, 'packed-self')).toEqual({
          'packed-self/filler': 'sb-2',
          'packed-self/sb-a': 'sb-2',
          'packed-self/sb-b': 'sb-2',
        });
        expect(await metric(chooser, 'placer_extender_choices_total', { by: 'placer' })).toBe(2);
        expect(await metric(chooser, 'placer_extender_choices_total', { by: 'kube-scheduler' })).toBe(0);
        expect(await metric(chooser, 'placer_extender_request_duration_seconds_count', { verb: 'bind' })).toBe(0);
      } finally {
        await s3.kill();
      }
    });

    it("--extender-choice placer defers to kube-scheduler's ImageLocality: a pod goes where its image is, as without placer", async () => {
      const chooser = await startPlacer(cp, { args: ['--ignored-resources', 'placer.dev/managed', '--extender-choice', 'placer'] });
      const s4 = await startScheduler(cp, { placer: chooser.url, name: 'kube-scheduler-images', schedulerName: 'images' });
      try {
        // three empty 8-cpu nodes, alike for every score placer has; im-3 has pulled the pod's
        // 10 GiB image. kube-scheduler's ImageLocality there: S = ⌊10 GiB · 1 / nodes⌋ (one node
        // of the cluster's few dozen has it) ≥ 200 MiB, ⌊100 · (S − 23 MiB) / 977 MiB⌋ ≥ 18 > 0 = the others'
        const image = 'registry.example/trainer:7';
        for (const i of [1, 2, 3])
          await c.node(`im-${i}`, {
            cpu: '8',
            memory: '32Gi',
            labels: { pool: 'im' },
            ...(i === 3 && { images: [{ names: [image, 'registry.example/trainer@sha256:0f'], sizeBytes: 10 * 1024 ** 3 }] }),
          });
        // the status (capacity and images in one write) seen for all three
        const withStatus = async (): Promise<number> =>
          ((await call(chooser, 'GET', '/v1/hosts')).body.items as Obj[]).filter(
            (h) => String(h.name).startsWith('im-') && (h.allocatable as Obj | undefined)?.cpu === '8',
          ).length;
        await until(async () => (await withStatus()) === 3, W, 'placer sees im-1..3 with their status');
        const p = managed('trainer', 'images', '1').nodeSelector({ pool: 'im' }).specPatch({ schedulerName: 'images' }).obj();
        (p.spec as { containers: Obj[] }).containers[0].image = image;
        await c.create(p);
        await until(async () => (await apiPlacements(c.k, 'images'))['images/trainer'] !== undefined, W, 'trainer bound');
        // placer alone would pick the lowest of three equal totals, im-1
        expect(await apiPlacements(c.k, 'images')).toEqual({ 'images/trainer': 'im-3' });
        expect(await metric(chooser, 'placer_extender_choices_total', { by: 'kube-scheduler' })).toBe(1);
      } finally {
        await s4.kill();
      }
    });

    it('preemption through placer: the victim kube-scheduler proposes is evicted and the preemptor bound where placer agrees', async () => {
      await c.create(priorityClass('low', 100).obj());
      await c.create(priorityClass('high', 1000).obj());
      await c.node('x-1', { cpu: '4', memory: '16Gi', pods: '110', labels: { pool: 'x' } });
      await c.create(managed('victim', 'preempt', '3').priorityClass('low').nodeName('x-1').obj());
      await until(async () => (await placements(r, 'preempt'))['preempt/victim'] === 'x-1', W, 'victim mirrored');
      await c.create(managed('preemptor', 'preempt', '2').priorityClass('high').nodeSelector({ pool: 'x' }).obj());
      await until(async () => (await nodeOf('preempt', 'preemptor')) === 'x-1', W, 'the preemptor bound');
      expect(await apiPlacements(c.k, 'preempt')).toEqual({ 'preempt/preemptor': 'x-1' });
      expect(await metric(r, 'placer_extender_request_duration_seconds_count', { verb: 'preempt', result: 'success' })).toBeGreaterThan(0);
    });

    it('preemption vetoed by placer (a VirtualMachine kube-scheduler does not see leaves no room): nothing evicted, the veto logged per node', async () => {
      await c.node('y-1', { cpu: '4', memory: '16Gi', pods: '110', labels: { pool: 'y' } });
      await c.create(vmClass('two').ns('veto').hardware(2, '2Gi').obj());
      await c.create(vm('vm').ns('veto').className('two').status({ nodeName: 'y-1' }).obj());
      await c.create(managed('low', 'veto', '2').priorityClass('low').nodeName('y-1').obj());
      await until(async () => Object.keys(await placements(r, 'veto')).length === 2, W, 'VM and victim accounted');
      // kube-scheduler: y-1 holds 2 of 4 cpu, evicting `low` makes room for 3; placer: the VM's 2 + 3 > 4
      await c.create(managed('high', 'veto', '3').priorityClass('high').nodeSelector({ pool: 'y' }).obj());
      await until(
        () => logLines(r).some((l) => l.msg === 'preemption vetoed on this node' && l.pod === 'veto/high' && l.node === 'y-1'),
        W,
        'the veto logged',
      );
      const veto = logLines(r).find((l) => l.msg === 'preemption vetoed on this node' && l.pod === 'veto/high')!;
      expect(veto).toMatchObject({ level: 30, victims: 1 });
      expect(String(veto.reason)).toContain('Insufficient cpu');
      await until(async () => (await failures('veto', 'high')).length > 0, W, 'a FailedScheduling event');
      expect(await apiWorkloads(c.k)).toMatchObject({ 'veto/low': 'y-1', 'veto/vm': 'y-1' });
      expect(await nodeOf('veto', 'high')).toBe('');
    });
  },
  { scheduler: true },
);
