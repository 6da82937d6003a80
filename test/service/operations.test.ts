// Drain, rebalance, namespace moves, cordon and uncordon through the native API, on a real store:
// dry runs change nothing, executed plans are durable (a restart finds them), refused plans change
// nothing, bad requests get their Status.

import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, type Obj, harness } from './harness.js';

const zones = ['a', 'b', 'c'];
const nodes = zones.flatMap((z) =>
  [1, 2].map((i) => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: `${z}${i}`, labels: { 'topology.kubernetes.io/zone': z, 'kubernetes.io/hostname': `${z}${i}` } },
    status: { allocatable: { cpu: '4', memory: '8Gi', pods: '10' } },
  })),
);

const pod = (name: string, ns: string, cpu: string, nodeName?: string): Obj => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns, labels: { app: name } },
  spec: { ...(nodeName && { nodeName }), containers: [{ name: 'c', image: 'x', resources: { requests: { cpu, memory: '256Mi' } } }] },
});

let h: Harness;
afterEach(() => h?.close());

async function cluster(extra: Obj[] = []): Promise<Harness> {
  h = await harness();
  const r = await h.json('POST', '/v1/apply', { apiVersion: 'v1', kind: 'List', items: [...nodes, ...extra] });
  expect(r.status).toBe(200);
  return h;
}

const placements = async () =>
  (await h.json<{ items: { name: string; host: string; namespace: string }[] }>('GET', '/v1/placements')).body.items;
const hosts = async () =>
  (await h.json<{ items: { name: string; unschedulable: boolean; used: Record<string, string> }[] }>('GET', '/v1/hosts')).body.items;

