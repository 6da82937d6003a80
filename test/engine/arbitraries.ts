// fast-check generators of whole random clusters at the numeric-contract level: hosts (labels,
// taints, cordons, extended resources), namespaces with quotas and reservations, constraint
// programs, workload classes, existing placements and a batch. One `Scenario` drives every
// backend identically.

import fc from 'fast-check';
import {
  type ClassSpec,
  type ConstraintSpec,
  Effect,
  type EngineConfig,
  Kind,
  MAX_BALANCED_WEIGHT,
  MAX_DIMS,
  OrderPolicy,
  QuotaSource,
  type QuotaEntrySpec,
  type Requirement,
  SelectorOp,
  type SpreadSpec,
  type TermSpec,
  type TopologySpec,
  Strategy,
  TolerationOp,
} from '../../core-wasm/src/contract.js';

export interface HostGen {
  alloc: number[];
  unschedulable: boolean;
  taints: number[];
  labels: number[]; // value id per column (0 absent)
}

export interface Scenario {
  config: EngineConfig;
  taints: { key: number; value: number; effect: Effect }[];
  labelNumbers: (bigint | null)[]; // per value id (index 0 unused)
  hosts: HostGen[];
  removed: number[]; // host slots removed before anything is placed
  constraints: ConstraintSpec[];
  classes: ClassSpec[];
  quotaCount: number;
  entries: QuotaEntrySpec[];
  reservations: bigint[][]; // per namespace
  bound: { cls: number; slot: number; count: number }[];
  batch: { cls: number; count: number; gang?: number }[];
  gangs: { minMember: number }[];
  pdbDesired: number[];
  namespaces: number;
  /** Counter backfills applied before anything is bound (addCounter). */
  backfill: [number, number, number][];
}

const COLS = 5;
const VALUES = 6; // label value ids 1..6 for columns 0..3
/** Column 4 plays kubernetes.io/hostname: value 10 + slot, unique per host. */
const HOSTNAME_COL = 4;
const HOSTNAME_BASE = 10;
const MAX_HOSTS = 24;
const COUNTERS = 5;
const GI = 2 ** 30;

const dimsArb = (extended: boolean) =>
  fc.record({
    cpu: fc.oneof(
      fc.integer({ min: 0, max: 64_000 }),
      fc.integer({ min: 16_000, max: 128_000 }),
      fc.integer({ min: 16_000, max: 128_000 }),
    ),
    mem: fc.oneof(fc.integer({ min: 0, max: 512 }), fc.integer({ min: 64, max: 1024 })).map((g) => g * GI + (g % 3) * 1000),
    eph: fc.integer({ min: 0, max: 100 }).map((g) => g * GI),
    pods: fc.integer({ min: 0, max: 40 }),
    gpu: extended ? fc.integer({ min: 0, max: 8 }) : fc.constant(0),
  });

const reqArb = fc
  .record({
    op: fc.constantFrom(SelectorOp.In, SelectorOp.NotIn, SelectorOp.Exists, SelectorOp.DoesNotExist, SelectorOp.Gt, SelectorOp.Lt),
    col: fc.integer({ min: 0, max: COLS - 2 }),
    values: fc.uniqueArray(fc.integer({ min: 1, max: VALUES }), { minLength: 1, maxLength: 3 }),
    num: fc.bigInt({ min: -2n, max: 8n }),
  })
  .map((r): Requirement => ({
    col: r.col,
    op: r.op,
    values: r.op === SelectorOp.In || r.op === SelectorOp.NotIn ? r.values : [],
    num: r.op === SelectorOp.Gt || r.op === SelectorOp.Lt ? r.num : 0n,
  }));

