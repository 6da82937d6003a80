// Scheduler mode's preemption against the real control plane: a high-priority pod with
// schedulerName placer that does not fit evicts — through the Eviction API — exactly the victims
// kube-scheduler's rules choose (the node whose most important victim has the lowest priority),
// gets status.nominatedNodeName, and binds only once they are gone (terminating, they still hold
// their room: a lower-priority pod does not take it meanwhile). Another scheduler's pod is a victim
// as placer's own. A PodDisruptionBudget the API server enforces (429) stops it: nothing bound,
// the reason reported, placer's placements and quota usage still the API server's.
// preemptionPolicy Never never preempts.

import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pod, quota } from '../fixtures/k8s.js';
import { call, metric } from '../apiserver/replica.js';
import { killAll } from '../e2e/server.js';
import { placements } from '../e2e/kube-harness.js';
import { Cluster } from './cluster.js';
import { ControlPlane } from './controlplane.js';
import type { Obj } from './kube.js';
import { apiPlacements, applyDeploy, deployDocs, pathOf } from './objects.js';
import { startPlacer, type Placer } from './placer.js';
import { until } from './procs.js';
import { describeReal } from './suite.js';

const W = 30_000;

const priorityClass = (name: string, value: number, preemptionPolicy = 'PreemptLowerPriority'): Obj => ({
  apiVersion: 'scheduling.k8s.io/v1',
  kind: 'PriorityClass',
  metadata: { name },
  value,
  preemptionPolicy,
});

/** A pod placer schedules, of a PriorityClass, on the nodes of `pool`. */
const ours = (name: string, ns: string, cpu: string, cls: string, pool: string, grace = 0) =>
  pod(name)
    .ns(ns)
    .container({ cpu, memory: '256Mi' })
    .priorityClass(cls)
    .nodeSelector({ pool })
    .specPatch({ schedulerName: 'placer', terminationGracePeriodSeconds: grace });