describe('POST /v1/hosts/{name}/drain', () => {
  it('plans with dryRun=true and changes nothing', async () => {
    await cluster([pod('p1', 'shop', '1', 'a1'), pod('p2', 'shop', '1', 'a1'), pod('q', 'shop', '1', 'b1')]);
    const before = [await placements(), await hosts()];
    const r = await h.json<Obj>('POST', '/v1/hosts/a1/drain?dryRun=true');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      apiVersion: 'placer.dev/v1alpha1',
      kind: 'DrainPlan',
      hosts: ['a1'],
      dryRun: true,
      executed: false,
      unmovable: [],
      summary: { moves: 2, unmovable: 0 },
    });
    const moves = r.body.moves as { name: string; from: string; to: string }[];
    expect(moves.map((m) => m.name)).toEqual(['p1', 'p2']);
    for (const m of moves) expect(m.from).toBe('a1');
    expect([await placements(), await hosts()]).toEqual(before);
  });

  it('executes: placements move, the host is cordoned, and a restart finds both', async () => {
    await cluster([pod('p1', 'shop', '1', 'a1'), pod('p2', 'shop', '1', 'a1')]);
    const r = await h.json<Obj>('POST', '/v1/hosts/a1/drain');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ dryRun: false, executed: true, summary: { moves: 2, unmovable: 0 } });
    const moved = Object.fromEntries((r.body.moves as { name: string; to: string }[]).map((m) => [m.name, m.to]));
    const after = await placements();
    for (const p of after) expect(p.host).toBe(moved[p.name]);
    const a1 = (await hosts()).find((x) => x.name === 'a1')!;
    expect(a1.unschedulable).toBe(true);
    expect(a1.used.cpu ?? '0').toBe('0');
    const snapshot = [await placements(), await hosts()];
    await h.restart();
    expect([await placements(), await hosts()]).toEqual(snapshot);
    // Nothing new lands on the cordoned host; uncordon ends maintenance, durably.
    const p = await h.json<{ placements: { host: string }[] }>('POST', '/v1/apply', pod('later', 'shop', '3'));
    expect(p.body.placements[0].host).not.toBe('a1');
    expect((await h.json('POST', '/v1/hosts/a1/uncordon')).status).toBe(200);
    await h.restart();
    expect((await hosts()).find((x) => x.name === 'a1')!.unschedulable).toBe(false);
  });

  it('refuses with 409 and changes nothing when something cannot move, unless allowPartial', async () => {
    // big (3 cpu) fits nowhere once a1 is cordoned: every other host has 2 cpu used.
    const fill = ['a2', 'b1', 'b2', 'c1', 'c2'].map((n) => pod(`fill-${n}`, 'shop', '2', n));
    await cluster([...fill, pod('big', 'shop', '3', 'a1'), pod('small', 'shop', '500m', 'a1')]);
    const before = [await placements(), await hosts()];
    const r = await h.json<Obj>('POST', '/v1/hosts/a1/drain?dryRun=false');
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Conflict', code: 409 });
    expect(r.body.message).toMatch(/would leave 1 workload\(s\) where they are; nothing was changed/);
    expect((r.body.details as Obj).causes).toEqual([
      { reason: 'Unmovable', field: 'Pod shop/big', message: '0/6 hosts are available: 1 host(s) were unschedulable, 5 Insufficient cpu.' },
    ]);
    expect([await placements(), await hosts()]).toEqual(before);
    const partial = await h.json<Obj>('POST', '/v1/hosts/a1/drain?allowPartial=true');
    expect(partial.status).toBe(200);
    expect(partial.body).toMatchObject({ executed: true, summary: { moves: 1, unmovable: 1 } });
    const where = Object.fromEntries((await placements()).map((p) => [p.name, p.host]));
    expect(where.big).toBe('a1');
    expect(where.small).not.toBe('a1');
  });

  it('drains several hosts as one plan, by name or by selector', async () => {
    await cluster([pod('x', 'shop', '1', 'a1'), pod('y', 'shop', '1', 'a2')]);
    const byName = await h.json<Obj>('POST', '/v1/drain?dryRun=true', { hosts: ['a1', 'a2'] });
    expect(byName.status).toBe(200);
    const bySelector = await h.json<Obj>('POST', '/v1/drain?dryRun=true', { selector: 'topology.kubernetes.io/zone=a' });
    expect(bySelector.body.hosts).toEqual(['a1', 'a2']);
    expect(bySelector.body.moves).toEqual(byName.body.moves);
    for (const m of byName.body.moves as { to: string }[]) expect(m.to).not.toMatch(/^a/);
  });

  it('paces the plan by the PodDisruptionBudgets it applies (waves, blocked moves)', async () => {
    const replicas = ['r1', 'r2', 'r3', 'r4'].map((n) => ({
      ...pod(n, 'shop', '500m', 'a1'),
      metadata: { name: n, namespace: 'shop', labels: { app: 'cart' } },
    }));
    const budget = (spec: Obj): Obj => ({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'cart', namespace: 'shop' },
      spec: { selector: { matchLabels: { app: 'cart' } }, ...spec },
    });
    await cluster([...replicas, pod('solo', 'shop', '500m', 'a1'), budget({ maxUnavailable: 1 })]);
    const r = await h.json<Obj>('POST', '/v1/hosts/a1/drain?dryRun=true');
    // four replicas, one disruption at a time: waves 1–4; `solo` has no budget: wave 1
    expect(r.body).toMatchObject({ waves: 4, paced: true, summary: { moves: 5, unmovable: 0, blocked: 0 } });
    const waves = (r.body.moves as { name: string; wave: number }[]).map((m) => `${m.name}:${m.wave}`);
    expect(
      waves
        .filter((w) => w.startsWith('r'))
        .map((w) => w.split(':')[1])
        .sort(),
    ).toEqual(['1', '2', '3', '4']);
    expect(waves).toContain('solo:1');
    // minAvailable 4 of 4: nothing may be evicted; the plan says so, and executing still records where they go
    expect((await h.json('POST', '/v1/apply', budget({ minAvailable: 4 }))).status).toBe(200);
    const strict = await h.json<Obj>('POST', '/v1/hosts/a1/drain?dryRun=true');
    expect(strict.body).toMatchObject({ summary: { moves: 5, blocked: 4 } });
    for (const m of strict.body.moves as { name: string; wave: number; blockedBy?: string }[])
      expect([m.name, m.wave, m.blockedBy]).toEqual(m.name === 'solo' ? ['solo', 1, undefined] : [m.name, 0, 'cart']);
  });

  it("plans the same after a restart: a budget's status.disruptionsAllowed is kept", async () => {
    const replicas = ['r1', 'r2'].map((n) => ({
      ...pod(n, 'shop', '500m', 'a1'),
      metadata: { name: n, namespace: 'shop', labels: { app: 'cart' } },
    }));
    // the spec would allow one disruption; the disruption controller's count says none now
    const budget: Obj = {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'cart', namespace: 'shop' },
      spec: { selector: { matchLabels: { app: 'cart' } }, maxUnavailable: 1 },
      status: { disruptionsAllowed: 0 },
    };
    await cluster([...replicas, budget]);
    const before = await h.json<Obj>('POST', '/v1/hosts/a1/drain?dryRun=true');
    expect(before.body).toMatchObject({ summary: { moves: 2, blocked: 2 } });
    await h.restart();
    const after = await h.json<Obj>('POST', '/v1/hosts/a1/drain?dryRun=true');
    expect(after.body).toEqual(before.body);
  });

  it('answers bad requests with their Status', async () => {
    await cluster();
    expect((await h.json<Obj>('POST', '/v1/hosts/nope/drain')).status).toBe(404);
    const bad = await h.json<Obj>('POST', '/v1/hosts/a1/drain?dryRun=maybe');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe('query parameter dryRun: unsupported value "maybe": expected All, true, false, empty');
    expect((await h.json<Obj>('POST', '/v1/drain', { hosts: 'a1' })).status).toBe(400);
    expect((await h.json<Obj>('POST', '/v1/drain', { selector: 'zone in (' })).status).toBe(400);
    expect((await h.json<Obj>('POST', '/v1/drain', { selector: 'zone=none' })).status).toBe(404);
    expect((await h.request('POST', '/v1/drain', 'hosts: [a1]', { 'content-type': 'application/yaml' })).status).toBe(415);
  });
});

