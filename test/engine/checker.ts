// An independent checker: recomputes every ledger from the scenario and the placements alone, and
// verifies the promises placer makes about any placement it chooses — no host overcommitted in a
// dimension it charged, no quota exceeded, the reservation invariant F ≥ Σ U kept, every hard
// constraint (cordon, taints, node selector, required affinity) satisfied. A test oracle: it
// re-implements those rules on purpose and shares no code with either engine.

import {
  DIM_PODS,
  Effect,
  Kind,
  MAX_DIMS,
  QuotaSource,
  SelectorOp,
  TolerationOp,
  type Backend,
  type BatchResult,
  type ClassSpec,
  type Ledger,
  type Requirement,
} from '../../core-wasm/src/contract.js';
import type { Scenario } from './arbitraries.js';

interface Placement {
  cls: number;
  slot: number;
  fresh: boolean;
}

function placementsOf(s: Scenario, batch: BatchResult): Placement[] {
  const out: Placement[] = s.bound
    .filter((p) => !s.removed.includes(p.slot))
    .flatMap((p) => Array.from({ length: p.count }, () => ({ cls: p.cls, slot: p.slot, fresh: false })));
  // Workloads placed before the batch and preempted by it are gone.
  for (const e of batch.evictions) {
    if (e.instance >= 0) continue;
    const at = out.findIndex((p) => !p.fresh && p.cls === e.cls && p.slot === e.slot);
    if (at < 0) throw new Error(`checker: eviction of class ${e.cls} on host ${e.slot}, which held none`);
    out.splice(at, 1);
  }
  let p = 0;
  for (const it of s.batch) {
    for (let j = 0; j < it.count; j++) if (batch.hostOf[p + j] >= 0) out.push({ cls: it.cls, slot: batch.hostOf[p + j], fresh: true });
    p += it.count;
  }
  return out;
}

function delta(c: ClassSpec, source: QuotaSource, dim: number): bigint | null {
  if (source === QuotaSource.Requests) return c.reqPresent & (1 << dim) ? BigInt(c.req[dim]) : null;
  if (source === QuotaSource.Limits) return c.limPresent & (1 << dim) ? BigInt(c.lim[dim]) : null;
  if (source === QuotaSource.PodCount) return c.kind === Kind.Pod ? 1n : null;
  return c.kind === Kind.VirtualMachine ? 1n : null;
}

interface Books {
  used: bigint[][];
  nzCpu: bigint[];
  nzMem: bigint[];
  nsUsed: bigint[][];
  quotaUsed: bigint[];
}

function books(s: Scenario, placements: Placement[]): Books {
  const used = s.hosts.map(() => new Array<bigint>(MAX_DIMS).fill(0n));
  const nzCpu = s.hosts.map(() => 0n);
  const nzMem = s.hosts.map(() => 0n);
  const nsUsed = Array.from({ length: s.namespaces }, () => new Array<bigint>(MAX_DIMS).fill(0n));
  const quotaUsed = s.entries.map(() => 0n);
  for (const p of placements) {
    const c = s.classes[p.cls];
    for (let d = 0; d < MAX_DIMS; d++) {
      used[p.slot][d] += BigInt(c.req[d]);
      nsUsed[c.ns][d] += BigInt(c.req[d]);
    }
    nzCpu[p.slot] += BigInt(c.nzCpu);
    nzMem[p.slot] += BigInt(c.nzMem);
    s.entries.forEach((e, i) => {
      if (!c.quotas.includes(e.quota)) return;
      const v = delta(c, e.source, e.dim);
      if (v !== null) quotaUsed[i] += v;
    });
  }
  return { used, nzCpu, nzMem, nsUsed, quotaUsed };
}

function freeAndUnused(s: Scenario, b: Books): { free: bigint[]; unused: bigint[] } {
  const free = new Array<bigint>(MAX_DIMS).fill(0n);
  s.hosts.forEach((h, slot) => {
    if (h.unschedulable || s.removed.includes(slot)) return;
    for (let d = 0; d < MAX_DIMS; d++) {
      const f = BigInt(h.alloc[d]) - b.used[slot][d];
      if (f > 0n) free[d] += f;
    }
  });
  const unused = new Array<bigint>(MAX_DIMS).fill(0n);
  s.reservations.forEach((r, ns) => {
    for (let d = 0; d < MAX_DIMS; d++) {
      const u = r[d] - b.nsUsed[ns][d];
      if (u > 0n) unused[d] += u;
    }
  });
  return { free, unused };
}

