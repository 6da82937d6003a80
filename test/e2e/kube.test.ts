// `placer serve --kubeconfig` as a real process against the fake API server (test/apiserver): the
// state follows the API — nodes, pods and quotas appearing, changing and disappearing — the
// extender's bind goes through the pods/binding subresource and a failed bind changes nothing,
// the native API refuses writes. The tests share one replica (each in its own namespace and hosts,
// to keep the suite fast); relists and restarts are kube-restart.test.ts's. Every wait is bounded.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pdb, policy, pod, priorityClass, quota, vm, vmClass } from '../fixtures/k8s.js';
import { FakeApiServer, type Obj } from '../apiserver/fake-apiserver.js';
import { bind, call, filter, killAll, kubeconfigFor, metric, removeTempDirs, startReplica, type Replica } from '../apiserver/replica.js';
import { until } from '../apiserver/until.js';
import { MARKER, cli, hosts, hv, json, placements, uidOf, web } from './kube-harness.js';

let f: FakeApiServer;
afterAll(() => removeTempDirs());

describe('placer serve --kubeconfig: one replica (real process, fake API server)', () => {
  let r: Replica;
  beforeAll(async () => {
    f = await FakeApiServer.start({ token: 'e2e-token' });
    // a single replica, no election: it binds at once
    r = await startReplica(kubeconfigFor(f), ['--no-leader-elect', '--ignored-resources', 'placer.dev/managed']);
  });
  afterAll(async () => {
    killAll();
    await f.stop();
  });

  it('mirrors nodes, pods, quotas and namespace policies as they appear, change and disappear', async () => {
    f.create(hv('m-1').obj());
    f.create(hv('m-2').obj());
    f.create(web('a', 'mirror', '1').nodeName('m-1').obj());
    f.create(web('done', 'mirror', '2').nodeName('m-2').phase('Succeeded').obj()); // finished: holds nothing
    f.create(quota('compute').ns('mirror').hard({ 'requests.cpu': '2' }).obj());
    await until(async () => (await placements(r, 'mirror'))['mirror/a'] === 'm-1', 5000, 'pod a mirrored');
    expect(await hosts(r, 'm-')).toEqual({
      'm-1': { used: { cpu: '1', memory: '1Gi', pods: '1' }, unschedulable: false, workloads: 1 },
      'm-2': { used: {}, unschedulable: false, workloads: 0 },
    });
    expect(await placements(r, 'mirror')).toEqual({ 'mirror/a': 'm-1' });

    // the quota: 1 of 2 cpu used, a pod asking 2 does not fit anywhere
    const p = f.create(web('p', 'mirror', '2').obj());
    await until(async () => Object.keys((await filter(r, p, ['m-1', 'm-2'])).unresolvable).length === 2, 5000, 'quota mirrored');
    const q1 = await filter(r, p, ['m-1', 'm-2']);
    expect(q1.passed).toEqual([]);
    expect(String(q1.unresolvable['m-1'])).toContain(
      'exceeded quota: compute, requested: requests.cpu=2, used: requests.cpu=1, limited: requests.cpu=2',
    );

    // the quota grows, m-2 is cordoned: m-1 only
    f.modify('ResourceQuota', 'mirror', 'compute', (o) => ((o.spec as Obj).hard = { 'requests.cpu': '4' }));
    f.modify('Node', '', 'm-2', (o) => ((o.spec as Obj).unschedulable = true));
    await until(async () => (await filter(r, p, ['m-1', 'm-2'])).passed.join() === 'm-1', 5000, 'quota and cordon mirrored');
    expect((await hosts(r, 'm-'))['m-2'].unschedulable).toBe(true);

    // a taint on m-1 keeps p off it; a pod that tolerates it may go there
    f.modify('Node', '', 'm-1', (o) => ((o.spec as Obj).taints = [{ key: 'maintenance', value: 'true', effect: 'NoSchedule' }]));
    await until(async () => (await filter(r, p, ['m-1', 'm-2'])).passed.join() === '', 5000, 'taint mirrored');
    expect(String((await filter(r, p, ['m-1', 'm-2'])).unresolvable['m-1'])).toContain('untolerated taint {maintenance: true}');
    const tolerant = f.create(
      web('tolerant', 'mirror', '1').toleration({ key: 'maintenance', operator: 'Exists', effect: 'NoSchedule' }).obj(),
    );
    expect((await filter(r, tolerant, ['m-1', 'm-2'])).passed).toEqual(['m-1']);
    f.modify('Node', '', 'm-1', (o) => delete (o.spec as Obj).taints);
    await until(async () => (await filter(r, p, ['m-1', 'm-2'])).passed.join() === 'm-1', 5000, 'taint removal mirrored');

    // a NamespacePolicy: the namespace's workloads go to zone a only
    f.modify('Node', '', 'm-2', (o) => {
      (o.spec as Obj).unschedulable = false;
      (o.metadata as Obj).labels = { zone: 'a' };
    });
    f.create(
      policy('default')
        .ns('mirror')
        .placement({ nodeSelector: { zone: 'a' } })
        .obj(),
    );
    await until(async () => (await filter(r, p, ['m-1', 'm-2'])).passed.join() === 'm-2', 5000, 'policy mirrored');
    f.remove('NamespacePolicy', 'mirror', 'default');
    await until(async () => (await filter(r, p, ['m-1', 'm-2'])).passed.join() === 'm-1,m-2', 5000, 'policy removal mirrored');

    // pods: a finishes (released), b is created bound (held), then deleted (released)
    f.modify('Pod', 'mirror', 'a', (o) => (o.status = { phase: 'Succeeded' }));
    f.create(web('b', 'mirror', '500m').nodeName('m-2').obj());
    await until(async () => json(await placements(r, 'mirror')) === json({ 'mirror/b': 'm-2' }), 5000, 'pods mirrored');
    expect((await hosts(r, 'm-'))['m-1'].used).toEqual({});
    f.remove('Pod', 'mirror', 'b');
    await until(async () => Object.keys(await placements(r, 'mirror')).length === 0, 5000, 'pod deletion mirrored');

    // a node appears, another disappears
    f.create(hv('m-3', '8').obj());
    f.remove('Node', '', 'm-1');
    await until(async () => Object.keys(await hosts(r, 'm-')).join() === 'm-2,m-3', 5000, 'nodes mirrored');
    expect(await metric(r, 'placer_kube_watch_events_total', { resource: 'Node', type: 'DELETED' })).toBeGreaterThanOrEqual(1);
  });

  it('mirrors VirtualMachines: one on a host takes its capacity and quota, sized by its class; re-sized, moved and deleted with the API', async () => {
    f.create(hv('vm-1').obj());
    f.create(hv('vm-2').obj());
    f.create(quota('compute').ns('vms').hard({ 'requests.cpu': '4', 'count/virtualmachines.vmoperator.vmware.com': '3' }).obj());
    f.create(vmClass('best-effort-small').ns('vms').hardware(2, '4Gi').obj());
    f.create(
      vm('db').ns('vms').className('best-effort-small').powerState('PoweredOn').status({ nodeName: 'vm-1', powerState: 'PoweredOn' }).obj(),
    );
    f.create(vm('new').ns('vms').className('best-effort-small').obj()); // not placed by vm-operator yet: holds nothing
    await until(async () => (await placements(r, 'vms'))['vms/db'] === 'vm-1', 5000, 'VM mirrored');
    expect(await placements(r, 'vms')).toEqual({ 'vms/db': 'vm-1' });
    expect((await hosts(r, 'vm-'))['vm-1']).toEqual({ used: { cpu: '2', memory: '4Gi', pods: '1' }, unschedulable: false, workloads: 1 });
    const usage = ((await call(r, 'GET', '/v1/namespaces')).body.items as Obj[]).find((n) => n.namespace === 'vms')!;
    expect((usage.quotas as Obj[])[0]).toMatchObject({
      name: 'compute',
      used: { 'requests.cpu': '2', 'count/virtualmachines.vmoperator.vmware.com': '1' },
    });

    // a pod asking 3 cpu would have fit on v-1 (4 cpu) and in the quota (4): the VM leaves 2 of each
    const p = f.create(web('p', 'vms', '3').obj());
    const f1 = await filter(r, p, ['vm-1', 'vm-2']);
    expect(f1.passed).toEqual([]);
    expect(String(f1.unresolvable['vm-2'])).toContain(
      'exceeded quota: compute, requested: requests.cpu=3, used: requests.cpu=2, limited: requests.cpu=4',
    );
    // outside the namespace's quota only the host's capacity counts
    const other = f.create(web('o', 'vms-other', '3').obj());
    expect((await filter(r, other, ['vm-1', 'vm-2'])).passed).toEqual(['vm-2']);

    // the class shrinks: the VM is re-sized
    f.modify('VirtualMachineClass', 'vms', 'best-effort-small', (o) => ((o.spec as Obj).hardware = { cpus: 1, memory: '2Gi' }));
    await until(
      async () => json((await hosts(r, 'vm-'))['vm-1'].used) === json({ cpu: '1', memory: '2Gi', pods: '1' }),
      5000,
      'VM re-sized',
    );
    expect((await filter(r, p, ['vm-1', 'vm-2'])).passed).toEqual(['vm-1', 'vm-2']);

    // powered off, it keeps its reservation, as in standalone mode
    f.modify('VirtualMachine', 'vms', 'db', (o) => {
      (o.spec as Obj).powerState = 'PoweredOff';
      (o.status as Obj).powerState = 'PoweredOff';
    });
    await until(
      async () => (await metric(r, 'placer_kube_watch_events_total', { resource: 'VirtualMachine', type: 'MODIFIED' })) >= 1,
      5000,
      'power-off seen',
    );
    expect((await hosts(r, 'vm-'))['vm-1'].used).toEqual({ cpu: '1', memory: '2Gi', pods: '1' });

    // vMotion to v-2: the usage moves
    f.modify('VirtualMachine', 'vms', 'db', (o) => ((o.status as Obj).nodeName = 'vm-2'));
    await until(async () => (await placements(r, 'vms'))['vms/db'] === 'vm-2', 5000, 'VM moved');
    expect(await hosts(r, 'vm-')).toEqual({
      'vm-1': { used: {}, unschedulable: false, workloads: 0 },
      'vm-2': { used: { cpu: '1', memory: '2Gi', pods: '1' }, unschedulable: false, workloads: 1 },
    });

    // its class deleted, then a vMotion back to vm-1: it keeps its last size and the usage follows it
    f.remove('VirtualMachineClass', 'vms', 'best-effort-small');
    await until(
      async () => (await metric(r, 'placer_kube_watch_events_total', { resource: 'VirtualMachineClass', type: 'DELETED' })) >= 1,
      5000,
      'class deletion seen',
    );
    f.modify('VirtualMachine', 'vms', 'db', (o) => ((o.status as Obj).nodeName = 'vm-1'));
    await until(async () => (await placements(r, 'vms'))['vms/db'] === 'vm-1', 5000, 'VM without a class moved');
    expect(await hosts(r, 'vm-')).toEqual({
      'vm-1': { used: { cpu: '1', memory: '2Gi', pods: '1' }, unschedulable: false, workloads: 1 },
      'vm-2': { used: {}, unschedulable: false, workloads: 0 },
    });

    // deleted: everything is free again
    f.remove('VirtualMachine', 'vms', 'db');
    await until(async () => Object.keys(await placements(r, 'vms')).length === 0, 5000, 'VM deletion mirrored');
    expect((await hosts(r, 'vm-'))['vm-1'].used).toEqual({});
    const f2 = await filter(r, p, ['vm-1', 'vm-2']);
    expect(f2.passed).toEqual(['vm-1', 'vm-2']);
  });

  it('a VirtualMachine whose class or Node placer has not seen waits for it, and is accounted once it is there', async () => {
    f.create(hv('vc-1').obj());
    f.create(vm('late').ns('late-class').className('late').status({ nodeName: 'vc-1' }).obj());
    await until(async () => (await metric(r, 'placer_kube_vms_pending', { reason: 'class' })) === 1, 5000, 'VM waiting for its class');
    expect(await placements(r, 'late-class')).toEqual({});
    expect((await hosts(r, 'vc-'))['vc-1'].used).toEqual({});
    f.create(vmClass('late').ns('late-class').hardware(3, '8Gi').obj());
    await until(async () => (await placements(r, 'late-class'))['late-class/late'] === 'vc-1', 5000, 'VM accounted once its class came');
    expect((await hosts(r, 'vc-'))['vc-1'].used).toEqual({ cpu: '3', memory: '8Gi', pods: '1' });
    expect(await metric(r, 'placer_kube_vms_pending', { reason: 'class' })).toBe(0);

    // a class in another namespace is not the VM's class
    f.create(vmClass('elsewhere').ns('other-ns').hardware(1, '1Gi').obj());
    f.create(vm('wrong-ns').ns('late-class').className('elsewhere').status({ nodeName: 'vc-1' }).obj());
    await until(
      async () => (await metric(r, 'placer_kube_vms_pending', { reason: 'class' })) === 1,
      5000,
      'VM waiting for a class of its namespace',
    );
    f.remove('VirtualMachine', 'late-class', 'wrong-ns');
    await until(async () => (await metric(r, 'placer_kube_vms_pending', { reason: 'class' })) === 0, 5000, 'deleted VM no longer waits');

    // a VM on a Node placer has not seen yet
    f.create(vm('early').ns('late-class').className('late').status({ nodeName: 'vc-2' }).obj());
    await until(async () => (await metric(r, 'placer_kube_vms_pending', { reason: 'host' })) === 1, 5000, 'VM waiting for its node');
    f.create(hv('vc-2').obj());
    await until(async () => (await placements(r, 'late-class'))['late-class/early'] === 'vc-2', 5000, 'VM placed once its node came');
    expect(await metric(r, 'placer_kube_vms_pending', { reason: 'host' })).toBe(0);
  });

  it('a pod bound to a Node placer has not seen yet waits for it; a deleted Node with pods stays, unschedulable, until they go', async () => {
    f.create(web('early', 'ghost', '1').nodeName('g-new').obj());
    await until(async () => (await metric(r, 'placer_kube_pods_pending_host')) === 1, 5000, 'pod waiting for its node');
    f.create(hv('g-new').obj());
    await until(async () => (await placements(r, 'ghost'))['ghost/early'] === 'g-new', 5000, 'pod placed once its node came');
    expect(await metric(r, 'placer_kube_pods_pending_host')).toBe(0);
    f.remove('Node', '', 'g-new');
    await until(async () => (await hosts(r, 'g-'))['g-new']?.unschedulable === true, 5000, 'ghost host');
    expect((await hosts(r, 'g-'))['g-new'].workloads).toBe(1);
    f.remove('Pod', 'ghost', 'early');
    await until(async () => (await hosts(r, 'g-'))['g-new'] === undefined, 5000, 'ghost host gone with its last pod');
  });

  it('mirrors PriorityClasses: the default class of a namespace policy takes effect once the API has it', async () => {
    f.create(hv('pc-1').obj());
    f.create(policy('default').ns('prio').placement({ priorityClassName: 'business-high' }).obj());
    const p = f.create(web('p', 'prio', '1').obj());
    await until(
      async () => String((await filter(r, p, ['pc-1'])).error).includes('no PriorityClass with name business-high was found'),
      5000,
      'policy mirrored',
    );
    f.create(priorityClass('business-high', 1000).obj());
    await until(async () => (await filter(r, p, ['pc-1'])).passed.join() === 'pc-1', 5000, 'PriorityClass mirrored');
    f.remove('PriorityClass', '', 'business-high');
    await until(
      async () => String((await filter(r, p, ['pc-1'])).error).includes('no PriorityClass with name business-high was found'),
      5000,
      'PriorityClass deletion mirrored',
    );
  });

  it('the native API ETags follow the watch: 304 while the API says nothing new, 200 once a Node changes', async () => {
    f.create(hv('e-1').obj());
    await until(async () => (await hosts(r, 'e-'))['e-1'] !== undefined);
    const get = (etag?: string) => fetch(`${r.url}/v1/hosts`, { headers: { connection: 'close', ...(etag && { 'if-none-match': etag }) } });
    const first = await get();
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^W\/"/);
    expect((await get(etag)).status).toBe(304);
    f.modify('Node', '', 'e-1', (o) => ((o.status as Obj).allocatable = { cpu: '6', memory: '16Gi', pods: '10' }));
    await until(async () => (await get(etag)).status === 200, 5000, 'the Node change ends the 304s');
    const items = (await (await get()).json()) as { items: Obj[] };
    expect(items.items.find((h) => h.name === 'e-1')!.allocatable).toMatchObject({ cpu: '6' });
  });

  it('keeps serving when an object cannot be read: logs it, counts it, keeps its previous version', async () => {
    f.create(hv('u-1').obj());
    await until(async () => (await hosts(r, 'u-'))['u-1'] !== undefined);
    f.modify('Node', '', 'u-1', (o) => ((o.status as Obj).allocatable = { cpu: 'lots', memory: '16Gi', pods: '10' }));
    await until(
      async () => (await metric(r, 'placer_kube_unreadable_objects', { resource: 'Node' })) === 1,
      5000,
      'unreadable node counted',
    );
    expect(Object.keys(await hosts(r, 'u-'))).toEqual(['u-1']); // the last good version stays
    await until(() => r.stderr().includes('placer cannot read this object from the API server'));
    f.modify('Node', '', 'u-1', (o) => ((o.status as Obj).allocatable = { cpu: '2', memory: '16Gi', pods: '10' }));
    await until(async () => (await metric(r, 'placer_kube_unreadable_objects', { resource: 'Node' })) === 0, 5000, 'fixed node read');
    const items = (await call(r, 'GET', '/v1/hosts')).body.items as Obj[];
    expect(items.find((h) => h.name === 'u-1')!.allocatable).toMatchObject({ cpu: '2' });
  });

  it('binds through the API: the Binding is POSTed, the placement is committed only once it was accepted', async () => {
    f.create(hv('b-1').obj());
    f.create(hv('b-2').obj());
    // the pod carries the extender's managedResources marker, which no node advertises
    const p = f.create(
      pod('p')
        .ns('bind')
        .container({ cpu: '1', memory: '1Gi', ...MARKER }, { limits: MARKER })
        .obj(),
    );
    const bound = await metric(r, 'placer_kube_bindings_total', { result: 'bound' });
    await until(async () => (await filter(r, p, ['b-1', 'b-2'])).passed.join() === 'b-1,b-2', 5000, 'nodes mirrored');

    expect(await bind(r, p, 'b-2')).toBe('');
    expect(f.bindings.filter((b) => b.namespace === 'bind')).toEqual([{ namespace: 'bind', name: 'p', uid: uidOf(p), node: 'b-2' }]);
    expect((f.get('Pod', 'bind', 'p')!.spec as Obj).nodeName).toBe('b-2');
    expect(await placements(r, 'bind')).toEqual({ 'bind/p': 'b-2' });
    expect((await hosts(r, 'b-'))['b-2'].used).toEqual({ cpu: '1', memory: '1Gi', pods: '1' });
    // kube-scheduler replays a bind whose answer it lost: done, nothing POSTed again
    await until(
      async () => ((await call(r, 'GET', '/v1/placements?namespace=bind')).body.items as Obj[])[0]?.uid === uidOf(p),
      5000,
      'binding seen in the watch',
    );
    expect(await bind(r, p, 'b-2')).toBe('');
    expect(f.bindingPosts.get('bind/p')).toBe(1);
    // a bind elsewhere of a pod the API shows bound: refused, nothing POSTed
    expect(await bind(r, p, 'b-1')).toBe('placer: pod bind/p is already assigned to node b-2');
    expect(f.bindingPosts.get('bind/p')).toBe(1);
    expect(await metric(r, 'placer_kube_bindings_total', { result: 'bound' })).toBe(bound + 2);
  });

  it('a 409 "already assigned to node <this node>" is the bind the API already took: success once the watch shows the pod there with this UID', async () => {
    f.create(hv('l-1').obj());
    const p = f.create(web('p', 'lost', '1').obj());
    await until(async () => (await filter(r, p, ['l-1'])).passed.length === 1, 5000, 'mirrored');
    // another replica's Binding reached the API server, its answer was lost, kube-scheduler retried
    // here before this replica's watch showed it: the API server answers 409 for this very node
    f.bindingHook = (b) => {
      f.modify('Pod', b.namespace, b.name, (o) => ((o.spec as Obj).nodeName = b.node));
      return {
        code: 409,
        reason: 'Conflict',
        message: `Operation cannot be fulfilled on pods/binding "${b.name}": pod ${b.name} is already assigned to node "${b.node}"`,
      };
    };
    try {
      expect(await bind(r, p, 'l-1')).toBe('');
    } finally {
      f.bindingHook = undefined;
    }
    expect(f.bindingPosts.get('lost/p')).toBe(1);
    expect(await placements(r, 'lost')).toEqual({ 'lost/p': 'l-1' });
    expect((await hosts(r, 'l-'))['l-1'].used).toEqual({ cpu: '1', memory: '1Gi', pods: '1' });
  });

  it('preemption: victims and PodDisruptionBudgets come from the watch; victims are left to kube-scheduler and released when the API says they are gone', async () => {
    f.create(hv('v-1', '4').obj());
    const low = f.create(web('low', 'preempt', '3').labels({ app: 'low' }).nodeName('v-1').obj());
    f.create(
      pdb('low')
        .ns('preempt')
        .maxUnavailable(0)
        .selector({ matchLabels: { app: 'low' } })
        .obj(),
    );
    const high = f.create(web('high', 'preempt', '2').priority(1000).obj());
    await until(async () => (await placements(r, 'preempt'))['preempt/low'] === 'v-1', 5000, 'victim mirrored');
    expect(Object.keys((await filter(r, high, ['v-1'])).failed)).toEqual(['v-1']); // 3 of 4 cpu used
    const { kind: _k, apiVersion: _a, ...highPod } = high;
    const preempt = async () =>
      (
        await call(r, 'POST', '/scheduler/preempt', {
          Pod: highPod,
          NodeNameToVictims: null,
          NodeNameToMetaVictims: { 'v-1': { Pods: [{ UID: uidOf(low) }], NumPDBViolations: 0 } },
        })
      ).body;
    // evicting low would violate its budget (maxUnavailable 0)
    await until(
      async () =>
        json(await preempt()) === json({ NodeNameToMetaVictims: { 'v-1': { Pods: [{ UID: uidOf(low) }], NumPDBViolations: 1 } } }),
      5000,
      'PDB mirrored',
    );
    f.remove('PodDisruptionBudget', 'preempt', 'low');
    await until(
      async () =>
        json(await preempt()) === json({ NodeNameToMetaVictims: { 'v-1': { Pods: [{ UID: uidOf(low) }], NumPDBViolations: 0 } } }),
      5000,
      'PDB deletion mirrored',
    );
    // placer deleted nothing: the victim still runs and holds its capacity
    expect(f.requests.some((q) => q.method === 'DELETE')).toBe(false);
    expect(await placements(r, 'preempt')).toEqual({ 'preempt/low': 'v-1' });
    expect((await filter(r, high, ['v-1'])).passed).toEqual([]);
    // kube-scheduler deletes the victim: released, the preemptor fits and binds
    f.remove('Pod', 'preempt', 'low');
    await until(async () => (await filter(r, high, ['v-1'])).passed.join() === 'v-1', 5000, 'victim released');
    expect(await bind(r, high, 'v-1')).toBe('');
    expect(await placements(r, 'preempt')).toEqual({ 'preempt/high': 'v-1' });
  });

  it('a failed bind changes nothing: the API server refusing, a stale UID, a 409 for another node, a pod being deleted, a gone pod, placer refusing', async () => {
    f.create(hv('f-1', '2').obj());
    f.create(web('running', 'fail', '1').nodeName('f-1').obj());
    const p = f.create(web('p', 'fail', '1').obj());
    await until(async () => (await filter(r, p, ['f-1'])).passed.length === 1, 5000, 'mirrored');
    const before = json([await hosts(r, 'f-'), await placements(r, 'fail')]);
    const unchanged = async () => expect(json([await hosts(r, 'f-'), await placements(r, 'fail')])).toBe(before);

    // the API server refuses (403: RBAC misconfigured)
    f.bindingHook = () => ({
      code: 403,
      reason: 'Forbidden',
      message:
        'pods "p" is forbidden: User "system:serviceaccount:placer-system:placer" cannot create resource "pods/binding" in API group "" in the namespace "fail"',
    });
    expect(await bind(r, p, 'f-1')).toMatch(
      /^placer: the API server refused the Binding of pod fail\/p to node f-1: 403 Forbidden: pods "p" is forbidden/,
    );
    await unchanged();
    f.bindingHook = undefined;

    // the pod was deleted and created again under the same name: the old UID is stale (409)
    f.remove('Pod', 'fail', 'p');
    const q = f.create(web('p', 'fail', '1').obj());
    await until(async () => (await filter(r, q, ['f-1'])).passed.length === 1);
    expect(await bind(r, p, 'f-1')).toContain(
      `409 Conflict: Operation cannot be fulfilled on pods "p": StorageError: invalid object, Code: 4, Key: /registry/pods/fail/p, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: ${uidOf(p)}, UID in object meta: ${uidOf(q)}`,
    );
    await unchanged();
    // a 409 saying the pod is already on another node (bound by someone else; the watch has not
    // shown it yet) is a failure, not the bind's own lost answer
    f.bindingHook = () => ({
      code: 409,
      reason: 'Conflict',
      message: 'Operation cannot be fulfilled on pods/binding "p": pod p is already assigned to node "f-9"',
    });
    expect(await bind(r, q, 'f-1')).toBe(
      'placer: the API server refused the Binding of pod fail/p to node f-1: 409 Conflict: Operation cannot be fulfilled on pods/binding "p": pod p is already assigned to node "f-9"',
    );
    await unchanged();
    f.bindingHook = undefined;
    // the pod is being deleted (graceful deletion started): 409, final
    f.modify('Pod', 'fail', 'p', (o) => ((o.metadata as Obj).deletionTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z')));
    expect(await bind(r, q, 'f-1')).toContain(
      '409 Conflict: Operation cannot be fulfilled on pods/binding "p": pod p is being deleted, cannot be assigned to a host',
    );
    await unchanged();
    // the pod is gone (deleted while kube-scheduler decided): 404
    const gone = f.create(web('gone', 'fail', '1').obj());
    await filter(r, gone, ['f-1']);
    f.remove('Pod', 'fail', 'gone');
    expect(await bind(r, gone, 'f-1')).toContain('404 NotFound: pods "gone" not found');
    await unchanged();

    // placer's own rules: f-1 has 1 cpu left; a 2-cpu pod does not fit — nothing is POSTed
    const big = f.create(web('big', 'fail', '2').obj());
    await filter(r, big, ['f-1']);
    expect(await bind(r, big, 'f-1')).toMatch(/Insufficient cpu/);
    expect(f.bindingPosts.get('fail/big')).toBeUndefined();
    await unchanged();
    expect(f.bindings.filter((b) => b.namespace === 'fail')).toEqual([]);
  });

  it('refuses the native API writes (405 Status), executing an operation (409 Status), and answers operation plans (dryRun=true) and explain without changing anything', async () => {
    f.create(hv('n-1', '4', { rack: 'r1' }).obj());
    f.create(hv('n-2', '4', { rack: 'r2' }).obj());
    // the namespace's pods may only run in racks r1 and r2: the plans' moves stay on n-1 and n-2
    const inRacks = (name: string) =>
      web(name, 'ops', '1')
        .nodeName('n-1')
        .requiredAffinity({ matchExpressions: [{ key: 'rack', operator: 'In', values: ['r1', 'r2'] }] });
    f.create(inRacks('a').obj());
    f.create(inRacks('b').obj());
    await until(async () => Object.keys(await placements(r, 'ops')).length === 2, 5000, 'ops mirrored');
    const before = json([await hosts(r, 'n-'), await placements(r, 'ops')]);
    const writes = () => f.requests.filter((q) => q.method !== 'GET').length;
    const writesBefore = writes();

    for (const [method, path, body, hint] of [
      ['POST', '/v1/apply', hv('n-9').obj(), ''],
      ['DELETE', '/v1/hosts/n-1', undefined, ''],
      ['DELETE', '/v1/namespaces/ops/pods/a', undefined, ''],
      ['POST', '/v1/hosts/n-1/cordon', undefined, ' Here: `kubectl cordon n-1`.'],
      ['POST', '/v1/hosts/n-1/uncordon', undefined, ' Here: `kubectl uncordon n-1`.'],
    ] as const) {
      const res = await call(r, method, path, body);
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'MethodNotAllowed', code: 405 });
      expect(String(res.body.message)).toContain('the API server is the source of truth');
      expect(String(res.body.message).endsWith(`kube-scheduler binds pods through the extender.${hint}`)).toBe(true);
    }
    for (const [path, body, how] of [
      ['/v1/hosts/n-1/drain', undefined, 'kubectl drain NODE'],
      ['/v1/hosts/n-1/drain?dryRun=false', undefined, 'kubectl drain NODE'],
      ['/v1/drain', { hosts: ['n-1'] }, 'kubectl drain NODE'],
      ['/v1/rebalance', undefined, 'evict or delete a pod'],
      ['/v1/namespaces/ops/move', { to: 'rack=r2' }, 'NamespacePolicy'],
    ] as const) {
      const res = await call(r, 'POST', path, body);
      expect(res.status, path).toBe(409);
      expect(res.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Conflict', code: 409 });
      expect(String(res.body.message)).toContain(
        'the API server is the source of truth, and placer does not move pods itself, so it only plans this operation: ask for the plan with dryRun=true.',
      );
      expect(String(res.body.message)).toContain(how);
    }

    // the plans, over the mirrored state
    const drain = await call(r, 'POST', '/v1/hosts/n-1/drain?dryRun=true');
    expect(drain.status).toBe(200);
    expect(drain.body).toMatchObject({
      kind: 'DrainPlan',
      hosts: ['n-1'],
      dryRun: true,
      executed: false,
      unmovable: [],
      summary: { moves: 2, unmovable: 0 },
    });
    expect(drain.body.moves).toMatchObject([
      { kind: 'Pod', namespace: 'ops', name: 'a', from: 'n-1', to: 'n-2' },
      { kind: 'Pod', namespace: 'ops', name: 'b', from: 'n-1', to: 'n-2' },
    ]);
    expect((await call(r, 'POST', '/v1/drain?dryRun=true', { selector: 'rack=r1' })).body).toEqual(drain.body);
    const move = await call(r, 'POST', '/v1/namespaces/ops/move?dryRun=true', { to: 'rack=r2' });
    expect(move.status).toBe(200);
    expect(move.body).toMatchObject({
      kind: 'NamespaceMovePlan',
      namespace: 'ops',
      selector: 'rack=r2',
      dryRun: true,
      executed: false,
      summary: { moves: 2, unmovable: 0 },
    });
    const rebalance = await call(r, 'POST', '/v1/rebalance?dryRun=true&maxMoves=3');
    expect(rebalance.status).toBe(200);
    expect(rebalance.body).toMatchObject({ kind: 'RebalancePlan', dryRun: true, executed: false });
    expect((rebalance.body.moves as Obj[]).length).toBeLessThanOrEqual(3);
    // explain only reads too: where a workload would go, and why
    const explained = await call(r, 'POST', '/v1/explain', web('c', 'ops', '1').obj());
    expect(explained.status).toBe(200);
    expect(explained.body).toMatchObject({ kind: 'ExplanationList', items: [{ namespace: 'ops', name: 'c' }] });
    // a plan's own errors are the standalone mode's
    expect((await call(r, 'POST', '/v1/hosts/nope/drain?dryRun=true')).status).toBe(404);
    // the CLI against this server: --dry-run prints the plan; executing reports the refusal
    const planned = await cli(['drain', 'n-1', '--server', r.url, '--dry-run', '-o', 'json']);
    expect(planned.status).toBe(0);
    expect(JSON.parse(planned.stdout)).toEqual(drain.body);
    const executed = await cli(['drain', 'n-1', '--server', r.url]);
    expect(executed.status).not.toBe(0);
    expect(executed.stdout).toBe('');
    expect(executed.stderr).toContain(
      'so it only plans this operation: ask for the plan with dryRun=true. Drain with `kubectl drain NODE`',
    );

    // nothing changed, here or in the API server
    expect(json([await hosts(r, 'n-'), await placements(r, 'ops')])).toBe(before);
    expect(writes()).toBe(writesBefore);
    expect((f.get('Node', '', 'n-1')!.spec as Obj | undefined)?.unschedulable).toBeUndefined();
    expect((await call(r, 'GET', '/readyz?verbose')).text).toBe(
      '[+]ping ok\n[+]state-loaded ok\n[+]shutdown ok\n[+]informers-synced ok\n[+]leader ok\nreadyz check passed\n',
    );
  });
});
