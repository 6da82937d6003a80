// Failover admission's incremental check twice: the Wasm core (assembly/failover-kept.ts and
// assembly/failover-insert.ts, SIMD, scalar and debug builds) and the reference engine
// (reference/failover-kept.ts over rules/failover-insert.ts) keep the same restart plans and give
// the same answers. Each case keeps random plans under random handles (single failed slots and
// zone-like sets, gangs taken out, a handle's plan replaced) and then runs a random sequence of
// questions and changes: the plans a placement affects, the plans a release may change, the
// insertion target and its prefix-use flag, applying an insertion, the held room and its gang flag,
// keepsHeld, the filter's batched questions (heldShort, insertEach), free room changes (logged
// rows, a new epoch, an unlogged array), a new absent array, and forgetting every plan. After
// every insertion applied the kept plans are compared whole.
// Reproduce a failure with PLACER_SEED=<seed printed by fast-check>.

import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import {
  type Backend,
  DIM_PODS,
  type FreeLog,
  type InsertScan,
  type KeptPlan,
  MAX_DIMS,
  OrderPolicy,
  R_ABSENT,
  R_AFFINITY,
  R_INSUFFICIENT_SHIFT,
  R_SPREAD,
  R_TAINT,
  R_UNSCHEDULABLE,
  type RestartItem,
} from '../../core-wasm/src/contract.js';
import { ReferenceBackend } from '../../core-wasm/src/reference/backend.js';
import { WasmBackend } from '../../core-wasm/src/wasm/backend.js';
import { cpuMemoryConfig } from './arbitraries.js';

const runs = Math.max(40, Math.floor(Number(process.env.PLACER_RUNS ?? 1000) / 10));
const seed = process.env.PLACER_SEED ? Number(process.env.PLACER_SEED) : undefined;
const DIMS = 3;
const HANDLES = 4;

const bitArb = fc.constantFrom(0, 0, 0, 0, 0, 0, 0, R_UNSCHEDULABLE, R_TAINT, R_AFFINITY, R_SPREAD, 1 << R_INSUFFICIENT_SHIFT, R_ABSENT);
/** A question's free row: as drawn (null), or the slot's held room plus the requests plus this, to probe the boundaries. */
const edgeArb = fc.constantFrom(null, -1, 0, 0, 1);
const removedArb = fc.constantFrom(false, false, false, true);
const reqArb = fc.array(fc.integer({ min: 0, max: 5 }), { minLength: DIMS, maxLength: DIMS });
const itemArb = fc.record({
  req: reqArb,
  reasons: fc.nat(2),
  anti: fc.option(fc.constant([0]), { freq: 6 }),
  gang: fc.option(fc.constantFrom('g0', 'g1'), { freq: 8 }),
});
const freeArb = (n: number) =>
  fc.array(fc.array(fc.integer({ min: 0, max: 14 }), { minLength: DIMS, maxLength: DIMS }), { minLength: n, maxLength: n });
const keepArb = fc.record({
  kind: fc.constant('keep' as const),
  handle: fc.nat(HANDLES - 1),
  failed: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
  items: fc.array(itemArb, { minLength: 1, maxLength: 10 }),
  start: fc.nat(),
});
const opArb = (n: number) =>
  fc.oneof(
    { weight: 4, arbitrary: keepArb },
    {
      weight: 3,
      arbitrary: fc.record({ kind: fc.constant('affected' as const), slot: fc.nat(), req: reqArb, free: reqArb, edge: edgeArb }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('release' as const), slot: fc.nat() }) },
    {
      weight: 6,
      arbitrary: fc.record({
        kind: fc.constant('insert' as const),
        handle: fc.nat(HANDLES - 1),
        req: reqArb,
        reasons: fc.nat(2),
        pos: fc.nat(),
        apply: fc.boolean(),
      }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('held' as const), slot: fc.nat(), req: reqArb, free: reqArb, edge: edgeArb }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('short' as const), req: reqArb }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('each' as const),
        req: reqArb,
        reasons: fc.nat(2),
        asks: fc.array(fc.record({ slot: fc.nat(), handle: fc.integer({ min: -1, max: HANDLES - 1 }), pos: fc.nat() }), { maxLength: 6 }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('free' as const),
        change: fc.constantFrom('logged', 'logged', 'epoch', 'unlogged', 'fresh'),
        rows: fc.array(fc.nat(), { maxLength: 3 }),
        free: freeArb(n),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant('absent' as const), removed: fc.array(removedArb, { minLength: n, maxLength: n }) }),
    },
    { weight: 1, arbitrary: fc.constant({ kind: 'clear' as const }) },
  );
