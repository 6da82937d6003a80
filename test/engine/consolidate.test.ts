// Consolidation through the Engine API, by name, on every backend: small clusters whose optimal
// number of freed hosts is known, workloads that stay (pinned, excluded, bin-packing) and keep
// their hosts in use, spares per zone, pacing under PodDisruptionBudgets, limits, dry runs that
// change nothing, execution (standby hosts cordoned and empty) and undo.

import { describe, expect, it } from 'vitest';
import { Engine, type BackendName, type ConsolidateReport } from '../../core-wasm/src/engine.js';
import type { PodDisruptionBudgetObj, WorkloadTemplate } from '../../model/types.js';
import { host, pod, policy, selector, vm } from '../fixtures/model.js';

const BACKENDS: BackendName[] = ['reference', 'wasm'];
const ZONE = 'topology.kubernetes.io/zone';

/** Three zones × two hosts (a1 a2 b1 b2 c1 c2) of 4 cpu / 8Gi / 10 slots. */
function cluster(backend: BackendName): Engine {
  const engine = new Engine({ backend, trackPlacements: true });
  engine.upsertHosts(
    ['a', 'b', 'c'].flatMap((z) =>
      [1, 2].map((i) => host(`${z}${i}`).cpu('4').memory('8Gi').pods(10).label(ZONE, z).label('kubernetes.io/hostname', `${z}${i}`).obj()),
    ),
  );
  return engine;
}

function bind(engine: Engine, t: WorkloadTemplate, hosts: string[]): WorkloadTemplate {
  t.instances.forEach((inst, j) => (inst.boundHost = hosts[j]));
  engine.bindExisting([t]);
  return t;
}

const moves = (r: ConsolidateReport) => r.moves.map((m) => `${m.template.instances[m.instance].name}:${m.from}->${m.to}`);
const HOSTS = ['a1', 'a2', 'b1', 'b2', 'c1', 'c2'];

