// The SIMD scan decides the fit filter and the LeastAllocated / MostAllocated scores on f32
// mirrors of the exact columns and sends undecided hosts to the exact scalar code
// (core-wasm/assembly/scan.ts). These cases aim at the places where f32 is not enough on its own:
// capacities and requests giving exact integer quotients, free equal to the request (and one
// off), amounts near 2^24 and TiB-scale bytes (not f32-representable), zero and huge
// capacities, weighted and extended-resource scoring. The SIMD core, the scalar core and the
// reference engine must give identical verdicts.

import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  type Backend,
  type ClassSpec,
  DIM_CPU,
  DIM_MEMORY,
  DIM_PODS,
  type EngineConfig,
  Kind,
  MAX_DIMS,
  OrderPolicy,
  Strategy,
} from '../../core-wasm/src/contract.js';
import { ReferenceBackend } from '../../core-wasm/src/reference/backend.js';
import { WasmBackend } from '../../core-wasm/src/wasm/backend.js';

const DIM_EPH = 2;
const DIM_GPU = 4;
const GI = 2 ** 30;
const EMPTY = { selector: [], required: null, preferred: [], tolerations: [] };

function vec(values: Partial<Record<number, number>>, pods: number): number[] {
  const v = new Array<number>(MAX_DIMS).fill(0);
  for (const [d, x] of Object.entries(values)) v[Number(d)] = Math.max(0, x ?? 0);
  v[DIM_PODS] = pods;
  return v;
}

function classOf(req: number[], strategy: Strategy): ClassSpec {
  return {
    ns: 0,
    kind: Kind.Pod,
    priority: 0,
    strategy,
    req,
    reqPresent: req.reduce((m, x, d) => (x > 0 ? m | (1 << d) : m), 0),
    lim: new Array<number>(MAX_DIMS).fill(0),
    limPresent: 0,
    nzCpu: req[DIM_CPU] === 0 ? 100 : req[DIM_CPU],
    nzMem: req[DIM_MEMORY] === 0 ? 200 * 2 ** 20 : req[DIM_MEMORY],
    quotas: [],
    constraint: 0,
  };
}

interface Case {
  config: EngineConfig;
  hosts: { alloc: number[]; used: number[] }[];
  removed: number[];
  items: { req: number[]; strategy: Strategy }[];
}

/** Build the case on a backend (hosts, usage as one filler class per host) and evaluate every item. */
function run(b: Backend, c: Case) {
  b.configure(c.config);
  b.defineConstraint(0, EMPTY);
  c.hosts.forEach((h, slot) => b.setHost(slot, h.alloc, false, []));
  for (const slot of c.removed) b.removeHost(slot); // empty slots inside the SIMD groups
  let id = 0;
  c.hosts.forEach((h, slot) => {
    if (c.removed.includes(slot)) return;
    b.defineClass(id, classOf(h.used, Strategy.LeastAllocated));
    b.commit(id++, slot);
  });
  return c.items.map((it) => {
    b.defineClass(id, classOf(it.req, it.strategy));
    return b.evaluate(id++);
  });
}

function agree(c: Case): void {
  const ref = run(new ReferenceBackend(), c);
  expect(run(new WasmBackend('simd'), c)).toEqual(ref);
  expect(run(new WasmBackend('scalar'), c)).toEqual(ref);
}

const CONFIGS: EngineConfig[] = [
  [
    { dim: DIM_CPU, weight: 1 },
    { dim: DIM_MEMORY, weight: 1 },
  ],
  [
    { dim: DIM_CPU, weight: 1 },
    { dim: DIM_MEMORY, weight: 3 },
  ],
  [{ dim: DIM_MEMORY, weight: 2 }],
  [
    { dim: DIM_CPU, weight: 1 },
    { dim: DIM_MEMORY, weight: 1 },
    { dim: DIM_GPU, weight: 2 },
  ],
  [
    { dim: DIM_CPU, weight: 5 },
    { dim: DIM_EPH, weight: 7 },
  ],
  [
    { dim: DIM_CPU, weight: 1 },
    { dim: DIM_MEMORY, weight: 1023 },
  ], // weight sum at the SIMD bound (1024); S = a + 1023·b meets the mean's 1/2048 margin whenever a = b − 1
  [
    { dim: DIM_CPU, weight: 700 },
    { dim: DIM_MEMORY, weight: 600 },
  ], // weight sum above the SIMD bound
].map((scoring) => ({
  scoring,
  balanced: scoring,
  balancedWeight: 0, // the lanes' strategy arithmetic alone (BalancedAllocation is exact scalar code)
  shape: [
    { utilization: 0, score: 0 },
    { utilization: 100, score: 10 },
  ],
  order: OrderPolicy.Interleave,
}));

