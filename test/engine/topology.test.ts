// Inter-workload affinity / anti-affinity and topology spread, as kube-scheduler's InterPodAffinity
// and PodTopologySpread plugins decide them, through every backend. The arithmetic is in comments.

import { describe, expect, it } from 'vitest';
import { Engine, type BackendName } from '../../core-wasm/src/engine.js';
import type { HostObj } from '../../model/types.js';
import { host, pod, policy } from '../fixtures/model.js';

const BACKENDS: BackendName[] = ['reference', 'wasm', 'wasm-scalar'];

/** Hosts h0..h{n-1} over zones a, b, c (round robin). */
function zonedHosts(n: number, zones = ['a', 'b', 'c']): HostObj[] {
  return Array.from({ length: n }, (_, i) =>
    host(`h${i}`)
      .cpu('16')
      .memory('64Gi')
      .label('topology.kubernetes.io/zone', zones[i % zones.length])
      .obj(),
  );
}

function hostsOf(engine: Engine, placed: ReturnType<Engine['place']>['outcomes']): string[] {
  void engine;
  return placed.flatMap((o) => o.hosts.filter((h): h is string => h !== null));
}

describe.each(BACKENDS)('inter-workload affinity (%s)', (backend) => {
  it('required anti-affinity on hostname puts replicas on distinct hosts, then refuses', () => {
    const engine = new Engine({ backend });
    engine.upsertHosts(zonedHosts(3));
    const web = pod('web').label('app', 'web').req({ cpu: '1' }).antiAffinity({ app: 'web' }).replicas(4).obj();
    const [o] = engine.place([web]).outcomes;
    expect(new Set(o.hosts.filter(Boolean)).size).toBe(3); // three hosts, three replicas
    expect(o.hosts.filter((h) => h === null)).toHaveLength(1);
    // The 4th: every host holds a web replica; its own term fails first ("pod anti-affinity rules").
    expect(o.failure?.message).toBe("0/3 hosts are available: 3 host(s) didn't match pod anti-affinity rules.");
    expect(o.failure?.grade).toBe('Unschedulable');
  });

  it('anti-affinity per zone: one replica per zone', () => {
    const engine = new Engine({ backend });
    engine.upsertHosts(zonedHosts(6));
    const [o] = engine.place([
      pod('db').label('app', 'db').antiAffinity({ app: 'db' }, 'topology.kubernetes.io/zone').replicas(3).obj(),
    ]).outcomes;
    const zones = o.hosts.map((h) => engine.hostObj(h!)!.labels.get('topology.kubernetes.io/zone'));
    expect(new Set(zones).size).toBe(3);
  });

  it("a placed workload's anti-affinity keeps others away (symmetry)", () => {
    const engine = new Engine({ backend });
    engine.upsertHosts(zonedHosts(2));
    engine.bindExisting([pod('loner').label('app', 'loner').antiAffinity({ team: 'noisy' }).boundTo('h0').obj()]);
    const e = engine.explain(pod('noisy').label('team', 'noisy').obj());
    expect(e.hosts.map((h) => h.reasons)).toEqual([["host(s) didn't satisfy existing pods anti-affinity rules"], []]);
    expect(e.selected).toBe('h1');
  });

  it('required affinity follows the matching workloads into their zone', () => {
    const engine = new Engine({ backend });
    engine.upsertHosts(zonedHosts(6));
    engine.bindExisting([pod('cache').label('app', 'cache').boundTo('h1').obj()]); // zone b
    const [o] = engine.place([pod('api').affinity({ app: 'cache' }).replicas(3).obj()]).outcomes;
    for (const h of o.hosts) expect(engine.hostObj(h!)!.labels.get('topology.kubernetes.io/zone')).toBe('b');
  });

  it('the first workload of a self-affine group may start anywhere; a stranger may not', () => {
    const engine = new Engine({ backend });
    engine.upsertHosts(zonedHosts(3));
    // No workload matches app=x anywhere yet; the pod matches its own term ⇒ allowed.
    const [first] = engine.place([pod('x').label('app', 'x').affinity({ app: 'x' }).replicas(2).obj()]).outcomes;
    expect(first.hosts.every(Boolean)).toBe(true);
    // Both replicas in one zone: the second had to follow the first.
    expect(new Set(first.hosts.map((h) => engine.hostObj(h!)!.labels.get('topology.kubernetes.io/zone'))).size).toBe(1);
    const stranger = engine.explain(pod('y').affinity({ app: 'nobody' }).obj());
    expect(stranger.message).toBe("0/3 hosts are available: 3 host(s) didn't match pod affinity rules.");
    expect(stranger.hosts[0].grade).toBe('UnschedulableAndUnresolvable');
  });

  it('terms select by namespace: own namespace by default, namespaceSelector {} for all', () => {
    const engine = new Engine({ backend });
    engine.upsertHosts(zonedHosts(2));
    engine.bindExisting([pod('other').ns('b').label('app', 'web').boundTo('h0').obj()]);
    const sameNs = engine.explain(pod('p').ns('a').antiAffinity({ app: 'web' }).obj());
    expect(sameNs.hosts.every((h) => h.feasible)).toBe(true); // the web pod lives in namespace b
    const all = engine.explain(
      pod('p')
        .ns('a')
        .antiAffinity({ app: 'web' }, 'kubernetes.io/hostname', { namespaceSelector: { matchLabels: new Map(), matchExpressions: [] } })
        .obj(),
    );
    expect(all.hosts.map((h) => h.feasible)).toEqual([false, true]);
  });

  it('preferred affinity scores hosts with more matching workloads higher (×2, min-max normalized)', () => {
    const engine = new Engine({ backend });
    engine.upsertHosts(zonedHosts(3));
    engine.bindExisting([
      pod('c1').label('app', 'cache').boundTo('h2').obj(),
      pod('c2').label('app', 'cache').boundTo('h2').obj(),
      pod('c3').label('app', 'cache').boundTo('h1').obj(),
    ]);
    const e = engine.explain(pod('api').req({ cpu: '1' }).preferAffinity(10, { app: 'cache' }).obj());
    // raw: h0 0, h1 10, h2 20 ⇒ normalized 0, 50, 100 ⇒ ×2 = 0, 100, 200 (beyond the fit scores,
    // which differ a little: the cache pods use resources).
    const beyondFit = e.hosts.map((h) => h.score - h.fit);
    expect(beyondFit.map((x) => x - beyondFit[0])).toEqual([0, 100, 200]);
    expect(e.selected).toBe('h2');
  });
});

