// `placer serve --kubeconfig` as a real process against the fake API server (test/kube): the
// state follows the API — nodes, pods and quotas appearing, changing and disappearing — the
// extender's bind goes through the pods/binding subresource and a failed bind changes nothing,
// 410 Expired relists, a restart converges on what the API says, the native API refuses writes.
// Every wait is bounded; no timing assertions.

import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { node, policy, pod, quota } from '../fixtures/k8s.js';
import { FakeApiServer, type Obj } from '../kube/fake-apiserver.js';
import { bind, call, filter, hosts, killAll, kubeconfigFor, metric, placements, removeTempDirs, startReplica, type Replica } from '../kube/replica.js';
import { until } from '../kube/until.js';

let f: FakeApiServer;
beforeEach(async () => {
  f = await FakeApiServer.start({ token: 'e2e-token' });
});
afterEach(async () => {
  killAll();
  await f.stop();
});
afterAll(() => removeTempDirs());

/** A single replica: no election, so that it binds at once. */
const start = (args: string[] = []): Promise<Replica> => startReplica(kubeconfigFor(f), ['--no-leader-elect', ...args]);

const hv = (name: string, cpu = '4', labels: Record<string, string> = {}) => node(name).labels(labels).allocatable({ cpu, memory: '16Gi', pods: '10' });
const web = (name: string, ns: string, cpu: string) => pod(name).ns(ns).container({ cpu, memory: '1Gi' });
const uidOf = (o: Obj): string => String((o.metadata as Obj).uid);

/** What the fake API says runs where: bound pods that have not finished. */
function apiPlacements(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of f.list('Pod')) {
    const md = p.metadata as Obj;
    const node = (p.spec as Obj).nodeName;
    const phase = (p.status as Obj | undefined)?.phase;
    if (typeof node === 'string' && node !== '' && phase !== 'Succeeded' && phase !== 'Failed') out[`${md.namespace}/${md.name}`] = node;
  }
  return out;
}