function matches(s: Scenario, slot: number, r: Requirement): boolean {
  const v = s.hosts[slot].labels[r.col] ?? 0;
  switch (r.op) {
    case SelectorOp.In:
      return v !== 0 && r.values.includes(v);
    case SelectorOp.NotIn:
      return v === 0 || !r.values.includes(v);
    case SelectorOp.Exists:
      return v !== 0;
    case SelectorOp.DoesNotExist:
      return v === 0;
    default: {
      const n = v === 0 ? null : s.labelNumbers[v];
      if (n === null || n === undefined) return false;
      return r.op === SelectorOp.Gt ? n > r.num : n < r.num;
    }
  }
}

function hardConstraintsHold(s: Scenario, c: ClassSpec, slot: number): string | null {
  const k = s.constraints[c.constraint];
  const h = s.hosts[slot];
  const tolerated = (id: number) => {
    const t = s.taints[id];
    return k.tolerations.some(
      (tol) =>
        (tol.effect === Effect.Any || tol.effect === t.effect) &&
        (tol.key === -1 || tol.key === t.key) &&
        (tol.op === TolerationOp.Exists || tol.value === t.value),
    );
  };
  if (h.unschedulable && !tolerated(0)) return 'placed on a cordoned host';
  for (const id of h.taints)
    if (s.taints[id].effect !== Effect.PreferNoSchedule && !tolerated(id)) return `placed despite untolerated taint ${id}`;
  if (!k.selector.every((r) => matches(s, slot, r))) return 'node selector does not match';
  if (k.required && !k.required.some((term) => term.length > 0 && term.every((r) => matches(s, slot, r))))
    return 'required node affinity does not match';
  return null;
}

/**
 * Replay the batch's commits in order and verify, before each, that the workload's required
 * topology constraints held on its host at that moment: PodTopologySpread (DoNotSchedule) skew and
 * keys, required pod affinity (with the first-of-a-group exception), required anti-affinity, and
 * placed workloads' anti-affinity.
 */
