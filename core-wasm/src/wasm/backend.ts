// The Wasm backend: speaks the Backend contract (contract.ts) over the AssemblyScript core, like
// the reference engine does in plain TypeScript. Classes, quota keys and per-class placement
// counts stay on this side; the core only ever sees numbers in its own tables, written through
// the views of views.ts and the encoders of encode.ts, and its failures come back through
// failures.ts.

import { COUNTER_WORDS, EVICTION_WORDS, HOST_TAINT_SLOTS, MAX_DIMS, SCRATCH_TAINTS } from '../abi.js';
import type {
  Backend,
  BatchItem,
  BatchOptions,
  BatchResult,
  ClassSpec,
  ConstraintSpec,
  Effect,
  EngineConfig,
  Eviction,
  Failure,
  GangSpec,
  HostVerdict,
  Imbalance,
  KeepPlan,
  Ledger,
  MoveTarget,
  QuotaEntrySpec,
  RestartHosts,
  RestartItem,
  RestartPlan,
  VerdictColumns,
} from '../contract.js';
import { quotaDelta } from '../rules/quota.js';
import { ItemWriter, QuotaBook } from './encode.js';
import { readFailures } from './failures.js';
import { BACKEND_NAMES, type CoreExports, type WasmVariant, instantiateCore } from './module.js';
import { ProgramPool } from './programs.js';
import { WasmKept } from './kept.js';
import { WasmRestart } from './restart.js';
import { CoreMemory } from './views.js';

export type { WasmVariant } from './module.js';

export class WasmBackend implements Backend {
  readonly name: string;
  /** The core's exports (the scan benchmark times `x.evaluate` directly). */
  private readonly x: CoreExports;
  private readonly m: CoreMemory;
  private readonly classes: ClassSpec[] = [];
  private readonly placedCount: number[] = [];
  private readonly quotas = new QuotaBook();
  private readonly items: ItemWriter;
  private readonly programs: ProgramPool;
  private readonly restart: WasmRestart;
  readonly kept: WasmKept;

  constructor(variant: WasmVariant = 'simd') {
    this.name = BACKEND_NAMES[variant];
    this.x = instantiateCore(variant);
    this.m = new CoreMemory(this.x);
    this.programs = new ProgramPool(this.x, this.m);
    this.items = new ItemWriter(this.x, this.m, this.classes, this.quotas);
    this.restart = new WasmRestart(this.x, this.m);
    this.kept = new WasmKept(this.x, this.m, this.restart);
  }

  /** The failure log the last call wrote. */
  private log(): Int32Array {
    return this.m.i32(this.m.L.failLog, this.m.L.logLen);
  }

  configure(config: EngineConfig): void {
    const L = this.m.L;
    const sd = this.m.i32(L.scoringDim, MAX_DIMS);
    const sw = this.m.i32(L.scoringWeight, MAX_DIMS);
    config.scoring.forEach((r, i) => {
      sd[i] = r.dim;
      sw[i] = r.weight;
    });
    const bd = this.m.i32(L.balancedDim, MAX_DIMS);
    config.balanced.forEach((r, i) => (bd[i] = r.dim));
    const su = this.m.i32(L.shapeUtil, MAX_DIMS);
    const ss = this.m.i32(L.shapeScore, MAX_DIMS);
    config.shape.forEach((p, i) => {
      su[i] = p.utilization;
      ss[i] = p.score * 10; // MaxNodeScore / MaxCustomPriorityScore
    });
    this.x.configure(config.scoring.length, config.balanced.length, config.shape.length, config.order, config.balancedWeight);
    this.config = config;
  }

  private config: EngineConfig | null = null;

  setHost(slot: number, alloc: readonly number[], unschedulable: boolean, taints: readonly number[]): void {
    this.x.ensureHosts(slot + 1);
    this.m.refresh();
    const s = this.m.f64(this.m.L.scratch, MAX_DIMS);
    for (let d = 0; d < MAX_DIMS; d++) s[d] = alloc[d] ?? 0;
    this.m.i32(this.m.L.scratch + SCRATCH_TAINTS, HOST_TAINT_SLOTS).set(taints.slice(0, HOST_TAINT_SLOTS));
    this.x.setHost(slot, unschedulable ? 1 : 0, Math.min(taints.length, HOST_TAINT_SLOTS));
    this.m.refresh();
  }

  setHostLabel(slot: number, col: number, valueId: number): void {
    this.x.setHostLabel(slot, col, valueId);
  }

  removeHost(slot: number): void {
    if (!this.x.removeHost(slot)) throw new Error(`host slot ${slot} is not empty`);
  }

