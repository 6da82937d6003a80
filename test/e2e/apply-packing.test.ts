// POST /v1/apply?packingEffort= on a real `placer serve --strategy MostAllocated`: on a cluster
// where the packing phase matters, the default effort and a given one use fewer hosts than the
// greedy batch, 0 turns the phase off (for the dry run and the apply alike), and a value that is
// not an effort is a 400 naming the parameter, with nothing applied.

import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { call, killAll, removeDirs, type Server, start, tempDir } from './server.js';

afterEach(() => killAll());
afterAll(() => removeDirs());

const node = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, labels: { 'kubernetes.io/hostname': name } },
  status: { allocatable: { cpu: '10', memory: '10Gi', pods: '110' } },
});
const pod = (name: string, cpu: number, gi: number) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'team-pack' },
  spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: String(cpu), memory: `${gi}Gi` } } }] },
});
// Two hosts hold them — (5,5)+(1,5) and (4,6)+(4,3) — but the greedy batch (largest first, each
// on the fullest host it fits) puts (4,3) with (5,5) and (1,5) then fits neither: three hosts.
const cluster = { apiVersion: 'v1', kind: 'List', items: ['esx-1', 'esx-2', 'esx-3', 'esx-4'].map(node) };
const pods = {
  apiVersion: 'v1',
  kind: 'List',
  items: [pod('a', 5, 5), pod('b', 4, 6), pod('c', 1, 5), pod('d', 4, 3)],
};

interface Result {
  placements: { name: string; host: string }[];
  unplaced: unknown[];
  summary: { hostsUsed: number; placed: number };
}

describe('POST /v1/apply?packingEffort= (real server, --strategy MostAllocated)', () => {
  let s: Server;

  it('the packing phase runs by default, 0 turns it off, a given effort runs it', async () => {
    s = await start(tempDir(), ['--strategy', 'MostAllocated']);
    expect((await call(s, 'POST', '/v1/apply', cluster)).status).toBe(200);
    const hostsOf = (r: { body: unknown }) => new Set((r.body as Result).placements.map((p) => p.host)).size;

    const byDefault = await call(s, 'POST', '/v1/apply?dryRun=All', pods);
    expect(byDefault.status).toBe(200);
    expect((byDefault.body as unknown as Result).summary).toMatchObject({ placed: 4, hostsUsed: 2 });
    expect(hostsOf(byDefault)).toBe(2);

    const off = await call(s, 'POST', '/v1/apply?dryRun=All&packingEffort=0', pods);
    expect(off.status).toBe(200);
    expect((off.body as unknown as Result).summary).toMatchObject({ placed: 4, hostsUsed: 3 });

    const given = await call(s, 'POST', '/v1/apply?packingEffort=50&dryRun=All', pods);
    expect((given.body as unknown as Result).summary).toMatchObject({ placed: 4, hostsUsed: 2 });

    // The apply itself, with the phase off: three hosts, kept.
    const applied = await call(s, 'POST', '/v1/apply?packingEffort=0', pods);
    expect(applied.status).toBe(200);
    expect(hostsOf(applied)).toBe(3);
    const held = await call(s, 'GET', '/v1/placements');
    const items = (held.body as { items: { host: string }[] }).items;
    expect(items).toHaveLength(4);
    expect(new Set(items.map((p) => p.host)).size).toBe(3);
  });

  it('a bad effort is a 400 naming packingEffort, and nothing is applied', async () => {
    s = await start(tempDir(), ['--strategy', 'MostAllocated']);
    expect((await call(s, 'POST', '/v1/apply', cluster)).status).toBe(200);
    for (const q of [
      'packingEffort=-1',
      'packingEffort=1.5',
      'packingEffort=lots',
      'packingEffort=1000001',
      'packingEffort=1&packingEffort=2',
    ]) {
      const r = await call(s, 'POST', `/v1/apply?${q}`, pods);
      expect(r.status, q).toBe(400);
      expect(r.body, q).toMatchObject({ kind: 'Status', reason: 'BadRequest', details: { causes: [{ field: 'packingEffort' }] } });
      expect(String(r.body.message), q).toContain('packingEffort');
    }
    expect(((await call(s, 'GET', '/v1/placements')).body as { items: unknown[] }).items).toHaveLength(0);
  });
});
