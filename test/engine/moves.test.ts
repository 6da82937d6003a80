// Drains, all-or-nothing moves and rebalancing on random clusters: the Wasm core (SIMD and scalar)
// and the reference engine plan the same moves; a plan changes nothing until executed; an executed
// plan passes the independent checker (every rule holds, every workload placed exactly once,
// ledgers equal a recomputation); every rebalancing move is legal in sequence and lowers the
// imbalance. Reproduce a failure with PLACER_SEED=<seed printed by fast-check>.

import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { type Backend, DIM_CPU, DIM_MEMORY, type Ledger } from '../../core-wasm/src/contract.js';
import { type MoveRequest, type MovingEntry, executeMoves, executeRebalance, planMoves, planRebalance } from '../../core-wasm/src/moves.js';
import { ReferenceBackend } from '../../core-wasm/src/reference/backend.js';
import { WasmBackend } from '../../core-wasm/src/wasm/backend.js';
import { type Scenario, scenarioArb } from './arbitraries.js';
import { check, checkMoveSequence } from './checker.js';
import { populate, type Resident } from './drive.js';

const runs = Math.max(50, Math.floor(Number(process.env.PLACER_RUNS ?? 1000) / 2));
const seed = process.env.PLACER_SEED ? Number(process.env.PLACER_SEED) : undefined;
const timeout = Math.max(300_000, runs * 300);

const present = (s: Scenario) => s.hosts.map((_, i) => i).filter((i) => !s.removed.includes(i));

function cordon(b: Backend, s: Scenario, slots: readonly number[]): void {
  for (const slot of slots) b.setHost(slot, s.hosts[slot].alloc, true, s.hosts[slot].taints);
}

/** The moving request of a drain: every resident of the drained hosts; gangs, or everything, as groups. */
function drainRequest(residents: readonly Resident[], drained: ReadonlySet<number>, allOrNothing: boolean): MoveRequest {
  const moving: MovingEntry[] = residents
    .filter((r) => drained.has(r.slot))
    .map((r) => ({
      cls: r.cls,
      slot: r.slot,
      count: r.count,
      ...(allOrNothing ? { group: 0 } : r.gang === undefined ? {} : { group: r.gang }),
    }));
  const groups = allOrNothing ? [{ minMember: 0 }] : [0, 1, 2].map(() => ({ minMember: 0 }));
  for (const m of moving) if (m.group !== undefined) groups[m.group].minMember += m.count;
  return { moving, groups };
}

/** The scenario as the checker must see the executed plan: drained hosts cordoned, what stayed is bound, the final round is the batch. */
function afterScenario(
  s: Scenario,
  residents: readonly Resident[],
  drained: ReadonlySet<number>,
  req: MoveRequest,
  plan: ReturnType<typeof planMoves>,
): Scenario {
  const stayed: { cls: number; slot: number; count: number }[] = residents
    .filter((r) => !drained.has(r.slot))
    .map((r) => ({ cls: r.cls, slot: r.slot, count: r.count }));
  req.moving.forEach((m, e) => {
    const stuck = plan.targets[e].filter((t) => t < 0).length;
    if (stuck > 0) stayed.push({ cls: m.cls, slot: m.slot, count: stuck });
  });
  return {
    ...s,
    hosts: s.hosts.map((h, slot) => (drained.has(slot) ? { ...h, unschedulable: true } : h)),
    bound: stayed,
    batch: plan.final.items.map((it) => ({ ...it })),
    gangs: plan.final.groups,
  };
}

const drainArb = fc.tuple(scenarioArb, fc.array(fc.nat(), { minLength: 1, maxLength: 3 }), fc.boolean());

