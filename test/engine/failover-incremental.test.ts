// Failover admission is incremental (failover-guard.ts: cached plans, the held-room fast path, the
// exact insertion of a protected workload into its host's plan, rules/failover-insert.ts, and the
// filter's admissions kept per class and host, failover-verdicts.ts). On random clusters an engine
// that has seen every bind and release answers each bind — and the extender's filter for a
// protected and an unprotected probe on every host — exactly as an engine built from scratch on
// the same cluster does; and so it does after every random bind, release, node change and policy
// change, with the same probes asked after each (their kept verdicts reused). Reproduce with
// PLACER_SEED=<seed>.

import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { type BackendName, Engine } from '../../core-wasm/src/engine.js';
import type { HostObj, NamespacePolicyObj, WorkloadTemplate } from '../../model/types.js';
import { host, pod, policy } from '../fixtures/model.js';
import { engineWith, releaseOne } from './failover-cluster.js';

const runs = Math.max(10, Math.floor(Number(process.env.PLACER_RUNS ?? 1000) / 40));
const seed = process.env.PLACER_SEED ? Number(process.env.PLACER_SEED) : undefined;

const hostArb = fc.record({
  cpu: fc.constantFrom(2, 4, 6),
  pods: fc.integer({ min: 3, max: 8 }),
  zone: fc.constantFrom('a', 'b', 'c'),
  tier: fc.constantFrom('x', 'y'),
});
const opArb = fc.record({
  release: fc.constantFrom(false, false, false, true),
  ns: fc.constantFrom('p', 'p', 'p', 'q', 'r'),
  milli: fc.constantFrom(500, 1000, 1500, 2000),
  memory: fc.constantFrom(1, 2),
  tier: fc.constantFrom(null, null, 'x'),
  host: fc.nat(),
});
const scenarioArb = fc.record({
  backend: fc.constantFrom<BackendName>('reference', 'wasm'),
  hosts: fc.array(hostArb, { minLength: 4, maxLength: 9 }),
  zone: fc.boolean(),
  r: fc.boolean(),
  ops: fc.array(opArb, { minLength: 6, maxLength: 50 }),
});
type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

function cluster(s: Scenario): { hosts: HostObj[]; policies: NamespacePolicyObj[] } {
  const hosts = s.hosts.map((h, i) =>
    host(`h${i}`)
      .alloc({ cpu: h.cpu, memory: '16Gi', pods: h.pods })
      .label('tier', h.tier)
      .label('topology.kubernetes.io/zone', h.zone)
      .obj(),
  );
  const policies = [policy('p', { failover: { hosts: 1, zone: s.zone ? 1 : 0 } })];
  if (s.r) policies.push(policy('r', { failover: { hosts: 1 } }));
  return { hosts, policies };
}

function shape(name: string, ns: string, milli: number, memory: number, tier: string | null): WorkloadTemplate {
  const b = pod(name)
    .ns(ns)
    .req({ cpu: `${milli}m`, memory: `${memory}Gi` });
  if (tier) b.selector('tier', tier);
  return b.obj();
}

function engineOf(s: Scenario, running: readonly WorkloadTemplate[]): Engine {
  const { hosts, policies } = cluster(s);
  return engineWith(s.backend, hosts, policies, running);
}

/**
 * The filter's verdicts of a probe on every host: feasible, or the first reason. The engine keeps
 * one assessment per class until something changes, found for another workload of the probe's
 * class (the warm-up's): a refusal that names the workload itself names the probe all the same.
 */
function verdicts(engine: Engine, t: WorkloadTemplate, n: number): string[] {
  const a = engine.assess(t);
  return Array.from({ length: n }, (_, i) => {
    const v = a.verdict(`h${i}`);
    return v?.feasible ? 'ok' : (v?.reasons[0] ?? 'none');
  });
}

describe('failover admission: incremental against from scratch', () => {
  test.prop([scenarioArb], { numRuns: runs, seed })(
    'every bind and filter answer equals a fresh engine’s',
    (s) => {
      const engine = engineOf(s, []);
      // every shape compiled first: a new class counts as a change and rebuilds the cache, so that
      // the binds and releases below exercise the incremental paths
      for (const ns of ['p', 'q', 'r'])
        for (const milli of [500, 1000, 1500, 2000])
          for (const memory of [1, 2]) for (const tier of [null, 'x']) engine.assess(shape('warm', ns, milli, memory, tier));
      const running = new Map<string, WorkloadTemplate>();
      const n = s.hosts.length;
      s.ops.forEach((op, k) => {
        if (op.release) {
          releaseOne(engine, running, op.host);
          return;
        }
        const t = shape(`w${k}`, op.ns, op.milli, op.memory, op.tier);
        const fresh = engineOf(s, [...running.values()]);
        const probes = [t, shape(`probe-${k}`, 'q', op.milli, 1, null)];
        const seen = probes.map((p) => verdicts(engine, p, n));
        probes.forEach((p, i) => expect(seen[i]).toEqual(verdicts(fresh, p, n)));
        // bind where only failover admission can decide: a host that fits or that admission refuses
        const open = seen[0].flatMap((v, i) => (v === 'ok' || v.includes('(failover policy)') ? [i] : []));
        if (open.length === 0) return;
        const target = `h${open[op.host % open.length]}`;
        const answer = engine.tryBind(t, 0, target);
        expect(answer).toBe(fresh.tryBind(structuredClone(t), 0, target));
        if (answer === null) running.set(t.instances[0].name, { ...structuredClone(t), instances: [{ name: `w${k}`, boundHost: target }] });
      });
    },
    600_000,
  );
});

