// The reference engine: the placement pipeline in plain TypeScript, written to be read. It is the
// oracle of the differential tests and the baseline of the benchmarks. Host columns are plain
// number arrays (exact: every per-host amount is ≤ 2^53 − 1); cluster and namespace aggregates are
// bigints because they can exceed 2^53.
//
// Pipeline per workload (DESIGN §2): Admit (quota, reservation) → Filter (reasons per host) →
// Score (strategy + preferred affinity + PreferNoSchedule) → Select (max score, lowest slot) → Commit.

import {
  type Backend,
  type BatchItem,
  type BatchOptions,
  type BatchResult,
  type Eviction,
  type GangSpec,
  type ClassSpec,
  type ConstraintSpec,
  DIM_CPU,
  DIM_MEMORY,
  DIM_PODS,
  Effect,
  type EngineConfig,
  type Failure,
  FIXED_DIMS,
  type HostVerdict,
  type VerdictColumns,
  type Imbalance,
  type MoveTarget,
  type Ledger,
  MAX_DIMS,
  OrderPolicy,
  type QuotaEntrySpec,
  HARD_POD_AFFINITY_WEIGHT,
  R_ABSENT,
  R_AFFINITY,
  R_EXISTING_ANTI_AFFINITY,
  R_POD_AFFINITY,
  R_POD_ANTI_AFFINITY,
  R_SPREAD,
  R_SPREAD_LABEL,
  R_TAINT,
  R_UNRESOLVABLE_FIT,
  R_UNSCHEDULABLE,
  type Requirement,
  SelectorOp,
  Strategy,
  TolerationOp,
  UNSCHEDULABLE_TAINT_ID,
  type TermSpec,
  type TopologySpec,
  WEIGHT_FIT,
  WEIGHT_INTER_POD_AFFINITY,
  WEIGHT_NODE_AFFINITY,
  WEIGHT_TAINT_TOLERATION,
  WEIGHT_TOPOLOGY_SPREAD,
  insufficientBit,
} from './contract.js';
import { filterHistogram } from './histogram.js';
import { quotaDelta } from './rules/quota.js';
import { hostGrade as hostGradeOf } from './messages.js';
import { pickPreemptionHost } from './preemption.js';
import {
  balancedScore,
  leastRequestedScore,
  mostRequestedScore,
  interPodNormalized,
  normalizeScore,
  roundHalfAway,
  roundedMean,
  spreadNormalized,
  rtcrResourceScore,
  scaleShape,
  weightedMean,
} from './scoring.js';

interface Host {
  present: boolean;
  alloc: number[];
  used: number[];
  usedNonZeroCpu: number;
  usedNonZeroMem: number;
  unschedulable: boolean;
  taints: number[]; // taint ids in the Node's order
  labels: number[]; // value id per label column, 0 = label absent
}

/** One placed workload: its class, when it was committed, and its batch instance (−1 outside). */
interface Unit {
  cls: number;
  stamp: number;
  ref: number;
}

interface TaintDef {
  key: number;
  value: number;
  effect: Effect;
}

interface Entry extends QuotaEntrySpec {
  used: bigint;
}

/** A class's toleration verdicts over the taint vocabulary, computed once per evaluation. */
interface Tolerated {
  hard: Set<number>; // untolerated NoSchedule/NoExecute taints
  prefer: Set<number>; // untolerated PreferNoSchedule taints
  unschedulableOk: boolean;
}

const zeroDims = () => new Array<number>(MAX_DIMS).fill(0);
const zeroBig = () => new Array<bigint>(MAX_DIMS).fill(0n);

export class ReferenceBackend implements Backend {
  readonly name = 'reference';
  private config!: EngineConfig;
  private shape: { utilization: number; score: number }[] = [];
  private hosts: Host[] = [];
  private taints: TaintDef[] = [];
  private labelNumbers: (bigint | null)[] = [];
  private constraints: ConstraintSpec[] = [];
  private classes: ClassSpec[] = [];
  private placedCount: number[] = [];
  private entries: Entry[] = [];
  private quotaEntries: number[][] = []; // quota id -> entry ids
  private reservation: bigint[][] = []; // ns -> amount per dim
  private nsUsed: bigint[][] = []; // ns -> used per dim
  private free: bigint[] = zeroBig(); // F[d]: free capacity over schedulable hosts
  private counters = new Map<number, Map<number, number>>(); // counter → slot → placed workloads
  /** Placed workloads per host in commit order: who preemption may evict, and how important they are. */
  private units: Unit[][] = [];
  private stamp = 0;
  private pdbDesired: number[] = [];

  configure(config: EngineConfig): void {
    this.config = config;
    this.shape = scaleShape(config.shape);
  }

  // ---------------------------------------------------------------- hosts and vocabulary