const caseArb = fc.integer({ min: 1, max: 10 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    labels: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: n, maxLength: n }),
    removed: fc.array(removedArb, { minLength: n, maxLength: n }),
    /** A plan kept under every handle first. */
    kept: fc.array(keepArb, { minLength: HANDLES, maxLength: HANDLES }),
    reasons: fc.array(fc.array(bitArb, { minLength: Math.max(0, n - 2), maxLength: n }), { minLength: 3, maxLength: 3 }),
    free: freeArb(n),
    ops: fc.array(opArb(n), { minLength: 5, maxLength: 40 }),
  }),
);
type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

const row = (xs: readonly number[]): Float64Array => {
  const r = new Float64Array(MAX_DIMS);
  xs.forEach((x, d) => (r[d] = x));
  return r;
};

function plain(p: KeptPlan | null) {
  if (!p) return null;
  return {
    start: p.start,
    target: [...p.target],
    req: p.req.map((r) => [...r]),
    use: [...p.use].sort(([a], [b]) => a - b).map(([s, u]) => [s, [...u]]),
    targets: p.targets,
    touched: p.touched,
    gangsOut: p.gangsOut,
    failed: p.failed,
  };
}

/** The free row a question asks with: drawn, or at the edge of the held room of `slot` (see edgeArb). */
function question(b: Backend, slot: number, op: { req: number[]; free: number[]; edge: number | null }): Float64Array {
  if (op.edge === null) return row(op.free);
  const held = new Float64Array(MAX_DIMS);
  b.kept.heldRoom(slot, held);
  return row(op.req.map((x, d) => held[d] + x + op.edge!));
}

/** Every answer backend `b` gives to case `c`, in order. */
function answers(b: Backend, c: Case): unknown[] {
  const { n } = c;
  b.configure(cpuMemoryConfig(0, OrderPolicy.Interleave));
  for (let s = 0; s < n; s++) {
    b.setHost(s, Array(MAX_DIMS).fill(100), false, []);
    b.setHostLabel(s, 0, c.labels[s]);
  }
  const reasons = c.reasons.map((r) => Uint32Array.from(r));
  let absent = Uint8Array.from(c.removed, (r) => (r ? 1 : 0));
  let free = new Float64Array(n * MAX_DIMS);
  const fill = (s: number, f: number[][]) => f[s].forEach((v, d) => (free[s * MAX_DIMS + d] = v));
  for (let s = 0; s < n; s++) fill(s, c.free);
  let log: FreeLog | undefined = { epoch: 0, rows: [] };
  let epoch = 1;
  const out: unknown[] = [];
  const items = new Map<number, number>();
  const scan: InsertScan = { prefixRead: false };
  b.kept.clear(n);
  for (const op of [...c.kept.map((k, handle) => ({ ...k, handle })), ...c.ops]) {
    switch (op.kind) {
      case 'keep': {
        const failed = [...new Set(op.failed.map((f) => f % n))].sort((x, y) => x - y);
        const outSlots = Uint8Array.from(absent, (a, s) => (a || failed.includes(s) ? 1 : 0));
        const its: RestartItem[] = op.items.map((it) => {
          const req = row(it.req);
          req[DIM_PODS] = 1;
          return { req, reasons: reasons[it.reasons], antiCols: it.anti, gang: it.gang };
        });
        const plan = b.restartPlan(its, { n, dims: DIMS, free, out: outSlots, freeLog: log }, op.start % n, { handle: op.handle, failed });
        items.set(op.handle, its.length);
        out.push(['keep', [...plan.target], plan.gangsOut]);
        break;
      }
      case 'affected':
        out.push(['affected', [...b.kept.affected(op.slot % n, row(op.req), question(b, op.slot % n, op), DIMS)]]);
        break;
      case 'release':
        out.push(['release', [...b.kept.affectedOnRelease(op.slot % n)]]);
        break;
      case 'insert': {
        const req = row(op.req);
        req[DIM_PODS] = 1;
        const pos = op.pos % ((items.get(op.handle) ?? 0) + 1);
        const t = b.kept.insertTarget(op.handle, req, reasons[op.reasons], pos, { n, dims: DIMS, free, freeLog: log, absent }, scan);
        out.push(['insert', t, scan.prefixRead]);
        if (t >= 0 && op.apply) {
          b.kept.applyInsertion(op.handle, pos, t, req);
          items.set(op.handle, (items.get(op.handle) ?? 0) + 1);
          out.push(['kept', Array.from({ length: HANDLES }, (_, h) => plain(b.kept.plan(h)))]);
        }
        break;
      }
      case 'held': {
        const held = new Float64Array(MAX_DIMS);
        const gangs = b.kept.heldRoom(op.slot % n, held);
        out.push(['held', [...held], gangs, b.kept.keepsHeld(op.slot % n, row(op.req), question(b, op.slot % n, op), DIMS)]);
        break;
      }
      case 'short':
        out.push(['short', [...b.kept.heldShort(row(op.req), { n, dims: DIMS, free, freeLog: log, absent })]]);
        break;
      case 'each': {
        const req = row(op.req);
        req[DIM_PODS] = 1;
        const m = op.asks.length;
        const slots = Int32Array.from(op.asks, (a) => a.slot % n);
        const handles = Int32Array.from(op.asks, (a) => a.handle);
        const pos = Int32Array.from(op.asks, (a) => a.pos % ((items.get(a.handle) ?? 0) + 1));
        const answers = new Int32Array(m);
        b.kept.insertEach(req, reasons[op.reasons], slots, handles, pos, m, { n, dims: DIMS, free, freeLog: log, absent }, answers);
        out.push(['each', [...answers]]);
        break;
      }
      case 'free':
        if (op.change === 'fresh') {
          free = new Float64Array(n * MAX_DIMS);
          for (let s = 0; s < n; s++) fill(s, op.free);
          log = { epoch: epoch++, rows: [] };
        } else if (op.change === 'logged' && log) {
          for (const r of op.rows) {
            fill(r % n, op.free);
            log.rows.push(r % n);
          }
        } else {
          for (let s = 0; s < n; s++) fill(s, op.free);
          log = op.change === 'epoch' ? { epoch: epoch++, rows: [] } : undefined;
        }
        break;
      case 'absent':
        absent = Uint8Array.from(op.removed, (r) => (r ? 1 : 0));
        break;
      case 'clear':
        b.kept.clear(n);
        items.clear();
        break;
    }
  }
  out.push(['end', Array.from({ length: HANDLES }, (_, h) => plain(b.kept.plan(h)))]);
  return out;
}