describeReal('scheduler mode: preemption through the Eviction API, PodDisruptionBudgets enforced by the API server', (bins) => {
  let cp: ControlPlane;
  let c: Cluster;
  let r: Placer;

  const podOf = (ns: string, name: string): Promise<Obj> => c.k.get(`/api/v1/namespaces/${ns}/pods/${name}`);
  const exists = async (ns: string, name: string): Promise<boolean> =>
    (await c.k.call('GET', `/api/v1/namespaces/${ns}/pods/${name}`)).code === 200;
  const events = async (ns: string, reason: string): Promise<Obj[]> =>
    (await c.k.items(`/apis/events.k8s.io/v1/namespaces/${ns}/events`)).filter((e) => e.reason === reason);
  const scheduledCondition = async (ns: string, name: string): Promise<Obj | undefined> =>
    (((await podOf(ns, name)).status as Obj).conditions as Obj[] | undefined)?.find((x) => x.type === 'PodScheduled');
  /** Every pod of `ns` bound where placer holds it, and placer holding nothing else there. */
  const consistent = async (ns: string): Promise<void> =>
    until(
      async () => isDeepStrictEqual(await placements(r, ns), await apiPlacements(c.k, ns)),
      W,
      `placer's placements in ${ns} equal to the API server's bindings`,
    );

  const quotaUsed = async (ns: string): Promise<unknown> =>
    (((await call(r, 'GET', '/v1/namespaces')).body.items as Obj[]).find((n) => n.namespace === ns)!.quotas as Obj[])[0].used;

  beforeAll(async () => {
    cp = await ControlPlane.start(bins);
    c = new Cluster(cp);
    await applyDeploy(cp.admin);
    for (const o of deployDocs('placer-scheduler.yaml')) await cp.admin.apply(pathOf(o), o);
    for (const [name, value, policy] of [
      ['low', 10],
      ['mid', 20],
      ['high', 1000],
      ['high-never', 1000, 'Never'],
    ] as const)
      await c.create(priorityClass(name, value, policy));
    r = await startPlacer(cp, { args: ['--scheduler-name', 'placer', '--batch-window', '100ms'] });
  });
  afterAll(async () => {
    killAll();
    await cp?.stop();
  });

  it('evicts exactly the victims the rules choose, nominates its node, and binds once they are gone — not while they terminate', async () => {
    await c.node('pe-1', { cpu: '2', memory: '16Gi', pods: '110', labels: { pool: 'pe', slot: 'a' } });
    await c.node('pe-2', { cpu: '2', memory: '16Gi', pods: '110', labels: { pool: 'pe', slot: 'b' } });
    // pe-1 holds two "low" pods, pe-2 two "mid" ones; the victims terminate gracefully (30 s: no kubelet ends it)
    for (const [name, cls, slot] of [
      ['low-0', 'low', 'a'],
      ['low-1', 'low', 'a'],
      ['mid-0', 'mid', 'b'],
      ['mid-1', 'mid', 'b'],
    ] as const)
      await c.create(ours(name, 'pre', '1', cls, 'pe', 30).nodeSelector({ pool: 'pe', slot }).obj());
    await until(async () => Object.keys(await apiPlacements(c.k, 'pre')).length === 4, W, 'the four bound');
    // 2 cores: both pods of one node must go; the lowest "most important victim" is pe-1's
    const high = await c.create(ours('urgent', 'pre', '2', 'high', 'pe').obj());
    await until(async () => ((await podOf('pre', 'urgent')).status as Obj).nominatedNodeName === 'pe-1', W, 'nominated to pe-1');
    const terminating = async (name: string) => ((await podOf('pre', name)).metadata as Obj).deletionTimestamp !== undefined;
    await until(async () => (await terminating('low-0')) && (await terminating('low-1')), W, "pe-1's pods evicted");
    expect(await terminating('mid-0')).toBe(false);
    expect(await terminating('mid-1')).toBe(false);
    const preempted = await events('pre', 'Preempted');
    expect(preempted.map((e) => (e.regarding as Obj).name).sort()).toEqual(['low-0', 'low-1']);
    for (const e of preempted) {
      expect(e).toMatchObject({ reportingController: 'placer', type: 'Normal', action: 'Preempting' });
      expect(e.note).toBe(`Preempted by pod ${String((high.metadata as Obj).uid)} on node pe-1`);
      expect((e.related as Obj).name).toBe('urgent');
    }
    // terminating, the victims hold their room: the preemptor waits, and a low pod does not take it
    await c.create(ours('filler', 'pre', '1', 'low', 'pe').obj());
    await until(
      async () => (await events('pre', 'FailedScheduling')).some((e) => (e.regarding as Obj).name === 'filler'),
      W,
      'filler refused',
    );
    expect(((await podOf('pre', 'urgent')).spec as Obj).nodeName).toBeUndefined();
    // the kubelet's part: the victims end; the preemptor binds where it was nominated
    for (const name of ['low-0', 'low-1']) await c.k.remove(`/api/v1/namespaces/pre/pods/${name}`);
    await until(async () => (await apiPlacements(c.k, 'pre'))['pre/urgent'] === 'pe-1', W, 'urgent bound to pe-1');
    expect(await apiPlacements(c.k, 'pre')).toEqual({ 'pre/mid-0': 'pe-2', 'pre/mid-1': 'pe-2', 'pre/urgent': 'pe-1' });
    expect((await events('pre', 'Scheduled')).some((e) => (e.regarding as Obj).name === 'urgent')).toBe(true);
    await consistent('pre');
    expect(await metric(r, 'placer_kube_schedule_evictions_total', { result: 'evicted' })).toBe(2);
  });

  it("another scheduler's pod is a victim as placer's own are (accounted through the watch); one deleted at once frees the room for the preemptor", async () => {
    await c.node('px-1', { cpu: '2', memory: '16Gi', pods: '110', labels: { pool: 'px' } });
    // bound by another scheduler, as kube-scheduler binds: a Binding POST
    const foreign = await c.create(
      pod('foreign')
        .ns('other')
        .container({ cpu: '2', memory: '256Mi' })
        .priorityClass('low')
        .specPatch({ schedulerName: 'someone-else', terminationGracePeriodSeconds: 0 })
        .obj(),
    );
    const bind = await c.k.call('POST', '/api/v1/namespaces/other/pods/foreign/binding', {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: 'foreign', namespace: 'other' },
      target: { apiVersion: 'v1', kind: 'Node', name: 'px-1' },
    });
    expect(bind.code).toBe(201);
    await c.podPhase(foreign, 'Running');
    await until(async () => (await placements(r, 'other'))['other/foreign'] === 'px-1', W, 'placer accounts the foreign pod');
    await c.create(ours('urgent', 'other', '2', 'high', 'px').obj());
    await until(async () => (await apiPlacements(c.k, 'other'))['other/urgent'] === 'px-1', W, 'urgent bound on px-1');
    expect(await exists('other', 'foreign')).toBe(false);
    expect((await events('other', 'Preempted')).map((e) => (e.regarding as Obj).name)).toEqual(['foreign']);
    expect(((await podOf('other', 'urgent')).status as Obj).nominatedNodeName).toBe('px-1');
    await consistent('other');
  });

  it('a PodDisruptionBudget the eviction would break: the API server refuses (429), nothing is bound, the reason is reported', async () => {
    await c.node('pd-1', { cpu: '2', memory: '16Gi', pods: '110', labels: { pool: 'pd' } });
    const guarded: Obj[] = [];
    for (const name of ['guarded-0', 'guarded-1'])
      guarded.push(await c.create(ours(name, 'pdb', '1', 'low', 'pd').labels({ app: 'guarded' }).obj()));
    await until(async () => Object.keys(await apiPlacements(c.k, 'pdb')).length === 2, W, 'the guarded pods bound');
    // running, as a kubelet reports them: the Eviction API ignores budgets for Pending pods
    for (const g of guarded) await c.podPhase(g, 'Running');
    await c.create(quota('compute').ns('pdb').hard({ 'requests.cpu': '4' }).obj());
    const budget = await c.create({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'guard', namespace: 'pdb' },
      spec: { minAvailable: 2, selector: { matchLabels: { app: 'guarded' } } },
    });
    await c.create(ours('urgent', 'pdb', '2', 'high', 'pd').obj());
    await until(async () => String((await scheduledCondition('pdb', 'urgent'))?.message ?? '').includes('429'), W, 'the refusal reported');
    const cond = (await scheduledCondition('pdb', 'urgent'))!;
    expect(cond).toMatchObject({ status: 'False', reason: 'Unschedulable' });
    expect(String(cond.message)).toMatch(
      /^preemption on node pd-1 failed: the API server refused to evict pod pdb\/guarded-\d: 429 TooManyRequests: /,
    );
    expect((await events('pdb', 'FailedScheduling')).some((e) => e.note === cond.message)).toBe(true);
    // nothing evicted, nothing bound; placer holds exactly what the API server runs (the preemptor's hold released)
    expect(await apiPlacements(c.k, 'pdb')).toEqual({ 'pdb/guarded-0': 'pd-1', 'pdb/guarded-1': 'pd-1' });
    expect(await events('pdb', 'Preempted')).toEqual([]);
    expect(await metric(r, 'placer_kube_schedule_evictions_total', { result: 'refused' })).toBeGreaterThanOrEqual(2);
    expect(((await podOf('pdb', 'urgent')).status as Obj).nominatedNodeName).toBeUndefined();
    await consistent('pdb');
    // and its quota counts what runs, not the preemptor's released hold
    expect(await quotaUsed('pdb')).toEqual({ 'requests.cpu': '2' });
    // the budget gone, the preemptor's next attempt (after its backoff) evicts and binds
    await c.remove(budget);
    await until(async () => (await apiPlacements(c.k, 'pdb'))['pdb/urgent'] === 'pd-1', W, 'urgent bound once the budget is gone');
    expect(await exists('pdb', 'guarded-0')).toBe(false);
    expect(await exists('pdb', 'guarded-1')).toBe(false);
    await consistent('pdb');
  });

  it('preemptionPolicy Never (its PriorityClass): the pod waits, nothing is evicted', async () => {
    await c.node('pn-1', { cpu: '2', memory: '16Gi', pods: '110', labels: { pool: 'pn' } });
    for (const name of ['kept-0', 'kept-1']) await c.create(ours(name, 'never', '1', 'low', 'pn').obj());
    await until(async () => Object.keys(await apiPlacements(c.k, 'never')).length === 2, W, 'the low pods bound');
    await c.create(ours('polite', 'never', '2', 'high-never', 'pn').obj());
    await until(async () => (await scheduledCondition('never', 'polite'))?.reason === 'Unschedulable', W, 'polite refused');
    expect(String((await scheduledCondition('never', 'polite'))!.message)).toMatch(/^0\/\d+ hosts are available: .*Insufficient cpu/);
    expect(((await podOf('never', 'polite')).spec as Obj).preemptionPolicy).toBe('Never');
    expect(await events('never', 'Preempted')).toEqual([]);
    expect(await apiPlacements(c.k, 'never')).toEqual({ 'never/kept-0': 'pn-1', 'never/kept-1': 'pn-1' });
    await consistent('never');
  });
});
