// Namespace HA through the Engine API: the failover report (per namespace, per host, held room,
// vSphere's percentage for comparison) and simulated failures, on small hand-made clusters whose
// restart plans are worked out in the comments (first fit in each plan's scan order — the hosts
// cyclically from the one after the failed host — larger workloads first).

import { describe, expect, it } from 'vitest';
import type { BackendName } from '../../core-wasm/src/engine.js';
import { pod } from '../fixtures/model.js';
import { cluster, HELD_REFUSAL, held } from './failover-held.js';

const GI = 1024 ** 3;

describe.each<BackendName>(['reference', 'wasm', 'wasm-scalar'])('failover (%s)', (backend) => {
  it('report: the restart plan of each host, the room it holds, what vSphere would hold', () => {
    const engine = cluster(backend);
    engine.bindExisting([
      pod('db-0').ns('db').req({ cpu: '2', memory: '1Gi' }).boundTo('h1').obj(),
      pod('web-0').ns('web').req({ cpu: '3' }).boundTo('h2').obj(),
    ]);
    const r = engine.failoverReport();
    // h1 fails: db-0 (2 cpu) → h2 has 4 − 3 = 1 cpu free: no; h3 has 4: yes.
    expect(r.namespaces).toEqual([
      {
        namespace: 'db',
        policy: { hostFailuresToTolerate: 1, zoneFailuresToTolerate: 0 },
        toleratesHosts: 1,
        toleratesZone: null,
        kept: true,
        violation: null,
      },
    ]);
    const h1 = r.hosts.find((h) => h.host === 'h1')!;
    expect(h1).toMatchObject({ zone: 'a', protectedWorkloads: 1, absorbed: true, unplaced: [] });
    expect(h1.plan).toEqual([{ kind: 'Pod', namespace: 'db', name: 'db-0', from: 'h1', to: 'h3', protected: true }]);
    // h3 holds db-0's 2 cpu, 1Gi and one pod slot for h1's failure; h2 holds nothing (web is not protected).
    expect(r.hosts.find((h) => h.host === 'h3')!.held).toEqual({ cpu: 2000, memory: GI, pods: 1 });
    expect(r.hosts.find((h) => h.host === 'h2')!).toMatchObject({ protectedWorkloads: 0, absorbed: true, plan: [], held: {} });
    expect(r.held).toEqual({ cpu: 2000, memory: GI, pods: 1 });
    // vSphere: ⌈100 × 1 / 3⌉ = 34% of 12 cpu = 4.08 → 4080m; of 3 × 8Gi → ⌈24Gi × 0.34⌉.
    expect(r.vsphere).toEqual({ failures: 1, percent: 34, held: { cpu: 4080, memory: Math.ceil((24 * GI * 34) / 100) } });
  });

  it('report: a host whose protected workloads cannot restart names the namespace, the host and kube’s reason', () => {
    const engine = cluster(backend);
    engine.bindExisting([
      pod('db-0').ns('db').req({ cpu: '3' }).boundTo('h1').obj(),
      pod('web-0').ns('web').req({ cpu: '2' }).boundTo('h2').obj(),
      pod('web-1').ns('web').req({ cpu: '2' }).boundTo('h3').obj(),
    ]);
    // h1 fails: db-0 wants 3 cpu; h2 and h3 have 2 free each.
    const r = engine.failoverReport();
    const h1 = r.hosts.find((h) => h.host === 'h1')!;
    expect(h1.absorbed).toBe(false);
    expect(h1.unplaced).toEqual([
      { kind: 'Pod', namespace: 'db', name: 'db-0', from: 'h1', protected: true, reason: '0/2 hosts are available: 2 Insufficient cpu.' },
    ]);
    expect(r.namespaces[0]).toMatchObject({ toleratesHosts: 0, kept: false });
    expect(r.namespaces[0].violation).toBe(
      'namespace db could not restart its workloads if host h1 failed (failover policy): Pod db/db-0 would find no host: 0/2 hosts are available: 2 Insufficient cpu.',
    );
  });

  it('simulate: every workload of the failed hosts, protected first, placed or listed with its reason', () => {
    const engine = cluster(backend);
    engine.bindExisting([
      pod('web-0').ns('web').req({ cpu: '3' }).boundTo('h1').obj(),
      pod('db-0').ns('db').req({ cpu: '1' }).boundTo('h1').obj(),
      pod('db-1').ns('db').req({ cpu: '2' }).boundTo('h2').obj(),
    ]);
    // h1 and h2 fail; only h3 (4 cpu) survives. Protected first, larger first: db-1 (2) → h3,
    // db-0 (1) → h3, then web-0 (3) finds 1 cpu left.
    const s = engine.simulateFailures(['h2', 'h1']);
    expect(s.failed).toEqual(['h1', 'h2']);
    expect(s.moves.map((m) => `${m.name}→${m.to}`)).toEqual(['db-1→h3', 'db-0→h3']);
    expect(s.unplaced).toEqual([
      {
        kind: 'Pod',
        namespace: 'web',
        name: 'web-0',
        from: 'h1',
        protected: false,
        reason: '0/1 hosts are available: 1 Insufficient cpu.',
      },
    ]);
    expect(s.absorbed).toBe(true);
    // A zone: h1 and h2 are zone a.
    expect(engine.simulateFailures([], 'a').failed).toEqual(['h1', 'h2']);
  });
});

