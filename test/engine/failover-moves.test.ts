// Namespace HA in plans of moves, through the Engine API on every backend: drains, namespace
// moves, rebalancing and consolidation consult failover admission (failover-moves.ts). Hand-made
// clusters of 4-cpu hosts whose restart plans are worked out in the comments (first fit in host
// order); the tests check the guarantee (the failover report keeps the policy) and the words
// (the namespace and the host whose failure could not be absorbed), not exact restart targets.

import { describe, expect, it } from 'vitest';
import { type BackendName, Engine, type PlanReport } from '../../core-wasm/src/engine.js';
import type { WorkloadTemplate } from '../../model/types.js';
import { host, pod, policy } from '../fixtures/model.js';

const BACKENDS: BackendName[] = ['reference', 'wasm', 'wasm-scalar'];

/** Hosts h1..hn of 4 cpu; namespace db protected against one host failure (or not, `protect` false). */
function cluster(backend: BackendName, n: number, protect = true): Engine {
  const engine = new Engine({ backend, trackPlacements: true });
  engine.upsertHosts(
    Array.from({ length: n }, (_, i) =>
      host(`h${i + 1}`)
        .cpu('4')
        .obj(),
    ),
  );
  if (protect) engine.setPolicies([policy('db', { failover: { hosts: 1 } })]);
  return engine;
}

function bind(engine: Engine, ns: string, name: string, cpu: string, hostName: string): WorkloadTemplate {
  const t = pod(name).ns(ns).req({ cpu }).boundTo(hostName).obj();
  engine.bindExisting([t]);
  return t;
}

const moves = (r: PlanReport) => r.moves.map((m) => `${m.template.instances[m.instance].name}:${m.from}->${m.to}`).sort();
const FAILOVER = /namespace db could not restart its workloads if host h1 failed \(failover policy\)/;