function checkTopologyReplay(s: Scenario, batch: BatchResult): void {
  const counters = new Map<string, number>();
  const get = (c: number, slot: number) => counters.get(`${c}/${slot}`) ?? 0;
  const add = (c: number, slot: number, n: number) => counters.set(`${c}/${slot}`, get(c, slot) + n);
  for (const [c, slot, n] of s.backfill) add(c, slot, n);
  for (const p of s.bound)
    if (!s.removed.includes(p.slot)) for (const c of s.classes[p.cls].topology?.counters ?? []) add(c, p.slot, p.count);
  const present = (slot: number) => !s.removed.includes(slot);
  const label = (slot: number, col: number) => s.hosts[slot].labels[col] ?? 0;
  const slots = s.hosts.map((_, i) => i).filter(present);
  const domainSum = (counter: number, col: number, v: number, include: (slot: number) => boolean = () => true) =>
    slots.filter((h) => label(h, col) === v && include(h)).reduce((a, h) => a + get(counter, h), 0);
  const itemOf: number[] = [];
  s.batch.forEach((it, i) => {
    for (let k = 0; k < it.count; k++) itemOf.push(i);
  });
  // Where each instance was committed: its final host, or the host it was evicted from.
  const commitHost = new Map<number, number>();
  for (const e of batch.evictions) if (e.instance >= 0) commitHost.set(e.instance, e.slot);
  for (const idx of batch.sequence) {
    if (idx < 0) {
      // An eviction: a lower-priority workload leaves its host before the preemptor arrives.
      const e = batch.evictions[-1 - idx];
      const victim = s.classes[e.cls];
      const preemptor = s.classes[s.batch[itemOf[e.by]].cls];
      if (victim.priority >= preemptor.priority)
        throw new Error(`checker: a workload of priority ${victim.priority} was preempted by one of priority ${preemptor.priority}`);
      if (preemptor.preemptNever) throw new Error('checker: a preemptionPolicy Never workload preempted');
      if (e.instance >= 0 && batch.hostOf[e.instance] !== -1) throw new Error(`checker: evicted instance ${e.instance} still has a host`);
      for (const counter of victim.topology?.counters ?? []) add(counter, e.slot, -1);
      continue;
    }
    const slot = commitHost.get(idx) ?? batch.hostOf[idx];
    const c = s.classes[s.batch[itemOf[idx]].cls];
    const t = c.topology;
    if (t) {
      const k = s.constraints[c.constraint];
      const hard = t.spread.filter((x) => x.hard);
      const allKeys = (h: number) => hard.every((x) => label(h, x.col) !== 0);
      const nodeOk = (h: number) =>
        k.selector.every((r) => matches(s, h, r)) &&
        (!k.required || k.required.some((term) => term.length > 0 && term.every((r) => matches(s, h, r))));
      const untolerated = (h: number) =>
        s.hosts[h].taints.some((id) => {
          const tt = s.taints[id];
          if (tt.effect === Effect.PreferNoSchedule) return false;
          return !k.tolerations.some(
            (tol) =>
              (tol.effect === Effect.Any || tol.effect === tt.effect) &&
              (tol.key === -1 || tol.key === tt.key) &&
              (tol.op === TolerationOp.Exists || tol.value === tt.value),
          );
        });
      for (const x of hard) {
        const v = label(slot, x.col);
        if (v === 0) throw new Error(`checker: instance ${idx} on host ${slot} lacks spread key column ${x.col}`);
        const eligible = (h: number) => allKeys(h) && (!x.honorAffinity || nodeOk(h)) && (!x.honorTaints || !untolerated(h));
        const domains = [...new Set(slots.filter(eligible).map((h) => label(h, x.col)))];
        let min = domains.length === 0 ? 2 ** 31 - 1 : Math.min(...domains.map((d) => domainSum(x.counter, x.col, d, eligible)));
        if (domains.length < x.minDomains) min = 0;
        const skew = domainSum(x.counter, x.col, v, eligible) + (x.selfMatch ? 1 : 0) - min;
        if (skew > x.maxSkew) throw new Error(`checker: instance ${idx} on host ${slot} breaks maxSkew ${x.maxSkew} (skew ${skew})`);
      }
      if (t.requiredAffinity.length > 0) {
        const anyMatch = t.requiredAffinity.some((term) => slots.some((h) => label(h, term.col) !== 0 && get(term.counter, h) > 0));
        for (const term of t.requiredAffinity) {
          const v = label(slot, term.col);
          if (v === 0) throw new Error(`checker: instance ${idx} on host ${slot} lacks affinity key column ${term.col}`);
        }
        const podsExist = t.requiredAffinity.every(
          (term) =>
            t.requiredAffinity
              .filter((o) => o.col === term.col)
              .reduce((a, o) => a + domainSum(o.counter, o.col, label(slot, term.col)), 0) > 0,
        );
        if (!podsExist && !(!anyMatch && t.affinitySelfMatch))
          throw new Error(`checker: instance ${idx} on host ${slot} breaks required pod affinity`);
      }
      for (const term of [...t.requiredAnti, ...t.heldAnti]) {
        const v = label(slot, term.col);
        if (v === 0) continue;
        if (domainSum(term.counter, term.col, v) > 0)
          throw new Error(
            `checker: instance ${idx} on host ${slot} breaks required anti-affinity (counter ${term.counter}, column ${term.col})`,
          );
      }
    }
    for (const counter of t?.counters ?? []) add(counter, slot, 1);
  }
}

/** A gang either placed at least minMember members or none at all. */
function checkGangs(s: Scenario, batch: BatchResult): void {
  s.gangs.forEach((g, id) => {
    let placed = 0;
    let p = 0;
    let failedAsGang = false;
    s.batch.forEach((it, i) => {
      if (it.gang === id) {
        for (let k = 0; k < it.count; k++) if (batch.hostOf[p + k] >= 0) placed++;
        if (batch.failures[i]?.kind === 'gang') failedAsGang = true;
      }
      p += it.count;
    });
    if (failedAsGang && placed > 0) throw new Error(`checker: failed gang ${id} left ${placed} members placed`);
    if (!failedAsGang && placed > 0 && placed < g.minMember)
      throw new Error(`checker: gang ${id} placed ${placed} < minMember ${g.minMember}`);
  });
}

