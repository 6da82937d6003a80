// Standalone mode keeps what it could not place (issue #18 of the open list): against a real
// `placer serve` on 127.0.0.1 and its on-disk store, the pending list survives kill -9 and a
// restart unchanged; a change that may help places pending workloads without a new apply —
// a raised ResourceQuota, a released workload, added hosts (a gang all or nothing), a preemptor
// deleted —, with origin "retry"; a withdrawn request never comes back; and concurrent applies,
// extender binds, releases and retries never place a workload twice (the independent checker on
// the final state).

import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadClusterInput } from '../../service/manifests/index.js';
import type { PlacementResult } from '../../service/placement/result.js';
import { checkResult } from './model-checker.js';
import { call, killAll, removeDirs, start, tempDir, type Obj, type Server } from './server.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

afterEach(() => killAll());
afterAll(() => removeDirs());

const node = (name: string, pool: string, cpu: number) => `apiVersion: v1
kind: Node
metadata: {name: ${name}, labels: {pool: ${pool}, kubernetes.io/hostname: ${name}}}
status: {allocatable: {cpu: "${cpu}", memory: 64Gi, pods: "110"}}`;

const quota = (ns: string, cpu: number) => `apiVersion: v1
kind: ResourceQuota
metadata: {name: compute, namespace: ${ns}}
spec: {hard: {requests.cpu: "${cpu}"}}`;

