// The reference engine: the placement pipeline in plain TypeScript, written to be read. It is the
// oracle of the differential tests and the baseline of the benchmarks. Pipeline per workload
// (docs/placement-rules.md): Admit (admit.ts) → Filter (filter.ts, topology.ts) → Score
// (evaluate.ts) → Select and Commit (batch.ts, state.ts); preemption (preempt.ts) and
// rebalancing's questions (moves.ts) on top. Each rule it applies has its home in ../rules/.

import type {
  Backend,
  BatchItem,
  BatchOptions,
  BatchResult,
  ClassSpec,
  ConstraintSpec,
  Effect,
  EngineConfig,
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
import { admit } from './admit.js';
import { placeBatch } from './batch.js';
import { evaluate, evaluateColumns } from './evaluate.js';
import { restartPlan } from './failover.js';
import { ReferenceKept } from './failover-kept.js';
import { imbalance, moveTarget } from './moves.js';
import { RefState, zeroBig, zeroDims } from './state.js';

export class ReferenceBackend implements Backend {
  readonly name = 'reference';
  private readonly s = new RefState();
  readonly kept = new ReferenceKept();

  configure(config: EngineConfig): void {
    this.s.configure(config);
  }

  // ---------------------------------------------------------------- hosts and vocabulary

  setHost(slot: number, alloc: readonly number[], unschedulable: boolean, taints: readonly number[]): void {
    const s = this.s;
    let h = s.hosts[slot];
    if (h?.present) s.addFree(h, -1);
    if (!h || !h.present) {
      h = {
        present: true,
        alloc: zeroDims(),
        used: zeroDims(),
        usedNonZeroCpu: 0,
        usedNonZeroMem: 0,
        unschedulable: false,
        taints: [],
        labels: [],
      };
      s.hosts[slot] = h;
    }
    h.alloc = [...alloc];
    h.unschedulable = unschedulable;
    h.taints = [...taints];
    s.addFree(h, +1);
  }

  setHostLabel(slot: number, col: number, valueId: number): void {
    this.s.hosts[slot].labels[col] = valueId;
  }

  removeHost(slot: number): void {
    const h = this.s.hosts[slot];
    if (!h?.present) return;
    if (h.used.some((u) => u !== 0)) throw new Error(`host slot ${slot} is not empty`);
    this.s.addFree(h, -1);
    h.present = false;
    h.labels = [];
  }

  defineTaint(id: number, key: number, value: number, effect: Effect): void {
    this.s.taints[id] = { key, value, effect };
  }

  defineLabelValue(valueId: number, num: bigint | null): void {
    this.s.labelNumbers[valueId] = num;
  }

  defineConstraint(id: number, spec: ConstraintSpec): void {
    this.s.constraints[id] = spec;
  }

  freeConstraint(id: number): void {
    delete this.s.constraints[id];
  }

  defineClass(id: number, spec: ClassSpec): void {
    this.s.classes[id] = spec;
    this.s.placedCount[id] ??= 0;
  }

  memoryBytes(): number {
    return 0;
  }

  freeClass(id: number): void {
    if ((this.s.placedCount[id] ?? 0) !== 0) throw new Error(`class ${id} still has ${this.s.placedCount[id]} placed`);
    delete this.s.classes[id];
    delete this.s.placedCount[id];
  }

  setQuotas(entries: QuotaEntrySpec[], quotaCount: number): void {
    this.s.entries = entries.map((e) => ({ ...e, used: 0n }));
    this.s.quotaEntries = Array.from({ length: quotaCount }, () => []);
    entries.forEach((e, i) => this.s.quotaEntries[e.quota].push(i));
    this.rebuildQuotaUsage();
  }

  /** Quota usage is a function of what is placed: Σ over classes of placed × the class's delta. */
  rebuildQuotaUsage(): void {
    const s = this.s;
    for (const e of s.entries) e.used = 0n;
    s.classes.forEach((c, id) => {
      const n = s.placedCount[id] ?? 0;
      if (n > 0) s.chargeQuotas(c, BigInt(n));
    });
  }

  setReservation(ns: number, amounts: readonly bigint[]): void {
    this.s.reservation[ns] = [...amounts];
  }

  freeNamespace(ns: number): void {
    if (this.s.nsUsed[ns]?.some((v) => v !== 0n)) throw new Error(`namespace ${ns} still has placed workloads`);
    delete this.s.reservation[ns];
    delete this.s.nsUsed[ns];
  }

  addCounter(counter: number, slot: number, delta: number): void {
    this.s.addCounter(counter, slot, delta);
  }

  freeCounter(counter: number): void {
    const m = this.s.counters.get(counter);
    if (m) for (const n of m.values()) if (n !== 0) throw new Error(`counter ${counter} still counts ${n} placed workloads`);
    this.s.counters.delete(counter);
  }

  counterEntries(): number {
    let n = 0;
    for (const m of this.s.counters.values()) n += m.size;
    return n;
  }

  setPdbs(desiredHealthy: readonly number[]): void {
    this.s.pdbDesired = [...desiredHealthy];
  }

  // ---------------------------------------------------------------- the pipeline

  admit(cls: number): Failure | null {
    return admit(this.s, cls);
  }

  evaluate(cls: number): HostVerdict[] {
    return evaluate(this.s, cls);
  }

  evaluateColumns(cls: number): VerdictColumns {
    return evaluateColumns(this.s, cls);
  }

  placeBatch(items: readonly BatchItem[], gangs: readonly GangSpec[] = [], options: BatchOptions = {}): BatchResult {
    if (options.order === undefined || options.order === this.s.config.order) return placeBatch(this.s, items, gangs, options);
    const config = this.s.config;
    this.s.config = { ...config, order: options.order };
    try {
      return placeBatch(this.s, items, gangs, options);
    } finally {
      this.s.config = config;
    }
  }

  commit(cls: number, slot: number, count = 1): void {
    this.s.commit(cls, slot, count);
  }

  release(cls: number, slot: number, count = 1): void {
    this.s.release(cls, slot, count);
  }

  commitMany(cls: number, pairs: Int32Array): void {
    for (let k = 0; k < pairs.length; k += 2) this.s.commit(cls, pairs[k], pairs[k + 1]);
  }

  releaseMany(cls: number, pairs: Int32Array): void {
    for (let k = 0; k < pairs.length; k += 2) this.s.release(cls, pairs[k], pairs[k + 1]);
  }

  shiftLedgers(cls: number, slot: number, delta: number): void {
    this.s.apply(cls, slot, delta);
  }

  imbalance(dim: number): Imbalance {
    return imbalance(this.s, dim);
  }

  moveTarget(cls: number, dim: number, exclude: number): MoveTarget {
    return moveTarget(this.s, cls, dim, exclude);
  }

  restartPlan(items: readonly RestartItem[], hosts: RestartHosts, start: number, keep?: KeepPlan): RestartPlan {
    const plan = restartPlan(this.s, items, hosts, start);
    if (keep) this.kept.keep(keep, plan, items);
    return plan;
  }

  ledger(namespaces: number): Ledger {
    const s = this.s;
    return {
      hosts: s.hosts.map((h) =>
        h?.present
          ? { used: h.used.map(BigInt), usedNonZeroCpu: BigInt(h.usedNonZeroCpu), usedNonZeroMem: BigInt(h.usedNonZeroMem) }
          : { used: zeroBig(), usedNonZeroCpu: 0n, usedNonZeroMem: 0n },
      ),
      quotaUsed: s.entries.map((e) => e.used),
      nsUsed: Array.from({ length: namespaces }, (_, ns) => (s.nsUsed[ns] ? [...s.nsUsed[ns]] : zeroBig())),
      free: [...s.free],
      counters: [...s.counters]
        .flatMap(([counter, m]) => [...m].filter(([, n]) => n !== 0).map(([slot, n]): [number, number, number] => [counter, slot, n]))
        .sort((a, b) => a[0] - b[0] || a[1] - b[1]),
    };
  }
}