const constraintArb = (taintCount: number) =>
  fc.record({
    selector: fc.oneof(
      { weight: 3, arbitrary: fc.constant<Requirement[]>([]) },
      {
        weight: 1,
        arbitrary: fc.array(
          fc
            .record({ col: fc.integer({ min: 0, max: COLS - 2 }), v: fc.integer({ min: 1, max: 2 }) })
            .map((x): Requirement => ({ col: x.col, op: SelectorOp.In, values: [x.v], num: 0n })),
          { minLength: 1, maxLength: 2 },
        ),
      },
    ),
    required: fc.oneof(
      { weight: 3, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: fc.array(fc.array(reqArb, { maxLength: 3 }), { minLength: 1, maxLength: 3 }) },
    ),
    preferred: fc.array(fc.record({ weight: fc.integer({ min: 1, max: 100 }), reqs: fc.array(reqArb, { maxLength: 2 }) }), {
      maxLength: 3,
    }),
    tolerations: fc.array(
      fc
        .record({
          key: fc.integer({ min: -1, max: Math.max(0, taintCount) }),
          op: fc.constantFrom(TolerationOp.Equal, TolerationOp.Exists),
          value: fc.integer({ min: 0, max: 3 }),
          effect: fc.constantFrom(Effect.Any, Effect.NoSchedule, Effect.PreferNoSchedule, Effect.NoExecute),
        })
        .map((t) => (t.key === -1 ? { ...t, op: TolerationOp.Exists } : t)),
      { maxLength: 3 },
    ),
  });

const termArb = fc.record({
  counter: fc.integer({ min: 0, max: COUNTERS - 1 }),
  col: fc.oneof(fc.constant(HOSTNAME_COL), fc.integer({ min: 0, max: COLS - 1 })),
  weight: fc.constant(0),
});
const weightedArb = fc.record({
  counter: fc.integer({ min: 0, max: COUNTERS - 1 }),
  col: fc.oneof(fc.constant(HOSTNAME_COL), fc.integer({ min: 0, max: COLS - 1 })),
  weight: fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: -100, max: -1 })),
});
const spreadArb = fc
  .record({
    counter: fc.integer({ min: 0, max: COUNTERS - 1 }),
    col: fc.oneof(fc.constant(HOSTNAME_COL), fc.integer({ min: 0, max: COLS - 2 })),
    maxSkew: fc.integer({ min: 1, max: 3 }),
    minDomains: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 4 })),
    hard: fc.boolean(),
    selfMatch: fc.boolean(),
    honorAffinity: fc.oneof(fc.constant(true), fc.boolean()),
    honorTaints: fc.oneof(fc.constant(false), fc.boolean()),
  })
  .map((s) => ({ ...s, hostname: s.col === HOSTNAME_COL, minDomains: s.hard ? s.minDomains : 0 }));
const topologyArb: fc.Arbitrary<TopologySpec> = fc.record({
  counters: fc.uniqueArray(fc.integer({ min: 0, max: COUNTERS - 1 }), { maxLength: 3 }),
  requiredAffinity: fc.oneof(
    { weight: 3, arbitrary: fc.constant<TermSpec[]>([]) },
    { weight: 1, arbitrary: fc.array(termArb, { minLength: 1, maxLength: 2 }) },
  ),
  affinitySelfMatch: fc.boolean(),
  requiredAnti: fc.oneof(
    { weight: 2, arbitrary: fc.constant<TermSpec[]>([]) },
    { weight: 1, arbitrary: fc.array(termArb, { minLength: 1, maxLength: 2 }) },
  ),
  preferred: fc.array(weightedArb, { maxLength: 2 }),
  heldAnti: fc.oneof(
    { weight: 2, arbitrary: fc.constant<TermSpec[]>([]) },
    { weight: 1, arbitrary: fc.array(termArb, { minLength: 1, maxLength: 2 }) },
  ),
  heldScore: fc.array(fc.oneof(weightedArb, termArb), { maxLength: 2 }),
  spread: fc.oneof(
    { weight: 2, arbitrary: fc.constant<SpreadSpec[]>([]) },
    { weight: 1, arbitrary: fc.array(spreadArb, { minLength: 1, maxLength: 2 }) },
  ),
});

/**
 * cpu and memory scored at weight 1, BalancedAllocation over cpu and memory × balancedWeight (kube-
 * scheduler's default profile with 1), the default RequestedToCapacityRatio shape.
 */
