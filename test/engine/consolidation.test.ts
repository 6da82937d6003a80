// Consolidation on random clusters: the Wasm core (SIMD and scalar) and the reference engine plan
// the same moves; planning changes nothing; every move, replayed in sequence, passes the
// independent checker (every rule holds on the cluster as the moves before it left it); no
// workload that stays moves, nothing moves twice or onto a host the plan empties; the limits hold;
// executed, the plan leaves every host it empties empty. Reproduce a failure with
// PLACER_SEED=<seed printed by fast-check>.

import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { type Backend, DIM_PODS } from '../../core-wasm/src/contract.js';
import { executeConsolidation, planConsolidation } from '../../core-wasm/src/consolidation.js';
import { ReferenceBackend } from '../../core-wasm/src/reference/backend.js';
import { WasmBackend } from '../../core-wasm/src/wasm/backend.js';
import { scenarioArb } from './arbitraries.js';
import { checkMoveSequence } from './checker.js';
import { populate } from './drive.js';

const runs = Math.max(50, Math.floor(Number(process.env.PLACER_RUNS ?? 1000) / 2));
const seed = process.env.PLACER_SEED ? Number(process.env.PLACER_SEED) : undefined;
const timeout = Math.max(300_000, runs * 300);

const limitsArb = fc.record({
  maxMoves: fc.integer({ min: 1, max: 40 }),
  effort: fc.integer({ min: 1, max: 400 }),
  // classes whose id has this remainder mod 5 stay (pinned, excluded): 5 means none
  staysMod: fc.integer({ min: 0, max: 5 }),
});

describe('consolidation: wasm vs reference', () => {
  test.prop([scenarioArb, limitsArb], { numRuns: runs, seed })(
    'plans the same moves on every backend; each is legal in sequence; emptied hosts end up empty',
    (s, { maxMoves, effort, staysMod }) => {
      const stays = (cls: number) => cls % 5 === staysMod;
      const active = (slot: number) => !s.removed.includes(slot) && !s.hosts[slot].unschedulable;
      const plans = [new ReferenceBackend(), new WasmBackend('simd'), new WasmBackend('scalar')].map((b: Backend) => {
        const { residents } = populate(b, s);
        const byHost = new Map<number, Map<number, number>>();
        for (const r of residents) {
          const m = byHost.get(r.slot) ?? new Map<number, number>();
          m.set(r.cls, (m.get(r.cls) ?? 0) + r.count);
          byHost.set(r.slot, m);
        }
        const on = (slot: number) => [...(byHost.get(slot) ?? new Map<number, number>())].sort((a, z) => a[0] - z[0]);
        const before = b.ledger(s.namespaces);
        const plan = planConsolidation(b, {
          alloc: s.hosts.map((h, slot) => (active(slot) ? h.alloc : null)),
          movable: (slot) => new Map(on(slot).filter(([cls]) => !stays(cls))),
          staying: (slot) => on(slot).reduce((n, [cls, c]) => n + (stays(cls) ? c : 0), 0),
          req: (cls) => s.classes[cls].req,
          maxMoves,
          effort,
        });
        expect(b.ledger(s.namespaces)).toEqual(before);
        return { b, residents, byHost, plan };
      });
      const [ref, ...others] = plans;
      for (const o of others) expect(o.plan).toEqual(ref.plan);
      const { plan, byHost } = ref;
      expect(plan.moves.length).toBeLessThanOrEqual(maxMoves);
      expect(plan.tried).toBeLessThanOrEqual(effort);
      const emptied = new Set(plan.emptied);
      const received = new Set(plan.moves.map((m) => m.to));
      for (const m of plan.moves) {
        expect(stays(m.cls)).toBe(false);
        expect(emptied.has(m.from)).toBe(true);
        expect(active(m.to)).toBe(true);
        expect(emptied.has(m.to)).toBe(false);
        expect(received.has(m.from)).toBe(false);
      }
      // Every workload of an emptied host moves, exactly once.
      for (const slot of emptied) {
        const total = [...(byHost.get(slot) ?? new Map<number, number>()).values()].reduce((a, n) => a + n, 0);
        expect(plan.moves.filter((m) => m.from === slot)).toHaveLength(total);
      }
      // Replay the moves one by one, each checked as a batch of one against the cluster as the
      // moves before it left it.
      checkMoveSequence(ref.b, s, ref.residents, plan.moves, (m) => executeConsolidation(ref.b, [m]));
      const after = ref.b.ledger(s.namespaces);
      for (const slot of emptied) expect(after.hosts[slot].used[DIM_PODS]).toBe(0n);
      for (const o of others) {
        executeConsolidation(o.b, plan.moves);
        expect(o.b.ledger(s.namespaces)).toEqual(after);
      }
    },
    timeout,
  );
});
