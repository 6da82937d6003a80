// What the core reads, encoded: constraint programs (format in core-wasm/assembly/constraints.ts),
// topology programs (core-wasm/assembly/topology.ts), and batch items with their quota charges,
// topology programs, PDB lists and flags, written into the core's item tables.

import {
  FIXED_DIMS,
  ITEM_GANG_MEMBER,
  ITEM_PREEMPT_NEVER,
  MAX_DIMS,
  SPREAD_HARD,
  SPREAD_HONOR_AFFINITY,
  SPREAD_HONOR_TAINTS,
  SPREAD_HOSTNAME,
  SPREAD_SELF_MATCH,
} from '../abi.js';
import type { BatchItem, ClassSpec, ConstraintSpec, QuotaEntrySpec, Requirement, TopologySpec } from '../contract.js';
import { quotaCharge } from '../rules/quota.js';
import type { CoreExports } from './module.js';
import type { CoreMemory } from './views.js';

/** Flatten a topology spec into the program format documented in core-wasm/assembly/topology.ts. */
export function encodeTopology(t: TopologySpec): number[] {
  const w: number[] = [t.counters.length, ...t.counters];
  w.push(t.requiredAffinity.length, t.affinitySelfMatch ? 1 : 0);
  for (const x of t.requiredAffinity) w.push(x.counter, x.col);
  w.push(t.requiredAnti.length);
  for (const x of t.requiredAnti) w.push(x.counter, x.col);
  w.push(t.preferred.length);
  for (const x of t.preferred) w.push(x.counter, x.col, x.weight);
  w.push(t.heldAnti.length);
  for (const x of t.heldAnti) w.push(x.counter, x.col);
  w.push(t.heldScore.length);
  for (const x of t.heldScore) w.push(x.counter, x.col, x.weight);
  w.push(t.spread.length);
  for (const c of t.spread) {
    const flags =
      (c.hard ? SPREAD_HARD : 0) |
      (c.selfMatch ? SPREAD_SELF_MATCH : 0) |
      (c.honorAffinity ? SPREAD_HONOR_AFFINITY : 0) |
      (c.honorTaints ? SPREAD_HONOR_TAINTS : 0) |
      (c.hostname ? SPREAD_HOSTNAME : 0);
    w.push(c.counter, c.col, c.maxSkew, c.minDomains, flags);
  }
  return w;
}

/** Flatten a constraint into the program format documented in core-wasm/assembly/constraints.ts. */
export function encodeConstraint(spec: ConstraintSpec): number[] {
  const w: number[] = [];
  const req = (r: Requirement) => {
    const num = BigInt.asUintN(64, r.num);
    w.push(r.col, r.op, r.values.length, ...r.values, Number(num & 0xffffffffn) | 0, Number(num >> 32n) | 0);
  };
  w.push(spec.selector.length);
  spec.selector.forEach(req);
  if (spec.required === null) w.push(-1);
  else {
    w.push(spec.required.length);
    for (const term of spec.required) {
      w.push(term.length);
      term.forEach(req);
    }
  }
  w.push(spec.preferred.length);
  for (const p of spec.preferred) {
    w.push(p.weight, p.reqs.length);
    p.reqs.forEach(req);
  }
  w.push(spec.tolerations.length);
  for (const t of spec.tolerations) w.push(t.key, t.op, t.value, t.effect);
  return w;
}

/** One quota charge of a workload: the entry and the amount (rules/quota.ts's quotaCharge). */
export interface Charge {
  entry: number;
  amount: bigint;
}

/**
 * The quota entries, by quota, and what a class is charged. Charges are cached per ClassSpec
 * object: the front gives a class a new spec when the quotas that apply to it change.
 */
export class QuotaBook {
  entries: QuotaEntrySpec[] = [];
  private byQuota: number[][] = [];
  private cache = new WeakMap<ClassSpec, Charge[]>();

  set(entries: QuotaEntrySpec[], quotaCount: number): void {
    this.entries = entries;
    this.byQuota = Array.from({ length: quotaCount }, () => []);
    entries.forEach((e, i) => this.byQuota[e.quota].push(i));
  }