// Magnitudes where f32 runs out of bits or quotients come out whole.
const magnitude = fc.oneof(
  fc.integer({ min: 1, max: 1000 }),
  fc.integer({ min: 2 ** 24 - 40, max: 2 ** 24 + 40 }),
  fc.integer({ min: 1, max: 2 ** 16 }).map((k) => k * 100),
  fc.integer({ min: 1, max: 4096 }).map((k) => k * GI),
  fc.integer({ min: 2 ** 40 - 1000, max: 2 ** 40 + 1000 }), // TiB-scale bytes
  fc.integer({ min: 1, max: 2 ** 44 }),
  fc.constant(2 ** 45 + 3), // beyond the SIMD score bound: the whole scan goes scalar
);

/** One dimension of one host: capacity, and usage placing (cap − used − request)·100/cap at or near an integer. */
const dimension = (request: number) =>
  fc
    .record({
      cap: magnitude,
      mode: fc.integer({ min: 0, max: 6 }),
      s: fc.integer({ min: 0, max: 100 }),
      jitter: fc.integer({ min: -2, max: 2 }),
      frac: fc.double({ min: 0, max: 1.1, noNaN: true }),
    })
    .map(({ cap, mode, s, jitter, frac }) => {
      let c = cap;
      let used: number;
      switch (mode) {
        case 0: // zero capacity
          c = 0;
          used = 0;
          break;
        case 1: // whole quotient: cap = 100·m, cap − used − request = s·m
          c = Math.ceil(cap / 100) * 100;
          used = c - request - s * (c / 100);
          break;
        case 2: // free equal to the request, or one off
          used = c - request + jitter;
          break;
        case 3: // whole quotient, one off
          c = Math.ceil(cap / 100) * 100;
          used = c - request - s * (c / 100) + jitter;
          break;
        default:
          used = Math.floor(c * frac);
      }
      return { cap: c, used: Math.max(0, Math.min(used, Number.MAX_SAFE_INTEGER)) };
    });

const request = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 1, max: 4000 }),
  fc.integer({ min: 2 ** 24 - 3, max: 2 ** 24 + 3 }),
  fc.integer({ min: 1, max: 8 }).map((k) => k * GI),
  fc.constant(GI + 1),
  fc.integer({ min: 2 ** 40 - 5, max: 2 ** 40 + 5 }),
);

const caseArb: fc.Arbitrary<Case> = fc
  .record({
    config: fc.constantFrom(...CONFIGS),
    reqs: fc.array(
      fc.record({
        cpu: request,
        mem: request,
        eph: fc.oneof(fc.constant(0), request),
        gpu: fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 1, max: 8 })),
        most: fc.boolean(),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    hostCount: fc.integer({ min: 1, max: 23 }),
    seed: fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.nat()), { minLength: 23 * 4, maxLength: 23 * 4 }),
    removed: fc.uniqueArray(fc.integer({ min: 0, max: 22 }), { maxLength: 3 }),
  })
  .chain((g) => {
    // Each host dimension aims at one of the items' requests (the one the seed picks).
    const dims = Array.from({ length: g.hostCount }, (_, h) =>
      fc.tuple(
        ...[0, 1, 2, 3].map((k) => {
          const it = g.reqs[g.seed[h * 4 + k][0] % g.reqs.length];
          return dimension([it.cpu, it.mem, it.eph, it.gpu][k]);
        }),
      ),
    );
    return fc.tuple(...dims).map((hs): Case => ({
      config: g.config,
      hosts: hs.map(([cpu, mem, eph, gpu]) => ({
        alloc: vec({ [DIM_CPU]: cpu.cap, [DIM_MEMORY]: mem.cap, [DIM_EPH]: eph.cap, [DIM_GPU]: gpu.cap }, 110),
        used: vec({ [DIM_CPU]: cpu.used, [DIM_MEMORY]: mem.used, [DIM_EPH]: eph.used, [DIM_GPU]: gpu.used }, 1),
      })),
      removed: g.removed.filter((s) => s < g.hostCount),
      items: g.reqs.map((r) => ({
        req: vec({ [DIM_CPU]: r.cpu, [DIM_MEMORY]: r.mem, [DIM_EPH]: r.eph, [DIM_GPU]: r.gpu }, 1),
        strategy: r.most ? Strategy.MostAllocated : Strategy.LeastAllocated,
      })),
    }));
  });

const runs = Number(process.env.PLACER_RUNS ?? 1000);
const seed = process.env.PLACER_SEED ? Number(process.env.PLACER_SEED) : undefined;
// CPU-bound and the machines are shared: the default 60 s can be too tight.
const timeout = Math.max(300_000, runs * 200);