describe.each<BackendName>(['reference', 'wasm', 'wasm-scalar'])('failover admission (%s)', (backend) => {
  it('bind: refused where it would eat the held room, with the namespace, the host and the reason', () => {
    const engine = held(backend);
    // h3: 4 − 3 = 1 cpu would be left, h1's plan needs 2 there (h2 has 1): refused.
    expect(engine.tryBind(pod('web-1').ns('web').req({ cpu: '3' }).obj(), 0, 'h3')).toBe(`host h3 does not fit: ${HELD_REFUSAL}`);
    // 4 − 2 = 2 cpu left: db-0 still restarts on h3.
    expect(engine.tryBind(pod('web-2').ns('web').req({ cpu: '2' }).obj(), 0, 'h3')).toBeNull();
    expect(engine.failoverReport().namespaces[0].kept).toBe(true);
  });

  it('bind: a protected workload needs its own host’s plan to find it a host', () => {
    const engine = held(backend);
    // db-1 (2 cpu) on h3: h3's own plan restarts it on h1 (4 − 2 = 2 free); h1's plan still fits db-0 on h3 (4 − 2 = 2).
    expect(engine.tryBind(pod('db-1').ns('db').req({ cpu: '2' }).obj(), 0, 'h3')).toBeNull();
    // db-2 (1 cpu) on h1 (2 free): h3's plan restarts db-1 (2 cpu) on h1, which would keep 1: h2 has 1 too.
    expect(engine.tryBind(pod('db-2').ns('db').req({ cpu: '1' }).obj(), 0, 'h1')).toBe(
      'host h1 does not fit: namespace db could not restart its workloads if host h3 failed (failover policy): Pod db/db-1 would find no host: 0/2 hosts are available: 2 Insufficient cpu.',
    );
    // On h2 (1 free) instead: no plan restarts anything there, and h2's own plan, which scans the
    // hosts from the one after h2, restarts db-2 on h3 (4 − 2 = 2 free).
    expect(engine.tryBind(pod('db-2').ns('db').req({ cpu: '1' }).obj(), 0, 'h2')).toBeNull();
    const plan = engine.failoverReport().hosts.find((h) => h.host === 'h2')!.plan;
    expect(plan.map((m) => `${m.name}→${m.to}`)).toEqual(['db-2→h3']);
  });

  it('assess: the refused host is infeasible with the refusal as its reason (FailedNodes: preemption could help)', () => {
    const engine = held(backend);
    const a = engine.assess(pod('web-1').ns('web').req({ cpu: '3' }).obj());
    expect(a.verdict('h3')).toEqual({ feasible: false, reasons: [HELD_REFUSAL], grade: 'Unschedulable', fit: 0, total: -1 });
    expect(a.verdict('h1')?.feasible).toBe(false); // 4 − 2 = 2 < 3: Insufficient cpu
    expect(engine.assess(pod('web-2').ns('web').req({ cpu: '1' }).obj()).verdict('h3')?.feasible).toBe(true);
  });

  it('batch: places around the held room; a protected workload that would break a plan stays unplaced with the refusal', () => {
    const engine = held(backend);
    // web-1 (3 cpu): h1 has 2, h2 1, h3 4 of which 2 are held: nowhere.
    const [web] = engine.place([pod('web-1').ns('web').req({ cpu: '3' }).obj()]).outcomes;
    expect(web.hosts).toEqual([null]);
    // db-1..db-3 (2 cpu each): the batch may put them on h1 (2 free) and h3 (2 of 4 outside the held room),
    // but two protected workloads of 2 cpu cannot both find a restart host on a 12-cpu cluster holding 9.
    const [db] = engine.place([pod('db-x').ns('db').req({ cpu: '2' }).replicas(3).obj()]).outcomes;
    expect(db.placed.filter(Boolean).length).toBeLessThan(3);
    expect(db.failure?.message).toMatch(
      /namespace db could not restart its workloads if host h\d failed \(failover policy\)|Insufficient cpu/,
    );
    expect(engine.failoverReport().namespaces[0].kept).toBe(true);
  });
});