  defineTaint(id: number, key: number, value: number, effect: Effect): void {
    this.x.defineTaint(id, key, value, effect);
  }

  defineLabelValue(valueId: number, num: bigint | null): void {
    const n = BigInt.asUintN(64, num ?? 0n);
    this.x.defineLabelValue(valueId, num === null ? 0 : 1, Number(n & 0xffffffffn) | 0, Number(n >> 32n) | 0);
    this.m.refresh();
  }

  defineConstraint(id: number, spec: ConstraintSpec): void {
    this.programs.define(id, spec);
  }

  freeConstraint(id: number): void {
    this.programs.free(id);
  }

  defineClass(id: number, spec: ClassSpec): void {
    this.classes[id] = spec;
    this.placedCount[id] ??= 0;
  }

  memoryBytes(): number {
    return this.x.memory.buffer.byteLength;
  }

  freeClass(id: number): void {
    if ((this.placedCount[id] ?? 0) !== 0) throw new Error(`class ${id} still has ${this.placedCount[id]} placed`);
    delete this.classes[id];
    delete this.placedCount[id];
  }

  setQuotas(entries: QuotaEntrySpec[], quotaCount: number): void {
    this.quotas.set(entries, quotaCount);
    this.x.setQuotaEntryCount(entries.length);
    this.m.refresh();
    const hard = this.m.i64(this.m.L.entryHard, entries.length);
    const quota = this.m.i32(this.m.L.entryQuota, entries.length);
    entries.forEach((e, i) => {
      hard[i] = e.hard;
      quota[i] = e.quota;
    });
    this.rebuildQuotaUsage();
  }

  rebuildQuotaUsage(): void {
    const entries = this.quotas.entries;
    const used = new Array<bigint>(entries.length).fill(0n);
    this.classes.forEach((c, id) => {
      const n = this.placedCount[id] ?? 0;
      if (n === 0) return;
      for (const q of c.quotas)
        for (const e of this.quotas.entriesOf(q)) {
          const delta = quotaDelta(c, entries[e]);
          if (delta !== null) used[e] += delta * BigInt(n);
        }
    });
    this.m.i64(this.m.L.entryUsed, used.length).set(used);
  }

  addCounter(counter: number, slot: number, delta: number): void {
    this.x.addCounter(counter, slot, delta);
    this.m.refresh();
  }

  freeCounter(counter: number): void {
    this.x.freeCounter(counter);
    this.m.refresh();
  }

  counterEntries(): number {
    return this.x.counterTableEntries();
  }

  private counters(): [number, number, number][] {
    const p = this.x.dumpCounters();
    this.m.refresh();
    const n = this.m.i32(p, 1)[0];
    const t = this.m.i32(p + 4, n * COUNTER_WORDS);
    const out: [number, number, number][] = [];
    for (let r = 0; r < t.length; r += COUNTER_WORDS) out.push([t[r], t[r + 1], t[r + 2]]);
    this.x.freeBuffer(p);
    return out.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  }

  setReservation(ns: number, amounts: readonly bigint[]): void {
    this.x.ensureNamespaces(ns + 1);
    this.m.refresh();
    const s = this.m.i64(this.m.L.scratch, MAX_DIMS);
    for (let d = 0; d < MAX_DIMS; d++) s[d] = amounts[d] ?? 0n;
    this.x.setReservation(ns);
    this.m.refresh();
  }

  freeNamespace(ns: number): void {
    const freed = this.x.freeNamespace(ns);
    this.m.refresh();
    if (!freed) throw new Error(`namespace ${ns} still has placed workloads`);
  }

  admit(cls: number): Failure | null {
    this.items.write([{ cls, count: 1 }]);
    const r = this.x.admit(0);
    this.m.refresh();
    return r === 0 ? null : readFailures(this.log()).get(0)!;
  }

  evaluate(cls: number): HostVerdict[] {
    this.items.write([{ cls, count: 1 }]);
    this.x.evaluate(0);
    this.x.totals();
    this.m.refresh();
    const L = this.m.L;
    const n = L.hostEnd;
    const reasons = this.m.u32(L.reasons, n);
    const fit = this.m.i32(L.fit, n);
    const aff = this.m.i32(L.affRaw, n);
    const taint = this.m.i32(L.taintRaw, n);
    const total = this.m.i32(L.total, n);
    // The i64 raws as (low u32, high i32) halves: hi·2^32 + lo is Number(BigInt) (one rounding of
    // the exact sum) without a BigInt per read.
    const ipaLo = this.m.u32(L.ipaRaw, 2 * n);
    const ipaHi = this.m.i32(L.ipaRaw, 2 * n);
    const spreadLo = this.m.u32(L.spreadRaw, 2 * n);
    const spreadHi = this.m.i32(L.spreadRaw, 2 * n);
    const out: HostVerdict[] = new Array(n);
    for (let h = 0; h < n; h++) {
      const interPodRaw = ipaHi[2 * h + 1] * 4294967296 + ipaLo[2 * h];
      const spreadRaw = spreadHi[2 * h + 1] * 4294967296 + spreadLo[2 * h];
      out[h] = { reasons: reasons[h], fit: fit[h], affinityRaw: aff[h], taintRaw: taint[h], interPodRaw, spreadRaw, total: total[h] };
    }
    return out;
  }