/** The guard's parts the kept verdicts are held to (private: reached through the engine). */
interface GuardParts {
  verdicts: { byClass: Map<number, unknown>; holds(v: unknown, x: number): boolean };
  hostsView: { n: number };
  onlyInserts(extra: { cls: number; slot: number; t: WorkloadTemplate; j: number }): boolean;
}

/**
 * Every admission the filter keeps for `t`'s class and still trusts is one the insertion check
 * it stands for makes now, computed afresh (the cache against a guard built from scratch; the
 * answers compared above can hide a stale admission when the full check would admit anyway).
 */
function keptAreFresh(engine: Engine, t: WorkloadTemplate): number {
  const guard = (engine as unknown as { assessor: { guard: GuardParts } }).assessor.guard;
  const { cls } = engine.compile(t);
  const v = guard.verdicts.byClass.get(cls);
  if (!v) return 0;
  let kept = 0;
  for (let slot = 0; slot < guard.hostsView.n; slot++) {
    if (!guard.verdicts.holds(v, slot)) continue;
    kept++;
    expect(guard.onlyInserts({ cls, slot, t, j: 0 }), `kept admission of ${t.instances[0].name} on h${slot}`).toBe(true);
  }
  return kept;
}

const stepArb = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('bind' as const),
      ns: fc.constantFrom('p', 'p', 'q'),
      milli: fc.constantFrom(500, 1000, 1500, 2000),
      host: fc.nat(),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('release' as const), host: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('node' as const), host: fc.nat(), cpu: fc.constantFrom(2, 4, 6), cordon: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('policy' as const), r: fc.boolean() }) },
);
const churnArb = fc.record({
  backend: fc.constantFrom<BackendName>('reference', 'wasm'),
  hosts: fc.array(hostArb, { minLength: 4, maxLength: 9 }),
  steps: fc.array(stepArb, { minLength: 8, maxLength: 60 }),
});

describe('failover admission: the filter’s kept verdicts against from scratch', () => {
  test.prop([churnArb], { numRuns: runs, seed })(
    'after every bind, release, node change and policy change the filter equals a fresh engine’s',
    (c) => {
      const hosts = c.hosts.map((h, i) =>
        host(`h${i}`).alloc({ cpu: h.cpu, memory: '16Gi', pods: h.pods }).label('topology.kubernetes.io/zone', h.zone).obj(),
      );
      const policies = (r: boolean) => [policy('p', { failover: { hosts: 1 } }), ...(r ? [policy('r', { failover: { hosts: 1 } })] : [])];
      let protectR = false;
      const engine = engineWith(c.backend, hosts, policies(protectR), []);
      const running = new Map<string, WorkloadTemplate>();
      const n = hosts.length;
      let kept = 0;
      // the probes: asked after every step, so their classes' kept verdicts meet every change
      const probes = (k: number) =>
        [500, 1000, 1500].map((milli) => shape(`pp-${k}-${milli}`, 'p', milli, 1, null)).concat(shape(`pq-${k}`, 'q', 1000, 1, null));
      c.steps.forEach((st, k) => {
        if (st.kind === 'bind') {
          const t = shape(`w${k}`, st.ns, st.milli, 1, null);
          const target = `h${st.host % n}`;
          if (engine.tryBind(t, 0, target) === null)
            running.set(`w${k}`, { ...structuredClone(t), instances: [{ name: `w${k}`, boundHost: target }] });
        } else if (st.kind === 'release') {
          if (!releaseOne(engine, running, st.host)) return;
        } else if (st.kind === 'node') {
          const i = st.host % n;
          hosts[i] = { ...hosts[i], allocatable: new Map(hosts[i].allocatable), unschedulable: st.cordon };
          hosts[i].allocatable.set('cpu', BigInt(st.cpu * 1000));
          engine.upsertHosts([hosts[i]]);
        } else {
          protectR = st.r;
          engine.setPolicies(policies(protectR));
        }
        const fresh = engineWith(c.backend, hosts, policies(protectR), [...running.values()]);
        for (const p of probes(k)) {
          expect(verdicts(engine, p, n)).toEqual(verdicts(fresh, p, n));
          kept += keptAreFresh(engine, p);
        }
      });
      return kept >= 0;
    },
    600_000,
  );
});
