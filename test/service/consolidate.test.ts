// POST /v1/consolidate on a real server and store: the dry run plans and changes nothing; the
// execution does what the dry run said, leaves the planned hosts empty and cordoned (durably: a
// restart finds them); pinned workloads are named and keep their hosts; budgets pace the moves;
// bad parameters are a 400 Status naming the field, and nothing changes.

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

const pod = (name: string, cpu: string, nodeName: string, extra: { app?: string; tolerateAll?: boolean } = {}): Obj => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'shop', labels: { app: extra.app ?? name } },
  spec: {
    nodeName,
    ...(extra.tolerateAll && { tolerations: [{ operator: 'Exists' }] }),
    containers: [{ name: 'c', image: 'x', resources: { requests: { cpu, memory: '256Mi' } } }],
  },
});

/** One 1-cpu pod per host: 6 cpu fit on two hosts. */
const onePerHost = nodes.map((n, i) => pod(`web-${i}`, '1', n.metadata.name, { app: 'web' }));

let h: Harness;
afterEach(() => h?.close());

async function cluster(extra: Obj[]): Promise<Harness> {
  h = await harness();
  const r = await h.json('POST', '/v1/apply', { apiVersion: 'v1', kind: 'List', items: [...nodes, ...extra] });
  expect(r.status).toBe(200);
  return h;
}

const placements = async () => (await h.json<{ items: { name: string; host: string }[] }>('GET', '/v1/placements')).body.items;
const hosts = async () =>
  (await h.json<{ items: { name: string; unschedulable: boolean; used: Record<string, string> }[] }>('GET', '/v1/hosts')).body.items;

interface Plan {
  kind: string;
  moves: { name: string; from: string; to: string; wave: number; live: boolean }[];
  unmovable: { name: string; from: string; reason: string }[];
  emptied: string[];
  standby: string[];
  spares: string[];
  hostsInUse: { before: number; after: number; lowerBound: number };
  executed: boolean;
  waves: number;
}

describe('POST /v1/consolidate', () => {
  it('plans with dryRun=true and changes nothing; executing does the same and empties the planned hosts, durably', async () => {
    await cluster(onePerHost);
    const before = [await placements(), await hosts()];
    const dry = await h.json<Plan>('POST', '/v1/consolidate?dryRun=true');
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({
      kind: 'ConsolidatePlan',
      dryRun: true,
      executed: false,
      hostsInUse: { before: 6, after: 2, lowerBound: 2 },
    });
    expect(dry.body.emptied).toHaveLength(4);
    expect(dry.body.moves).toHaveLength(4);
    for (const m of dry.body.moves) expect(m.live).toBe(false);
    expect([await placements(), await hosts()]).toEqual(before);

    const done = await h.json<Plan>('POST', '/v1/consolidate');
    expect(done.status).toBe(200);
    expect(done.body.executed).toBe(true);
    expect(done.body.moves).toEqual(dry.body.moves);
    const where = new Map((await placements()).map((p) => [p.name, p.host]));
    for (const m of done.body.moves) expect(where.get(m.name)).toBe(m.to);
    const check = async () => {
      const byName = new Map((await hosts()).map((x) => [x.name, x]));
      for (const s of done.body.standby) {
        expect(byName.get(s)!.used.cpu ?? '0').toBe('0');
        expect(byName.get(s)!.unschedulable).toBe(true);
      }
      for (const e of done.body.emptied) expect(done.body.standby).toContain(e);
    };
    await check();
    await h.restart();
    await check();
    // a second consolidation finds nothing more to free
    const again = await h.json<Plan>('POST', '/v1/consolidate?dryRun=true');
    expect(again.body.moves).toEqual([]);
  });

  it('names pinned workloads and keeps their hosts in use; the plan still executes', async () => {
    await cluster([
      ...onePerHost,
      pod('agent-a1', '100m', 'a1', { tolerateAll: true }),
      pod('agent-b1', '100m', 'b1', { tolerateAll: true }),
    ]);
    const r = await h.json<Plan>('POST', '/v1/consolidate?sparePerZone=1');
    expect(r.status).toBe(200);
    expect(r.body.executed).toBe(true);
    expect(r.body.unmovable.map((u) => `${u.name}@${u.from}`)).toEqual(['agent-a1@a1', 'agent-b1@b1']);
    expect(r.body.unmovable[0].reason).toContain('tolerates the cordon');
    expect(r.body.emptied).not.toContain('a1');
    expect(r.body.emptied).not.toContain('b1');
    expect(r.body.spares.length).toBeGreaterThan(0);
    const where = new Map((await placements()).map((p) => [p.name, p.host]));
    expect(where.get('agent-a1')).toBe('a1');
    const byName = new Map((await hosts()).map((x) => [x.name, x]));
    for (const s of r.body.spares) expect(byName.get(s)!.unschedulable).toBe(false);
  });

  it('paces the pod moves under a PodDisruptionBudget', async () => {
    const pdb = {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'web' } } },
    };
    await cluster([...onePerHost, pdb]);
    const r = await h.json<Plan>('POST', '/v1/consolidate?dryRun=true');
    expect(r.body.moves.map((m) => m.wave)).toEqual([1, 2, 3, 4]);
    expect(r.body.waves).toBe(4);
  });

  it.each([
    ['maxMoves=0', 'maxMoves'],
    ['effort=lots', 'effort'],
    ['sparePerZone=-1', 'sparePerZone'],
    ['excludeNamespaces=Shop', 'excludeNamespaces'],
    ['excludeNamespaces=nowhere', 'excludeNamespaces'],
    ['includeBinPacking=yes', 'includeBinPacking'],
  ])('?%s is a 400 Status naming %s, and nothing changes', async (query, field) => {
    await cluster(onePerHost);
    const before = [await placements(), await hosts()];
    const r = await h.json<Obj>('POST', `/v1/consolidate?${query}`);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ kind: 'Status', code: 400, details: { causes: [{ field }] } });
    expect(String(r.body.message)).toContain(field);
    expect([await placements(), await hosts()]).toEqual(before);
  });

  it('excludes namespaces: their workloads stay', async () => {
    await cluster(onePerHost);
    const r = await h.json<Plan & { excluded: string[] }>('POST', '/v1/consolidate?dryRun=true&excludeNamespaces=shop');
    expect(r.status).toBe(200);
    expect(r.body.moves).toEqual([]);
    expect(r.body.excluded).toEqual(['shop']);
  });
});
