// Faults between placer and the real API server, through a TCP proxy of the test's own
// (proxy.ts), each with the time placer takes to notice it and to converge on what the API says
// asserted: a reset connection; a 20 s stall; a connection left half-open for 20 s while a node is
// deleted and a pod re-created under the same name; a long cut and, long after it, a short one
// (the backoff must have reset); the API server SIGKILLed and restarted, with and without its watch
// cache, after etcd's history was compacted (410 Expired: a relist).
//
// One control plane and one placer for all of them, in order: each fault starts from a converged
// placer. kube-scheduler's part (filter, bind) is played by the test, so that what is measured is
// placer's, not kube-scheduler's queue.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { bind, call, filter, metric } from '../apiserver/replica.js';
import { killAll } from '../e2e/server.js';
import { MARKER, hosts, json, placements, web } from '../e2e/kube-harness.js';
import { pod } from '../fixtures/k8s.js';
import { Cluster } from './cluster.js';
import { ControlPlane } from './controlplane.js';
import type { Obj } from './kube.js';
import { apiPlacements, applyDeploy } from './objects.js';
import { startPlacer, type Placer } from './placer.js';
import { sleep, until } from './procs.js';
import { FaultProxy } from './proxy.js';
import { describeReal } from './suite.js';

/** The resources placer watches here (service/apiserver/resources.ts; vm-operator's are not served, so not watched). */
const WATCHED = ['PriorityClass', 'Namespace', 'Node', 'ResourceQuota', 'NamespacePolicy', 'PodDisruptionBudget', 'Pod'];