describe.each(BACKENDS)('topology spread (%s)', (backend) => {
  it('DoNotSchedule maxSkew 1 over zones: replicas alternate zones', () => {
    const engine = new Engine({ backend, strategy: 'MostAllocated' }); // packing would otherwise stack them
    engine.upsertHosts(zonedHosts(6));
    const [o] = engine.place([
      pod('w')
        .label('app', 'w')
        .req({ cpu: '1' })
        .spread(1, 'topology.kubernetes.io/zone', 'DoNotSchedule', { app: 'w' })
        .replicas(7)
        .obj(),
    ]).outcomes;
    const perZone = new Map<string, number>();
    for (const h of o.hosts) {
      const z = engine.hostObj(h!)!.labels.get('topology.kubernetes.io/zone')!;
      perZone.set(z, (perZone.get(z) ?? 0) + 1);
    }
    expect([...perZone.values()].sort()).toEqual([2, 2, 3]); // skew never above 1
  });

  it('a host without the topology key fails with "(missing required label)"', () => {
    const engine = new Engine({ backend });
    engine.upsertHosts([...zonedHosts(2), host('bare').obj()]);
    const e = engine.explain(pod('w').label('app', 'w').spread(1, 'topology.kubernetes.io/zone', 'DoNotSchedule', { app: 'w' }).obj());
    expect(e.hosts[2]).toMatchObject({
      feasible: false,
      reasons: ["host(s) didn't match pod topology spread constraints (missing required label)"],
      grade: 'UnschedulableAndUnresolvable',
    });
  });

  it('skew = matching in the domain + self − global minimum; minDomains counts missing domains as 0', () => {
    const engine = new Engine({ backend });
    engine.upsertHosts(zonedHosts(2, ['a', 'b']));
    engine.bindExisting([
      pod('w1').label('app', 'w').boundTo('h0').obj(),
      pod('w2').label('app', 'w').boundTo('h1').obj(),
      pod('w3').label('app', 'w').boundTo('h1').obj(),
    ]);
    // zone a: 1, zone b: 2, min 1. a: 1 + 1 − 1 = 1 ≤ 1 ok; b: 2 + 1 − 1 = 2 > 1.
    const e = engine.explain(pod('w4').label('app', 'w').spread(1, 'topology.kubernetes.io/zone', 'DoNotSchedule', { app: 'w' }).obj());
    expect(e.hosts.map((h) => h.feasible)).toEqual([true, false]);
    expect(e.hosts[1].reasons).toEqual(["host(s) didn't match pod topology spread constraints"]);
    // minDomains 3 with two domains: the global minimum is 0 ⇒ a: 1 + 1 − 0 = 2 > 1 too.
    const strict = engine.explain(
      pod('w4').label('app', 'w').spread(1, 'topology.kubernetes.io/zone', 'DoNotSchedule', { app: 'w' }, { minDomains: 3 }).obj(),
    );
    expect(strict.hosts.map((h) => h.feasible)).toEqual([false, false]);
  });

  it('ScheduleAnyway scores the emptier domain higher', () => {
    const engine = new Engine({ backend });
    engine.upsertHosts(zonedHosts(2, ['a', 'b']));
    engine.bindExisting([pod('w1').label('app', 'w').boundTo('h0').obj()]);
    const e = engine.explain(
      pod('w2').label('app', 'w').req({ cpu: '1' }).spread(1, 'topology.kubernetes.io/zone', 'ScheduleAnyway', { app: 'w' }).obj(),
    );
    // weight log(2 + 2); raw a: round(1·1.386 + 0) = 1, b: 0; normalized 100·(1 + 0 − s)/1: a 0, b 100 (×2).
    expect(e.hosts[1].score - e.hosts[0].score).toBe(200);
    expect(e.selected).toBe('h1');
  });

  it('NamespacePolicy spreadAcrossHosts keeps a multi-replica workload on distinct hosts', () => {
    const engine = new Engine({ backend, strategy: 'MostAllocated' });
    engine.upsertHosts(zonedHosts(4));
    engine.setPolicies([policy('spread', { spreadAcrossHosts: true })]);
    const [o] = engine.place([pod('web').ns('spread').req({ cpu: '1' }).replicas(4).obj()]).outcomes;
    expect(new Set(o.hosts).size).toBe(4);
    const [packed] = engine.place([pod('web').ns('other').req({ cpu: '1' }).replicas(4).obj()]).outcomes;
    expect(new Set(packed.hosts).size).toBe(1); // MostAllocated stacks them without the policy
  });

  it('counts workloads placed before a selector existed (memberships are backfilled)', () => {
    const engine = new Engine({ backend });
    engine.upsertHosts(zonedHosts(2));
    engine.place([pod('old').label('app', 'web').obj()]); // no term mentions app=web yet
    const hostOfOld = engine.hostUsage().find((h) => h.used.get('pods') === 1n)!.name;
    const e = engine.explain(pod('new').antiAffinity({ app: 'web' }).obj());
    expect(e.hosts.find((h) => h.host === hostOfOld)!.feasible).toBe(false);
    expect(hostsOf(engine, [])).toEqual([]);
  });
});