describe('the kept restart plans and the incremental check: Wasm core and reference engine', () => {
  test.prop([caseArb], { numRuns: runs, seed })('give the same answers', (c) => {
    const expected = answers(new ReferenceBackend(), c);
    for (const variant of ['simd', 'scalar', 'debug'] as const) expect(answers(new WasmBackend(variant), c), variant).toEqual(expected);
  });

  test('the answers are not vacuous: insertions land, plans are affected, held room is held', () => {
    const c = fc.sample(caseArb, { numRuns: 300, seed: 7 });
    const all = c.flatMap((k) => answers(new ReferenceBackend(), k)) as [string, ...unknown[]][];
    const count = (pred: (a: [string, ...unknown[]]) => boolean) => all.filter(pred).length;
    expect(count(([k, t]) => k === 'insert' && (t as number) >= 0)).toBeGreaterThan(50);
    expect(count(([k, t]) => k === 'insert' && (t as number) < 0)).toBeGreaterThan(50);
    expect(count(([k, , p]) => k === 'insert' && p === true)).toBeGreaterThan(10);
    expect(count(([k]) => k === 'kept')).toBeGreaterThan(20);
    expect(count(([k, h]) => k === 'affected' && (h as number[]).length > 0)).toBeGreaterThan(10);
    expect(count(([k, h]) => k === 'release' && (h as number[]).length > 0)).toBeGreaterThan(10);
    expect(count(([k, h]) => k === 'held' && (h as number[]).some((x) => x > 0))).toBeGreaterThan(10);
    expect(count(([k, , g]) => k === 'held' && g === true)).toBeGreaterThan(0);
    expect(count(([k, , , kh]) => k === 'held' && kh === false)).toBeGreaterThan(10);
    expect(count(([k, s]) => k === 'short' && (s as number[]).length > 0)).toBeGreaterThan(10);
    expect(count(([k, a]) => k === 'each' && (a as number[]).some((x) => x >= 0))).toBeGreaterThan(10);
    expect(count(([k, a]) => k === 'each' && (a as number[]).some((x) => x >= 0 && (x & 1) === 1))).toBeGreaterThan(0);
  });
});