describe('moves: wasm vs reference', () => {
  test.prop([drainArb], { numRuns: runs, seed })(
    'drains plan the same moves, change nothing until executed, and pass the checker',
    ([s, picks, allOrNothing]) => {
      const slots = present(s);
      if (slots.length === 0) return;
      const drained = new Set(picks.map((p) => slots[p % slots.length]));
      const engines: Backend[] = [new ReferenceBackend(), new WasmBackend('simd'), new WasmBackend('scalar')];
      const plans = engines.map((b) => {
        const { residents } = populate(b, s);
        cordon(b, s, [...drained]);
        const before = b.ledger(s.namespaces);
        const req = drainRequest(residents, drained, allOrNothing);
        const plan = planMoves(b, { ...req, avoid: drained });
        expect(b.ledger(s.namespaces)).toEqual(before);
        return { b, residents, req, plan };
      });
      const [ref, ...others] = plans;
      for (const o of others) {
        expect(o.residents).toEqual(ref.residents);
        expect(o.plan).toEqual(ref.plan);
      }
      const { plan, req } = ref;
      expect(plan.moved + plan.stuck).toBe(req.moving.reduce((a, m) => a + m.count, 0));
      // All or nothing: a failure anywhere moves nobody (staying because it tolerates the cordon is not a failure).
      const failed = plan.stuck - plan.stays.reduce((a, n) => a + n, 0);
      if (allOrNothing) expect(plan.moved === 0 || failed === 0).toBe(true);
      for (const { b } of plans) executeMoves(b, req, plan);
      const after: Ledger = ref.b.ledger(s.namespaces);
      for (const o of others) expect(o.b.ledger(s.namespaces)).toEqual(after);
      // Nothing lands on a drained host; every workload is on exactly one host.
      for (const t of plan.targets) for (const slot of t) expect(drained.has(slot)).toBe(false);
      check(afterScenario(s, ref.residents, drained, req, plan), plan.final.result, after);
    },
    timeout,
  );

  test.prop([scenarioArb, fc.constantFrom(DIM_CPU, DIM_MEMORY), fc.integer({ min: 1, max: 6 })], { numRuns: runs, seed })(
    'rebalancing plans the same moves; each is legal in sequence and lowers the imbalance',
    (s, dim, maxMoves) => {
      const plans = [new ReferenceBackend(), new WasmBackend('simd'), new WasmBackend('scalar')].map((b) => {
        const { residents } = populate(b, s);
        const before = b.ledger(s.namespaces);
        const byHost = new Map<number, Map<number, number>>();
        for (const r of residents) {
          const m = byHost.get(r.slot) ?? new Map<number, number>();
          m.set(r.cls, (m.get(r.cls) ?? 0) + r.count);
          byHost.set(r.slot, m);
        }
        const hosts = s.hosts.map((h, slot) => ({ alloc: h.alloc[dim], schedulable: !h.unschedulable && !s.removed.includes(slot) }));
        const plan = planRebalance(b, {
          dim,
          maxMoves,
          hosts,
          residentsOn: (slot) => byHost.get(slot) ?? new Map(),
          size: (cls) => s.classes[cls].req[dim],
        });
        expect(b.ledger(s.namespaces)).toEqual(before);
        return { b, residents, plan };
      });
      const [ref, ...others] = plans;
      for (const o of others) expect(o.plan).toEqual(ref.plan);
      const { plan } = ref;
      expect(plan.moves.length).toBeLessThanOrEqual(maxMoves);
      if (plan.moves.length > 0) expect(plan.after).toBeLessThan(plan.before);
      // Replay the moves one by one, each checked as a batch of one against the cluster as the
      // moves before it left it.
      let variance = plan.before;
      for (const m of plan.moves) {
        expect(m.variance).toBeLessThan(variance);
        variance = m.variance;
      }
      checkMoveSequence(ref.b, s, ref.residents, plan.moves, (m) => executeRebalance(ref.b, [m]));
      // plan.after comes from the move formula, not a fresh sum: equal up to rounding.
      expect(Math.abs(ref.b.imbalance(dim).variance - plan.after)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(plan.after)));
      for (const o of others) {
        executeRebalance(o.b, plan.moves);
        expect(o.b.ledger(s.namespaces)).toEqual(ref.b.ledger(s.namespaces));
      }
    },
    timeout,
  );
});