  setHost(slot: number, alloc: readonly number[], unschedulable: boolean, taints: readonly number[]): void {
    let h = this.hosts[slot];
    if (h?.present) this.addFree(h, -1);
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
      this.hosts[slot] = h;
    }
    h.alloc = [...alloc];
    h.unschedulable = unschedulable;
    h.taints = [...taints];
    this.addFree(h, +1);
  }

  setHostLabel(slot: number, col: number, valueId: number): void {
    this.hosts[slot].labels[col] = valueId;
  }

  removeHost(slot: number): void {
    const h = this.hosts[slot];
    if (!h?.present) return;
    if (h.used.some((u) => u !== 0)) throw new Error(`host slot ${slot} is not empty`);
    this.addFree(h, -1);
    h.present = false;
    h.labels = [];
  }

  defineTaint(id: number, key: number, value: number, effect: Effect): void {
    this.taints[id] = { key, value, effect };
  }

  defineLabelValue(valueId: number, num: bigint | null): void {
    this.labelNumbers[valueId] = num;
  }

  defineConstraint(id: number, spec: ConstraintSpec): void {
    this.constraints[id] = spec;
  }

  defineClass(id: number, spec: ClassSpec): void {
    this.classes[id] = spec;
    this.placedCount[id] ??= 0;
  }

  setQuotas(entries: QuotaEntrySpec[], quotaCount: number): void {
    this.entries = entries.map((e) => ({ ...e, used: 0n }));
    this.quotaEntries = Array.from({ length: quotaCount }, () => []);
    entries.forEach((e, i) => this.quotaEntries[e.quota].push(i));
    this.rebuildQuotaUsage();
  }

  /** Quota usage is a function of what is placed: Σ over classes of placed × the class's delta. */
  rebuildQuotaUsage(): void {
    for (const e of this.entries) e.used = 0n;
    this.classes.forEach((c, id) => {
      const n = this.placedCount[id] ?? 0;
      if (n > 0) this.chargeQuotas(c, BigInt(n));
    });
  }

  setReservation(ns: number, amounts: readonly bigint[]): void {
    this.reservation[ns] = [...amounts];
  }

  addCounter(counter: number, slot: number, delta: number): void {
    const m = this.counters.get(counter) ?? new Map<number, number>();
    m.set(slot, (m.get(slot) ?? 0) + delta);
    this.counters.set(counter, m);
  }

  private count(counter: number, slot: number): number {
    return this.counters.get(counter)?.get(slot) ?? 0;
  }

  // ---------------------------------------------------------------- Admit

  admit(cls: number): Failure | null {
    const c = this.classes[cls];
    return this.admitQuota(c) ?? this.admitReservation(c);
  }

  /** ResourceQuota: the first quota (in evaluation order) any of whose hard limits would be exceeded. */
  private admitQuota(c: ClassSpec): Failure | null {
    for (const q of c.quotas) {
      const exceeded: { entry: number; used: bigint }[] = [];
      for (const e of this.quotaEntries[q]) {
        const entry = this.entries[e];
        const delta = quotaDelta(c, entry);
        if (delta !== null && entry.used + delta > entry.hard) exceeded.push({ entry: e, used: entry.used });
      }
      if (exceeded.length > 0) return { kind: 'quota', quota: q, entries: exceeded };
    }
    return null;
  }

  /**
   * Reservation rule (DESIGN §1): admit q of namespace a only if q[d] ≤ F[d] − Σ_{n≠a} U_n[d]
   * for every dimension it requests, where U_n = max(0, R_n − used_n).
   */
  private admitReservation(c: ClassSpec): Failure | null {
    if (this.reservation.length === 0) return null;
    const dims: { dim: number; free: bigint; reservedForOthers: bigint }[] = [];
    for (let d = 0; d < MAX_DIMS; d++) {
      const q = c.req[d];
      if (q === 0) continue;
      let others = 0n;
      this.reservation.forEach((r, ns) => {
        if (ns !== c.ns && r) others += this.unusedReservation(ns, d);
      });
      if (others === 0n) continue;
      if (BigInt(q) > this.free[d] - others) dims.push({ dim: d, free: this.free[d], reservedForOthers: others });
    }
    return dims.length > 0 ? { kind: 'reservation', dims } : null;
  }

  private unusedReservation(ns: number, d: number): bigint {
    const r = this.reservation[ns]?.[d] ?? 0n;
    const used = this.nsUsed[ns]?.[d] ?? 0n;
    return r > used ? r - used : 0n;
  }

  // ---------------------------------------------------------------- Filter

  private tolerated(c: ClassSpec): Tolerated {
    const tolerations = this.constraints[c.constraint].tolerations;
    const tolerates = (t: TaintDef) =>
      tolerations.some(
        (tol) =>
          (tol.effect === Effect.Any || tol.effect === t.effect) &&
          (tol.key === -1 || tol.key === t.key) &&
          (tol.op === TolerationOp.Exists || tol.value === t.value),
      );
    const hard = new Set<number>();
    const prefer = new Set<number>();
    this.taints.forEach((t, id) => {
      if (!t || tolerates(t)) return;
      if (t.effect === Effect.PreferNoSchedule) prefer.add(id);
      else hard.add(id);
    });
    return { hard, prefer, unschedulableOk: !hard.has(UNSCHEDULABLE_TAINT_ID) };
  }

  private matches(h: Host, r: Requirement): boolean {
    const v = h.labels[r.col] ?? 0;
    switch (r.op) {
      case SelectorOp.In:
        return v !== 0 && r.values.includes(v);
      case SelectorOp.NotIn:
        return v === 0 || !r.values.includes(v);
      case SelectorOp.Exists:
        return v !== 0;
      case SelectorOp.DoesNotExist:
        return v === 0;
      case SelectorOp.Gt:
      case SelectorOp.Lt: {
        const n = v === 0 ? null : this.labelNumbers[v];
        if (n === null || n === undefined) return false;
        return r.op === SelectorOp.Gt ? n > r.num : n < r.num;
      }
    }
  }

  /** A term holds when every requirement holds; an empty term matches nothing (Kubernetes). */
  private termMatches(h: Host, reqs: Requirement[]): boolean {
    return reqs.length > 0 && reqs.every((r) => this.matches(h, r));
  }

  /** Every check runs, so --explain can show all reasons; messages use the first failing stage. */
  private filter(c: ClassSpec, k: ConstraintSpec, tol: Tolerated, h: Host): number {
    if (!h.present) return R_ABSENT;
    let reasons = 0;
    if (h.unschedulable && !tol.unschedulableOk) reasons |= R_UNSCHEDULABLE;
    if (h.taints.some((t) => tol.hard.has(t))) reasons |= R_TAINT;
    const selectorOk = k.selector.every((r) => this.matches(h, r));
    const requiredOk = k.required === null || k.required.some((term) => this.termMatches(h, term));
    if (!selectorOk || !requiredOk) reasons |= R_AFFINITY;
    for (let d = 0; d < MAX_DIMS; d++) {
      const q = c.req[d];
      // Like NodeResourcesFit: a zero request never fails, except the pod count which always applies.
      if (q === 0) continue;
      if (q > h.alloc[d] - h.used[d]) {
        reasons |= insufficientBit(d);
        if (q > h.alloc[d] && d !== DIM_PODS) reasons |= R_UNRESOLVABLE_FIT;
      }
    }
    return reasons;
  }

  // ---------------------------------------------------------------- Score

  /** The strategy's 0..100 score for host h with the workload added. */
  private fitScore(c: ClassSpec, h: Host): number {
    if (c.strategy === Strategy.BalancedAllocation) return this.balanced(c, h);
    let sum = 0;
    let weights = 0;
    for (const { dim, weight } of this.config.scoring) {
      const [requested, capacity] = this.requestedAndCapacity(c, h, dim, false);
      if (capacity === 0) continue;
      let s: number;
      if (c.strategy === Strategy.LeastAllocated) s = leastRequestedScore(requested, capacity);
      else if (c.strategy === Strategy.MostAllocated) s = mostRequestedScore(requested, capacity);
      else {
        s = rtcrResourceScore(this.shape, requested, capacity);
        if (s <= 0) continue; // RequestedToCapacityRatio only counts positive resource scores
      }
      sum += s * weight;
      weights += weight;
    }
    return c.strategy === Strategy.RequestedToCapacityRatio ? roundedMean(sum, weights) : weightedMean(sum, weights);
  }

  /**
   * resource_allocation.go calculateResourceAllocatableRequest: cpu and memory use the non-zero
   * defaults (unless `actual`), other resources their real requests; an extended resource the
   * workload does not request is skipped (capacity 0).
   */
  private requestedAndCapacity(c: ClassSpec, h: Host, dim: number, actual: boolean): [number, number] {
    if (dim >= FIXED_DIMS && c.req[dim] === 0) return [0, 0];
    if (!actual && dim === DIM_CPU) return [h.usedNonZeroCpu + c.nzCpu, h.alloc[dim]];
    if (!actual && dim === DIM_MEMORY) return [h.usedNonZeroMem + c.nzMem, h.alloc[dim]];
    return [h.used[dim] + c.req[dim], h.alloc[dim]];
  }

  private balanced(c: ClassSpec, h: Host): number {
    // Best-effort workloads are skipped by the plugin (kubernetes#129138): no score from it.
    if (this.config.balanced.every(({ dim }) => c.req[dim] === 0)) return 0;
    const fractions: number[] = [];
    for (const { dim } of this.config.balanced) {
      const [requested, capacity] = this.requestedAndCapacity(c, h, dim, true);
      if (capacity === 0) continue;
      fractions.push(Math.min(requested / capacity, 1));
    }
    return balancedScore(fractions);
  }

  private affinityRaw(k: ConstraintSpec, h: Host): number {
    let raw = 0;
    for (const p of k.preferred) if (this.termMatches(h, p.reqs)) raw += p.weight;
    return raw;
  }

  private taintRaw(tol: Tolerated, h: Host): number {
    let n = 0;
    for (const t of h.taints) if (tol.prefer.has(t)) n++;
    return n;
  }

  evaluateColumns(cls: number): VerdictColumns {
    const verdicts = this.evaluate(cls);
    const n = verdicts.length;
    const out: VerdictColumns = { n, reasons: new Uint32Array(n), fit: new Int32Array(n), total: new Int32Array(n) };
    verdicts.forEach((v, h) => {
      out.reasons[h] = v.reasons;
      out.fit[h] = v.fit;
      out.total[h] = v.total;
    });
    return out;
  }

  evaluate(cls: number): HostVerdict[] {
    const c = this.classes[cls];
    const k = this.constraints[c.constraint];
    const tol = this.tolerated(c);
    const reasons = this.hosts.map((h) => this.filter(c, k, tol, h));
    // PodTopologySpread and InterPodAffinity look across hosts: they run after the per-host checks.
    if (c.topology) this.topologyFilter(c.topology, k, tol, reasons);
    const verdicts: HostVerdict[] = this.hosts.map((h, slot) => {
      const r = reasons[slot];
      if (r !== 0) return { reasons: r, fit: 0, affinityRaw: 0, taintRaw: 0, interPodRaw: 0, spreadRaw: 0, total: -1 };
      return {
        reasons: r,
        fit: this.fitScore(c, h),
        affinityRaw: this.affinityRaw(k, h),
        taintRaw: this.taintRaw(tol, h),
        interPodRaw: 0,
        spreadRaw: 0,
        total: 0,
      };
    });
    const feasible = verdicts.map((v) => v.reasons === 0);
    const interPod = c.topology ? this.interPodScores(c.topology, feasible) : null;
    const spread = c.topology ? this.spreadScores(c.topology, k, tol, feasible) : null;
    // NormalizeScore runs over the feasible hosts only, as in kube-scheduler.
    let maxAffinity = 0;
    let maxTaint = 0;
    for (const v of verdicts) {
      if (v.reasons !== 0) continue;
      maxAffinity = Math.max(maxAffinity, v.affinityRaw);
      maxTaint = Math.max(maxTaint, v.taintRaw);
    }
    verdicts.forEach((v, slot) => {
      if (v.reasons !== 0) return;
      v.interPodRaw = interPod?.raw[slot] ?? 0;
      v.spreadRaw = spread?.raw[slot] ?? 0;
      v.total =
        WEIGHT_FIT * v.fit +
        WEIGHT_NODE_AFFINITY * normalizeScore(v.affinityRaw, maxAffinity, false) +
        WEIGHT_TAINT_TOLERATION * normalizeScore(v.taintRaw, maxTaint, true) +
        WEIGHT_INTER_POD_AFFINITY * (interPod ? interPod.normalized(slot) : 0) +
        WEIGHT_TOPOLOGY_SPREAD * (spread ? spread.normalized(slot) : 0);
    });
    return verdicts;
  }

  // ---------------------------------------------------------------- PodTopologySpread, InterPodAffinity

  /** Σ of `counter` over hosts by topology value of `col` (only hosts accepted by `include`). */
  private domainCounts(counter: number, col: number, include: (slot: number) => boolean = () => true): Map<number, number> {
    const out = new Map<number, number>();
    for (const [slot, n] of this.counters.get(counter) ?? []) {
      const h = this.hosts[slot];
      const v = h?.present ? (h.labels[col] ?? 0) : 0;
      if (v === 0 || n === 0 || !include(slot)) continue;
      out.set(v, (out.get(v) ?? 0) + n);
    }
    return out;
  }

  /** kube-scheduler's topologyToMatchedTermCount: Σ over terms of matching workloads per (key, value). */
  private pairCounts(terms: readonly TermSpec[], weighted = false): Map<string, number> {
    const out = new Map<string, number>();
    for (const t of terms) {
      for (const [v, n] of this.domainCounts(t.counter, t.col)) {
        const key = `${t.col}/${v}`;
        const sum = (out.get(key) ?? 0) + (weighted ? t.weight * n : n);
        if (sum === 0) out.delete(key);
        else out.set(key, sum);
      }
    }
    return out;
  }

  private labelOf(h: Host, col: number): number {
    return h.labels[col] ?? 0;
  }

  private nodeAffinityOk(k: ConstraintSpec, h: Host): boolean {
    return k.selector.every((r) => this.matches(h, r)) && (k.required === null || k.required.some((term) => this.termMatches(h, term)));
  }

  private topologyFilter(t: TopologySpec, k: ConstraintSpec, tol: Tolerated, reasons: number[]): void {
    // PodTopologySpread (DoNotSchedule): skew = matching in the host's domain + self − global minimum.
    const hard = t.spread.filter((c) => c.hard);
    const hasAllKeys = (h: Host) => hard.every((c) => this.labelOf(h, c.col) !== 0);
    const domains = hard.map((c) => {
      const counts = new Map<number, number>();
      this.hosts.forEach((h, slot) => {
        if (!h.present || !hasAllKeys(h)) return;
        if (c.honorAffinity && !this.nodeAffinityOk(k, h)) return;
        if (c.honorTaints && h.taints.some((x) => tol.hard.has(x))) return;
        const v = this.labelOf(h, c.col);
        counts.set(v, (counts.get(v) ?? 0) + this.count(c.counter, slot));
      });
      let min = counts.size === 0 ? 2 ** 31 - 1 : Math.min(...counts.values());
      if (counts.size < c.minDomains) min = 0;
      return { counts, min };
    });
    // InterPodAffinity: counts per (topology key, value), summed over the workload's terms.
    const affinity = this.pairCounts(t.requiredAffinity);
    const anti = this.pairCounts(t.requiredAnti);
    const existing = this.pairCounts(t.heldAnti);
    this.hosts.forEach((h, slot) => {
      if (!h.present) return;
      for (let i = 0; i < hard.length; i++) {
        const c = hard[i];
        const v = this.labelOf(h, c.col);
        if (v === 0) {
          reasons[slot] |= R_SPREAD_LABEL;
          break;
        }
        const skew = (domains[i].counts.get(v) ?? 0) + (c.selfMatch ? 1 : 0) - domains[i].min;
        if (skew > c.maxSkew) {
          reasons[slot] |= R_SPREAD;
          break;
        }
      }
      if (t.requiredAffinity.length > 0) {
        let ok = true;
        let podsExist = true;
        for (const term of t.requiredAffinity) {
          const v = this.labelOf(h, term.col);
          if (v === 0)
            ok = false; // every topology label must exist on the host
          else if ((affinity.get(`${term.col}/${v}`) ?? 0) <= 0) podsExist = false;
        }
        // The first workload of a group with affinity to itself may start it anywhere.
        if (ok && !podsExist) ok = affinity.size === 0 && t.affinitySelfMatch;
        if (!ok) reasons[slot] |= R_POD_AFFINITY;
      }
      for (const term of t.requiredAnti) {
        const v = this.labelOf(h, term.col);
        if (v !== 0 && (anti.get(`${term.col}/${v}`) ?? 0) > 0) {
          reasons[slot] |= R_POD_ANTI_AFFINITY;
          break;
        }
      }
      for (const key of existing.keys()) {
        const [col, v] = key.split('/').map(Number);
        if (this.labelOf(h, col) === v) {
          reasons[slot] |= R_EXISTING_ANTI_AFFINITY;
          break;
        }
      }
    });
  }

  /** InterPodAffinity Score: Σ over topology pairs of the host of the weighted matching counts; min-max normalized. */
  private interPodScores(t: TopologySpec, feasible: boolean[]): { raw: number[]; normalized: (slot: number) => number } | null {
    const terms = [...t.preferred, ...t.heldScore.map((x) => ({ ...x, weight: x.weight === 0 ? HARD_POD_AFFINITY_WEIGHT : x.weight }))];
    if (terms.length === 0) return null;
    const pairs = new Map<string, number>();
    for (const term of terms) {
      for (const [v, n] of this.domainCounts(term.counter, term.col)) {
        const key = `${term.col}/${v}`;
        pairs.set(key, (pairs.get(key) ?? 0) + term.weight * n);
      }
    }
    const cols = [...new Set(terms.map((x) => x.col))];
    const raw = this.hosts.map((h, slot) => {
      if (!feasible[slot]) return 0;
      let score = 0;
      for (const col of cols) {
        const v = this.labelOf(h, col);
        if (v !== 0) score += pairs.get(`${col}/${v}`) ?? 0;
      }
      return score;
    });
    const scored = raw.filter((_, slot) => feasible[slot]);
    const min = Math.min(...scored);
    const max = Math.max(...scored);
    return { raw, normalized: (slot) => (pairs.size === 0 ? 0 : interPodNormalized(raw[slot], min, max)) };
  }

  /** PodTopologySpread Score (ScheduleAnyway constraints): matching counts weighted by log(domains + 2). */
  private spreadScores(
    t: TopologySpec,
    k: ConstraintSpec,
    tol: Tolerated,
    feasible: boolean[],
  ): { raw: number[]; normalized: (slot: number) => number } | null {
    const soft = t.spread.filter((c) => !c.hard);
    if (soft.length === 0) return null;
    const hasAllKeys = (h: Host) => soft.every((c) => this.labelOf(h, c.col) !== 0);
    const ignored = this.hosts.map((h, slot) => feasible[slot] && !hasAllKeys(h));
    const candidates = this.hosts.filter((_, slot) => feasible[slot] && !ignored[slot]).length;
    const per = soft.map((c) => {
      if (c.hostname) return { counts: null as Map<number, number> | null, weight: Math.log(candidates + 2) };
      const domains = new Set<number>();
      this.hosts.forEach((h, slot) => {
        if (feasible[slot] && !ignored[slot]) domains.add(this.labelOf(h, c.col));
      });
      const counts = new Map<number, number>();
      this.hosts.forEach((h, slot) => {
        if (!h.present || !hasAllKeys(h)) return;
        if (c.honorAffinity && !this.nodeAffinityOk(k, h)) return;
        if (c.honorTaints && h.taints.some((x) => tol.hard.has(x))) return;
        const v = this.labelOf(h, c.col);
        if (!domains.has(v)) return;
        counts.set(v, (counts.get(v) ?? 0) + this.count(c.counter, slot));
      });
      return { counts, weight: Math.log(domains.size + 2) };
    });
    const raw = this.hosts.map((h, slot) => {
      if (!feasible[slot] || ignored[slot]) return 0;
      let score = 0;
      soft.forEach((c, i) => {
        const v = this.labelOf(h, c.col);
        const cnt = per[i].counts === null ? this.count(c.counter, slot) : (per[i].counts!.get(v) ?? 0);
        score += cnt * per[i].weight + (c.maxSkew - 1);
      });
      return roundHalfAway(score);
    });
    let min = Number.MAX_SAFE_INTEGER;
    let max = 0;
    raw.forEach((r, slot) => {
      if (!feasible[slot] || ignored[slot]) return;
      min = Math.min(min, r);
      max = Math.max(max, r);
    });
    return { raw, normalized: (slot) => (ignored[slot] ? 0 : spreadNormalized(raw[slot], min, max)) };
  }

  /** The "0/N hosts are available" histogram of a failed placement. */
  private histogram(c: ClassSpec, verdicts: HostVerdict[]): Failure {
    const tol = this.tolerated(c);
    return filterHistogram(verdicts, (slot) => this.hosts[slot].taints.find((t) => tol.hard.has(t))!);
  }

  // ---------------------------------------------------------------- Select, Commit, batches

  placeBatch(items: readonly BatchItem[], gangs: readonly GangSpec[] = [], options: BatchOptions = {}): BatchResult {
    const preemption = options.preempt ?? true;
    const starts: number[] = [];
    let total = 0;
    for (const it of items) {
      starts.push(total);
      total += it.count;
    }
    const hostOf = new Int32Array(total).fill(-1);
    const failures: (Failure | null)[] = items.map(() => null);
    const sequence: number[] = [];
    const evictions: Eviction[] = [];
    /** Place one instance: Admit, Filter/Score/Select, Commit — or preempt when nothing fits. */
    const attempt = (i: number, k: number, mayPreempt: boolean): void => {
      const cls = items[i].cls;
      let failure = this.admit(cls);
      if (!failure) {
        const verdicts = this.evaluate(cls);
        let best = selectBest(verdicts);
        if (best < 0 && mayPreempt && preemption) {
          const protectedRef = (ref: number) => ref >= 0 && items[this.itemOfInstance(starts, ref)].gang !== undefined;
          best = this.preempt(cls, verdicts, starts[i] + k, hostOf, sequence, evictions, protectedRef);
        }
        if (best < 0) failure = this.histogram(this.classes[cls], verdicts);
        else {
          this.commit(cls, best, 1, starts[i] + k);
          hostOf[starts[i] + k] = best;
          sequence.push(starts[i] + k);
        }
      }
      if (failure) failures[i] = failure;
    };
    for (const step of this.batchSteps(items, gangs)) {
      if (step.gang === undefined) {
        const [i, k] = step.instance!;
        // Capacity, quota usage and free capacity only shrink between preemptions, so an item
        // that failed would fail again: its remaining instances share the first failure.
        if (failures[i]) continue;
        attempt(i, k, !this.classes[items[i].cls].preemptNever);
        continue;
      }
      // A gang: every member instance in turn, no preemption; short of minMember, undo it all.
      const mark = sequence.length;
      let cause: Failure | null = null;
      for (const i of step.members!) {
        for (let k = 0; k < items[i].count && !failures[i]; k++) attempt(i, k, false);
        cause ??= failures[i];
      }
      const placed = sequence.length - mark;
      const needed = gangs[step.gang].minMember;
      if (placed < needed) {
        for (const idx of sequence.splice(mark).reverse()) {
          const i = this.itemOfInstance(starts, idx);
          this.release(items[i].cls, hostOf[idx]);
          hostOf[idx] = -1;
        }
        const failure: Failure = { kind: 'gang', gang: step.gang, placed, needed, cause };
        for (const i of step.members!) failures[i] = failure;
      }
    }
    return { hostOf, failures, sequence: Int32Array.from(sequence), evictions };
  }

  private itemOfInstance(starts: number[], idx: number): number {
    let i = 0;
    while (i + 1 < starts.length && starts[i + 1] <= idx) i++;
    return i;
  }

  /**
   * The batch as steps: per priority level (highest first), its gangs as units (ranked by their
   * first member), then the other instances in the OrderPolicy's order.
   */
  private batchSteps(
    items: readonly BatchItem[],
    gangs: readonly GangSpec[],
  ): { instance?: [number, number]; gang?: number; members?: number[] }[] {
    const prio = items.map((it) => this.classes[it.cls].priority);
    const order = this.instanceOrder(items.map((it) => (it.gang === undefined ? it : { ...it, count: 0 })));
    const rank = this.itemRank(items);
    // A gang is one unit at the priority of its most important member, its members in rank order.
    const members = new Map<number, number[]>();
    for (const i of rank) {
      const g = items[i].gang;
      if (g !== undefined && g < gangs.length) members.set(g, [...(members.get(g) ?? []), i]);
    }
    const levels = [...new Set(prio)].sort((a, b) => b - a);
    const steps: { instance?: [number, number]; gang?: number; members?: number[] }[] = [];
    for (const level of levels) {
      for (const [gang, m] of members) if (prio[m[0]] === level) steps.push({ gang, members: m });
      for (const [i, k] of order) if (prio[i] === level) steps.push({ instance: [i, k] });
    }
    return steps;
  }

  private itemRank(items: readonly BatchItem[]): number[] {
    const prio = items.map((it) => this.classes[it.cls].priority);
    const sizes = items.map((it) => (this.config.order === OrderPolicy.Input ? 0 : this.sizeKey(this.classes[it.cls])));
    return items.map((_, i) => i).sort((a, b) => prio[b] - prio[a] || sizes[b] - sizes[a] || a - b);
  }

  // ---------------------------------------------------------------- preemption

  /**
   * kube-scheduler's DefaultPreemption for a workload that fits nowhere: on every host whose
   * failure preemption could resolve, remove all lower-priority workloads; if it then fits (quota,
   * reservation and every filter re-checked), reprieve them greedily — PDB-violating first, most
   * important first — keeping as victims only those it cannot fit beside. Pick the host by the
   * tie-breakers (fewest PDB violations, lowest highest victim priority, smallest priority sum,
   * fewest victims, latest earliest start, first host); evict. Returns the host, or −1.
   */
  private preempt(
    cls: number,
    verdicts: HostVerdict[],
    by: number,
    hostOf: Int32Array,
    sequence: number[],
    evictions: Eviction[],
    protectedRef: (ref: number) => boolean,
  ): number {
    const c = this.classes[cls];
    const fits = (slot: number) => this.admit(cls) === null && this.evaluate(cls)[slot].reasons === 0;
    const important = (a: Unit, b: Unit) => this.classes[b.cls].priority - this.classes[a.cls].priority || a.stamp - b.stamp;
    const plans: { slot: number; victims: Unit[]; violations: number }[] = [];
    verdicts.forEach((v, slot) => {
      if (v.reasons === 0 || v.reasons & R_ABSENT || hostGradeOf(v.reasons) !== 'Unschedulable') return;
      // Gang members are never victims: their placement was all-or-nothing.
      const evictable = (u: Unit) => this.classes[u.cls].priority < c.priority && !this.classes[u.cls].gangMember && !protectedRef(u.ref);
      const lower = (this.units[slot] ?? []).filter(evictable).sort(important);
      if (lower.length === 0) return;
      const allowed = this.pdbAllowed();
      for (const u of lower) this.removeUnit(slot, u);
      if (!fits(slot)) {
        for (const u of lower) this.restoreUnit(slot, u);
        return;
      }
      const violating: Unit[] = [];
      const nonViolating: Unit[] = [];
      for (const u of lower) {
        let violates = false;
        for (const p of this.classes[u.cls].pdbs ?? []) if (--allowed[p] < 0) violates = true;
        (violates ? violating : nonViolating).push(u);
      }
      const victims: Unit[] = [];
      let violations = 0;
      for (const group of [violating, nonViolating]) {
        for (const u of group) {
          this.restoreUnit(slot, u);
          if (!fits(slot)) {
            this.removeUnit(slot, u);
            victims.push(u);
            if (group === violating) violations++;
          }
        }
      }
      for (const u of victims) this.restoreUnit(slot, u);
      plans.push({ slot, victims: victims.sort(important), violations });
    });
    if (plans.length === 0) return -1;
    const best = pickPreemptionHost(plans, (u) => this.classes[u.cls].priority);
    for (const u of best.victims) {
      this.removeUnit(best.slot, u);
      if (u.ref >= 0) hostOf[u.ref] = -1;
      sequence.push(-1 - evictions.length);
      evictions.push({ instance: u.ref, cls: u.cls, slot: best.slot, by });
    }
    return best.slot;
  }

  /** disruptionsAllowed per PodDisruptionBudget: healthy (placed matching workloads) − desired, at least 0. */
  private pdbAllowed(): number[] {
    const healthy = this.pdbDesired.map(() => 0);
    for (const units of this.units) for (const u of units ?? []) for (const p of this.classes[u.cls].pdbs ?? []) healthy[p]++;
    return this.pdbDesired.map((d, p) => Math.max(0, healthy[p] - d));
  }

  setPdbs(desiredHealthy: readonly number[]): void {
    this.pdbDesired = [...desiredHealthy];
  }

  /** Take one placed unit off its host (ledgers and all), keeping its identity for restoreUnit. */
  private removeUnit(slot: number, u: Unit): void {
    this.apply(u.cls, slot, -1);
    const list = this.units[slot];
    list.splice(list.indexOf(u), 1);
  }

  private restoreUnit(slot: number, u: Unit): void {
    this.apply(u.cls, slot, 1);
    // Keep the host's units in commit order (stamps ascending).
    const list = this.units[slot];
    let at = list.length;
    while (at > 0 && list[at - 1].stamp > u.stamp) at--;
    list.splice(at, 0, u);
  }

  /**
   * The order instances are attempted in (see OrderPolicy): by priority, then either each item's
   * instances spread evenly over the batch — instance k of n at (k + ½)/n — or items contiguous.
   * Ties follow the rank: larger first (FFD size), then input order.
   */
  private instanceOrder(items: readonly BatchItem[]): [number, number][] {
    const policy = this.config.order;
    const prio = items.map((it) => this.classes[it.cls].priority);
    const sizes = items.map((it) => (policy === OrderPolicy.Input ? 0 : this.sizeKey(this.classes[it.cls])));
    const rank = items.map((_, i) => i).sort((a, b) => prio[b] - prio[a] || sizes[b] - sizes[a] || a - b);
    const rankOf = new Array<number>(items.length);
    rank.forEach((item, r) => (rankOf[item] = r));
    const out: [number, number][] = [];
    for (const i of rank) for (let k = 0; k < items[i].count; k++) out.push([i, k]);
    if (policy !== OrderPolicy.Interleave) return out;
    // (2k_a + 1)/n_a vs (2k_b + 1)/n_b, exactly, by cross-multiplication.
    return out.sort(
      ([a, ka], [b, kb]) => prio[b] - prio[a] || (2 * ka + 1) * items[b].count - (2 * kb + 1) * items[a].count || rankOf[a] - rankOf[b],
    );
  }

  /** Σ_d req[d] / (largest host's allocatable in d): a workload's size relative to a host, for FFD. */
  private sizeKey(c: ClassSpec): number {
    let size = 0;
    for (let d = 0; d < MAX_DIMS; d++) {
      if (d === DIM_PODS) continue;
      const ref = this.maxAlloc(d);
      if (ref > 0 && c.req[d] > 0) size += c.req[d] / ref;
    }
    return size;
  }

  private maxAllocCache: number[] | null = null;
  private maxAlloc(d: number): number {
    if (!this.maxAllocCache) {
      this.maxAllocCache = zeroDims();
      for (const h of this.hosts)
        if (h?.present) for (let i = 0; i < MAX_DIMS; i++) this.maxAllocCache[i] = Math.max(this.maxAllocCache[i], h.alloc[i]);
    }
    return this.maxAllocCache[d];
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

  commitMany(cls: number, pairs: Int32Array): void {
    for (let k = 0; k < pairs.length; k += 2) this.commit(cls, pairs[k], pairs[k + 1]);
  }

  shiftLedgers(cls: number, slot: number, delta: number): void {
    this.apply(cls, slot, delta);
  }

  // ---------------------------------------------------------------- moves (rebalancing)

  /** Present, schedulable, with some of dimension d: the hosts the imbalance counts. */
  private counted(h: Host | undefined, d: number): h is Host {
    return !!h && h.present && !h.unschedulable && h.alloc[d] > 0;
  }

  /** Σu and Σu² over the counted hosts, slots ascending (the core's order, for identical doubles). */
  private sums(d: number): { n: number; s1: number; s2: number } {
    let n = 0;
    let s1 = 0;
    let s2 = 0;
    for (const h of this.hosts) {
      if (!this.counted(h, d)) continue;
      const u = h.used[d] / h.alloc[d];
      n++;
      s1 += u;
      s2 += u * u;
    }
    return { n, s1, s2 };
  }

  imbalance(dim: number): Imbalance {
    const { n, s1, s2 } = this.sums(dim);
    if (n === 0) return { hosts: 0, variance: 0 };
    const mean = s1 / n;
    return { hosts: n, variance: s2 / n - mean * mean };
  }

  moveTarget(cls: number, dim: number, exclude: number): MoveTarget {
    if (this.admit(cls)) return { slot: -2, variance: Infinity };
    const verdicts = this.evaluate(cls);
    const { n, s1, s2 } = this.sums(dim);
    const r = this.classes[cls].req[dim];
    let slot = -1;
    let best = Infinity;
    verdicts.forEach((v, h) => {
      const host = this.hosts[h];
      if (h === exclude || v.reasons !== 0 || !this.counted(host, dim)) return;
      const u = host.used[dim] / host.alloc[dim];
      const w = (host.used[dim] + r) / host.alloc[dim];
      const m = (s1 - u + w) / n;
      const variance = (s2 - u * u + w * w) / n - m * m;
      if (variance < best) {
        slot = h;
        best = variance;
      }
    });
    return { slot, variance: best };
  }

  /** Add (sign > 0) or remove (sign < 0) |sign| workloads of class cls on host slot. */
  private apply(cls: number, slot: number, sign: number): void {
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

  private chargeQuotas(c: ClassSpec, times: bigint): void {
    for (const q of c.quotas) {
      for (const e of this.quotaEntries[q] ?? []) {
        const delta = quotaDelta(c, this.entries[e]);
        if (delta !== null) this.entries[e].used += delta * times;
      }
    }
  }

  /** Add (sign +1) or remove (−1) host h's contribution max(0, alloc − used) to F, if schedulable. */
  private addFree(h: Host, sign: number): void {
    this.maxAllocCache = null;
    if (!h.present || h.unschedulable) return;
    for (let d = 0; d < MAX_DIMS; d++) {
      const f = h.alloc[d] - h.used[d];
      if (f > 0) this.free[d] += BigInt(sign * f);
    }
  }

  ledger(namespaces: number): Ledger {
    return {
      hosts: this.hosts.map((h) =>
        h?.present
          ? { used: h.used.map(BigInt), usedNonZeroCpu: BigInt(h.usedNonZeroCpu), usedNonZeroMem: BigInt(h.usedNonZeroMem) }
          : { used: zeroBig(), usedNonZeroCpu: 0n, usedNonZeroMem: 0n },
      ),
      quotaUsed: this.entries.map((e) => e.used),
      nsUsed: Array.from({ length: namespaces }, (_, ns) => (this.nsUsed[ns] ? [...this.nsUsed[ns]] : zeroBig())),
      free: [...this.free],
      counters: [...this.counters]
        .flatMap(([counter, m]) => [...m].filter(([, n]) => n !== 0).map(([slot, n]): [number, number, number] => [counter, slot, n]))
        .sort((a, b) => a[0] - b[0] || a[1] - b[1]),
    };
  }
}

/** Highest total score; ties go to the lowest slot (stable host order). */
export function selectBest(verdicts: HostVerdict[]): number {
  let best = -1;
  let bestScore = -1;
  verdicts.forEach((v, slot) => {
    if (v.reasons === 0 && v.total > bestScore) {
      best = slot;
      bestScore = v.total;
    }
  });
  return best;
}