export function cpuMemoryConfig(balancedWeight: number, order: OrderPolicy): EngineConfig {
  return {
    scoring: [
      { dim: 0, weight: 1 },
      { dim: 1, weight: 1 },
    ],
    balanced: [
      { dim: 0, weight: 1 },
      { dim: 1, weight: 1 },
    ],
    balancedWeight,
    shape: [
      { utilization: 0, score: 0 },
      { utilization: 100, score: 10 },
    ],
    order,
  };
}

function vec(v: { cpu: number; mem: number; eph: number; gpu: number }, pods: number): number[] {
  const a = new Array<number>(MAX_DIMS).fill(0);
  a[0] = v.cpu;
  a[1] = v.mem;
  a[2] = v.eph;
  a[3] = pods;
  a[4] = v.gpu;
  return a;
}

export const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    namespaces: fc.integer({ min: 1, max: 4 }),
    taintDefs: fc.array(
      fc.record({
        key: fc.integer({ min: 0, max: 3 }),
        value: fc.integer({ min: 0, max: 3 }),
        effect: fc.constantFrom(Effect.NoSchedule, Effect.PreferNoSchedule, Effect.NoExecute),
      }),
      { maxLength: 5 },
    ),
    // Small clusters crowd up: that is where quotas, reservations and preemption bite.
    hostCount: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: MAX_HOSTS })),
    extended: fc.boolean(),
    balancedWeight: fc.oneof(fc.constant(1), fc.constant(0), fc.integer({ min: 0, max: MAX_BALANCED_WEIGHT })),
    strategyWeights: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }),
    shape: fc
      .uniqueArray(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 4 })
      .chain((us) =>
        fc
          .array(fc.integer({ min: 0, max: 10 }), { minLength: us.length, maxLength: us.length })
          .map((ss) => [...us].sort((a, b) => a - b).map((u, i) => ({ utilization: u, score: ss[i] }))),
      ),
    order: fc.constantFrom(OrderPolicy.Interleave, OrderPolicy.Interleave, OrderPolicy.Size, OrderPolicy.Input),
    labelNumbers: fc.array(fc.option(fc.bigInt({ min: -3n, max: 10n })), {
      minLength: HOSTNAME_BASE + MAX_HOSTS,
      maxLength: HOSTNAME_BASE + MAX_HOSTS,
    }),
  })
  .chain((base) => {
    const taintCount = base.taintDefs.length + 1; // + the unschedulable taint (id 0)
    const hostArb = fc.record({
      alloc: dimsArb(base.extended),
      pods: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 4, max: 60 }), fc.integer({ min: 4, max: 60 })),
      cordon: fc.integer({ min: 0, max: 9 }),
      taints: fc.oneof(
        fc.constant<number[]>([]),
        fc.constant<number[]>([]),
        fc.uniqueArray(fc.integer({ min: 0, max: taintCount - 1 }), { maxLength: 3 }),
      ),
      labels: fc.array(fc.oneof(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 0, max: VALUES })), {
        minLength: COLS - 1,
        maxLength: COLS - 1,
      }),
      noHostname: fc.integer({ min: 0, max: 15 }),
      bigAlloc: fc.integer({ min: 0, max: 19 }),
    });
    const classArb = fc.record({
      ns: fc.integer({ min: 0, max: base.namespaces - 1 }),
      kind: fc.constantFrom(Kind.Pod, Kind.VirtualMachine),
      priority: fc.integer({ min: -3, max: 3 }),
      strategy: fc.constantFrom(
        Strategy.LeastAllocated,
        Strategy.MostAllocated,
        Strategy.BalancedAllocation,
        Strategy.RequestedToCapacityRatio,
      ),
      req: fc.record({
        cpu: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 4_000 }), fc.integer({ min: 1, max: 16_000 })),
        mem: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 8 * GI }), fc.integer({ min: 1, max: 64 * GI })),
        eph: fc.oneof(
          fc.constant(0),
          fc.constant(0),
          fc.integer({ min: 0, max: 20 }).map((g) => g * GI),
        ),
        gpu: base.extended ? fc.integer({ min: 0, max: 3 }) : fc.constant(0),
      }),
      limExtra: fc.integer({ min: 0, max: 2000 }),
      present: fc.integer({ min: 0, max: 31 }),
      constraint: fc.nat(),
      quotaPick: fc.nat(),
      topology: fc.option(topologyArb, { freq: 2 }),
      preemptNever: fc.integer({ min: 0, max: 4 }),
      pdbs: fc.uniqueArray(fc.integer({ min: 0, max: 2 }), { maxLength: 2 }),
    });
    return fc.record({
      base: fc.constant(base),
      hosts: fc.array(hostArb, { minLength: base.hostCount, maxLength: base.hostCount }),
      removeMask: fc.integer({ min: 0, max: 7 }),
      constraints: fc.array(constraintArb(taintCount), { minLength: 1, maxLength: 4 }),
      classes: fc.array(classArb, { minLength: 1, maxLength: 12 }),
      quotas: fc.array(
        fc.record({
          ns: fc.integer({ min: 0, max: base.namespaces - 1 }),
          entries: fc.array(
            fc.record({
              source: fc.constantFrom(QuotaSource.Requests, QuotaSource.Limits, QuotaSource.PodCount, QuotaSource.VMCount),
              dim: fc.constantFrom(0, 1, 2, 4),
              hard: fc.bigInt({ min: 0n, max: 200_000_000_000n }),
            }),
            { minLength: 1, maxLength: 4 },
          ),
        }),
        { maxLength: 4 },
      ),
      reservations: fc.array(
        fc.record({
          cpu: fc.bigInt({ min: 0n, max: 100_000n }),
          mem: fc.bigInt({ min: 0n, max: 600n * BigInt(GI) }),
          pods: fc.bigInt({ min: 0n, max: 40n }),
        }),
        { minLength: base.namespaces, maxLength: base.namespaces },
      ),
      reserveMask: fc.integer({ min: 0, max: 15 }),
      bound: fc.array(fc.record({ cls: fc.nat(), slot: fc.nat(), count: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 4 })) }), {
        maxLength: 16,
      }),
      batch: fc.array(fc.record({ cls: fc.nat(), count: fc.integer({ min: 0, max: 12 }), gang: fc.integer({ min: -6, max: 2 }) }), {
        minLength: 1,
        maxLength: 10,
      }),
      gangs: fc.array(fc.record({ minMember: fc.integer({ min: 1, max: 8 }) }), { minLength: 3, maxLength: 3 }),
      pdbDesired: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 3, maxLength: 3 }),
      backfill: fc.array(fc.tuple(fc.integer({ min: 0, max: COUNTERS - 1 }), fc.nat(), fc.integer({ min: 0, max: 3 })), { maxLength: 4 }),
    });
  })
  .map((g): Scenario => {
    const { base } = g;
    const weights = base.strategyWeights;
    const scoringDims = [0, 1, 4].slice(0, weights.length);
    const config: EngineConfig = {
      scoring: scoringDims.map((dim, i) => ({ dim, weight: weights[i] })),
      balanced: base.extended
        ? [
            { dim: 0, weight: 1 },
            { dim: 1, weight: 1 },
            { dim: 4, weight: 1 },
          ]
        : [
            { dim: 0, weight: 1 },
            { dim: 1, weight: 1 },
          ],
      balancedWeight: base.balancedWeight,
      shape: base.shape,
      order: base.order,
    };
    const hosts: HostGen[] = g.hosts.map((h, i) => {
      const a = vec(h.alloc, h.pods);
      // Now and then a host past 2^45 bytes, to exercise the exact (non-SIMD) score path.
      if (h.bigAlloc === 0) a[1] = 2 ** 46 + 12345;
      return {
        alloc: a,
        unschedulable: h.cordon === 0,
        taints: h.taints,
        labels: [...h.labels, h.noHostname === 0 ? 0 : HOSTNAME_BASE + i],
      };
    });
    // Quota ids are grouped by namespace in id order; a class gets some of its namespace's quotas.
    const quotas = [...g.quotas].sort((a, b) => a.ns - b.ns);
    const entries: QuotaEntrySpec[] = [];
    quotas.forEach((q, id) => q.entries.forEach((e) => entries.push({ quota: id, source: e.source, dim: e.dim, hard: e.hard })));
    const classes: ClassSpec[] = g.classes.map((c) => {
      const req = vec(c.req, 1);
      const lim = vec({ cpu: c.req.cpu + c.limExtra, mem: c.req.mem + c.limExtra, eph: c.req.eph, gpu: c.req.gpu }, 0);
      const mine = quotas
        .map((q, id) => ({ q, id }))
        .filter((x) => x.q.ns === c.ns)
        .map((x) => x.id);
      const quotasOf = mine.filter((_, i) => (c.quotaPick >> i) & 1 || i === 0);
      return {
        ns: c.ns,
        kind: c.kind,
        priority: c.priority,
        strategy: c.strategy,
        req,
        reqPresent: (c.present & 0b111) | (c.req.gpu > 0 ? 1 << 4 : 0),
        lim,
        limPresent: (c.present >> 3) & 0b11,
        nzCpu: c.req.cpu === 0 ? 100 : c.req.cpu,
        nzMem: c.req.mem === 0 ? 200 * 1024 * 1024 : c.req.mem,
        quotas: quotasOf,
        constraint: c.constraint % g.constraints.length,
        ...(c.topology ? { topology: c.topology } : {}),
        ...(c.preemptNever === 0 ? { preemptNever: true } : {}),
        ...(c.pdbs.length > 0 ? { pdbs: c.pdbs } : {}),
        ...(c.preemptNever === 1 ? { gangMember: true } : {}),
      };
    });
    const slots = hosts.length;
    return {
      config,
      taints: [{ key: 99, value: 0, effect: Effect.NoSchedule }, ...base.taintDefs],
      labelNumbers: base.labelNumbers,
      hosts,
      removed: slots > 0 && g.removeMask === 0 ? [slots - 1] : [],
      constraints: g.constraints.map((k) => ({ ...k, required: k.required ?? null })),
      classes,
      quotaCount: quotas.length,
      entries,
      reservations: g.reservations.map((r, ns) => {
        const a = new Array<bigint>(MAX_DIMS).fill(0n);
        if ((g.reserveMask >> ns) & 1) {
          a[0] = r.cpu;
          a[1] = r.mem;
          a[3] = r.pods;
        }
        return a;
      }),
      bound: slots === 0 ? [] : g.bound.map((b) => ({ cls: b.cls % classes.length, slot: b.slot % slots, count: b.count })),
      batch: g.batch.map((b) => ({ cls: b.cls % classes.length, count: b.count, ...(b.gang >= 0 ? { gang: b.gang } : {}) })),
      gangs: g.gangs,
      pdbDesired: g.pdbDesired,
      namespaces: base.namespaces,
      backfill: slots === 0 ? [] : g.backfill.map(([counter, slot, n]): [number, number, number] => [counter, slot % slots, n]),
    };
  });

