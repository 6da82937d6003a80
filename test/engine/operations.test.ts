// Drain, namespace moves and rebalancing through the Engine API, by name, on every backend: the
// plan, the reasons for what cannot move, dry runs that change nothing, execution and undo.

import { describe, expect, it } from 'vitest';
import { Engine, type BackendName, type PlanReport, UnknownHostError } from '../../core-wasm/src/engine.js';
import type { WorkloadTemplate } from '../../model/types.js';
import { host, pod, policy, vm } from '../fixtures/model.js';

const BACKENDS: BackendName[] = ['reference', 'wasm'];

const zone = (z: string) => ({ k: 'topology.kubernetes.io/zone', v: z });

/** Three zones × two hosts of 4 cpu / 8Gi / 10 slots. */
function cluster(backend: BackendName): Engine {
  const engine = new Engine({ backend, trackPlacements: true });
  const hosts = ['a', 'b', 'c'].flatMap((z) =>
    [1, 2].map((i) =>
      host(`${z}${i}`).cpu('4').memory('8Gi').pods(10).label(zone(z).k, z).label('kubernetes.io/hostname', `${z}${i}`).obj(),
    ),
  );
  engine.upsertHosts(hosts);
  return engine;
}

function bind(engine: Engine, t: WorkloadTemplate, hosts: string[]): WorkloadTemplate {
  t.instances.forEach((inst, j) => (inst.boundHost = hosts[j]));
  engine.bindExisting([t]);
  return t;
}

const moves = (r: PlanReport) => r.moves.map((m) => `${m.template.instances[m.instance].name}:${m.from}->${m.to}`).sort();
const stuck = (r: PlanReport) => r.unmovable.map((m) => `${m.template.instances[m.instance].name}@${m.from}: ${m.reason}`).sort();