/** Throws with a description of the first broken promise. */
export function check(s: Scenario, batch: BatchResult, after: Ledger): void {
  checkTopologyReplay(s, batch);
  checkGangs(s, batch);
  const all = placementsOf(s, batch);
  const beforeBooks = books(
    s,
    all.filter((p) => !p.fresh),
  );
  const afterBooks = books(s, all);
  const fail = (msg: string) => {
    throw new Error(`checker: ${msg}`);
  };
  // Ledgers equal a recomputation from the placements.
  s.hosts.forEach((_, slot) => {
    for (let d = 0; d < MAX_DIMS; d++)
      if (after.hosts[slot].used[d] !== afterBooks.used[slot][d])
        fail(`host ${slot} dim ${d}: ledger ${after.hosts[slot].used[d]}, recomputed ${afterBooks.used[slot][d]}`);
    if (after.hosts[slot].usedNonZeroCpu !== afterBooks.nzCpu[slot]) fail(`host ${slot} non-zero cpu differs`);
    if (after.hosts[slot].usedNonZeroMem !== afterBooks.nzMem[slot]) fail(`host ${slot} non-zero memory differs`);
  });
  afterBooks.quotaUsed.forEach(
    (u, e) => u !== after.quotaUsed[e] && fail(`quota entry ${e}: ledger ${after.quotaUsed[e]}, recomputed ${u}`),
  );
  afterBooks.nsUsed.forEach((row, ns) => row.forEach((u, d) => u !== after.nsUsed[ns][d] && fail(`namespace ${ns} dim ${d} differs`)));
  const { free, unused } = freeAndUnused(s, afterBooks);
  free.forEach((f, d) => f !== after.free[d] && fail(`F[${d}]: ledger ${after.free[d]}, recomputed ${f}`));
  // Every fresh placement: present host, hard constraints, capacity in every dimension it charged.
  const fresh = all.filter((p) => p.fresh);
  for (const p of fresh) {
    const c = s.classes[p.cls];
    if (s.removed.includes(p.slot)) fail(`placed on removed host ${p.slot}`);
    const broken = hardConstraintsHold(s, c, p.slot);
    if (broken) fail(`class ${p.cls} on host ${p.slot}: ${broken}`);
    for (let d = 0; d < MAX_DIMS; d++) {
      if ((c.req[d] > 0 || d === DIM_PODS) && afterBooks.used[p.slot][d] > BigInt(s.hosts[p.slot].alloc[d]))
        fail(`host ${p.slot} overcommitted in dim ${d}`);
    }
  }
  // Quotas charged by fresh placements stay within hard. A zero charge is no charge: the quota
  // admission drops zero usage before comparing, so it may join a key already over its limit.
  s.entries.forEach((e, i) => {
    const charged = fresh.some((p) => {
      const amount = delta(s.classes[p.cls], e.source, e.dim);
      return s.classes[p.cls].quotas.includes(e.quota) && amount !== null && amount !== 0n;
    });
    if (charged && afterBooks.quotaUsed[i] > e.hard) fail(`quota entry ${i} exceeded: ${afterBooks.quotaUsed[i]} > ${e.hard}`);
  });
  // The reservation invariant F ≥ Σ U is kept wherever it held.
  const before = freeAndUnused(s, beforeBooks);
  for (let d = 0; d < MAX_DIMS; d++) {
    if (before.free[d] >= before.unused[d] && free[d] < unused[d])
      fail(`reservation invariant broken in dim ${d}: F=${free[d]} < ΣU=${unused[d]}`);
  }
}

/**
 * Replays a plan's moves one by one through `execute`, each checked as a batch of one against the
 * cluster as the moves before it left it: every move must be a placement the rules allow there.
 */
export function checkMoveSequence<M extends { cls: number; from: number; to: number }>(
  b: Backend,
  s: Scenario,
  residents: readonly { cls: number; slot: number; count: number }[],
  moves: readonly M[],
  execute: (m: M) => void,
): void {
  const current = residents.map((r) => ({ cls: r.cls, slot: r.slot, count: r.count }));
  for (const m of moves) {
    const from = current.find((r) => r.cls === m.cls && r.slot === m.from && r.count > 0);
    if (!from) throw new Error(`checker: a move of class ${m.cls} from host ${m.from}, which holds none`);
    from.count--;
    execute(m);
    const step: Scenario = { ...s, bound: current.filter((r) => r.count > 0), batch: [{ cls: m.cls, count: 1 }], gangs: [] };
    check(step, { hostOf: Int32Array.of(m.to), failures: [null], sequence: Int32Array.of(0), evictions: [] }, b.ledger(s.namespaces));
    current.push({ cls: m.cls, slot: m.to, count: 1 });
  }
}