  /** Zero-copy views over the core's result columns, re-made only when memory or a table moved. */
  evaluateColumns(cls: number): VerdictColumns {
    this.items.write([{ cls, count: 1 }]);
    this.x.evaluate(0);
    this.x.totals();
    this.m.refresh();
    const L = this.m.L;
    const c = this.columnViews;
    if (
      c &&
      c.n === L.hostEnd &&
      c.reasons.buffer === this.m.buffer &&
      c.reasons.byteOffset === L.reasons &&
      c.fit.byteOffset === L.fit &&
      c.total.byteOffset === L.total
    )
      return c;
    const n = L.hostEnd;
    this.columnViews = { n, reasons: this.m.u32(L.reasons, n), fit: this.m.i32(L.fit, n), total: this.m.i32(L.total, n) };
    return this.columnViews;
  }
  private columnViews: VerdictColumns | null = null;

  /** The filter histogram of the last evaluate() (for callers that report why nothing fits). */
  lastFilterFailure(): Failure {
    this.x.recordFailure(0);
    this.m.refresh();
    return readFailures(this.log()).get(0)!;
  }

  placeBatch(items: readonly BatchItem[], gangs: readonly GangSpec[] = [], options: BatchOptions = {}): BatchResult {
    const preemption = options.preempt ?? true;
    // Classes placed before the batch that a preemptor could evict travel along as empty items,
    // so the core knows their requests, quota charges, counters and budgets.
    let maxPriority = -Infinity;
    for (const it of items) {
      const c = this.classes[it.cls];
      if (preemption && it.gang === undefined && !c.preemptNever && it.count > 0) maxPriority = Math.max(maxPriority, c.priority);
    }
    const present = new Set(items.map((it) => it.cls));
    const all: BatchItem[] = [...items];
    this.placedCount.forEach((n, cls) => {
      if (n > 0 && !present.has(cls) && this.classes[cls].priority < maxPriority) all.push({ cls, count: 0 });
    });
    this.items.write(all);
    this.syncPdbHealth();
    this.x.prepareGangs(gangs.length, this.classes.length);
    this.m.refresh();
    const clsItem = this.m.i32(this.m.L.clsItem, this.classes.length);
    for (let i = all.length - 1; i >= 0; i--) clsItem[all[i].cls] = i;
    const gangMin = this.m.i32(this.m.L.gangMin, Math.max(gangs.length, 1));
    gangs.forEach((g, k) => (gangMin[k] = g.minMember));
    this.x.setPreemption(preemption ? 1 : 0);
    const config = this.config;
    const order = options.order !== undefined && config && options.order !== config.order ? options.order : null;
    if (order !== null)
      this.x.configure(config!.scoring.length, config!.balanced.length, config!.shape.length, order, config!.balancedWeight);
    let total: number;
    try {
      total = this.x.placeBatch(all.length);
    } finally {
      this.x.setPreemption(1);
      if (order !== null)
        this.x.configure(config!.scoring.length, config!.balanced.length, config!.shape.length, config!.order, config!.balancedWeight);
    }
    this.m.refresh();
    const hostOf = Int32Array.from(this.m.i32(this.m.L.hostOf, total));
    const failures = readFailures(this.log(), items);
    const sequence = Int32Array.from(this.m.i32(this.x.sequence(), this.x.sequenceLength()));
    const records = this.m.i32(this.x.evictions(), EVICTION_WORDS * this.x.evictionCount());
    const evictions: Eviction[] = [];
    for (let e = 0; e < records.length; e += EVICTION_WORDS)
      evictions.push({ instance: records[e], cls: records[e + 1], slot: records[e + 2], by: records[e + 3] });
    let p = 0;
    items.forEach((it) => {
      for (let j = 0; j < it.count; j++) if (hostOf[p + j] >= 0) this.placedCount[it.cls]++;
      p += it.count;
    });
    for (const e of evictions) if (e.instance < 0) this.placedCount[e.cls]--;
    return { hostOf, failures: items.map((_, i) => failures.get(i) ?? null), sequence, evictions };
  }

