// The restart plan twice: the Wasm core (assembly/failover.ts, SIMD, scalar and debug builds) and
// the reference engine (rules/failover.ts) plan the same restarts — target, why, use, targets,
// touched, gangsOut — on random hosts (free room, absent and failed slots, label values for the
// anti-affinity domains), items (requests, class reasons with ignored and blocking bits, reasons
// shorter than the slots, anti-affinity columns, gangs) and start slots. Each case runs a sequence
// of plans on one backend, so the core's copies kept between plans (the free room by its log, the
// reasons rows by array) are checked too: rows changed and logged, a new epoch, an unlogged array,
// more slots than before. Reproduce a failure with PLACER_SEED=<seed printed by fast-check>.

import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import {
  type Backend,
  DIM_PODS,
  type FreeLog,
  MAX_DIMS,
  OrderPolicy,
  R_ABSENT,
  R_AFFINITY,
  R_INSUFFICIENT_SHIFT,
  R_SPREAD,
  R_TAINT,
  R_UNRESOLVABLE_FIT,
  R_UNSCHEDULABLE,
  type RestartItem,
  type RestartPlan,
} from '../../core-wasm/src/contract.js';
import { ReferenceBackend } from '../../core-wasm/src/reference/backend.js';
import { WasmBackend } from '../../core-wasm/src/wasm/backend.js';
import { cpuMemoryConfig } from './arbitraries.js';

const runs = Math.max(60, Math.floor(Number(process.env.PLACER_RUNS ?? 1000) / 5));
const seed = process.env.PLACER_SEED ? Number(process.env.PLACER_SEED) : undefined;
const COLS = 3;
const DIMS = 4;

/** Filter bits a class's reasons carry: blocking ones and ones the restart ignores. */
const bitArb = fc.constantFrom(
  0,
  0,
  0,
  R_UNSCHEDULABLE,
  R_TAINT,
  R_AFFINITY,
  R_SPREAD,
  R_UNRESOLVABLE_FIT,
  1 << R_INSUFFICIENT_SHIFT,
  R_ABSENT,
);
const hostArb = fc.record({
  labels: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: COLS, maxLength: COLS }),
  removed: fc.boolean(),
});
const itemArb = fc.record({
  cpu: fc.integer({ min: 0, max: 6 }),
  memory: fc.integer({ min: 0, max: 6 }),
  ext: fc.constantFrom(0, 0, 1),
  reasons: fc.nat(2),
  anti: fc.option(fc.subarray([0, 1, 2], { minLength: 1 }), { freq: 3 }),
  gang: fc.option(fc.constantFrom('g0', 'g1'), { freq: 3 }),
});
/** One plan: free room per slot, failed slots, items, start; `change`: how its free room relates to the previous plan's. */
const planArb = (slots: number) =>
  fc.record({
    free: fc.array(fc.array(fc.integer({ min: 0, max: 12 }), { minLength: DIMS, maxLength: DIMS }), { minLength: slots, maxLength: slots }),
    failed: fc.subarray([...Array(slots).keys()]),
    items: fc.array(itemArb, { maxLength: 14 }),
    start: fc.integer({ min: -3, max: 2 * slots + 2 }),
    change: fc.constantFrom('logged', 'logged', 'epoch', 'unlogged', 'fresh'),
    changedRows: fc.array(fc.nat(slots), { maxLength: 4 }),
  });
const caseArb = fc.integer({ min: 0, max: 11 }).chain((n) =>
  fc.record({
    hosts: fc.array(hostArb, { minLength: n, maxLength: n }),
    reasons: fc.array(fc.array(bitArb, { minLength: Math.max(0, n - 2), maxLength: n }), { minLength: 3, maxLength: 3 }),
    plans: fc.array(planArb(n), { minLength: 1, maxLength: 4 }),
  }),
);
type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

function build(b: Backend, c: Case): void {
  b.configure(cpuMemoryConfig(0, OrderPolicy.Interleave));
  c.hosts.forEach((h, slot) => {
    b.setHost(slot, Array(MAX_DIMS).fill(100), false, []);
    h.labels.forEach((v, col) => b.setHostLabel(slot, col, v));
  });
  c.hosts.forEach((h, slot) => h.removed && b.removeHost(slot));
}