describe('placer serve --kubeconfig (real process, fake API server)', () => {
  it('mirrors nodes, pods, quotas and namespace policies as they appear, change and disappear', async () => {
    f.create(hv('hv-1').obj());
    f.create(hv('hv-2').obj());
    f.create(web('a', 'team', '1').nodeName('hv-1').obj());
    f.create(web('done', 'team', '2').nodeName('hv-2').phase('Succeeded').obj()); // finished: holds nothing
    f.create(quota('compute').ns('team').hard({ 'requests.cpu': '2' }).obj());
    const r = await start();

    expect(await hosts(r)).toEqual({
      'hv-1': { used: { cpu: '1', memory: '1Gi', pods: '1' }, unschedulable: false, workloads: 1 },
      'hv-2': { used: {}, unschedulable: false, workloads: 0 },
    });
    expect(await placements(r)).toEqual({ 'team/a': 'hv-1' });

    // the quota: 1 of 2 cpu used, a pod asking 2 does not fit anywhere
    const p = f.create(web('p', 'team', '2').obj());
    const q1 = await filter(r, p, ['hv-1', 'hv-2']);
    expect(q1.passed).toEqual([]);
    expect(String(q1.unresolvable['hv-1'])).toContain('exceeded quota: compute, requested: requests.cpu=2, used: requests.cpu=1, limited: requests.cpu=2');

    // the quota grows, hv-2 is cordoned: hv-1 only
    f.modify('ResourceQuota', 'team', 'compute', (o) => ((o.spec as Obj).hard = { 'requests.cpu': '4' }));
    f.modify('Node', '', 'hv-2', (o) => ((o.spec as Obj).unschedulable = true));
    await until(async () => (await filter(r, p, ['hv-1', 'hv-2'])).passed.join() === 'hv-1', 5000, 'quota and cordon mirrored');
    expect((await hosts(r))['hv-2'].unschedulable).toBe(true);

    // a NamespacePolicy: the namespace's workloads go to zone a only
    f.modify('Node', '', 'hv-2', (o) => {
      (o.spec as Obj).unschedulable = false;
      (o.metadata as Obj).labels = { zone: 'a' };
    });
    f.create(policy('default').ns('team').placement({ nodeSelector: { zone: 'a' } }).obj());
    await until(async () => (await filter(r, p, ['hv-1', 'hv-2'])).passed.join() === 'hv-2', 5000, 'policy mirrored');
    f.remove('NamespacePolicy', 'team', 'default');
    await until(async () => (await filter(r, p, ['hv-1', 'hv-2'])).passed.join() === 'hv-1,hv-2', 5000, 'policy removal mirrored');

    // pods: a finishes (released), b is created bound (held), then deleted (released)
    f.modify('Pod', 'team', 'a', (o) => (o.status = { phase: 'Succeeded' }));
    f.create(web('b', 'team', '500m').nodeName('hv-2').obj());
    await until(async () => JSON.stringify(await placements(r)) === JSON.stringify({ 'team/b': 'hv-2' }), 5000, 'pods mirrored');
    expect((await hosts(r))['hv-1'].used).toEqual({});
    f.remove('Pod', 'team', 'b');
    await until(async () => Object.keys(await placements(r)).length === 0, 5000, 'pod deletion mirrored');

    // a node appears, another disappears
    f.create(hv('hv-3', '8').obj());
    f.remove('Node', '', 'hv-1');
    await until(async () => Object.keys(await hosts(r)).join() === 'hv-2,hv-3', 5000, 'nodes mirrored');
    expect(await metric(r, 'placer_kube_watch_events_total', { resource: 'Node', type: 'DELETED' })).toBe(1);
  });

  it('keeps serving when an object cannot be read: logs it, counts it, keeps its previous version', async () => {
    f.create(hv('hv-1').obj());
    const r = await start();
    f.modify('Node', '', 'hv-1', (o) => ((o.status as Obj).allocatable = { cpu: 'lots', memory: '16Gi', pods: '10' }));
    await until(async () => (await metric(r, 'placer_kube_unreadable_objects', { resource: 'Node' })) === 1, 5000, 'unreadable node counted');
    expect((await call(r, 'GET', '/v1/hosts')).body.items).toHaveLength(1); // the last good hv-1 stays
    await until(() => r.stderr().includes('placer cannot read this object from the API server'));
    f.modify('Node', '', 'hv-1', (o) => ((o.status as Obj).allocatable = { cpu: '2', memory: '16Gi', pods: '10' }));
    await until(async () => (await metric(r, 'placer_kube_unreadable_objects', { resource: 'Node' })) === 0, 5000, 'fixed node read');
    expect(((await call(r, 'GET', '/v1/hosts')).body.items as Obj[])[0].allocatable).toMatchObject({ cpu: '2' });
  });

  it('binds through the API: the Binding is POSTed, the placement is committed only once it was accepted', async () => {
    f.create(hv('hv-1').obj());
    f.create(hv('hv-2').obj());
    // the pod carries the extender's managedResources marker, which no node advertises
    const marker = { 'placer.dev/managed': '1' };
    const p = f.create(pod('p').ns('team').container({ cpu: '1', memory: '1Gi', ...marker }, { limits: marker }).obj());
    const r = await start(['--ignored-resources', 'placer.dev/managed']);
    const { passed } = await filter(r, p, ['hv-1', 'hv-2']);
    expect(passed).toEqual(['hv-1', 'hv-2']);

    expect(await bind(r, p, 'hv-2')).toBe('');
    expect(f.bindings).toEqual([{ namespace: 'team', name: 'p', uid: uidOf(p), node: 'hv-2' }]);
    expect((f.get('Pod', 'team', 'p')!.spec as Obj).nodeName).toBe('hv-2');
    expect(await placements(r)).toEqual({ 'team/p': 'hv-2' });
    expect((await hosts(r))['hv-2'].used).toEqual({ cpu: '1', memory: '1Gi', pods: '1' });
    // kube-scheduler replays a bind whose answer it lost: done, nothing POSTed again
    expect(await bind(r, p, 'hv-2')).toBe('');
    expect(f.bindingPosts.get('team/p')).toBe(1);
    // a bind elsewhere of a pod the API shows bound: refused, nothing POSTed
    expect(await bind(r, p, 'hv-1')).toBe('placer: pod team/p is already assigned to node hv-2');
    expect(f.bindingPosts.get('team/p')).toBe(1);
    expect(await metric(r, 'placer_kube_bindings_total', { result: 'bound' })).toBe(2);
  });

  it('a failed bind changes nothing: API errors, a gone pod, a pod bound behind its back, placer refusing', async () => {
    f.create(hv('hv-1', '2').obj());
    f.create(web('running', 'team', '1').nodeName('hv-1').obj());
    const p = f.create(web('p', 'team', '1').obj());
    const r = await start();
    await filter(r, p, ['hv-1']);
    const before = JSON.stringify([await hosts(r), await placements(r)]);
    const unchanged = async () => expect(JSON.stringify([await hosts(r), await placements(r)])).toBe(before);

    // the API server refuses (403: RBAC misconfigured)
    f.bindingHook = () => ({ code: 403, reason: 'Forbidden', message: 'pods "p" is forbidden: User "system:serviceaccount:placer-system:placer" cannot create resource "pods/binding" in API group "" in the namespace "team"' });
    const forbidden = await bind(r, p, 'hv-1');
    expect(forbidden).toMatch(/^placer: the API server refused the Binding of pod team\/p to node hv-1: 403 Forbidden: pods "p" is forbidden/);
    await unchanged();
    f.bindingHook = undefined;

    // the pod is gone (deleted while kube-scheduler decided): 404
    f.remove('Pod', 'team', 'p');
    const q = f.create(web('p', 'team', '1').obj()); // same name, new pod: a stale UID
    await until(async () => (await filter(r, q, ['hv-1'])).passed.length === 1);
    const stale = await bind(r, p, 'hv-1');
    expect(stale).toContain('409 Conflict: Operation cannot be fulfilled on pods/binding "p": Precondition failed: UID in precondition');
    await unchanged();
    const gone = f.create(web('gone', 'team', '1').obj());
    await filter(r, gone, ['hv-1']);
    f.remove('Pod', 'team', 'gone');
    expect(await bind(r, gone, 'hv-1')).toContain('404 NotFound: pods "gone" not found');
    await unchanged();

    // placer's own rules: hv-1 has 1 cpu left; a 2-cpu pod does not fit — nothing is POSTed
    const big = f.create(web('big', 'team', '2').obj());
    await filter(r, big, ['hv-1']);
    const posts = f.bindingPosts.get('team/big');
    expect(await bind(r, big, 'hv-1')).toMatch(/Insufficient cpu/);
    expect(f.bindingPosts.get('team/big')).toBe(posts);
    await unchanged();
    expect(f.bindings).toEqual([]);
  });

  it('refuses the native API writes (405 Status): the API server is the source of truth', async () => {
    f.create(hv('hv-1').obj());
    const r = await start();
    for (const [method, path] of [
      ['POST', '/v1/apply'],
      ['DELETE', '/v1/hosts/hv-1'],
      ['DELETE', '/v1/namespaces/team/pods/a'],
    ] as const) {
      const res = await call(r, method, path, method === 'POST' ? hv('hv-9').obj() : undefined);
      expect(res.status).toBe(405);
      expect(res.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'MethodNotAllowed', code: 405 });
      expect(String(res.body.message)).toContain('the API server is the source of truth');
    }
    expect(Object.keys(await hosts(r))).toEqual(['hv-1']);
    expect((await call(r, 'GET', '/readyz?verbose')).text).toBe('[+]ping ok\n[+]state-loaded ok\n[+]shutdown ok\n[+]informers-synced ok\n[+]leader ok\nreadyz check passed\n');
  });

  it.each(['event', 'http'] as const)('relists on 410 Expired (%s) and converges on what the API says', async (how) => {
    f.expiredAs = how;
    f.create(hv('hv-1').obj());
    f.create(hv('hv-2').obj());
    f.create(web('a', 'team', '1').nodeName('hv-1').obj());
    f.create(web('b', 'team', '1').nodeName('hv-2').obj());
    const r = await start();
    await until(() => f.openWatches() === 7, 5000, 'every resource watched');
    // the watches drop; while they are down everything changes and the history is compacted
    f.closeWatches();
    f.remove('Pod', 'team', 'a');
    f.remove('Node', '', 'hv-1');
    f.create(hv('hv-3').obj());
    f.create(web('c', 'team', '2').nodeName('hv-3').obj());
    f.modify('Pod', 'team', 'b', (o) => (o.status = { phase: 'Failed' }));
    f.compact();
    f.closeWatches();
    await until(async () => JSON.stringify(await placements(r)) === JSON.stringify(apiPlacements()) && Object.keys(await hosts(r)).join() === 'hv-2,hv-3', 10_000, 'converged');
    expect(await placements(r)).toEqual({ 'team/c': 'hv-3' });
    expect(await metric(r, 'placer_kube_relists_total', { resource: 'Pod', reason: 'expired' })).toBeGreaterThanOrEqual(1);
    expect(await metric(r, 'placer_kube_relists_total', { resource: 'Node', reason: 'expired' })).toBeGreaterThanOrEqual(1);
  });

  it('a restart relists: the state equals the API, nothing stale survives', async () => {
    f.create(hv('hv-1').obj());
    f.create(hv('hv-2').obj());
    const p = f.create(web('p', 'team', '1').obj());
    f.create(web('q', 'team', '1').nodeName('hv-2').obj());
    const r1 = await start();
    await filter(r1, p, ['hv-1', 'hv-2']);
    expect(await bind(r1, p, 'hv-1')).toBe('');
    r1.proc.kill('SIGKILL');
    await r1.exited;
    // while placer is down
    f.remove('Pod', 'team', 'q');
    f.remove('Node', '', 'hv-2');
    f.create(hv('hv-3').obj());
    f.create(web('s', 'team', '1').nodeName('hv-3').obj());
    const r2 = await start();
    expect(await placements(r2)).toEqual(apiPlacements());
    expect(await placements(r2)).toEqual({ 'team/p': 'hv-1', 'team/s': 'hv-3' });
    expect(await hosts(r2)).toEqual({
      'hv-1': { used: { cpu: '1', memory: '1Gi', pods: '1' }, unschedulable: false, workloads: 1 },
      'hv-3': { used: { cpu: '1', memory: '1Gi', pods: '1' }, unschedulable: false, workloads: 1 },
    });
  });

  it('a pod bound to a Node placer has not seen yet waits for it; a deleted Node with pods stays, unschedulable, until they go', async () => {
    f.create(hv('hv-1').obj());
    const r = await start();
    f.create(web('early', 'team', '1').nodeName('hv-new').obj());
    await until(async () => (await metric(r, 'placer_kube_pods_pending_host')) === 1, 5000, 'pod waiting for its node');
    f.create(hv('hv-new').obj());
    await until(async () => (await placements(r))['team/early'] === 'hv-new', 5000, 'pod placed once its node came');
    f.remove('Node', '', 'hv-new');
    await until(async () => (await hosts(r))['hv-new']?.unschedulable === true, 5000, 'ghost host');
    expect((await hosts(r))['hv-new'].workloads).toBe(1);
    f.remove('Pod', 'team', 'early');
    await until(async () => (await hosts(r))['hv-new'] === undefined, 5000, 'ghost host gone with its last pod');
  });

  it('refuses bad flags clearly', async () => {
    const bad = await startReplica(kubeconfigFor(f), ['--bootstrap', 'examples/']).catch((e: Error) => e.message);
    expect(bad).toContain('error: Kubernetes mode does not take --bootstrap');
    const timings = await startReplica(kubeconfigFor(f), ['--leader-elect-lease-duration', '2s', '--leader-elect-renew-deadline', '3s']).catch((e: Error) => e.message);
    expect(timings).toContain('--leader-elect-lease-duration must be greater than --leader-elect-renew-deadline');
  });
});