const deployment = (ns: string, name: string, replicas: number, cpu: string, pool: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${ns}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      nodeSelector: {pool: ${pool}}
      containers: [{name: c, image: x, resources: {requests: {cpu: "${cpu}", memory: 1Gi}}}]`;

const pod = (ns: string, name: string, cpu: string, pool: string, extra = '', labels = '{}') => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: ${ns}, labels: ${labels}}
spec:
  nodeSelector: {pool: ${pool}}
${extra}  containers: [{name: c, image: x, resources: {requests: {cpu: "${cpu}", memory: 1Gi}}}]`;

const priorityClasses = `apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: low}
value: 10
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: high}
value: 1000`;

const yaml = (...docs: string[]) => docs.join('\n---\n');
const apply = (s: Server, body: string) => call(s, 'POST', '/v1/apply', body, { 'content-type': 'application/yaml' });

async function pending(s: Server, ns?: string): Promise<Obj[]> {
  const r = await call(s, 'GET', `/v1/pending${ns ? `?namespace=${ns}` : ''}`);
  expect(r.status).toBe(200);
  return r.body.items as Obj[];
}

async function placements(s: Server, ns?: string): Promise<Obj[]> {
  const r = await call(s, 'GET', `/v1/placements${ns ? `?namespace=${ns}` : ''}`);
  expect(r.status).toBe(200);
  return r.body.items as Obj[];
}

/** Poll until `check` holds (the retry loop works on its own; its backoff starts at 1 s). */
async function eventually<T>(what: string, probe: () => Promise<T>, check: (v: T) => boolean, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (check(v)) return v;
    if (Date.now() > end) throw new Error(`${what}: still ${JSON.stringify(v)} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the pending list is durable', () => {
  it('survives kill -9 and a restart, equal before and after; withdrawn requests never come back', async () => {
    const dir = tempDir();
    let s = await start(dir);
    const r = await apply(
      s,
      yaml(node('d1', 'd', 8), quota('dur', 4), deployment('dur', 'web', 6, '1', 'd'), pod('big', 'huge', '64', 'd')),
    );
    expect(r.status).toBe(200);
    const before = await call(s, 'GET', '/v1/pending');
    const items = before.body.items as Obj[];
    expect(items).toHaveLength(3);
    for (const p of items) {
      expect(p.attempts).toBe(1);
      expect(p.lastAttempt).toBe(p.since);
    }
    expect(items.filter((p) => String(p.reason).startsWith('exceeded quota: compute'))).toHaveLength(2);

    s.proc.kill('SIGKILL');
    await s.exited;
    s = await start(dir);
    const after = await call(s, 'GET', '/v1/pending');
    expect(after.body).toEqual(before.body);
    // explain works on the reloaded template
    const ex = await call(s, 'GET', '/v1/namespaces/big/pods/huge/explain');
    expect(ex.status).toBe(200);

    // withdraw the big pod; then add room for it: it never comes back, not even after a restart
    const del = await call(s, 'DELETE', '/v1/namespaces/big/pods/huge');
    expect(del.status).toBe(200);
    expect(String(del.body.message)).toMatch(/withdrawn/);
    expect(await call(s, 'DELETE', '/v1/namespaces/big/pods/huge')).toMatchObject({ status: 404 });
    expect(await apply(s, yaml(node('d2', 'd', 128), quota('dur', 100)))).toMatchObject({ status: 200 });
    // the quota raise places the two refused replicas
    await eventually(
      'pending in dur',
      () => pending(s, 'dur'),
      (v) => v.length === 0,
    );
    const placed = await placements(s, 'dur');
    expect(await placements(s, 'big')).toEqual([]);
    expect(await pending(s, 'big')).toEqual([]);
    expect(placed.filter((p) => p.origin === 'retry')).toHaveLength(2);
    s.proc.kill('SIGKILL');
    await s.exited;
    s = await start(dir);
    expect(await pending(s)).toEqual([]);
    expect(await placements(s, 'dur')).toEqual(placed);
  });
});

describe('convergence: a change that may help places pending workloads without a new apply', () => {
  it('a raised ResourceQuota places the refused replicas (in priority order, every rule kept)', async () => {
    const s = await start(tempDir());
    await apply(s, yaml(node('q1', 'q', 16), quota('quo', 3), deployment('quo', 'web', 5, '1', 'q')));
    expect(await pending(s, 'quo')).toHaveLength(2);
    expect(await apply(s, quota('quo', 4))).toMatchObject({ status: 200 });
    // one more fits: one placed, the other still pending with the quota's new numbers
    const left = await eventually(
      'one placed',
      () => pending(s, 'quo'),
      (v) => v.length === 1 && v[0].attempts === 2,
    );
    expect(left[0].reason).toMatch(/^exceeded quota: compute, requested: requests.cpu=1, used: requests.cpu=4, limited: requests.cpu=4$/);
    expect((await placements(s, 'quo')).filter((p) => p.origin === 'retry')).toHaveLength(1);
    await apply(s, quota('quo', 10));
    await eventually(
      'all placed',
      () => pending(s, 'quo'),
      (v) => v.length === 0,
    );
    const placed = await placements(s, 'quo');
    expect(placed).toHaveLength(5);
    expect(placed.filter((p) => p.origin === 'retry').map((p) => p.owner)).toEqual(['Deployment/web', 'Deployment/web']);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toMatch(/^placer_pending_retry_placements_total 2$/m);
    expect(metrics).toMatch(/^placer_pending_retries_total [3-9]\d*$/m);
  });

  it('releasing a workload lets a pending one in; preempted workloads return when their preemptor is deleted', async () => {
    const s = await start(tempDir());
    await apply(s, yaml(priorityClasses, node('r1', 'r', 4), pod('rel', 'filler', '3', 'r'), pod('rel', 'waiter', '2', 'r')));
    expect((await pending(s, 'rel')).map((p) => p.name)).toEqual(['waiter']);
    expect(await call(s, 'DELETE', '/v1/namespaces/rel/pods/filler')).toMatchObject({ status: 200 });
    await eventually(
      'waiter placed',
      () => placements(s, 'rel'),
      (v) => v.some((p) => p.name === 'waiter' && p.origin === 'retry' && p.host === 'r1'),
    );
    expect(await pending(s, 'rel')).toEqual([]);

    // preemption: a high-priority pod evicts the low one (running), which comes back once the preemptor is gone
    await apply(s, yaml(node('p1', 'p', 4), pod('pre', 'victim', '3', 'p', '  priorityClassName: low\n  nodeName: p1\n')));
    await apply(s, pod('pre', 'preemptor', '3', 'p', '  priorityClassName: high\n'));
    const evicted = await pending(s, 'pre');
    expect(evicted.map((p) => [p.name, p.reason])).toEqual([['victim', 'preempted by pre/preemptor']]);
    expect(await call(s, 'DELETE', '/v1/namespaces/pre/pods/preemptor')).toMatchObject({ status: 200 });
    await eventually(
      'victim back',
      () => placements(s, 'pre'),
      (v) => v.some((p) => p.name === 'victim' && p.origin === 'retry' && p.host === 'p1'),
    );
    expect(await pending(s, 'pre')).toEqual([]);
    // placed, not merely recorded where it ran: its cpu is charged, so another 3 cores do not fit
    const late = await apply(s, pod('pre', 'late', '3', 'p'));
    expect((late.body.unplaced as Obj[]).map((u) => u.name)).toEqual(['late']);
    expect(String((late.body.unplaced as Obj[])[0].reason)).toMatch(/^0\/2 hosts are available: .*1 Insufficient cpu/);
  });

  it('a victim placer placed itself is evicted as itself: the preemptor stays, the victim waits', async () => {
    const s = await start(tempDir());
    await apply(s, yaml(priorityClasses, node('q1', 'q', 4), pod('own', 'victim', '3', 'q', '  priorityClassName: low\n')));
    const placed = await apply(s, pod('own', 'preemptor', '3', 'q', '  priorityClassName: high\n'));
    // the answer lists the victim among the unplaced, with why
    expect((placed.body.unplaced as Obj[]).map((u) => [u.name, u.reason])).toEqual([['victim', 'preempted by own/preemptor']]);
    expect((await placements(s, 'own')).map((p) => [p.name, p.host])).toEqual([['preemptor', 'q1']]);
    expect((await pending(s, 'own')).map((p) => [p.name, p.reason])).toEqual([['victim', 'preempted by own/preemptor']]);
    // the host's ledger holds the preemptor's 3 cores only
    const host = (await call(s, 'GET', '/v1/hosts/q1')).body as Obj;
    expect((host.used as Obj).cpu).toBe('3');
  });

  it('added hosts place a gang that did not fit, all or nothing', async () => {
    const s = await start(tempDir());
    const group = `apiVersion: scheduling.x-k8s.io/v1alpha1
kind: PodGroup
metadata: {name: trainers, namespace: gang}
spec: {minMember: 3}`;
    const member = (i: number) => pod('gang', `t${i}`, '3', 'g', '', '{scheduling.x-k8s.io/pod-group: trainers}');
    await apply(s, yaml(node('g1', 'g', 4), group, member(0), member(1), member(2)));
    const waiting = await pending(s, 'gang');
    expect(waiting).toHaveLength(3);
    for (const p of waiting) expect(p.reason).toMatch(/^gang PodGroup gang\/trainers: only 1 of the 3 members/);
    // one more host: still only two fit, so none is placed (and the reason says two now)
    await apply(s, node('g2', 'g', 4));
    await eventually(
      'tried on two hosts',
      () => pending(s, 'gang'),
      (v) => v.length === 3 && v.every((p) => p.attempts === 2),
    );
    expect(await placements(s, 'gang')).toEqual([]);
    for (const p of await pending(s, 'gang')) expect(p.reason).toMatch(/only 2 of the 3 members/);
    await apply(s, node('g3', 'g', 4));
    const placed = await eventually(
      'gang placed',
      () => placements(s, 'gang'),
      (v) => v.length === 3,
    );
    expect(new Set(placed.map((p) => p.host))).toEqual(new Set(['g1', 'g2', 'g3']));
    expect(placed.every((p) => p.origin === 'retry')).toBe(true);
    expect(await pending(s, 'gang')).toEqual([]);
  });
});

describe('concurrent applies, binds, releases and retries', () => {
  it('never place a workload twice: the independent checker on the final state', async () => {
    const s = await start(tempDir());
    const hosts = [node('c1', 'c', 8), node('c2', 'c', 8), node('c3', 'c', 8)];
    await apply(s, yaml(...hosts, quota('conc', 10)));
    const deployments = Array.from({ length: 12 }, (_, i) => deployment('conc', `app${i}`, 3, '1', 'c'));
    // pods kube-scheduler places through the extender, racing with the applies and the retries
    const bare = (i: number) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `bound-${i}`, namespace: 'conc', uid: `uid-bound-${i}` },
      spec: { nodeSelector: { pool: 'c' }, containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '1', memory: '1Gi' } } }] },
    });
    const bindOne = async (i: number): Promise<boolean> => {
      const f = await call(s, 'POST', '/scheduler/filter', { Pod: bare(i), Nodes: null, NodeNames: ['c1', 'c2', 'c3'] });
      const passed = (f.body.NodeNames as string[] | null) ?? [];
      if (passed.length === 0) return false;
      const b = await call(s, 'POST', '/scheduler/bind', {
        PodName: `bound-${i}`,
        PodNamespace: 'conc',
        PodUID: `uid-bound-${i}`,
        Node: passed[0],
      });
      return b.body.Error === '';
    };
    // 36 replicas of 1 cpu under a 10-core quota: most pend; binds, releases and quota raises race with applies
    const work: Promise<unknown>[] = deployments.map((d) => apply(s, d));
    const binds = Array.from({ length: 6 }, (_, i) => bindOne(i));
    for (let q = 12; q <= 24; q += 4) work.push(apply(s, quota('conc', q)));
    await Promise.all(work);
    const released: string[] = [];
    for (const p of (await placements(s, 'conc')).filter((p) => p.origin !== 'bind').slice(0, 6)) {
      const name = String(p.name);
      const r = call(s, 'DELETE', `/v1/namespaces/conc/pods/${name}`);
      const again = apply(s, deployments[Number(/^app(\d+)-/.exec(name)![1])]);
      expect((await r).status).toBe(200);
      expect((await again).status).toBe(200);
      released.push(name);
    }
    const bound = (await Promise.all(binds)).flatMap((ok, i) => (ok ? [bare(i)] : []));
    // the quota allows 24 cores, the hosts 24: the retry loop gets there on its own
    const placed = await eventually(
      'placements settle',
      () => placements(s, 'conc'),
      (v) => v.length === 24,
    );
    expect(placed.filter((p) => p.origin === 'bind')).toHaveLength(bound.length);
    const left = await pending(s, 'conc');
    const gone = new Set(released.filter((n) => !placed.some((p) => p.name === n) && !left.some((p) => p.name === n)));
    expect(left).toHaveLength(36 - placed.filter((p) => p.origin !== 'bind').length - gone.size);

    // the checker: every workload exactly once, no host or quota overcommitted
    const dir = mkdtempSync(join(tmpdir(), 'placer-pending-check-'));
    writeFileSync(join(dir, 'c.yaml'), yaml(...hosts, quota('conc', 24), ...deployments));
    writeFileSync(join(dir, 'bound.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items: bound }));
    const input = await loadClusterInput([dir], { cpuMhzPerCore: 2000 });
    rmSync(dir, { recursive: true, force: true });
    for (const t of input.workloads) t.instances = t.instances.filter((i) => !gone.has(i.name));
    const result = {
      placements: placed.map((p) => ({ namespace: 'conc', kind: 'Pod', name: String(p.name), host: String(p.host) })),
      unplaced: left.map((p) => ({
        namespace: 'conc',
        kind: 'Pod',
        name: String(p.name),
        reason: String(p.reason),
        grade: String(p.grade),
      })),
    } as unknown as PlacementResult;
    expect(() => checkResult(input, result)).not.toThrow();
  });
});