  /** The entries of quota q, in definition order. */
  entriesOf(q: number): readonly number[] {
    return this.byQuota[q] ?? [];
  }

  /**
   * The class's quota charges, grouped by quota in evaluation order: what admission checks and a
   * commit adds (rules/quota.ts quotaCharge; a zero charge would add nothing and must not be checked).
   */
  chargesOf(c: ClassSpec): Charge[] {
    let list = this.cache.get(c);
    if (!list) {
      list = [];
      for (const q of c.quotas)
        for (const e of this.entriesOf(q)) {
          const amount = quotaCharge(c, this.entries[e]);
          if (amount !== null) list.push({ entry: e, amount });
        }
      this.cache.set(c, list);
    }
    return list;
  }
}

/** Writes batch items into the core's item tables (sized by prepareItems). */
export class ItemWriter {
  private topologyCache = new WeakMap<ClassSpec, number[] | null>();

  constructor(
    private readonly x: CoreExports,
    private readonly mem: CoreMemory,
    private readonly classes: readonly ClassSpec[],
    private readonly quotas: QuotaBook,
  ) {}

  /** Items i = 0..n−1 of the next core call: requests, charges, topology and PDB words, class, flags, gang. */
  write(items: readonly BatchItem[]): void {
    let dims = FIXED_DIMS;
    let charges = 0;
    let topoWords = 0;
    for (const it of items) {
      const c = this.classes[it.cls];
      for (let d = MAX_DIMS - 1; d >= dims; d--) if (c.req[d] !== 0) dims = d + 1;
      charges += this.quotas.chargesOf(c).length;
      topoWords += (this.topologyOf(c)?.length ?? 0) + (c.pdbs?.length ? c.pdbs.length + 1 : 0);
    }
    this.x.prepareItems(items.length, dims, charges, topoWords);
    this.mem.refresh();
    const L = this.mem.L;
    const n = L.itemCap;
    const {
      req,
      nzCpu,
      nzMem,
      ns,
      prio,
      strategy,
      constraint,
      count,
      chargeOff,
      chargeLen,
      topoOff,
      pdbOff,
      cls: clsOf,
      flags,
      gang,
    } = this.mem.itemViews();
    const chargeEntry = charges > 0 ? this.mem.i32(L.chargeEntry, charges) : null;
    const chargeAmount = charges > 0 ? this.mem.i64(L.chargeAmount, charges) : null;
    const topoPool = topoWords > 0 ? this.mem.i32(L.topoPool, topoWords) : null;
    let k = 0;
    let tw = 0;
    items.forEach((it, i) => {
      const c = this.classes[it.cls];
      for (let d = 0; d < dims; d++) req[d * n + i] = c.req[d];
      nzCpu[i] = c.nzCpu;
      nzMem[i] = c.nzMem;
      ns[i] = c.ns;
      prio[i] = c.priority;
      strategy[i] = c.strategy;
      constraint[i] = c.constraint;
      count[i] = it.count;
      chargeOff[i] = k;
      for (const ch of this.quotas.chargesOf(c)) {
        chargeEntry![k] = ch.entry;
        chargeAmount![k] = ch.amount;
        k++;
      }
      chargeLen[i] = k - chargeOff[i];
      const words = this.topologyOf(c);
      if (words) {
        topoOff[i] = tw;
        topoPool!.set(words, tw);
        tw += words.length;
      } else topoOff[i] = -1;
      if (c.pdbs?.length) {
        pdbOff[i] = tw;
        topoPool![tw++] = c.pdbs.length;
        for (const p of c.pdbs) topoPool![tw++] = p;
      } else pdbOff[i] = -1;
      clsOf[i] = it.cls;
      flags[i] = (c.preemptNever ? ITEM_PREEMPT_NEVER : 0) | (c.gangMember ? ITEM_GANG_MEMBER : 0);
      gang[i] = it.gang ?? -1;
    });
  }

  private topologyOf(c: ClassSpec): number[] | null {
    let words = this.topologyCache.get(c);
    if (words === undefined) {
      words = c.topology ? encodeTopology(c.topology) : null;
      this.topologyCache.set(c, words);
    }
    return words;
  }
}
