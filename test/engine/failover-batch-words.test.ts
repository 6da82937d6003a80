// Namespace HA in a batch, the words: a workload the room held for failover kept out is not told
// `Insufficient cpu` — kube's histogram counts the hosts that would take it but for the held room
// as failover admission's, and the first such host's refusal names the namespace and the host
// whose failure could not be absorbed (failover-batch.ts wordHeldRoom).

import { describe, expect, it } from 'vitest';
import type { BackendName } from '../../core-wasm/src/engine.js';
import { pod } from '../fixtures/model.js';
import { HELD_REFUSAL, held } from './failover-held.js';

describe.each<BackendName>(['reference', 'wasm', 'wasm-scalar'])('failover words in a batch (%s)', (backend) => {
  it('a workload the held room keeps out is told so, with the namespace and the host', () => {
    const engine = held(backend);
    // web-1 (3 cpu): h1 has 2 free, h2 1, h3 4 of which 2 are held for db-0.
    const [web] = engine.place([pod('web-1').ns('web').req({ cpu: '3' }).obj()]).outcomes;
    expect(web.hosts).toEqual([null]);
    expect(web.failure).toEqual({
      message: `0/3 hosts are available: 1 host(s) would leave a protected namespace without room to restart its workloads (failover policy), 2 Insufficient cpu. Host h3: ${HELD_REFUSAL}`,
      grade: 'Unschedulable',
    });
  });

  it('a workload that fits nowhere anyway keeps kube’s plain words', () => {
    const engine = held(backend);
    const [big] = engine.place([pod('big').ns('web').req({ cpu: '5' }).obj()]).outcomes;
    expect(big.failure?.message).toBe('0/3 hosts are available: 3 Insufficient cpu.');
  });

  it('a gang whose hosts are free again only because its members left keeps the batch’s words', () => {
    const engine = held(backend);
    // three 2-cpu members: h1 (2 free) and h3 (2 outside the held room) take one each, the third
    // none; once the gang is undone h1 would take one again, and h1 holds no room: the batch's words stand.
    const t = pod('g3').ns('web').req({ cpu: '2' }).replicas(3).obj();
    t.gang = { name: 'g3', minMember: 3 };
    const [g] = engine.place([t]).outcomes;
    expect(g.hosts).toEqual([null, null, null]);
    expect(g.failure?.message).not.toContain('(failover policy)');
  });

  it('a gang kept out by the held room says so in its cause', () => {
    const engine = held(backend);
    const t = pod('g').ns('web').req({ cpu: '3' }).replicas(2).obj();
    t.gang = { name: 'g', minMember: 2 };
    const [g] = engine.place([t]).outcomes;
    expect(g.hosts).toEqual([null, null]);
    expect(g.failure?.message).toMatch(
      /^gang g: only \d of the 2 members it needs could be placed, so none were: 0\/3 hosts are available: /,
    );
    expect(g.failure?.message).toContain('(failover policy)');
    expect(g.failure?.message).toContain(HELD_REFUSAL);
  });
});