describe.each(BACKENDS)('drain (%s)', (backend) => {
  it('plans a new host for everything on the host, honouring anti-affinity, and changes nothing in a dry run', () => {
    const engine = cluster(backend);
    // web: one per host (hostname anti-affinity); two replicas on a1 and b1.
    const web = bind(engine, pod('web').req({ cpu: '1' }).label('app', 'web').antiAffinity({ app: 'web' }).replicas(2).obj(), ['a1', 'b1']);
    bind(engine, pod('db').req({ cpu: '2', memory: '4Gi' }).obj(), ['a1']);
    const ledger = engine.ledger();
    const plan = engine.drain(['a1']);
    expect(plan.executed).toBe(false);
    expect(plan.unmovable).toEqual([]);
    const m = moves(plan);
    expect(m).toHaveLength(2);
    // web-0 may not join web-1 on b1; LeastAllocated takes an empty host (a2 first in host order).
    expect(m.find((x) => x.startsWith('web-'))).not.toContain('->b1');
    expect(engine.ledger()).toEqual(ledger);
    expect(engine.placementOf('Pod', 'default', 'web-0')).toBe('a1');
    expect(engine.hostObj('a1')?.unschedulable).toBe(false);
    // Cluster cpu: 4 of 24 cores before (16.67%); after, a1's 4 cores are out of the capacity: 4 of 20 (20%).
    expect(plan.utilization.before.cpu).toBe(16.67);
    expect(plan.utilization.after.cpu).toBe(20);
    void web;
  });

  it('executes atomically: the host is cordoned, placements move, undo restores everything', () => {
    const engine = cluster(backend);
    bind(engine, pod('api').req({ cpu: '1' }).replicas(3).obj(), ['a1', 'a1', 'a1']);
    const ledger = engine.ledger();
    const plan = engine.drain(['a1'], { execute: true });
    expect(plan.executed).toBe(true);
    expect(plan.moves).toHaveLength(3);
    expect(engine.hostObj('a1')?.unschedulable).toBe(true);
    for (const n of ['api-0', 'api-1', 'api-2']) expect(engine.placementOf('Pod', 'default', n)).not.toBe('a1');
    const used = engine
      .hostUsage()
      .find((h) => h.name === 'a1')!
      .used.get('cpu');
    expect(used).toBe(0n);
    plan.undo!();
    expect(engine.ledger()).toEqual(ledger);
    expect(engine.hostObj('a1')?.unschedulable).toBe(false);
    expect(engine.placementOf('Pod', 'default', 'api-0')).toBe('a1');
  });

  it('reports what cannot move with the scheduler reason, and executes only with allowPartial', () => {
    const engine = cluster(backend);
    // big needs 3 cpu; every other host already has 2 cpu used: nowhere to go.
    for (const h of ['a2', 'b1', 'b2', 'c1', 'c2']) bind(engine, pod(`fill-${h}`).req({ cpu: '2' }).obj(), [h]);
    bind(engine, pod('big').req({ cpu: '3' }).obj(), ['a1']);
    bind(engine, pod('small').req({ cpu: '500m' }).obj(), ['a1']);
    const plan = engine.drain(['a1'], { execute: true });
    expect(plan.executed).toBe(false);
    expect(moves(plan)).toHaveLength(1);
    expect(stuck(plan)).toEqual(['big@a1: 0/6 hosts are available: 1 host(s) were unschedulable, 5 Insufficient cpu.']);
    expect(engine.placementOf('Pod', 'default', 'small')).toBe('a1');
    const partial = engine.drain(['a1'], { execute: true, allowPartial: true });
    expect(partial.executed).toBe(true);
    expect(engine.placementOf('Pod', 'default', 'small')).not.toBe('a1');
    expect(engine.placementOf('Pod', 'default', 'big')).toBe('a1');
    expect(engine.hostObj('a1')?.unschedulable).toBe(true);
  });

  it('moves a gang together or not at all, and drains several hosts as one plan', () => {
    const engine = cluster(backend);
    const gang = { name: 'tkc', minMember: 3 };
    const cp = vm('cp').req({ cpu: '3' }).replicas(3).obj();
    cp.gang = gang;
    bind(engine, cp, ['a1', 'b1', 'c1']);
    // With a1 and b1 drained: a2 and b2 have 2 cpu free, c1 1 (cp-2), c2 none: no host for a 3-cpu member.
    bind(engine, pod('f').req({ cpu: '2' }).replicas(2).obj(), ['a2', 'b2']);
    bind(engine, pod('g').req({ cpu: '4' }).obj(), ['c2']);
    const plan = engine.drain(['a1', 'b1']);
    expect(plan.moves).toEqual([]);
    expect(stuck(plan)).toEqual([
      'cp-0@a1: gang tkc: only 0 of the 2 members it needs could be placed, so none were: 0/6 hosts are available: 2 host(s) were unschedulable, 4 Insufficient cpu.',
      'cp-1@b1: gang tkc: only 0 of the 2 members it needs could be placed, so none were: 0/6 hosts are available: 2 host(s) were unschedulable, 4 Insufficient cpu.',
    ]);
  });

  it('keeps a workload that tolerates the cordon where it is, and refuses unknown hosts', () => {
    const engine = cluster(backend);
    bind(engine, pod('agent').req({ cpu: '100m' }).tolerate('', 'Exists').obj(), ['a1']);
    const plan = engine.drain(['a1']);
    expect(plan.moves).toEqual([]);
    expect(stuck(plan)[0]).toContain('tolerates the cordon');
    expect(() => engine.drain(['nope'])).toThrow(UnknownHostError);
  });
});