describe.each(BACKENDS)('failover admission in plans of moves (%s)', (backend) => {
  /**
   * h1 runs db-0 (3 cpu, protected): its plan restarts it on h2, the first host with 3 cpu free.
   * h3 keeps 2 cpu free (`h3Used` 2), h4 runs x (2 cpu) and is drained.
   */
  const drainable = (protect = true, h3Used = '2') => {
    const engine = cluster(backend, 4, protect);
    bind(engine, 'db', 'db-0', '3', 'h1');
    bind(engine, 'web', 'w', h3Used, 'h3');
    bind(engine, 'web', 'x', '2', 'h4');
    return engine;
  };

  it('drain: a move failover admission refuses goes to the next host that keeps the guarantee', () => {
    // Unprotected, x goes where the most room is: h2 (4 free).
    expect(moves(drainable(false).drain(['h4']))).toEqual(['x:h4->h2']);
    // Protected: x on h2 leaves 2 free there and on h3, so db-0 (3) could not restart: refused.
    // On h3 instead (2 free → 0), db-0 still restarts on h2.
    const engine = drainable();
    const plan = engine.drain(['h4'], { execute: true });
    expect(plan.unmovable).toEqual([]);
    expect(moves(plan)).toEqual(['x:h4->h3']);
    expect(plan.executed).toBe(true);
    expect(engine.failoverReport().namespaces[0].kept).toBe(true);
  });

  it('drain: a workload no host admits is not movable, with the namespace and the host named; nothing applies', () => {
    // h3 keeps 1 cpu: x fits only on h2, where it would take db-0's restart room.
    const engine = drainable(true, '3');
    const ledger = engine.ledger();
    const plan = engine.drain(['h4'], { execute: true });
    expect(plan.moves).toEqual([]);
    expect(plan.unmovable).toHaveLength(1);
    expect(plan.unmovable[0].reason).toMatch(/^host h2 does not fit: /);
    expect(plan.unmovable[0].reason).toMatch(FAILOVER);
    expect(plan.executed).toBe(false);
    expect(engine.ledger()).toEqual(ledger);
    expect(engine.placementOf('Pod', 'web', 'x')).toBe('h4');
    expect(engine.hostObj('h4')?.unschedulable).toBe(false);
    // allowPartial executes what may move: nothing here, and the guarantee stands
    engine.drain(['h4'], { execute: true, allowPartial: true });
    expect(engine.placementOf('Pod', 'web', 'x')).toBe('h4');
    expect(engine.failoverReport().namespaces[0].kept).toBe(true);
  });

  it('drain: a gang with a member no host admits moves none, each member named with the refusal', () => {
    // g-0 and g-1 (2 cpu each) on h4: h3 (2 free) takes one; h2 would keep 2 after one: db-0 (3) could not restart.
    const engine = cluster(backend, 4);
    bind(engine, 'db', 'db-0', '3', 'h1');
    bind(engine, 'web', 'w', '2', 'h3');
    const g = pod('g').ns('web').req({ cpu: '2' }).replicas(2).obj();
    g.gang = { name: 'g', minMember: 2 };
    g.instances.forEach((inst) => (inst.boundHost = 'h4'));
    engine.bindExisting([g]);
    const plan = engine.drain(['h4'], { execute: true });
    expect(plan.executed).toBe(false);
    expect(plan.moves).toEqual([]);
    expect(plan.unmovable.map((u) => u.template.instances[u.instance].name).sort()).toEqual(['g-0', 'g-1']);
    for (const u of plan.unmovable) {
      expect(u.reason).toMatch(/^gang g: only \d of the 2 members it needs could be placed, so none were: host h2 does not fit: /);
      expect(u.reason).toMatch(FAILOVER);
    }
  });

  it('drain: a drained host is no restart target: when the plans need its room, nothing moves', () => {
    // h1: db-0 (3); h2 and h3 keep 1 cpu each; h4 (z, 500m) is the only host db-0 can restart on.
    const engine = cluster(backend, 4);
    bind(engine, 'db', 'db-0', '3', 'h1');
    bind(engine, 'web', 'a', '3', 'h2');
    bind(engine, 'web', 'b', '3', 'h3');
    bind(engine, 'web', 'z', '500m', 'h4');
    const plan = engine.drain(['h4'], { execute: true, allowPartial: true });
    expect(plan.executed).toBe(false);
    expect(plan.moves).toEqual([]);
    expect(plan.unmovable.map((u) => u.template.instances[u.instance].name)).toEqual(['z']);
    expect(plan.unmovable[0].reason).toMatch(/^draining host h4 takes room the restart plans count on: /);
    expect(plan.unmovable[0].reason).toMatch(FAILOVER);
    expect(engine.hostObj('h4')?.unschedulable).toBe(false);
    expect(engine.failoverReport().namespaces[0].kept).toBe(true);
  });

  it('drain: the drained host’s own protected workloads restart from their new hosts', () => {
    // db-0 (2) on h4, drained: it moves; afterwards its new host's plan must restart it elsewhere.
    const engine = cluster(backend, 3);
    bind(engine, 'web', 'a', '1', 'h1');
    bind(engine, 'web', 'b', '1', 'h2');
    bind(engine, 'db', 'db-0', '2', 'h3');
    const plan = engine.drain(['h3'], { execute: true });
    expect(plan.executed).toBe(true);
    const r = engine.failoverReport();
    expect(r.namespaces[0].kept).toBe(true);
    // h3 is cordoned: no plan restarts anything there
    expect(r.hosts.flatMap((h) => h.plan.map((m) => m.to))).not.toContain('h3');
  });

  it('namespace move: all or nothing, refused with the failover words', () => {
    // web's x (2 cpu) moves onto hosts labelled pool=b: h2 only; there it takes db-0's restart room.
    const engine = new Engine({ backend, trackPlacements: true });
    engine.upsertHosts([
      host('h1').cpu('4').obj(),
      host('h2').cpu('4').label('pool', 'b').obj(),
      host('h3').cpu('4').obj(),
      host('h4').cpu('4').obj(),
    ]);
    engine.setPolicies([policy('db', { failover: { hosts: 1 } })]);
    bind(engine, 'db', 'db-0', '3', 'h1');
    bind(engine, 'misc', 'w', '3', 'h3');
    bind(engine, 'misc', 'y', '2', 'h4');
    bind(engine, 'web', 'x', '2', 'h4');
    const plan = engine.moveNamespace('web', [{ key: 'pool', operator: 'In', values: ['b'] }], { execute: true });
    expect(plan.executed).toBe(false);
    expect(plan.moves).toEqual([]);
    expect(plan.unmovable.map((u) => u.reason)).toEqual([
      expect.stringMatching(
        /^namespace web moves all or nothing: .*host h2 does not fit: namespace db could not restart its workloads if host h1 failed/,
      ),
    ]);
  });

  it('rebalance: a move that keeps the restart room is made', () => {
    // h1: db-0 (3, protected) and x (1): the hottest; h2 empty, h3 and h4 keep 2 free. x to h2
    // leaves 3 free there: db-0 still restarts on h2.
    const engine = cluster(backend, 4);
    bind(engine, 'db', 'db-0', '3', 'h1');
    bind(engine, 'web', 'x', '1', 'h1');
    bind(engine, 'web', 'y', '2', 'h3');
    bind(engine, 'web', 'z', '2', 'h4');
    const r = engine.rebalance({ resource: 'cpu', execute: true });
    expect(r.unmovable).toEqual([]);
    expect(moves(r)).toEqual(['x:h1->h2']);
    expect(engine.failoverReport().namespaces[0].kept).toBe(true);
  });

  it('rebalance: a move onto the restart room stays, named with the namespace and the host', () => {
    // h1: db-0 (3) + x (1): full; h2 (v, 1) is the only host db-0 can restart on (h3: 3 used).
    // Unprotected, x moves to h2; protected, h2 would keep 2 cpu: db-0 could not restart.
    const build = (protect: boolean) => {
      const engine = cluster(backend, 3, protect);
      bind(engine, 'db', 'db-0', '3', 'h1');
      bind(engine, 'web', 'x', '1', 'h1');
      bind(engine, 'web', 'y', '3', 'h3');
      bind(engine, 'web', 'v', '1', 'h2');
      return engine;
    };
    expect(moves(build(false).rebalance({ resource: 'cpu' }))).toEqual(['x:h1->h2']);
    const engine = build(true);
    const ledger = engine.ledger();
    const r = engine.rebalance({ resource: 'cpu', execute: true });
    expect(r.moves).toEqual([]);
    expect(r.unmovable.map((u) => `${u.template.instances[u.instance].name}@${u.from}: ${u.reason}`)).toEqual([
      'x@h1: host h2 does not fit: namespace db could not restart its workloads if host h1 failed (failover policy): Pod db/db-0 would find no host: 0/2 hosts are available: 2 Insufficient cpu.',
    ]);
    expect(r.imbalance.after).toBe(r.imbalance.before);
    expect(engine.ledger()).toEqual(ledger);
  });

  it('consolidate: an empty host the restart plans need stays on, named; the policy holds after execution', () => {
    // db-0 (2) on h1; a (1) on h2, b (1) on h3, h4 empty. Consolidation packs a and b onto h1
    // (2 + 1 + 1 = 4): every other host empty, standby, cordoned: db-0 could not restart. The
    // already empty h4 stays on for it; h2 and h3 go to standby.
    const build = (protect: boolean) => {
      const engine = cluster(backend, 4, protect);
      bind(engine, 'db', 'db-0', '2', 'h1');
      bind(engine, 'web', 'a', '1', 'h2');
      bind(engine, 'web', 'b', '1', 'h3');
      return engine;
    };
    const loose = build(false).consolidate();
    expect(loose.standby).toEqual(['h2', 'h3', 'h4']);
    expect(loose.keptForFailover).toBeUndefined();
    const engine = build(true);
    const plan = engine.consolidate({ execute: true });
    expect(plan.executed).toBe(true);
    expect(moves(plan)).toEqual(['a:h2->h1', 'b:h3->h1']);
    expect(plan.standby).toEqual(['h2', 'h3']);
    expect(plan.keptForFailover).toEqual(['h4']);
    expect(engine.hostObj('h4')?.unschedulable).toBe(false);
    expect(engine.hostObj('h2')?.unschedulable).toBe(true);
    expect(engine.failoverReport().namespaces[0].kept).toBe(true);
  });

  it('consolidate: a host emptied only to stay on for the restart plans is not emptied', () => {
    // db-0 (3) on h1, db-1 (3) on h2, k (1) on h3, c (2) on h4. Unprotected, k joins db-0 on h1 and
    // h3 goes to standby. Protected, h3 would be the restart room of both: kept on, so emptying it
    // is churn for nothing — and c (h4) finds no host that keeps the room: nothing moves.
    const build = (protect: boolean) => {
      const engine = cluster(backend, 4, protect);
      bind(engine, 'db', 'db-0', '3', 'h1');
      bind(engine, 'db', 'db-1', '3', 'h2');
      bind(engine, 'web', 'k', '1', 'h3');
      bind(engine, 'web', 'c', '2', 'h4');
      return engine;
    };
    const loose = build(false).consolidate();
    expect(moves(loose)).toEqual(['k:h3->h1']);
    expect(loose.standby).toEqual(['h3']);
    const engine = build(true);
    const plan = engine.consolidate({ execute: true });
    expect(plan.moves).toEqual([]);
    expect(plan.standby).toEqual([]);
    expect(engine.failoverReport().namespaces[0].kept).toBe(true);
  });
});
