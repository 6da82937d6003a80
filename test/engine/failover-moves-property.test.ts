// Namespace HA in plans of moves on random small clusters: workloads placed through failover
// admission (binds and batches), then drains, rebalancing and consolidation executed in random
// order. After every executed plan the independent checker (failover-checker.ts, brute force)
// confirms that every protected workload of every host (any hostFailuresToTolerate of them, and
// every zone where asked) can restart on the hosts still schedulable; refused moves name the
// namespace and the failure; the reference engine and the Wasm core (SIMD and scalar) plan alike.
// Reproduce with PLACER_SEED=<seed>.

import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import type { BackendName, PlanReport } from '../../core-wasm/src/engine.js';
import { pod } from '../fixtures/model.js';
import { guaranteeBroken } from './failover-checker.js';
import { GI, hostArb, protectedCluster } from './failover-cluster.js';

const runs = Math.max(8, Math.floor(Number(process.env.PLACER_RUNS ?? 1000) / 50));
const seed = process.env.PLACER_SEED ? Number(process.env.PLACER_SEED) : undefined;
const BACKENDS: BackendName[] = ['reference', 'wasm', 'wasm-scalar'];

const workloadArb = fc.record({
  ns: fc.constantFrom('p', 'p', 'r', 'q', 'q'),
  milli: fc.integer({ min: 1, max: 6 }).map((n) => n * 500),
  memory: fc.integer({ min: 1, max: 4 }),
  tier: fc.option(fc.constantFrom('x', 'y'), { freq: 4 }),
  host: fc.nat(),
  bind: fc.boolean(),
});
const planArb = fc.record({ kind: fc.constantFrom('drain', 'drain', 'rebalance', 'consolidate'), host: fc.nat() });
const scenarioArb = fc.record({
  hosts: fc.array(hostArb, { minLength: 3, maxLength: 6 }),
  p: fc.record({ hosts: fc.constantFrom(1, 1, 2), zone: fc.boolean() }),
  r: fc.boolean(),
  workloads: fc.array(workloadArb, { minLength: 4, maxLength: 20 }),
  plans: fc.array(planArb, { minLength: 1, maxLength: 4 }),
});
type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

const FAILOVER = /namespace [pr] (could not restart its workloads if (host|hosts|zone) |is not known)/;

/** A plan's answer, by name, for comparing engines. */
function summary(r: PlanReport) {
  return {
    moves: r.moves.map((m) => `${m.template.instances[m.instance].name}:${m.from}->${m.to}`),
    unmovable: r.unmovable.map((u) => `${u.template.instances[u.instance].name}@${u.from}: ${u.reason}`),
    executed: r.executed,
  };
}

function drive(backend: BackendName, s: Scenario): unknown[] {
  const { engine, hosts, policies, specs, running } = protectedCluster(backend, s);
  // the hosts still schedulable: a drained or standby host is no restart target (and holds nothing)
  const schedulable = () => hosts.filter((h) => !engine.hostObj(h.name)?.unschedulable);
  const answers: unknown[] = [];
  s.workloads.forEach((w, k) => {
    const name = `w${k}`;
    const b = pod(name)
      .ns(w.ns)
      .req({ cpu: `${w.milli}m`, memory: `${w.memory}Gi` });
    if (w.tier) b.selector('tier', w.tier);
    specs.set(name, { name, namespace: w.ns, cpu: w.milli, memory: w.memory * GI, selector: w.tier ? { tier: w.tier } : {} });
    answers.push(w.bind ? engine.tryBind(b.obj(), 0, hosts[w.host % hosts.length].name) : engine.place([b.obj()]).outcomes[0].hosts);
  });
  expect(guaranteeBroken(hosts, running(), policies)).toBeNull();
  for (const p of s.plans) {
    const target = hosts[p.host % hosts.length].name;
    const r =
      p.kind === 'drain'
        ? engine.drain([target], { execute: true })
        : p.kind === 'rebalance'
          ? engine.rebalance({ resource: 'cpu', execute: true })
          : engine.consolidate({ execute: true });
    for (const u of r.unmovable) if (u.reason.includes('(failover policy)')) expect(u.reason).toMatch(FAILOVER);
    answers.push(summary(r));
    // the guarantee holds on the hosts still schedulable, by the independent checker
    const on = schedulable();
    const names = new Set(on.map((h) => h.name));
    expect(running().filter((w) => !names.has(w.host))).toEqual([]);
    expect(guaranteeBroken(on, running(), policies)).toBeNull();
  }
  answers.push(engine.failoverReport());
  return answers;
}

describe('failover admission in plans of moves on random clusters', () => {
  test.prop([scenarioArb], { numRuns: runs, seed })('the guarantee holds after every executed plan; engines agree', (s) => {
    const [ref, ...others] = BACKENDS.map((b) => drive(b, s));
    for (const o of others) expect(o).toEqual(ref);
  });
});
