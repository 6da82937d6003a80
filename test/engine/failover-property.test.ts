// Namespace HA on random small clusters: after every placement failover admission lets through
// (extender bind, batch), the independent checker (failover-checker.ts, brute force) confirms
// that for every set of hostFailuresToTolerate hosts, and every zone where asked, the protected
// workloads there can restart on the others; every refusal names the namespace and the failure;
// simulated single failures agree with the checker and the report; the reference engine and the
// Wasm core (SIMD and scalar) answer alike. It also measures how conservative admission is: how
// many refusals the exhaustive checker would have admitted. Reproduce with PLACER_SEED=<seed>.

import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import type { BackendName } from '../../core-wasm/src/engine.js';
import type { WorkloadTemplate } from '../../model/types.js';
import { pod } from '../fixtures/model.js';
import { type CheckWorkload, guaranteeBroken, restartable } from './failover-checker.js';
import { GI, hostArb, protectedCluster } from './failover-cluster.js';

const runs = Math.max(10, Math.floor(Number(process.env.PLACER_RUNS ?? 1000) / 30));
const seed = process.env.PLACER_SEED ? Number(process.env.PLACER_SEED) : undefined;
const BACKENDS: BackendName[] = ['reference', 'wasm', 'wasm-scalar'];

const opArb = fc.record({
  kind: fc.constantFrom('bind', 'bind', 'place', 'release'),
  ns: fc.constantFrom('p', 'p', 'r', 'q'),
  milli: fc.integer({ min: 1, max: 6 }).map((n) => n * 500),
  memory: fc.integer({ min: 1, max: 4 }),
  tier: fc.option(fc.constantFrom('x', 'y'), { freq: 4 }),
  host: fc.nat(),
  replicas: fc.integer({ min: 1, max: 3 }),
});
const scenarioArb = fc.record({
  hosts: fc.array(hostArb, { minLength: 3, maxLength: 5 }),
  p: fc.record({ hosts: fc.constantFrom(1, 1, 2), zone: fc.boolean() }),
  r: fc.boolean(),
  ops: fc.array(opArb, { minLength: 4, maxLength: 24 }),
});
type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

interface Run {
  answers: unknown[];
  refusals: { text: string; needless: boolean }[];
}

/** Drive one engine through the scenario, checking the guarantee after every step. */
function drive(backend: BackendName, s: Scenario): Run {
  const { engine, hosts, policies, specs, running } = protectedCluster(backend, s);
  const answers: unknown[] = [];
  const refusals: Run['refusals'] = [];
  s.ops.forEach((op, k) => {
    const name = `w${k}`;
    const t = (n: string): WorkloadTemplate => {
      const b = pod(n)
        .ns(op.ns)
        .req({ cpu: `${op.milli}m`, memory: `${op.memory}Gi` });
      if (op.tier) b.selector('tier', op.tier);
      return b.obj();
    };
    const spec = (n: string): Omit<CheckWorkload, 'host'> => ({
      name: n,
      namespace: op.ns,
      cpu: op.milli,
      memory: op.memory * GI,
      selector: op.tier ? { tier: op.tier } : {},
    });
    if (op.kind === 'release') {
      const all = [...engine.trackedPlacements()];
      if (all.length === 0) return;
      const victim = all[op.host % all.length];
      answers.push(engine.release('Pod', victim.namespace, victim.name));
    } else if (op.kind === 'bind') {
      const target = hosts[op.host % hosts.length].name;
      specs.set(name, spec(name));
      const before = running();
      const refusal = engine.tryBind(t(name), 0, target);
      answers.push(refusal);
      if (refusal?.includes('(failover policy)')) {
        expect(refusal).toMatch(/namespace [pr] (could not restart its workloads if (host|hosts|zone) |is not known)/);
        // needless: the exhaustive checker finds a restart for every failure with it placed
        refusals.push({ text: refusal, needless: guaranteeBroken(hosts, [...before, { ...spec(name), host: target }], policies) === null });
      }
    } else {
      const tmpl = t(name);
      tmpl.instances = Array.from({ length: op.replicas }, (_, j) => ({ name: `${name}-${j}` }));
      for (const inst of tmpl.instances) specs.set(inst.name, spec(inst.name));
      const [o] = engine.place([tmpl]).outcomes;
      answers.push({ hosts: o.hosts, failure: o.failure });
      if (o.failure?.message.includes('(failover policy)')) expect(o.failure.message).toMatch(/namespace [pr] /);
    }
    // the guarantee holds after every step, by the independent checker
    expect(guaranteeBroken(hosts, running(), policies)).toBeNull();
  });
  // simulate and the report agree with the checker
  const report = engine.failoverReport();
  for (const h of hosts) {
    const sim = engine.simulateFailures([h.name]);
    const row = report.hosts.find((r) => r.host === h.name)!;
    expect(sim.absorbed).toBe(row.absorbed);
    if (sim.absorbed) expect(restartable(hosts, running(), new Set([h.name]), new Set(policies.keys()))).toBe(true);
  }
  expect(report.namespaces.every((n) => n.kept)).toBe(true);
  answers.push(report);
  return { answers, refusals };
}

describe('failover admission on random clusters', () => {
  test.prop([scenarioArb], { numRuns: runs, seed })('the guarantee holds after every admitted placement; engines agree', (s) => {
    const [ref, ...others] = BACKENDS.map((b) => drive(b, s));
    for (const o of others) expect(o.answers).toEqual(ref.answers);
  });

  test.prop([fc.array(scenarioArb, { minLength: 40, maxLength: 40 })], { numRuns: 1, seed: seed ?? 23 })(
    'conservativeness: refusals the exhaustive checker would admit (measured)',
    (scenarios) => {
      const refusals = scenarios.flatMap((s) => drive('wasm', s).refusals);
      const needless = refusals.filter((r) => r.needless).length;
      console.log(
        `failover admission: ${refusals.length} refusals, ${needless} needless by the exhaustive checker (${((100 * needless) / Math.max(1, refusals.length)).toFixed(1)}%)`,
      );
      expect(refusals.length).toBeGreaterThan(0);
      expect(needless).toBeLessThanOrEqual(refusals.length / 2);
    },
  );
});