/** The plans of case `c` on backend `b`, in order, over one free-room array kept as the planner keeps it. */
function plans(b: Backend, c: Case): RestartPlan[] {
  build(b, c);
  const n = c.hosts.length;
  const reasons = c.reasons.map((r) => Uint32Array.from(r));
  let free = new Float64Array(n * MAX_DIMS);
  let log: FreeLog | undefined = { epoch: 0, rows: [] };
  const out: RestartPlan[] = [];
  c.plans.forEach((p, k) => {
    const fill = (s: number) => p.free[s].forEach((v, d) => (free[s * MAX_DIMS + d] = v));
    if (k === 0 || p.change === 'fresh') {
      free = new Float64Array(n * MAX_DIMS);
      for (let s = 0; s < n; s++) fill(s);
      log = { epoch: k, rows: [] };
    } else if (p.change === 'logged' && log) {
      for (const s of p.changedRows) {
        if (s >= n) continue;
        fill(s);
        log.rows.push(s);
      }
    } else {
      for (let s = 0; s < n; s++) fill(s);
      log = p.change === 'epoch' ? { epoch: 100 + k, rows: [] } : undefined;
    }
    const outSlots = Uint8Array.from(c.hosts, (h, s) => (h.removed || p.failed.includes(s) ? 1 : 0));
    const items: RestartItem[] = p.items.map((it) => {
      const req = new Float64Array(MAX_DIMS);
      req[0] = it.cpu;
      req[1] = it.memory;
      req[2] = it.ext;
      req[DIM_PODS] = 1;
      return { req, reasons: reasons[it.reasons], antiCols: it.anti, gang: it.gang };
    });
    out.push(b.restartPlan(items, { n, dims: DIMS, free, out: outSlots, freeLog: log }, p.start));
  });
  return out;
}

function plain(p: RestartPlan) {
  return {
    target: [...p.target],
    why: p.why.map((w) => (w instanceof Uint32Array ? [...w] : w)),
    start: p.start,
    use: [...p.use].map(([s, u]) => [s, [...u]]),
    targets: p.targets,
    touched: p.touched,
    gangsOut: p.gangsOut,
  };
}

describe('the restart plan: Wasm core and reference engine', () => {
  test.prop([caseArb], { numRuns: runs, seed })('plan the same restarts', (c) => {
    const expected = plans(new ReferenceBackend(), c).map(plain);
    for (const variant of ['simd', 'scalar', 'debug'] as const) {
      expect(plans(new WasmBackend(variant), c).map(plain), variant).toEqual(expected);
    }
  });

  test('a thousand-slot plan after a small one: the core grows its tables and keeps agreeing', () => {
    const c: Case = {
      hosts: Array.from({ length: 1000 }, (_, s) => ({ labels: [s % 7, s % 3, 0], removed: s % 97 === 5 })),
      reasons: [Array(1000).fill(0), Array.from({ length: 1000 }, (_, s) => (s % 2 ? R_TAINT : 0)), Array(999).fill(R_SPREAD)],
      plans: [0, 1].map((k) => ({
        free: Array.from({ length: 1000 }, (_, s) => [s % 5, (s * 7) % 11, k, s % 4]),
        failed: [k * 10, 500],
        items: Array.from({ length: 300 }, (_, i) => ({
          cpu: 1 + (i % 4),
          memory: i % 9,
          ext: 0,
          reasons: i % 3,
          anti: i % 17 === 0 ? [0] : null,
          gang: i % 50 === 3 ? 'g0' : null,
        })),
        start: 501,
        change: 'logged',
        changedRows: [3, 999],
      })),
    };
    const expected = plans(new ReferenceBackend(), c).map(plain);
    expect(expected[0].targets.length).toBeGreaterThan(50);
    expect(plans(new WasmBackend('simd'), c).map(plain)).toEqual(expected);
  });
});
