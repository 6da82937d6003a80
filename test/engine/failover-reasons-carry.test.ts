// The restart reasons a planner keeps per class (failover-plans.ts) carry across a bind or a
// release of a workload without inter-workload terms, for the classes without terms only: such a
// change moves only the resource and spread bits a restart ignores. A workload placed without
// terms can still change where a class *with* terms may restart (its own anti-affinity now meets
// the workload's labels), so those reasons are evaluated anew. On random clusters holding both
// kinds, an engine that has seen every bind and release plans each host's failure exactly as an
// engine built from scratch on the same cluster does. Reproduce with PLACER_SEED=<seed>.

import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { type BackendName, Engine } from '../../core-wasm/src/engine.js';
import type { WorkloadTemplate } from '../../model/types.js';
import { host, pod, policy } from '../fixtures/model.js';
import { engineWith, releaseOne } from './failover-cluster.js';

const runs = Math.max(10, Math.floor(Number(process.env.PLACER_RUNS ?? 1000) / 40));
const seed = process.env.PLACER_SEED ? Number(process.env.PLACER_SEED) : undefined;

const stepArb = fc.record({
  release: fc.constantFrom(false, false, true),
  /** plain: no terms, labelled app=db or app=web; anti: required anti-affinity to app=db per host */
  kind: fc.constantFrom('plain', 'plain', 'plain', 'anti'),
  ns: fc.constantFrom('p', 'p', 'q'),
  app: fc.constantFrom('db', 'web'),
  milli: fc.constantFrom(500, 1000, 1500),
  host: fc.nat(),
});
const scenarioArb = fc.record({
  backend: fc.constantFrom<BackendName>('reference', 'wasm'),
  hosts: fc.array(fc.record({ cpu: fc.constantFrom(2, 4), pods: fc.integer({ min: 3, max: 6 }) }), { minLength: 3, maxLength: 7 }),
  steps: fc.array(stepArb, { minLength: 6, maxLength: 40 }),
});
type Step = typeof stepArb extends fc.Arbitrary<infer T> ? T : never;

function workload(name: string, st: Step): WorkloadTemplate {
  const b = pod(name)
    .ns(st.ns)
    .req({ cpu: `${st.milli}m`, memory: '1Gi' });
  if (st.kind === 'anti') b.label('app', 'api').antiAffinity({ app: 'db' });
  else b.label('app', st.app);
  return b.obj();
}

/**
 * Every shape compiled, in both engines compared: an anti-affinity term, once compiled, shapes how
 * the classes it could match restart (kept apart, conservatively) even while no workload carrying
 * it runs.
 */
function compileAll(engine: Engine): void {
  for (const kind of ['plain', 'anti'] as const)
    for (const ns of ['p', 'q'] as const)
      for (const app of ['db', 'web'] as const)
        for (const milli of [500, 1000, 1500] as const) engine.compile(workload('warm', { release: false, kind, ns, app, milli, host: 0 }));
}

/** Each host's restart plan: every protected workload and where it restarts, or why not. */
function plans(engine: Engine, n: number): string[] {
  return Array.from({ length: n }, (_, i) => JSON.stringify(engine.simulateFailures([`h${i}`])));
}

describe('failover: restart reasons carried across binds and releases', () => {
  test.prop([scenarioArb], { numRuns: runs, seed })(
    'every host’s restart plan equals a fresh engine’s after each step',
    (s) => {
      const hosts = s.hosts.map((h, i) => host(`h${i}`).alloc({ cpu: h.cpu, memory: '16Gi', pods: h.pods }).obj());
      const policies = [policy('p', { failover: { hosts: 1 } })];
      const engine = engineWith(s.backend, hosts, policies, [], compileAll);
      const running = new Map<string, WorkloadTemplate>();
      const n = hosts.length;
      s.steps.forEach((st, k) => {
        if (st.release) {
          if (!releaseOne(engine, running, st.host)) return;
        } else {
          const t = workload(`w${k}`, st);
          // the filter first, as the extender asks it: it evaluates (and keeps) the classes' reasons
          engine.assessColumns(t);
          plans(engine, n);
          const target = `h${st.host % n}`;
          if (engine.tryBind(t, 0, target) !== null) return;
          running.set(`w${k}`, { ...structuredClone(t), instances: [{ name: `w${k}`, boundHost: target }] });
        }
        const fresh = engineWith(s.backend, hosts, policies, [...running.values()], compileAll);
        expect(plans(engine, n)).toEqual(plans(fresh, n));
      });
    },
    600_000,
  );
});