/**
 * Crowded clusters for preemption: a few plain hosts filled by lower-priority workloads of
 * several sizes (some under PodDisruptionBudgets), then a batch of higher-priority workloads that
 * fit only by evicting. No quotas or reservations in the way, so the tie-breakers decide.
 */
export const preemptionScenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    hosts: fc.array(fc.record({ cpu: fc.integer({ min: 2, max: 8 }), pods: fc.integer({ min: 2, max: 8 }) }), {
      minLength: 1,
      maxLength: 6,
    }),
    classes: fc.array(
      fc.record({
        priority: fc.integer({ min: -2, max: 3 }),
        cpu: fc.integer({ min: 1, max: 4 }),
        pdbs: fc.uniqueArray(fc.integer({ min: 0, max: 2 }), { maxLength: 2 }),
        never: fc.integer({ min: 0, max: 5 }),
      }),
      { minLength: 2, maxLength: 6 },
    ),
    bound: fc.array(fc.record({ cls: fc.nat(), slot: fc.nat(), count: fc.integer({ min: 1, max: 3 }) }), { minLength: 1, maxLength: 14 }),
    batch: fc.array(fc.record({ cls: fc.nat(), count: fc.integer({ min: 1, max: 4 }) }), { minLength: 1, maxLength: 4 }),
    pdbDesired: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 3, maxLength: 3 }),
    order: fc.constantFrom(OrderPolicy.Interleave, OrderPolicy.Size, OrderPolicy.Input),
    balancedWeight: fc.constantFrom(0, 1),
  })
  .map((g): Scenario => {
    const classes: ClassSpec[] = g.classes.map((c) => ({
      ns: 0,
      kind: Kind.Pod,
      priority: c.priority,
      strategy: Strategy.LeastAllocated,
      req: vec({ cpu: c.cpu * 1000, mem: 0, eph: 0, gpu: 0 }, 1),
      reqPresent: 1,
      lim: vec({ cpu: 0, mem: 0, eph: 0, gpu: 0 }, 0),
      limPresent: 0,
      nzCpu: c.cpu * 1000,
      nzMem: 200 * 1024 * 1024,
      quotas: [],
      constraint: 0,
      ...(c.pdbs.length > 0 ? { pdbs: c.pdbs } : {}),
      ...(c.never === 0 ? { preemptNever: true } : {}),
    }));
    const hosts: HostGen[] = g.hosts.map((h, i) => ({
      alloc: vec({ cpu: h.cpu * 1000, mem: 64 * GI, eph: 0, gpu: 0 }, h.pods),
      unschedulable: false,
      taints: [],
      labels: [0, 0, 0, 0, HOSTNAME_BASE + i],
    }));
    return plainScenario(
      {
        config: cpuMemoryConfig(g.balancedWeight, g.order),
        taints: [{ key: 99, value: 0, effect: Effect.NoSchedule }],
        hosts,
        classes,
        bound: g.bound.map((b) => ({ cls: b.cls % classes.length, slot: b.slot % hosts.length, count: b.count })),
        batch: g.batch.map((b) => ({ cls: b.cls % classes.length, count: b.count })),
        pdbDesired: g.pdbDesired,
      },
      HOSTNAME_BASE + MAX_HOSTS,
    );
  });