describe('POST /v1/rebalance and /v1/namespaces/{ns}/move', () => {
  it('rebalances: the dry run and the execution agree, and the imbalance drops', async () => {
    const hot = Array.from({ length: 6 }, (_, i) => pod(`hot-${i}`, 'shop', '500m', 'a1'));
    await cluster(hot);
    const dry = await h.json<Obj>('POST', '/v1/rebalance?dryRun=true&maxMoves=3');
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ kind: 'RebalancePlan', resource: 'cpu', dryRun: true, executed: false, summary: { moves: 3 } });
    const imbalance = dry.body.imbalance as { before: number; after: number };
    expect(imbalance.after).toBeLessThan(imbalance.before);
    const done = await h.json<Obj>('POST', '/v1/rebalance?maxMoves=3');
    expect(done.body.moves).toEqual(dry.body.moves);
    const where = Object.fromEntries((await placements()).map((p) => [p.name, p.host]));
    for (const m of done.body.moves as { name: string; to: string }[]) expect(where[m.name]).toBe(m.to);
    expect((await h.json<Obj>('POST', '/v1/rebalance?maxMoves=0')).status).toBe(400);
    expect((await h.json<Obj>('POST', '/v1/rebalance?resource=gpu')).status).toBe(400);
  });

  it('moves a namespace onto a zone, all or nothing, durably', async () => {
    await cluster([pod('w1', 'web', '1', 'a1'), pod('w2', 'web', '1', 'b1'), pod('o', 'other', '1', 'a1')]);
    const r = await h.json<Obj>('POST', '/v1/namespaces/web/move', { to: 'topology.kubernetes.io/zone=c' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      kind: 'NamespaceMovePlan',
      namespace: 'web',
      selector: 'topology.kubernetes.io/zone=c',
      executed: true,
      summary: { moves: 2, unmovable: 0 },
    });
    // w1 on a1 and w2 on b1 end up on zone c; usage is the namespace's (1 + 1 cpu), unchanged by the move.
    expect(r.body.usage).toMatchObject({ used: { cpu: '2', pods: '2' }, hosts: { before: 2 } });
    await h.restart();
    const where = Object.fromEntries((await placements()).map((p) => [p.name, p.host]));
    expect(where.w1).toMatch(/^c/);
    expect(where.w2).toMatch(/^c/);
    expect(where.o).toBe('a1');
    expect((await h.json<Obj>('POST', '/v1/namespaces/nope/move', { to: 'x=y' })).status).toBe(404);
    expect((await h.json<Obj>('POST', '/v1/namespaces/web/move', { to: 'a b c' })).status).toBe(400);
    expect((await h.json<Obj>('POST', '/v1/namespaces/web/move', { selector: 'x=y' })).status).toBe(400);
  });
});