describe('scan exactness: f32 SIMD lanes vs the exact engines', () => {
  it('whole quotients, free = request, 2^24 and TiB-scale amounts, zero capacity', () => {
    const config = CONFIGS[0];
    const cap = 128 * GI;
    const hosts: Case['hosts'] = [];
    // Quotients exactly s for every s: cpu 64000 = 100·640, memory 100Gi = 100·(Gi).
    for (let s = 0; s <= 100; s++)
      hosts.push({
        alloc: vec({ [DIM_CPU]: 64000, [DIM_MEMORY]: 100 * GI }, 110),
        used: vec({ [DIM_CPU]: 64000 - 500 - s * 640, [DIM_MEMORY]: 100 * GI - GI - s * GI }, 1),
      });
    // free = request
    hosts.push({ alloc: vec({ [DIM_CPU]: 4000, [DIM_MEMORY]: cap }, 110), used: vec({ [DIM_CPU]: 3500, [DIM_MEMORY]: cap - GI }, 1) });
    // one short
    hosts.push({ alloc: vec({ [DIM_CPU]: 4000, [DIM_MEMORY]: cap }, 110), used: vec({ [DIM_CPU]: 3501, [DIM_MEMORY]: cap - GI + 1 }, 1) });
    hosts.push({
      alloc: vec({ [DIM_CPU]: 2 ** 24 + 1, [DIM_MEMORY]: 2 ** 24 + 3 }, 110),
      used: vec({ [DIM_CPU]: 2 ** 24 + 1 - 500, [DIM_MEMORY]: 3 }, 1),
    });
    hosts.push({
      alloc: vec({ [DIM_CPU]: 4000, [DIM_MEMORY]: 2 ** 40 + 1 }, 110),
      used: vec({ [DIM_CPU]: 0, [DIM_MEMORY]: 2 ** 40 + 1 - GI }, 1),
    });
    hosts.push({ alloc: vec({ [DIM_CPU]: 0, [DIM_MEMORY]: cap }, 110), used: vec({}, 0) }); // no cpu at all
    hosts.push({ alloc: vec({ [DIM_CPU]: 4000, [DIM_MEMORY]: 0 }, 110), used: vec({}, 0) });
    const items = [Strategy.LeastAllocated, Strategy.MostAllocated].flatMap((strategy) => [
      { req: vec({ [DIM_CPU]: 500, [DIM_MEMORY]: GI }, 1), strategy },
      { req: vec({ [DIM_CPU]: 500, [DIM_MEMORY]: GI + 1 }, 1), strategy }, // not an f32
      { req: vec({ [DIM_CPU]: 2 ** 24 + 1, [DIM_MEMORY]: 2 ** 40 + 1 }, 1), strategy },
      { req: vec({ [DIM_CPU]: 0, [DIM_MEMORY]: 0 }, 1), strategy }, // best effort: non-zero defaults score
    ]);
    agree({ config, hosts, removed: [], items });
  });

  it('weighted mean at the SIMD weight bound: S = a + 1023·(a + 1) sits 1/2048 below a whole mean', () => {
    // cpu weight 1, memory weight 1023 (W = 1024): scores a and a + 1 give S ≡ −1 (mod 1024), so
    // floor(S/W) = a is one rounding away from a + 1. Quotients a + ½ keep every lane decided.
    const config = CONFIGS.find((c) => c.scoring[1]?.weight === 1023)!;
    const hosts: Case['hosts'] = [];
    for (let a = 0; a < 99; a++) {
      hosts.push({
        alloc: vec({ [DIM_CPU]: 64000, [DIM_MEMORY]: 100 * GI }, 110),
        used: vec({ [DIM_CPU]: 64000 - 500 - (a + 0.5) * 640, [DIM_MEMORY]: 100 * GI - GI - (a + 1.5) * GI }, 1),
      });
    }
    const items = [Strategy.LeastAllocated, Strategy.MostAllocated].map((strategy) => ({
      req: vec({ [DIM_CPU]: 500, [DIM_MEMORY]: GI }, 1),
      strategy,
    }));
    agree({ config, hosts, removed: [], items });
    // and the arithmetic itself: host a scores floor((a + 1023·(a + 1)) / 1024) = a
    const verdicts = run(new WasmBackend('simd'), { config, hosts, removed: [], items });
    expect(verdicts[0].map((v) => v.fit)).toEqual(hosts.map((_, a) => a));
  });

  test.prop([caseArb], { numRuns: runs, seed })('random adversarial clusters', (c) => agree(c), timeout);
});