/**
 * A scenario of the given parts in one namespace: no labels but hostnames (`labelCount` label
 * numbers), one unconstrained constraint set, no quotas, reservations, gangs or backfill.
 */
export function plainScenario(
  p: Pick<Scenario, 'config' | 'taints' | 'hosts' | 'classes' | 'bound' | 'batch'> & { pdbDesired?: Scenario['pdbDesired'] },
  labelCount: number,
): Scenario {
  return {
    config: p.config,
    taints: p.taints,
    labelNumbers: Array.from({ length: labelCount }, () => null),
    hosts: p.hosts,
    removed: [],
    constraints: [{ selector: [], required: null, preferred: [], tolerations: [] }],
    classes: p.classes,
    quotaCount: 0,
    entries: [],
    reservations: [new Array<bigint>(MAX_DIMS).fill(0n)],
    bound: p.bound,
    batch: p.batch,
    gangs: [],
    pdbDesired: p.pdbDesired ?? [],
    namespaces: 1,
    backfill: [],
  };
}

/**
 * Vector bin-packing clusters for the packing phase: identical hosts of 10 cpu / 10 GiB units,
 * MostAllocated workloads of 1–9 units of each (two or three to a host, so the greedy batch
 * strands room), in two namespaces, with now and then a ResourceQuota or a reservation that
 * bites, tainted or labelled hosts some classes may not use, a class with inter-workload terms,
 * a gang, workloads placed before the batch.
 */
