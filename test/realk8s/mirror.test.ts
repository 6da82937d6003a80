// `placer serve --kubeconfig` against the real API server, as its ServiceAccount with only
// deploy/rbac.yaml: the state follows the API — nodes, pods, quotas, policies, priority classes,
// budgets and vm-operator's VirtualMachines appearing, changing and disappearing — and the
// extender's bind goes through the pods/binding subresource, where a failed bind changes nothing.
// The tests share one placer (each in its own namespace and hosts); every wait is bounded.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { pdb, pod, policy, priorityClass, quota, vm, vmClass } from '../fixtures/k8s.js';
import { bind, call, filter, metric } from '../apiserver/replica.js';
import { killAll } from '../e2e/server.js';
import { MARKER, cli, hosts, json, placements, uidOf, web } from '../e2e/kube-harness.js';
import { Cluster } from './cluster.js';
import { ControlPlane } from './controlplane.js';
import type { Obj } from './kube.js';
import { apiPlacements, apiWorkloads, applyDeploy, installVmOperator, setNodeStatus } from './objects.js';
import { startPlacer, type Placer } from './placer.js';
import { until } from './procs.js';
import { describeReal } from './suite.js';

const W = 10_000; // the longest wait for placer to see what the API server says

describeReal('placer serve --kubeconfig against the real API server: mirroring and binding', (bins) => {
  let cp: ControlPlane;
  let c: Cluster;
  let r: Placer;
  beforeAll(async () => {
    cp = await ControlPlane.start(bins);
    c = new Cluster(cp);
    await applyDeploy(cp.admin);
    await installVmOperator(cp.admin);
    r = await startPlacer(cp, { args: ['--ignored-resources', 'placer.dev/managed'] });
  });
  afterAll(async () => {
    killAll();
    await cp?.stop();
  });

  it('mirrors nodes, pods, quotas and namespace policies as they appear, change and disappear', async () => {
    await c.node('m-1', { cpu: '4', pods: '10' });
    const m2 = await c.node('m-2', { cpu: '4', pods: '10' });
    await c.create(web('a', 'mirror', '1').nodeName('m-1').obj());
    await c.create(web('done', 'mirror', '2').nodeName('m-2').phase('Succeeded').obj()); // finished: holds nothing
    const q = await c.create(quota('compute').ns('mirror').hard({ 'requests.cpu': '2' }).obj());
    await until(async () => (await placements(r, 'mirror'))['mirror/a'] === 'm-1', W, 'pod a mirrored');
    expect(await hosts(r, 'm-')).toEqual({
      'm-1': { used: { cpu: '1', memory: '1Gi', pods: '1' }, unschedulable: false, workloads: 1 },
      'm-2': { used: {}, unschedulable: false, workloads: 0 },
    });

    // the quota: 1 of 2 cpu used, a pod asking 2 does not fit anywhere
    const p = await c.create(web('p', 'mirror', '2').obj());
    await until(async () => Object.keys((await filter(r, p, ['m-1', 'm-2'])).unresolvable).length === 2, W, 'quota mirrored');
    expect(String((await filter(r, p, ['m-1', 'm-2'])).unresolvable['m-1'])).toContain(
      'exceeded quota: compute, requested: requests.cpu=2, used: requests.cpu=1, limited: requests.cpu=2',
    );

    // the quota grows, m-2 is cordoned: m-1 only
    await c.patch(q, { spec: { hard: { 'requests.cpu': '4' } } });
    await c.patch(m2, { spec: { unschedulable: true } });
    await until(async () => (await filter(r, p, ['m-1', 'm-2'])).passed.join() === 'm-1', W, 'quota and cordon mirrored');
    expect((await hosts(r, 'm-'))['m-2'].unschedulable).toBe(true);

    // a taint on m-1 keeps p off it; a pod that tolerates it may go there
    await c.patch(
      { apiVersion: 'v1', kind: 'Node', metadata: { name: 'm-1' } },
      {
        spec: { taints: [{ key: 'maintenance', value: 'true', effect: 'NoSchedule' }] },
      },
    );
    await until(async () => (await filter(r, p, ['m-1', 'm-2'])).passed.join() === '', W, 'taint mirrored');
    expect(String((await filter(r, p, ['m-1', 'm-2'])).unresolvable['m-1'])).toContain('untolerated taint {maintenance: true}');
    const tolerant = await c.create(
      web('tolerant', 'mirror', '1').toleration({ key: 'maintenance', operator: 'Exists', effect: 'NoSchedule' }).obj(),
    );
    expect((await filter(r, tolerant, ['m-1', 'm-2'])).passed).toEqual(['m-1']);
    await c.patch({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'm-1' } }, { spec: { taints: null } });
    await until(async () => (await filter(r, p, ['m-1', 'm-2'])).passed.join() === 'm-1', W, 'taint removal mirrored');

    // a NamespacePolicy: the namespace's workloads go to zone a only
    await c.patch(m2, { spec: { unschedulable: null }, metadata: { labels: { zone: 'a' } } });
    const pol = await c.create(
      policy('default')
        .ns('mirror')
        .placement({ nodeSelector: { zone: 'a' } })
        .obj(),
    );
    await until(async () => (await filter(r, p, ['m-1', 'm-2'])).passed.join() === 'm-2', W, 'policy mirrored');
    await c.remove(pol);
    await until(async () => (await filter(r, p, ['m-1', 'm-2'])).passed.join() === 'm-1,m-2', W, 'policy removal mirrored');

    // pods: a finishes (released), b is created bound (held), then deleted (released)
    await c.podPhase({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'mirror' } }, 'Succeeded');
    const b = await c.create(web('b', 'mirror', '500m').nodeName('m-2').obj());
    await until(async () => json(await placements(r, 'mirror')) === json({ 'mirror/b': 'm-2' }), W, 'pods mirrored');
    expect((await hosts(r, 'm-'))['m-1'].used).toEqual({});
    await c.remove(b);
    await until(async () => Object.keys(await placements(r, 'mirror')).length === 0, W, 'pod deletion mirrored');

    // a node appears, another disappears
    await c.node('m-3', { cpu: '8', pods: '10' });
    await c.remove({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'm-1' } });
    await until(async () => Object.keys(await hosts(r, 'm-')).join() === 'm-2,m-3', W, 'nodes mirrored');
    expect(await placements(r, 'mirror')).toEqual(await apiPlacements(c.k, 'mirror'));
  });

  it('mirrors VirtualMachines: one on a host takes its capacity and quota, sized by its class; re-sized, moved and deleted with the API', async () => {
    await c.node('vm-1', { cpu: '4', pods: '10' });
    await c.node('vm-2', { cpu: '4', pods: '10' });
    await c.create(quota('compute').ns('vms').hard({ 'requests.cpu': '4', 'count/virtualmachines.vmoperator.vmware.com': '3' }).obj());
    const cls = await c.create(vmClass('best-effort-small').ns('vms').hardware(2, '4Gi').obj());
    const db = await c.create(
      vm('db').ns('vms').className('best-effort-small').powerState('PoweredOn').status({ nodeName: 'vm-1', powerState: 'PoweredOn' }).obj(),
    );
    await c.create(vm('new').ns('vms').className('best-effort-small').obj()); // not placed by vm-operator yet: holds nothing
    await until(async () => (await placements(r, 'vms'))['vms/db'] === 'vm-1', W, 'VM mirrored');
    expect(await placements(r, 'vms')).toEqual({ 'vms/db': 'vm-1' });
    expect((await hosts(r, 'vm-'))['vm-1']).toEqual({ used: { cpu: '2', memory: '4Gi', pods: '1' }, unschedulable: false, workloads: 1 });
    const usage = ((await call(r, 'GET', '/v1/namespaces')).body.items as Obj[]).find((n) => n.namespace === 'vms')!;
    expect((usage.quotas as Obj[])[0]).toMatchObject({
      name: 'compute',
      used: { 'requests.cpu': '2', 'count/virtualmachines.vmoperator.vmware.com': '1' },
    });

    // a pod asking 3 cpu would have fit on vm-1 (4 cpu) and in the quota (4): the VM leaves 2 of each
    const p = await c.create(web('p', 'vms', '3').obj());
    const f1 = await filter(r, p, ['vm-1', 'vm-2']);
    expect(f1.passed).toEqual([]);
    expect(String(f1.unresolvable['vm-2'])).toContain(
      'exceeded quota: compute, requested: requests.cpu=3, used: requests.cpu=2, limited: requests.cpu=4',
    );

    // the class shrinks: the VM is re-sized
    await c.patch(cls, { spec: { hardware: { cpus: 1, memory: '2Gi' } } });
    await until(async () => json((await hosts(r, 'vm-'))['vm-1'].used) === json({ cpu: '1', memory: '2Gi', pods: '1' }), W, 'VM re-sized');
    expect((await filter(r, p, ['vm-1', 'vm-2'])).passed).toEqual(['vm-1', 'vm-2']);

    // powered off, it keeps its reservation, as in standalone mode
    const events = await metric(r, 'placer_kube_watch_events_total', { resource: 'VirtualMachine', type: 'MODIFIED' });
    await c.patch(db, { spec: { powerState: 'PoweredOff' }, status: { powerState: 'PoweredOff' } });
    await until(
      async () => (await metric(r, 'placer_kube_watch_events_total', { resource: 'VirtualMachine', type: 'MODIFIED' })) > events,
      W,
      'power-off seen',
    );
    expect((await hosts(r, 'vm-'))['vm-1'].used).toEqual({ cpu: '1', memory: '2Gi', pods: '1' });

    // vMotion to vm-2: the usage moves
    await c.patch(db, { status: { nodeName: 'vm-2' } });
    await until(async () => (await placements(r, 'vms'))['vms/db'] === 'vm-2', W, 'VM moved');
    expect(await hosts(r, 'vm-')).toEqual({
      'vm-1': { used: {}, unschedulable: false, workloads: 0 },
      'vm-2': { used: { cpu: '1', memory: '2Gi', pods: '1' }, unschedulable: false, workloads: 1 },
    });

    // its class deleted, then a vMotion back to vm-1: it keeps its last size and the usage follows it
    await c.remove(cls);
    await until(
      async () => (await metric(r, 'placer_kube_watch_events_total', { resource: 'VirtualMachineClass', type: 'DELETED' })) >= 1,
      W,
      'class deletion seen',
    );
    await c.patch(db, { status: { nodeName: 'vm-1' } });
    await until(async () => (await placements(r, 'vms'))['vms/db'] === 'vm-1', W, 'VM without a class moved');
    expect(await hosts(r, 'vm-')).toEqual({
      'vm-1': { used: { cpu: '1', memory: '2Gi', pods: '1' }, unschedulable: false, workloads: 1 },
      'vm-2': { used: {}, unschedulable: false, workloads: 0 },
    });

    // deleted: everything is free again
    await c.remove(db);
    await until(async () => Object.keys(await placements(r, 'vms')).length === 0, W, 'VM deletion mirrored');
    expect((await hosts(r, 'vm-'))['vm-1'].used).toEqual({});
    expect((await filter(r, p, ['vm-1', 'vm-2'])).passed).toEqual(['vm-1', 'vm-2']);
  });

  it('a VirtualMachine whose class or Node placer has not seen waits for it, and is accounted once it is there', async () => {
    await c.node('vc-1', { cpu: '4', pods: '10' });
    await c.create(vm('late').ns('late-class').className('late').status({ nodeName: 'vc-1' }).obj());
    await until(async () => (await metric(r, 'placer_kube_vms_pending', { reason: 'class' })) === 1, W, 'VM waiting for its class');
    expect(await placements(r, 'late-class')).toEqual({});
    await c.create(vmClass('late').ns('late-class').hardware(3, '8Gi').obj());
    await until(async () => (await placements(r, 'late-class'))['late-class/late'] === 'vc-1', W, 'VM accounted once its class came');
    expect((await hosts(r, 'vc-'))['vc-1'].used).toEqual({ cpu: '3', memory: '8Gi', pods: '1' });
    expect(await metric(r, 'placer_kube_vms_pending', { reason: 'class' })).toBe(0);

    // a class in another namespace is not the VM's class
    await c.create(vmClass('elsewhere').ns('other-ns').hardware(1, '1Gi').obj());
    const wrong = await c.create(vm('wrong-ns').ns('late-class').className('elsewhere').status({ nodeName: 'vc-1' }).obj());
    await until(
      async () => (await metric(r, 'placer_kube_vms_pending', { reason: 'class' })) === 1,
      W,
      'VM waiting for a class of its namespace',
    );
    await c.remove(wrong);
    await until(async () => (await metric(r, 'placer_kube_vms_pending', { reason: 'class' })) === 0, W, 'deleted VM no longer waits');

    // a VM on a Node placer has not seen yet
    await c.create(vm('early').ns('late-class').className('late').status({ nodeName: 'vc-2' }).obj());
    await until(async () => (await metric(r, 'placer_kube_vms_pending', { reason: 'host' })) === 1, W, 'VM waiting for its node');
    await c.node('vc-2', { cpu: '4', pods: '10' });
    await until(async () => (await placements(r, 'late-class'))['late-class/early'] === 'vc-2', W, 'VM placed once its node came');
    expect(await metric(r, 'placer_kube_vms_pending', { reason: 'host' })).toBe(0);
  });

  it('a pod bound to a Node placer has not seen yet waits for it; a deleted Node with pods stays, unschedulable, until they go', async () => {
    const early = await c.create(web('early', 'ghost', '1').nodeName('g-new').obj());
    await until(async () => (await metric(r, 'placer_kube_pods_pending_host')) === 1, W, 'pod waiting for its node');
    await c.node('g-new', { cpu: '4', pods: '10' });
    await until(async () => (await placements(r, 'ghost'))['ghost/early'] === 'g-new', W, 'pod placed once its node came');
    expect(await metric(r, 'placer_kube_pods_pending_host')).toBe(0);
    await c.remove({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'g-new' } });
    await until(async () => (await hosts(r, 'g-'))['g-new']?.unschedulable === true, W, 'ghost host');
    expect((await hosts(r, 'g-'))['g-new'].workloads).toBe(1);
    await c.remove(early);
    await until(async () => (await hosts(r, 'g-'))['g-new'] === undefined, W, 'ghost host gone with its last pod');
  });

  it('mirrors PriorityClasses: the default class of a namespace policy takes effect in plans once the API has it', async () => {
    // A pod created through the API server has its priority resolved by the Priority admission
    // (0 without a class): a policy's default class cannot change it, and kube-scheduler orders
    // and preempts by it. The class still counts where no admission ran: workloads placer is asked
    // to explain or plan, VirtualMachines.
    await c.node('pc-1', { cpu: '4', pods: '10' });
    await c.create(policy('default').ns('prio').placement({ priorityClassName: 'business-high' }).obj());
    const created = await c.create(web('p', 'prio', '1').obj());
    expect((created.spec as Obj).priority).toBe(0);
    const explain = async (): Promise<string> => json((await call(r, 'POST', '/v1/explain', web('x', 'prio', '1').obj())).body);
    await until(async () => (await explain()).includes('no PriorityClass with name business-high was found'), W, 'policy mirrored');
    const pc = await c.create(priorityClass('business-high', 1000).obj());
    await until(async () => !(await explain()).includes('no PriorityClass'), W, 'PriorityClass mirrored');
    expect((await filter(r, created, ['pc-1'])).passed).toEqual(['pc-1']);
    await c.remove(pc);
    await until(
      async () => (await explain()).includes('no PriorityClass with name business-high was found'),
      W,
      'PriorityClass deletion mirrored',
    );
  });

  it('the native API ETags follow the watch: 304 while the API says nothing new, 200 once a Node changes', async () => {
    await c.node('e-1', { cpu: '4', pods: '10' });
    await until(async () => (await hosts(r, 'e-'))['e-1'] !== undefined, W, 'node mirrored');
    const get = (etag?: string) => fetch(`${r.url}/v1/hosts`, { headers: { connection: 'close', ...(etag && { 'if-none-match': etag }) } });
    const etag = (await get()).headers.get('etag')!;
    expect(etag).toMatch(/^W\/"/);
    expect((await get(etag)).status).toBe(304);
    await setNodeStatus(c.k, 'e-1', { cpu: '6', pods: '10' });
    await until(async () => (await get(etag)).status === 200, W, 'the Node change ends the 304s');
    const items = (await (await get()).json()) as { items: Obj[] };
    expect(items.items.find((h) => h.name === 'e-1')!.allocatable).toMatchObject({ cpu: '6' });
  });

  it('keeps serving when an object cannot be read — a second NamespacePolicy in a namespace: logs it, counts it, the first stays in force', async () => {
    await c.node('u-1', { cpu: '4', pods: '10', labels: { zone: 'a' } });
    await c.node('u-2', { cpu: '4', pods: '10', labels: { zone: 'b' } });
    await c.create(
      policy('first')
        .ns('unread')
        .placement({ nodeSelector: { zone: 'a' } })
        .obj(),
    );
    const p = await c.create(web('p', 'unread', '1').obj());
    await until(async () => (await filter(r, p, ['u-1', 'u-2'])).passed.join() === 'u-1', W, 'first policy mirrored');
    const second = await c.create(
      policy('second')
        .ns('unread')
        .placement({ nodeSelector: { zone: 'b' } })
        .obj(),
    );
    await until(
      async () => (await metric(r, 'placer_kube_unreadable_objects', { resource: 'NamespacePolicy' })) === 1,
      W,
      'second counted',
    );
    // the log line may reach the pipe after the metric: pino writes asynchronously
    await until(async () => r.stderr().includes('placer cannot read this object from the API server'), W, 'second logged');
    expect((await filter(r, p, ['u-1', 'u-2'])).passed).toEqual(['u-1']);
    await c.remove(second);
    await until(async () => (await metric(r, 'placer_kube_unreadable_objects', { resource: 'NamespacePolicy' })) === 0, W, 'cleared');
  });

  it('binds through the API: the Binding is created, the placement is committed; a replay is a success, a bind elsewhere refused', async () => {
    await c.node('b-1', { cpu: '4', pods: '10' });
    await c.node('b-2', { cpu: '4', pods: '10' });
    // the pod carries the extender's managedResources marker, which no node advertises
    const p = await c.create(
      pod('p')
        .ns('bind')
        .container({ cpu: '1', memory: '1Gi', ...MARKER }, { limits: MARKER })
        .obj(),
    );
    const bound = await metric(r, 'placer_kube_bindings_total', { result: 'bound' });
    await until(async () => (await filter(r, p, ['b-1', 'b-2'])).passed.join() === 'b-1,b-2', W, 'nodes mirrored');
    expect(await bind(r, p, 'b-2')).toBe('');
    expect(await apiPlacements(c.k, 'bind')).toEqual({ 'bind/p': 'b-2' });
    expect(await placements(r, 'bind')).toEqual({ 'bind/p': 'b-2' });
    expect((await hosts(r, 'b-'))['b-2'].used).toEqual({ cpu: '1', memory: '1Gi', pods: '1' });
    // kube-scheduler replays a bind whose answer it lost: done
    await until(
      async () => ((await call(r, 'GET', '/v1/placements?namespace=bind')).body.items as Obj[])[0]?.uid === uidOf(p),
      W,
      'binding seen in the watch',
    );
    expect(await bind(r, p, 'b-2')).toBe('');
    // a bind elsewhere of a pod the API shows bound: refused by placer
    expect(await bind(r, p, 'b-1')).toBe('placer: pod bind/p is already assigned to node b-2');
    expect(await metric(r, 'placer_kube_bindings_total', { result: 'bound' })).toBe(bound + 2);
    expect(r.stderr()).not.toContain('"bind failed"');
  });

  it('preemption: victims and PodDisruptionBudgets come from the watch; victims are left to kube-scheduler and released when the API says they are gone', async () => {
    await c.node('v-1', { cpu: '4', pods: '10' });
    const low = await c.create(web('low', 'preempt', '3').labels({ app: 'low' }).nodeName('v-1').obj());
    const budget = await c.create(
      pdb('low')
        .ns('preempt')
        .maxUnavailable(0)
        .selector({ matchLabels: { app: 'low' } })
        .obj(),
    );
    const high = await c.create(web('high', 'preempt', '2').obj());
    await until(async () => (await placements(r, 'preempt'))['preempt/low'] === 'v-1', W, 'victim mirrored');
    expect(Object.keys((await filter(r, high, ['v-1'])).failed)).toEqual(['v-1']); // 3 of 4 cpu used
    const preempt = async () =>
      (
        await call(r, 'POST', '/scheduler/preempt', {
          Pod: high,
          NodeNameToVictims: null,
          NodeNameToMetaVictims: { 'v-1': { Pods: [{ UID: uidOf(low) }], NumPDBViolations: 0 } },
        })
      ).body;
    // evicting low would violate its budget (maxUnavailable 0)
    const withViolations = (n: number) => json({ NodeNameToMetaVictims: { 'v-1': { Pods: [{ UID: uidOf(low) }], NumPDBViolations: n } } });
    await until(async () => json(await preempt()) === withViolations(1), W, 'PDB mirrored');
    await c.remove(budget);
    await until(async () => json(await preempt()) === withViolations(0), W, 'PDB deletion mirrored');
    // placer deleted nothing: the victim still runs and holds its capacity
    expect(await apiPlacements(c.k, 'preempt')).toEqual({ 'preempt/low': 'v-1' });
    expect((await filter(r, high, ['v-1'])).passed).toEqual([]);
    // kube-scheduler deletes the victim: released, the preemptor fits and binds
    await c.remove(low);
    await until(async () => (await filter(r, high, ['v-1'])).passed.join() === 'v-1', W, 'victim released');
    expect(await bind(r, high, 'v-1')).toBe('');
    expect(await apiPlacements(c.k, 'preempt')).toEqual({ 'preempt/high': 'v-1' });
  });

  it('a failed bind changes nothing: a stale UID, a pod being deleted, a gone pod, placer refusing (capacity, quota)', async () => {
    await c.node('f-1', { cpu: '2', pods: '10' });
    await c.create(web('running', 'fail', '1').nodeName('f-1').obj());
    const p = await c.create(web('p', 'fail', '1').obj());
    await until(async () => (await filter(r, p, ['f-1'])).passed.length === 1, W, 'mirrored');
    const before = json([await hosts(r, 'f-'), await placements(r, 'fail')]);
    const unchanged = async () => expect(json([await hosts(r, 'f-'), await placements(r, 'fail')])).toBe(before);

    // the pod was deleted and created again under the same name: the old UID is stale (409)
    await c.remove(p);
    const q = await c.create(web('p', 'fail', '1').obj());
    await until(async () => (await filter(r, q, ['f-1'])).passed.length === 1, W, 'new incarnation mirrored');
    expect(await bind(r, p, 'f-1')).toContain(
      `409 Conflict: Operation cannot be fulfilled on pods "p": StorageError: invalid object, Code: 4, Key: /registry/pods/fail/p, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: ${uidOf(p)}, UID in object meta: ${uidOf(q)}`,
    );
    await unchanged();
    // the pod is being deleted (a finalizer holds it): 409, final
    const held = await c.create(
      web('held', 'fail', '1')
        .patch({ metadata: { finalizers: ['example.com/hold'] } })
        .obj(),
    );
    await filter(r, held, ['f-1']);
    await c.k.remove(`/api/v1/namespaces/fail/pods/held`, {});
    expect(await bind(r, held, 'f-1')).toContain(
      '409 Conflict: Operation cannot be fulfilled on pods/binding "held": pod held is being deleted, cannot be assigned to a host',
    );
    await unchanged();
    await c.patch(held, { metadata: { finalizers: null } });
    // the pod is gone (deleted while kube-scheduler decided): 404
    const gone = await c.create(web('gone', 'fail', '1').obj());
    await filter(r, gone, ['f-1']);
    await c.remove(gone);
    expect(await bind(r, gone, 'f-1')).toContain('404 NotFound: pods "gone" not found');
    await unchanged();

    // placer's own rules: f-1 has 1 cpu left; a 2-cpu pod does not fit — no Binding
    const big = await c.create(web('big', 'fail', '2').obj());
    await filter(r, big, ['f-1']);
    expect(await bind(r, big, 'f-1')).toMatch(/Insufficient cpu/);
    // and the quota (the API server does not enforce it here: placer's admission is what counts)
    await c.create(quota('compute').ns('fail').hard({ 'requests.cpu': '1' }).obj());
    await until(async () => (await filter(r, q, ['f-1'])).passed.length === 0, W, 'quota mirrored');
    expect(await bind(r, q, 'f-1')).toContain(
      'exceeded quota: compute, requested: requests.cpu=1, used: requests.cpu=1, limited: requests.cpu=1',
    );
    await unchanged();
    expect(await apiPlacements(c.k, 'fail')).toEqual({ 'fail/running': 'f-1' });
  });

  it('refuses the native API writes (405), executing an operation (409), and answers plans (dryRun=true) and explain without changing anything', async () => {
    await c.node('n-1', { cpu: '4', pods: '10', labels: { rack: 'r1' } });
    await c.node('n-2', { cpu: '4', pods: '10', labels: { rack: 'r2' } });
    const inRacks = (name: string) =>
      web(name, 'ops', '1')
        .nodeName('n-1')
        .requiredAffinity({ matchExpressions: [{ key: 'rack', operator: 'In', values: ['r1', 'r2'] }] });
    await c.create(inRacks('a').obj());
    await c.create(inRacks('b').obj());
    await until(async () => Object.keys(await placements(r, 'ops')).length === 2, W, 'ops mirrored');
    const before = json([await hosts(r, 'n-'), await placements(r, 'ops'), await apiPlacements(c.k, 'ops')]);

    for (const [method, path] of [
      ['POST', '/v1/apply'],
      ['DELETE', '/v1/hosts/n-1'],
      ['DELETE', '/v1/namespaces/ops/pods/a'],
      ['POST', '/v1/hosts/n-1/cordon'],
    ] as const) {
      const res = await call(r, method, path, method === 'POST' ? {} : undefined);
      expect([method, path, res.status]).toEqual([method, path, 405]);
      expect(String(res.body.message)).toContain('the API server is the source of truth');
    }
    for (const path of ['/v1/hosts/n-1/drain', '/v1/rebalance', '/v1/consolidate']) expect((await call(r, 'POST', path)).status).toBe(409);

    const drain = await call(r, 'POST', '/v1/hosts/n-1/drain?dryRun=true');
    expect(drain.body).toMatchObject({
      kind: 'DrainPlan',
      hosts: ['n-1'],
      dryRun: true,
      executed: false,
      summary: { moves: 2, unmovable: 0 },
    });
    // a consolidation plan over the whole mirrored cluster (other tests' nodes too); nothing changes (checked below)
    const consolidation = await call(r, 'POST', '/v1/consolidate?dryRun=true');
    expect(consolidation.status).toBe(200);
    expect(consolidation.body).toMatchObject({ kind: 'ConsolidatePlan', dryRun: true, executed: false });
    const explained = await call(r, 'POST', '/v1/explain', web('c', 'ops', '1').obj());
    expect(explained.body).toMatchObject({ kind: 'ExplanationList', items: [{ namespace: 'ops', name: 'c' }] });
    const planned = await cli(['drain', 'n-1', '--server', r.url, '--dry-run', '-o', 'json']);
    expect(JSON.parse(planned.stdout)).toEqual(drain.body);

    // nothing changed, here or in the API server
    expect(json([await hosts(r, 'n-'), await placements(r, 'ops'), await apiPlacements(c.k, 'ops')])).toBe(before);
    expect(((await c.k.get('/api/v1/nodes/n-1')).spec as Obj).unschedulable).toBeUndefined();
    expect((await call(r, 'GET', '/readyz?verbose')).text).toBe(
      '[+]ping ok\n[+]state-loaded ok\n[+]shutdown ok\n[+]informers-synced ok\n[+]watches ok\nreadyz check passed\n',
    );
  });

  it("a NamespacePolicy's spec.failover protects its namespace: the failover report and a simulated failure over the mirror", async () => {
    await c.node('ha-1', { cpu: '4', pods: '10' });
    await c.node('ha-2', { cpu: '4', pods: '10' });
    await c.create(web('db-0', 'ha', '1').nodeName('ha-1').obj());
    await c.create(web('db-1', 'ha', '1').nodeName('ha-2').obj());
    const pol = await c.create(policy('default').ns('ha').failover({ hostFailuresToTolerate: 1 }).obj());
    const protectedNs = async () => ((await call(r, 'GET', '/v1/failover')).body.namespaces as Obj[]).map((n) => n.namespace);
    await until(async () => (await protectedNs()).includes('ha'), W, 'failover policy mirrored');
    const hostsOf = ((await call(r, 'GET', '/v1/failover')).body.hosts as { host: string; protectedWorkloads: number; absorbed: boolean }[])
      .filter((h) => h.host.startsWith('ha-'))
      .map((h) => [h.host, h.protectedWorkloads, h.absorbed]);
    expect(hostsOf).toEqual([
      ['ha-1', 1, true],
      ['ha-2', 1, true],
    ]);
    // a simulation only reads: answered in Kubernetes mode too
    const sim = await call(r, 'POST', '/v1/failover/simulate', { hosts: ['ha-1'] });
    expect(sim.status).toBe(200);
    expect(sim.body).toMatchObject({ kind: 'FailoverSimulation', failed: ['ha-1'], absorbed: true });
    expect((sim.body.restarts as Obj[]).find((m) => m.name === 'db-0')).toMatchObject({ from: 'ha-1', protected: true });
    await c.remove(pol);
    await until(async () => !(await protectedNs()).includes('ha'), W, 'failover policy removal mirrored');
  });

  it('a restart relists: the state equals the API, nothing stale survives', async () => {
    await c.node('rs-1', { cpu: '4', pods: '10' });
    await c.node('rs-2', { cpu: '4', pods: '10' });
    const p = await c.create(web('p', 'restart', '1').obj());
    const q = await c.create(web('q', 'restart', '1').nodeName('rs-2').obj());
    await until(async () => (await filter(r, p, ['rs-1', 'rs-2'])).passed.length === 2, W, 'mirrored');
    expect(await bind(r, p, 'rs-1')).toBe('');
    r.proc.kill('SIGKILL');
    await r.exited;
    // while placer is down
    await c.remove(q);
    await c.remove({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'rs-2' } });
    await c.node('rs-3', { cpu: '4', pods: '10' });
    await c.create(web('s', 'restart', '1').nodeName('rs-3').obj());
    r = await startPlacer(cp, { args: ['--ignored-resources', 'placer.dev/managed'] });
    expect(await placements(r)).toEqual(await apiWorkloads(c.k));
    expect(await placements(r, 'restart')).toEqual({ 'restart/p': 'rs-1', 'restart/s': 'rs-3' });
    expect(Object.keys(await hosts(r, 'rs-'))).toEqual(['rs-1', 'rs-3']);
  });
});