describe.each(BACKENDS)('consolidate (%s)', (backend) => {
  it.each([
    {
      what: 'six 1-cpu pods, one per host: 6 cpu fit on two hosts',
      load: (e: Engine) => bind(e, pod('one').req({ cpu: '1' }).replicas(6).obj(), HOSTS),
      freed: 4,
      lowerBound: 2,
    },
    {
      what: 'a 3-cpu and a 1-cpu pod per zone: each small one joins a big one',
      load: (e: Engine) => {
        bind(e, pod('big').req({ cpu: '3' }).replicas(3).obj(), ['a1', 'b1', 'c1']);
        bind(e, pod('small').req({ cpu: '1' }).replicas(3).obj(), ['a2', 'b2', 'c2']);
      },
      freed: 3,
      lowerBound: 3,
    },
    {
      what: 'two resources: (2 cpu, 1Gi) pairs with (1 cpu, 6Gi), never two of a kind on memory',
      load: (e: Engine) => {
        bind(e, pod('cpuish').req({ cpu: '2', memory: '1Gi' }).replicas(2).obj(), ['a1', 'a2']);
        bind(e, pod('memish').req({ cpu: '1', memory: '6Gi' }).replicas(2).obj(), ['b1', 'b2']);
      },
      freed: 2,
      lowerBound: 2,
    },
    {
      what: 'hostname anti-affinity: three replicas need three hosts',
      load: (e: Engine) =>
        bind(e, pod('web').label('app', 'web').antiAffinity({ app: 'web' }).req({ cpu: '500m' }).replicas(3).obj(), ['a1', 'b1', 'c1']),
      freed: 0,
      lowerBound: 1,
    },
    {
      what: 'a 3-cpu pod per host: nothing fits beside another',
      load: (e: Engine) => bind(e, pod('big').req({ cpu: '3' }).replicas(6).obj(), HOSTS),
      freed: 0,
      lowerBound: 5,
    },
  ])('$what: frees the optimal $freed', ({ load, freed, lowerBound }) => {
    const engine = cluster(backend);
    load(engine);
    const ledger = engine.ledger();
    const plan = engine.consolidate();
    expect(engine.ledger()).toEqual(ledger);
    expect(plan.executed).toBe(false);
    expect(plan.emptied).toHaveLength(freed);
    // standby: every host empty after the plan (no spares asked for), those already empty included
    expect(plan.standby).toEqual(expect.arrayContaining(plan.emptied));
    expect(plan.standby).toHaveLength(HOSTS.length - plan.hostsInUse.after);
    expect(plan.hostsInUse.after).toBe(plan.hostsInUse.before - freed);
    expect(plan.hostsInUse.lowerBound).toBe(lowerBound);
    expect(plan.hostsInUse.after).toBeGreaterThanOrEqual(lowerBound);
    for (const m of plan.moves) expect(plan.emptied).toContain(m.from);
  });

  it('executes: the moves happen, the standby hosts are cordoned and empty; undo restores everything', () => {
    const engine = cluster(backend);
    bind(engine, pod('one').req({ cpu: '1' }).replicas(6).obj(), HOSTS);
    const ledger = engine.ledger();
    const plan = engine.consolidate({ execute: true });
    expect(plan.executed).toBe(true);
    const usage = new Map(engine.hostUsage().map((h) => [h.name, h]));
    for (const h of plan.standby) {
      expect(usage.get(h)!.used.get('pods')).toBe(0n);
      expect(engine.hostObj(h)?.unschedulable).toBe(true);
    }
    for (const m of plan.moves) expect(engine.placementOf('Pod', 'default', m.template.instances[m.instance].name)).toBe(m.to);
    plan.undo!();
    expect(engine.ledger()).toEqual(ledger);
    for (const h of HOSTS) expect(engine.hostObj(h)?.unschedulable).toBe(false);
    expect(engine.placementOf('Pod', 'default', 'one-0')).toBe('a1');
  });

  it('names pinned workloads with the reason; their hosts stay in use', () => {
    const engine = cluster(backend);
    bind(engine, pod('one').req({ cpu: '1' }).replicas(6).obj(), HOSTS);
    bind(engine, pod('agent').req({ cpu: '100m' }).tolerate('', 'Exists').replicas(2).obj(), ['a1', 'b1']);
    const plan = engine.consolidate();
    expect(plan.unmovable.map((u) => `${u.template.instances[u.instance].name}@${u.from}`).sort()).toEqual(['agent-0@a1', 'agent-1@b1']);
    expect(plan.unmovable[0].reason).toContain('tolerates the cordon');
    for (const m of plan.moves) expect(m.template.instances[m.instance].name.split('-')[0]).toBe('one');
    expect(plan.emptied).not.toContain('a1');
    expect(plan.emptied).not.toContain('b1');
    expect(plan.emptied).toHaveLength(4);
  });

  it('leaves excluded and bin-packing namespaces where they are unless bin-packing is included', () => {
    const engine = cluster(backend);
    engine.setPolicies([policy('packed', { strategy: 'MostAllocated' })]);
    bind(engine, pod('p').ns('packed').req({ cpu: '1' }).replicas(2).obj(), ['a1', 'a2']);
    bind(engine, pod('k').ns('kept').req({ cpu: '1' }).replicas(2).obj(), ['b1', 'b2']);
    bind(engine, pod('m').req({ cpu: '1' }).replicas(2).obj(), ['c1', 'c2']);
    const plan = engine.consolidate({ excludeNamespaces: ['kept'] });
    expect(plan.binPacking).toEqual(['packed']);
    expect(plan.excluded).toEqual(['kept']);
    // only `m` moves: c1 and c2 empty onto a1, the fullest host in use (ties to the first)
    expect(moves(plan)).toEqual(['m-0:c1->a1', 'm-1:c2->a1']);
    expect(plan.emptied).toEqual(['c1', 'c2']);
    const all = engine.consolidate({ includeBinPacking: true, excludeNamespaces: ['kept'] });
    expect(all.binPacking).toEqual([]);
    expect(new Set(all.moves.map((m) => m.template.instances[m.instance].name.split('-')[0]))).toEqual(new Set(['m', 'p']));
    // b1 and b2 keep theirs; a1, c1 and c2 empty onto a2
    expect(all.emptied).toEqual(['a1', 'c1', 'c2']);
    expect(all.hostsInUse.after).toBe(3);
  });

  it('keeps sparePerZone empty hosts per zone out of standby, the already empty first', () => {
    const engine = cluster(backend);
    bind(engine, pod('one').req({ cpu: '1' }).replicas(5).obj(), ['a1', 'a2', 'b1', 'b2', 'c1']);
    const plan = engine.consolidate({ sparePerZone: 1 });
    // c2 was empty already: zone c's spare. Zones a and b keep one emptied host each.
    expect(plan.spares).toContain('c2');
    const zoneOf = (h: string) => h[0];
    for (const z of ['a', 'b', 'c']) expect(plan.spares.filter((h) => zoneOf(h) === z).length).toBeLessThanOrEqual(1);
    const empty = [...plan.spares, ...plan.standby];
    for (const z of ['a', 'b', 'c'])
      if (empty.some((h) => zoneOf(h) === z)) expect(plan.spares.filter((h) => zoneOf(h) === z)).toHaveLength(1);
    expect(plan.standby).not.toContain('c2');
    expect(plan.spares.length + plan.standby.length).toBe(plan.emptied.length + 1);
  });

  it('stops at maxMoves and at the effort, never halfway through a host', () => {
    const engine = cluster(backend);
    bind(engine, pod('one').req({ cpu: '1' }).replicas(6).obj(), HOSTS);
    const two = engine.consolidate({ maxMoves: 2 });
    expect(two.moves).toHaveLength(2);
    expect(two.emptied).toHaveLength(2);
    expect(two.effort.limited).toBe(true);
    const tight = engine.consolidate({ effort: 3 });
    expect(tight.effort.tried).toBeLessThanOrEqual(3);
    expect(tight.moves.length).toBe(tight.emptied.length);
  });

  it('paces pod moves in PodDisruptionBudget waves; VMs are not paced', () => {
    const engine = cluster(backend);
    const budget: PodDisruptionBudgetObj = {
      name: 'web',
      namespace: 'default',
      selector: selector({ app: 'web' }),
      maxUnavailable: 1,
      disruptedPods: [],
      source: { file: 'test', doc: 0, path: '' },
    };
    engine.setPdbs([budget]);
    bind(engine, pod('web').label('app', 'web').req({ cpu: '1' }).replicas(4).obj(), ['a1', 'a2', 'b1', 'b2']);
    bind(engine, vm('db').label('app', 'web').req({ cpu: '1' }).replicas(2).obj(), ['c1', 'c2']);
    const plan = engine.consolidate();
    const podMoves = plan.moves.filter((m) => m.template.kind === 'Pod');
    expect(podMoves.length).toBeGreaterThan(1);
    // one disruption at a time: every pod move in its own wave, in order
    expect(podMoves.map((m) => m.wave)).toEqual(podMoves.map((_, i) => i + 1));
    const waves = plan.moves.map((m) => m.wave);
    expect(waves).toEqual([...waves].sort((a, z) => a - z));
    expect(plan.emptied).toHaveLength(4);
  });

  it('a pod whose PodDisruptionBudget allows no disruption stays, named, and keeps its host in use', () => {
    const engine = cluster(backend);
    // minAvailable 2 of the 2 placed: 0 disruptions allowed
    engine.setPdbs([
      {
        name: 'db',
        namespace: 'default',
        selector: selector({ app: 'db' }),
        minAvailable: 2,
        disruptedPods: [],
        source: { file: 'test', doc: 0, path: '' },
      },
    ]);
    bind(engine, pod('db').label('app', 'db').req({ cpu: '1' }).replicas(2).obj(), ['a1', 'b1']);
    bind(engine, pod('one').req({ cpu: '1' }).replicas(4).obj(), ['a2', 'b2', 'c1', 'c2']);
    const plan = engine.consolidate();
    expect(plan.moves.filter((m) => m.template.instances[m.instance].name.startsWith('db-'))).toEqual([]);
    expect(plan.moves.every((m) => m.blockedBy === undefined && m.wave >= 1)).toBe(true);
    expect(plan.unmovable.map((u) => `${u.template.instances[u.instance].name}@${u.from}`).sort()).toEqual(['db-0@a1', 'db-1@b1']);
    expect(plan.unmovable[0].reason).toMatch(/PodDisruptionBudget db allows no disruption now/);
    expect(plan.emptied).not.toContain('a1');
    expect(plan.emptied).not.toContain('b1');
    // the four 1-cpu pods join the two db hosts (3 cpu free each): four hosts go empty
    expect(plan.emptied).toHaveLength(4);
  });
});