export const packingScenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    hosts: fc.array(fc.record({ taint: fc.integer({ min: 0, max: 5 }), zone: fc.integer({ min: 1, max: 2 }) }), {
      minLength: 2,
      maxLength: 16,
    }),
    classes: fc.array(
      fc.record({
        cpu: fc.integer({ min: 1, max: 7 }),
        mem: fc.integer({ min: 1, max: 7 }),
        ns: fc.integer({ min: 0, max: 1 }),
        constraint: fc.integer({ min: 0, max: 5 }),
        topology: fc.option(topologyArb, { freq: 8 }),
        count: fc.integer({ min: 1, max: 3 }),
        gang: fc.integer({ min: -9, max: 0 }),
      }),
      { minLength: 4, maxLength: 16 },
    ),
    quotaCpu: fc.option(fc.integer({ min: 10, max: 60 }), { freq: 3 }),
    reservedCpu: fc.option(fc.integer({ min: 1, max: 30 }), { freq: 3 }),
    bound: fc.array(fc.record({ cls: fc.nat(), slot: fc.nat() }), { maxLength: 3 }),
    order: fc.constantFrom(OrderPolicy.Interleave, OrderPolicy.Size, OrderPolicy.Input),
  })
  .map((g): Scenario => {
    const classes: ClassSpec[] = g.classes.map((c) => ({
      ns: c.ns,
      kind: Kind.Pod,
      priority: 0,
      strategy: Strategy.MostAllocated,
      req: vec({ cpu: c.cpu * 1000, mem: c.mem * GI, eph: 0, gpu: 0 }, 1),
      reqPresent: 0b11,
      lim: vec({ cpu: 0, mem: 0, eph: 0, gpu: 0 }, 0),
      limPresent: 0,
      nzCpu: c.cpu * 1000,
      nzMem: c.mem * GI,
      // Namespace 0's quota (id 0) limits requests.cpu.
      quotas: c.ns === 0 && g.quotaCpu !== null ? [0] : [],
      // 0: tolerates the taint; 1: only zone 1; else neither (the tainted hosts are out).
      constraint: c.constraint === 0 ? 1 : c.constraint === 1 ? 2 : 0,
      ...(c.topology ? { topology: c.topology } : {}),
    }));
    const hosts: HostGen[] = g.hosts.map((h, i) => ({
      alloc: vec({ cpu: 10_000, mem: 10 * GI, eph: 0, gpu: 0 }, 40),
      unschedulable: false,
      taints: h.taint === 0 ? [1] : [],
      labels: [h.zone, 0, 0, 0, HOSTNAME_BASE + i],
    }));
    const reservation = new Array<bigint>(MAX_DIMS).fill(0n);
    if (g.reservedCpu !== null) reservation[0] = BigInt(g.reservedCpu * 1000);
    return {
      config: cpuMemoryConfig(0, g.order),
      taints: [
        { key: 99, value: 0, effect: Effect.NoSchedule },
        { key: 1, value: 1, effect: Effect.NoSchedule },
      ],
      labelNumbers: Array.from({ length: HOSTNAME_BASE + MAX_HOSTS }, () => null),
      hosts,
      removed: [],
      constraints: [
        { selector: [], required: null, preferred: [], tolerations: [] },
        { selector: [], required: null, preferred: [], tolerations: [{ key: 1, op: TolerationOp.Exists, value: 0, effect: Effect.Any }] },
        { selector: [{ col: 0, op: SelectorOp.In, values: [1], num: 0n }], required: null, preferred: [], tolerations: [] },
      ],
      classes,
      quotaCount: g.quotaCpu === null ? 0 : 1,
      entries: g.quotaCpu === null ? [] : [{ quota: 0, source: QuotaSource.Requests, dim: 0, hard: BigInt(g.quotaCpu * 1000) }],
      // Namespace 1 holds a reservation: namespace 0 may not take the cluster's last of it.
      reservations: [new Array<bigint>(MAX_DIMS).fill(0n), reservation],
      bound: g.bound.map((b) => ({ cls: b.cls % classes.length, slot: b.slot % hosts.length, count: 1 })),
      batch: g.classes.map((c, cls) => ({ cls, count: c.count, ...(c.gang === 0 ? { gang: 0 } : {}) })),
      gangs: [{ minMember: 2 }],
      pdbDesired: [],
      namespaces: 2,
      backfill: [],
    };
  });