describe.each(BACKENDS)('namespace moves (%s)', (backend) => {
  it('moves every workload of the namespace off non-matching hosts, all or nothing', () => {
    const engine = cluster(backend);
    bind(engine, pod('app').ns('shop').req({ cpu: '1' }).replicas(3).obj(), ['a1', 'b1', 'c1']);
    bind(engine, pod('other').ns('else').req({ cpu: '1' }).obj(), ['a1']);
    const plan = engine.moveNamespace('shop', [{ key: zone('c').k, operator: 'In', values: ['c'] }], { execute: true });
    expect(plan.executed).toBe(true);
    expect(moves(plan)).toHaveLength(2);
    for (const n of ['app-0', 'app-1', 'app-2']) expect(engine.placementOf('Pod', 'shop', n)).toMatch(/^c/);
    expect(engine.placementOf('Pod', 'else', 'other')).toBe('a1');
    // Zone c has 8 cpu; 9 replicas of 1 cpu cannot all fit: nothing moves.
    const many = bind(engine, pod('many').ns('big').req({ cpu: '1' }).replicas(9).obj(), [
      'a1',
      'a1',
      'a1',
      'a2',
      'a2',
      'a2',
      'b1',
      'b1',
      'b1',
    ]);
    const refused = engine.moveNamespace('big', [{ key: zone('c').k, operator: 'In', values: ['c'] }], { execute: true });
    expect(refused.executed).toBe(false);
    expect(refused.moves).toEqual([]);
    expect(refused.unmovable).toHaveLength(9);
    expect(refused.unmovable[0].reason).toMatch(
      /^namespace big moves all or nothing: only \d of its 9 workloads to move found a host, so none moves: /,
    );
    expect(engine.placementOf('Pod', 'big', many.instances[0].name)).toBe('a1');
  });
});

describe.each(BACKENDS)('rebalance (%s)', (backend) => {
  it('moves small workloads off the hottest host and lowers the standard deviation', () => {
    const engine = cluster(backend);
    bind(engine, pod('hot').req({ cpu: '500m' }).replicas(6).obj(), ['a1', 'a1', 'a1', 'a1', 'a1', 'a1']);
    bind(engine, pod('base').req({ cpu: '1' }).replicas(6).obj(), ['a1', 'a2', 'b1', 'b2', 'c1', 'c2']);
    const ledger = engine.ledger();
    const dry = engine.rebalance({ maxMoves: 3 });
    expect(engine.ledger()).toEqual(ledger);
    expect(dry.resource).toBe('cpu');
    expect(dry.moves).toHaveLength(3);
    for (const m of dry.moves) expect(m.from).toBe('a1');
    expect(dry.imbalance.after).toBeLessThan(dry.imbalance.before);
    // a1 at 4/4 = 100%, the others at 25%: σ = √(mean of squares − mean²) = √((1 + 5/16)/6 − (2.25/6)²) = 27.95%.
    expect(dry.imbalance.before).toBeCloseTo(27.95, 2);
    const done = engine.rebalance({ maxMoves: 3, execute: true });
    expect(moves(done)).toEqual(moves(dry));
    const a1 = engine
      .hostUsage()
      .find((h) => h.name === 'a1')!
      .used.get('cpu');
    expect(a1).toBe(4000n - 3n * 500n);
  });

  it('leaves bin-packing namespaces where they are and names them', () => {
    const engine = cluster(backend);
    engine.setPolicies([policy('packed', { strategy: 'MostAllocated' })]);
    bind(engine, pod('packer').ns('packed').req({ cpu: '500m' }).replicas(6).obj(), ['a1', 'a1', 'a1', 'a1', 'a1', 'a1']);
    bind(engine, pod('spread').req({ cpu: '500m' }).replicas(2).obj(), ['a1', 'a1']);
    const plan = engine.rebalance({ maxMoves: 5 });
    // only the two `spread` replicas may leave a1 (4 cpu used of 4)
    expect(moves(plan).map((m) => m.split('-')[0])).toEqual(['spread', 'spread']);
    expect(plan.binPacking).toEqual(['packed']);
  });

  it('recommends nothing when the cluster is balanced', () => {
    const engine = cluster(backend);
    bind(engine, pod('even').req({ cpu: '1' }).replicas(6).obj(), ['a1', 'a2', 'b1', 'b2', 'c1', 'c2']);
    expect(engine.rebalance().moves).toEqual([]);
  });
});
