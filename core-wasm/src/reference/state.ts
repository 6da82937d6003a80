// The reference engine's state and its ledgers. Host columns are plain number arrays (exact:
// every per-host amount is ≤ 2^53 − 1); cluster and namespace aggregates are bigints because they
// can exceed 2^53. Every change of what is placed goes through apply(), which keeps host usage,
// F (free capacity of schedulable hosts), namespace usage, quota usage and topology counters
// together; commit() and release() also keep the per-host units preemption chooses from.

import { type ClassSpec, type ConstraintSpec, type EngineConfig, MAX_DIMS, type QuotaEntrySpec } from '../contract.js';
import { quotaDelta } from '../rules/quota.js';
import type { TaintSpec } from '../rules/taints.js';
import { scaleShape } from '../rules/scoring.js';

export interface Host {
  present: boolean;
  alloc: number[];
  used: number[];
  usedNonZeroCpu: number;
  usedNonZeroMem: number;
  unschedulable: boolean;
  /** Taint ids in the Node's order. */
  taints: number[];
  /** Value id per label column, 0 = label absent. */
  labels: number[];
}

/**
 * One placed workload: its class, when it was committed, and its batch instance (−1 outside a
 * batch). The instance means something only in the batch that committed it: read it with refOf.
 */
export interface Unit {
  cls: number;
  stamp: number;
  ref: number;
}

export interface Entry extends QuotaEntrySpec {
  used: bigint;
}

export const zeroDims = (): number[] => new Array<number>(MAX_DIMS).fill(0);
export const zeroBig = (): bigint[] => new Array<bigint>(MAX_DIMS).fill(0n);

export class RefState {
  config!: EngineConfig;
  /** The RequestedToCapacityRatio shape scaled to 0..100. */
  shape: { utilization: number; score: number }[] = [];
  hosts: Host[] = [];
  taints: TaintSpec[] = [];
  labelNumbers: (bigint | null)[] = [];
  constraints: ConstraintSpec[] = [];
  classes: ClassSpec[] = [];
  placedCount: number[] = [];
  entries: Entry[] = [];
  /** quota id → entry ids */
  quotaEntries: number[][] = [];
  /** ns → reserved amount per dim */
  reservation: bigint[][] = [];
  /** ns → used per dim */
  nsUsed: bigint[][] = [];
  /** F[d]: free capacity over schedulable hosts. */
  free: bigint[] = zeroBig();
  /** counter → slot → placed workloads */
  counters = new Map<number, Map<number, number>>();
  /** Placed workloads per host in commit order: who preemption may evict, and how important they are. */
  units: Unit[][] = [];
  stamp = 0;
  pdbDesired: number[] = [];
  private maxAllocCache: number[] | null = null;

  configure(config: EngineConfig): void {
    this.config = config;
    this.shape = scaleShape(config.shape);
  }

  count(counter: number, slot: number): number {
    return this.counters.get(counter)?.get(slot) ?? 0;
  }

  addCounter(counter: number, slot: number, delta: number): void {
    const m = this.counters.get(counter) ?? new Map<number, number>();
    m.set(slot, (m.get(slot) ?? 0) + delta);
    this.counters.set(counter, m);
  }

  /** Add (sign > 0) or remove (sign < 0) |sign| workloads of class cls on host slot, in every ledger. */
  apply(cls: number, slot: number, sign: number): void {
    const c = this.classes[cls];
    const h = this.hosts[slot];
    this.addFree(h, -1);
    for (let d = 0; d < MAX_DIMS; d++) h.used[d] += sign * c.req[d];
    h.usedNonZeroCpu += sign * c.nzCpu;
    h.usedNonZeroMem += sign * c.nzMem;
    this.addFree(h, +1);
    const ns = (this.nsUsed[c.ns] ??= zeroBig());
    for (let d = 0; d < MAX_DIMS; d++) ns[d] += BigInt(sign * c.req[d]);
    this.placedCount[cls] += sign;
    this.chargeQuotas(c, BigInt(sign));
    for (const counter of c.topology?.counters ?? []) this.addCounter(counter, slot, sign);
  }

  /** Quota usage: `times` workloads of the class, charged to every entry of its quotas that tracks it. */
  chargeQuotas(c: ClassSpec, times: bigint): void {
    for (const q of c.quotas) {
      for (const e of this.quotaEntries[q] ?? []) {
        const delta = quotaDelta(c, this.entries[e]);
        if (delta !== null) this.entries[e].used += delta * times;
      }
    }
  }

  /** Add (sign +1) or remove (−1) host h's contribution max(0, alloc − used) to F, if schedulable. */
  addFree(h: Host, sign: number): void {
    this.maxAllocCache = null;
    if (!h.present || h.unschedulable) return;
    for (let d = 0; d < MAX_DIMS; d++) {
      const f = h.alloc[d] - h.used[d];
      if (f > 0) this.free[d] += BigInt(sign * f);
    }
  }

  /** Commit stamps from here on belong to the running batch (beginBatch). */
  private batchFrom = Number.MAX_SAFE_INTEGER;

  /** A batch starts: units committed from now on carry its instances. */
  beginBatch(): void {
    this.batchFrom = this.stamp + 1;
  }

  /** The batch instance of a unit the running batch committed; −1 for one committed before it. */
  refOf(u: Unit): number {
    return u.stamp >= this.batchFrom ? u.ref : -1;
  }

  /** `ref`: the batch instance, −1 for workloads committed from outside a batch. */
  commit(cls: number, slot: number, count = 1, ref = -1): void {
    this.apply(cls, slot, count);
    const stamp = ++this.stamp;
    const list = (this.units[slot] ??= []);
    for (let n = 0; n < count; n++) list.push({ cls, stamp, ref });
  }

  /** Releases the most recently committed `count` workloads of the class on the host. */
  release(cls: number, slot: number, count = 1): void {
    this.apply(cls, slot, -count);
    const list = this.units[slot] ?? [];
    for (let n = 0, at = list.length - 1; n < count && at >= 0; at--) {
      if (list[at].cls !== cls) continue;
      list.splice(at, 1);
      n++;
    }
  }

  /** Take one placed unit off its host (ledgers and all), keeping its identity for restoreUnit. */
  removeUnit(slot: number, u: Unit): void {
    this.apply(u.cls, slot, -1);
    const list = this.units[slot];
    list.splice(list.indexOf(u), 1);
  }

  restoreUnit(slot: number, u: Unit): void {
    this.apply(u.cls, slot, 1);
    // Keep the host's units in commit order (stamps ascending).
    const list = this.units[slot];
    let at = list.length;
    while (at > 0 && list[at - 1].stamp > u.stamp) at--;
    list.splice(at, 0, u);
  }

  /** The largest allocatable of dimension d among present hosts (FFD's reference size). */
  maxAlloc(d: number): number {
    if (!this.maxAllocCache) {
      this.maxAllocCache = zeroDims();
      for (const h of this.hosts)
        if (h?.present) for (let i = 0; i < MAX_DIMS; i++) this.maxAllocCache[i] = Math.max(this.maxAllocCache[i], h.alloc[i]);
    }
    return this.maxAllocCache[d];
  }
}