describeReal('placer and the real API server: faults on the connection and the API server, noticed and converged', (bins) => {
  let cp: ControlPlane;
  let c: Cluster;
  let proxy: FaultProxy;
  let r: Placer;

  /** placer's view equals the API server's: every Node, every bound pod where the API says. */
  const converged = async (): Promise<boolean> => {
    const nodes = ((await c.k.items('/api/v1/nodes')) as Obj[]).map((n) => String((n.metadata as Obj).name)).sort();
    const mine = [Object.keys(await hosts(r, '')).sort(), await placements(r)];
    const theirs = [nodes, await apiPlacements(c.k)];
    if (json(mine) === json(theirs)) return true;
    throw new Error(`placer ${json(mine)}, the API server ${json(theirs)}`);
  };
  /** placer_kube_watch_failures_total by resource. */
  const failuresPerResource = async (): Promise<Map<string, number>> => {
    const text = (await call(r, 'GET', '/metrics')).text;
    return new Map([...text.matchAll(/^placer_kube_watch_failures_total\{resource="([^"]+)"\} (\d+)$/gm)].map((m) => [m[1], Number(m[2])]));
  };
  /** Every watch failed since `before` (failuresPerResource() then). */
  const everyWatchFailedSince = async (before: Map<string, number>): Promise<boolean> => {
    const now = await failuresPerResource();
    return WATCHED.every((k) => (now.get(k) ?? 0) > (before.get(k) ?? 0));
  };
  /** From now, the milliseconds until `cond` holds (polled every 100 ms in the background; rejects after `ms`). */
  const clock = (cond: () => Promise<boolean>, ms: number, what: string): Promise<number> => timeUntil(cond, ms, what);
  const ready = async (): Promise<boolean> => (await call(r, 'GET', '/readyz')).status === 200;
  /** Milliseconds until `cond`, polling every 100 ms; throws after `ms`. */
  const timeUntil = async (cond: () => Promise<boolean>, ms: number, what: string): Promise<number> => {
    const t0 = performance.now();
    await until(cond, ms, what, 100);
    return performance.now() - t0;
  };
  const marked = (name: string, ns: string) =>
    pod(name)
      .ns(ns)
      .container({ cpu: '100m', memory: '64Mi', ...MARKER }, { limits: MARKER });

  beforeAll(async () => {
    cp = await ControlPlane.start(bins);
    c = new Cluster(cp);
    await applyDeploy(cp.admin);
    proxy = await FaultProxy.start(cp.apiPort);
    for (const n of ['h-1', 'h-2', 'h-3']) await c.node(n, { cpu: '8', pods: '50' });
    r = await startPlacer(cp, { server: proxy.url, args: ['--ignored-resources', 'placer.dev/managed'] });
    await until(converged, 10_000, 'converged at start');
  });
  afterAll(async () => {
    if (process.env.PLACER_KEEP_K8S) (await import('node:fs')).writeFileSync(`${cp.dir}/placer.log`, r?.stderr() ?? '');
    killAll();
    await proxy?.stop();
    await cp?.stop();
  });

  it('without vm-operator placer serves: its VirtualMachines are taken as none, with a warning', async () => {
    expect(r.stderr()).toContain('the API server does not serve this resource');
    expect(await ready()).toBe(true);
  });

  it('a reset connection: noticed at once, converged in seconds', async () => {
    const before = await failuresPerResource();
    proxy.reset();
    const notice = await timeUntil(() => everyWatchFailedSince(before), 10_000, 'every watch noticed the reset');
    await c.create(web('after-reset', 'faults', '1').nodeName('h-1').obj());
    const converge = await timeUntil(converged, 10_000, 'converged after the reset');
    console.log(`reset: noticed by every watch in ${Math.round(notice)} ms, converged ${Math.round(converge)} ms after the change`);
    expect(notice).toBeLessThan(2000);
    expect(converge).toBeLessThan(5000);
  });

  it('a 20 s stall: nothing lost, converged within seconds of the end', async () => {
    proxy.pause();
    const p = await c.create(web('stalled', 'faults', '1').nodeName('h-2').obj());
    await c.node('h-stall', { cpu: '8', pods: '50' });
    await sleep(20_000);
    proxy.resume();
    const converge = await timeUntil(converged, 30_000, 'converged after the stall');
    console.log(`stall 20 s: converged ${Math.round(converge)} ms after it ended`);
    expect(converge).toBeLessThan(15_000);
    expect((await placements(r, 'faults'))['faults/stalled']).toBe('h-2');
    await c.remove(p);
    await until(converged, 10_000, 'converged');
  });

  it('half-open for 20 s: within a minute of the restore placer has dropped a node deleted meanwhile and binds a pod re-created under the same name', async () => {
    await c.node('h-gone', { cpu: '8', pods: '50' });
    const old = await c.create(marked('again', 'faults').nodeName('h-1').obj());
    await until(converged, 10_000, 'converged before');
    const before = await failuresPerResource();
    const t0 = performance.now();
    proxy.halfOpen();
    const noticed = clock(() => everyWatchFailedSince(before), 80_000, 'every watch noticed the dead connection');
    // meanwhile, users: a node deleted, a pod deleted and created again under its name
    await c.remove({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'h-gone' } });
    await c.remove(old);
    const fresh = await c.create(marked('again', 'faults').obj());
    await sleep(20_000 - (performance.now() - t0));
    proxy.restore();
    const restored = performance.now();
    // kube-scheduler's part: the new pod, filtered and bound as soon as the API is reachable again
    // (placer's view may still hold the old incarnation then: the bind must not be refused for it)
    let bindError = '';
    const boundIn = await timeUntil(
      async () => {
        const f = await filter(r, fresh, ['h-1', 'h-2']);
        bindError = f.passed.length > 0 ? await bind(r, fresh, f.passed[0]) : `filter: ${json(f)}`;
        return bindError === '';
      },
      60_000,
      `the re-created pod bound (last: ${bindError})`,
    );
    await until(async () => (await hosts(r, 'h-gone'))['h-gone'] === undefined, 60_000, 'deleted node dropped');
    const dropped = performance.now() - restored;
    await until(converged, 60_000 - (performance.now() - restored), 'converged within a minute of the restore');
    const sinceRestore = performance.now() - restored;
    const notice = await noticed;
    console.log(
      `half-open 20 s: every watch noticed ${Math.round(notice)} ms after the fault began; re-created pod bound ${Math.round(boundIn)} ms, deleted node dropped ${Math.round(dropped)} ms, converged ${Math.round(sinceRestore)} ms after the restore`,
    );
    expect(notice).toBeLessThan(55_000); // a watch's timeoutSeconds (≤ 40 s) + 10 s grace, and the poll
    expect(dropped).toBeLessThan(60_000);
    expect(sinceRestore).toBeLessThan(60_000);
    expect((await apiPlacements(c.k, 'faults'))['faults/again']).toBeDefined();
    expect((await placements(r, 'faults'))['faults/again']).toBe((await apiPlacements(c.k, 'faults'))['faults/again']);
    // and placer lets go of every dead connection (the last, a list begun during the fault, at its 30 s deadline)
    await until(async () => proxy.counts().dead === 0, 45_000, 'every dead connection closed by placer');
  });

  it('a long cut, then long after it a short one: the short one costs seconds (the backoff reset)', async () => {
    proxy.cut();
    await until(async () => !(await ready()), 10_000, 'not ready while the watches fail');
    await sleep(20_000);
    proxy.restore();
    const long = await timeUntil(async () => (await ready()) && (await converged()), 40_000, 'converged after the long cut');
    await sleep(35_000); // health, longer than the backoff's reset period (30 s)
    proxy.cut();
    await sleep(1000);
    await c.create(web('after-short-cut', 'faults', '1').nodeName('h-3').obj());
    proxy.restore();
    const short = await timeUntil(async () => (await ready()) && (await converged()), 30_000, 'converged after the short cut');
    console.log(`cut 20 s: ready and converged ${Math.round(long)} ms after it; cut 1 s, 35 s later: ${Math.round(short)} ms after it`);
    expect(short).toBeLessThan(5000);
  });

  it('the API server SIGKILLed, etcd compacted, restarted without its watch cache: 410 from etcd, a relist, converged in seconds', async () => {
    const relists = await metric(r, 'placer_kube_relists_total', { resource: 'Pod', reason: 'expired' });
    proxy.pause(); // placer sees nothing of what follows until the API server is back
    await c.create(web('while-paused', 'faults', '1').nodeName('h-2').obj());
    await c.remove({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'after-reset', namespace: 'faults' } });
    await cp.compactEtcd();
    await cp.killApiServer();
    proxy.reset();
    proxy.resume();
    await cp.startApiServer({ watchCache: false });
    const converge = await timeUntil(converged, 30_000, 'converged after the restart');
    console.log(`API server restarted without watch cache: converged ${Math.round(converge)} ms after it was ready`);
    expect(converge).toBeLessThan(15_000);
    expect(await metric(r, 'placer_kube_relists_total', { resource: 'Pod', reason: 'expired' })).toBeGreaterThan(relists);
  });

  it('restarted again with its watch cache, after another compaction: 410 from the cache, a relist, converged in seconds', async () => {
    const relists = await metric(r, 'placer_kube_relists_total', { resource: 'Node', reason: 'expired' });
    proxy.pause();
    await c.node('h-late', { cpu: '8', pods: '50' });
    await c.remove({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'while-paused', namespace: 'faults' } });
    await cp.compactEtcd();
    await cp.killApiServer();
    proxy.reset();
    proxy.resume();
    await cp.startApiServer({ watchCache: true });
    const converge = await timeUntil(converged, 30_000, 'converged after the restart');
    console.log(`API server restarted with watch cache: converged ${Math.round(converge)} ms after it was ready`);
    expect(converge).toBeLessThan(15_000);
    expect(await metric(r, 'placer_kube_relists_total', { resource: 'Node', reason: 'expired' })).toBeGreaterThan(relists);
    expect(await ready()).toBe(true);
  });
});