  private pdbDesired: number[] = [];

  setPdbs(desiredHealthy: readonly number[]): void {
    this.pdbDesired = [...desiredHealthy];
  }

  /** Budgets' healthy counts from what is placed, so class memberships may change between batches. */
  private syncPdbHealth(): void {
    const healthy = this.pdbDesired.map(() => 0);
    this.placedCount.forEach((n, cls) => {
      if (n > 0) for (const p of this.classes[cls].pdbs ?? []) if (p < healthy.length) healthy[p] += n;
    });
    this.x.setPdbs(this.pdbDesired.length);
    this.pdbDesired.forEach((d, p) => this.x.setPdb(p, d, healthy[p]));
    this.m.refresh();
  }

  commit(cls: number, slot: number, count = 1): void {
    this.items.write([{ cls, count: 1 }]);
    this.x.commit(0, slot, count);
    this.m.refresh();
    this.placedCount[cls] += count;
  }

  release(cls: number, slot: number, count = 1): void {
    this.items.write([{ cls, count: 1 }]);
    this.x.commit(0, slot, -count);
    this.m.refresh();
    this.placedCount[cls] -= count;
  }

  shiftLedgers(cls: number, slot: number, delta: number): void {
    this.items.write([{ cls, count: 1 }]);
    this.x.shiftLedgers(0, slot, delta);
    this.m.refresh();
    this.placedCount[cls] += delta;
  }

  imbalance(dim: number): Imbalance {
    const variance = this.x.imbalance(dim);
    return { hosts: this.x.imbalanceCount(), variance };
  }

  moveTarget(cls: number, dim: number, exclude: number): MoveTarget {
    this.items.write([{ cls, count: 1 }]);
    const slot = this.x.moveTarget(0, dim, exclude);
    this.m.refresh();
    return { slot, variance: slot < 0 ? Infinity : this.x.lastMoveVariance() };
  }

  restartPlan(items: readonly RestartItem[], hosts: RestartHosts, start: number, keep?: KeepPlan): RestartPlan {
    const plan = this.restart.plan(items, hosts, start);
    if (keep) this.kept.keep(keep, items.length);
    return plan;
  }

  commitMany(cls: number, pairs: Int32Array): void {
    this.applyMany(cls, pairs, 1);
  }

  releaseMany(cls: number, pairs: Int32Array): void {
    this.applyMany(cls, pairs, -1);
  }

  /** (slot, count) pairs committed (sign 1) or released (−1) in one call into the core. */
  private applyMany(cls: number, pairs: Int32Array, sign: 1 | -1): void {
    const n = pairs.length / 2;
    if (n === 0) return;
    this.items.write([{ cls, count: 1 }]);
    this.x.ensurePairs(n);
    this.m.refresh();
    this.m.i32(this.m.L.hostOf, pairs.length).set(pairs);
    this.x.commitMany(0, n, sign);
    this.m.refresh();
    for (let k = 1; k < pairs.length; k += 2) this.placedCount[cls] += sign * pairs[k];
  }

  ledger(namespaces = 0): Ledger {
    const L = this.m.L;
    const n = L.hostEnd;
    const cap = L.hostCap;
    const alloc = this.m.f64(L.allocF, MAX_DIMS * cap);
    const free = this.m.f64(L.freeF, MAX_DIMS * cap);
    const nz = this.m.f64(L.nzUsedF, 2 * cap);
    const hosts = [];
    for (let h = 0; h < n; h++) {
      const used: bigint[] = [];
      for (let d = 0; d < MAX_DIMS; d++) used.push(BigInt(alloc[d * cap + h] - free[d * cap + h]));
      hosts.push({ used, usedNonZeroCpu: BigInt(nz[h]), usedNonZeroMem: BigInt(nz[cap + h]) });
    }
    const nsCount = Math.max(namespaces, 0);
    const nsUsedView = this.m.i64(L.nsUsed, L.nsCap * MAX_DIMS);
    const nsUsed: bigint[][] = [];
    for (let s = 0; s < nsCount; s++) {
      nsUsed.push(s < L.nsCap ? Array.from(nsUsedView.subarray(s * MAX_DIMS, (s + 1) * MAX_DIMS)) : new Array(MAX_DIMS).fill(0n));
    }
    return {
      hosts,
      quotaUsed: Array.from(this.m.i64(L.entryUsed, this.quotas.entries.length)),
      nsUsed,
      free: Array.from(this.m.i64(L.clusterFree, MAX_DIMS)),
      counters: this.counters(),
    };
  }
}
