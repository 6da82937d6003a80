// Capacity headroom: how many more replicas of a workload fit now, and what stops the next one —
// kubernetes-sigs/cluster-capacity's question, answered by a real placement run with every rule
// (quota, the reservation rule, namespace policy, filters, affinity, spread, priorities), never by
// arithmetic on totals. The replicas are placed as one batch without preemption (headroom is room
// that is free, not room that could be taken) and released again: the state is as before.

import type { WorkloadTemplate } from '../../model/types.js';
import type { CapacityOptions, CapacityReport, Compiled, Headroom } from './api.js';
import type { Catalog } from './catalog.js';
import type { ClassCompiler } from './compiler.js';
import { type Backend, type BatchResult, MAX_DIMS } from './contract.js';
import { andTerms } from './rules/node-affinity.js';
import { failureGrade } from './rules/preemption.js';
import { quotaCharge } from './rules/quota.js';
import type { Wording } from './wording.js';

/** The zone label kube-scheduler's default spreading uses. */
export const ZONE_KEY = 'topology.kubernetes.io/zone';

/** How many replicas one run may try at most, whatever the bounds say (a run costs about a microsecond each). */
const MAX_TRIED = 10_000_000;

export class Capacity {
  constructor(
    private readonly catalog: Catalog,
    private readonly compiler: ClassCompiler,
    private readonly wording: Wording,
    private readonly backend: Backend,
  ) {}

  /**
   * The headroom of `t` in its namespace (every rule), the cluster's room for it with its
   * namespace's quotas aside, and per zone (every value of the zone label among the hosts).
   */
  report(t: WorkloadTemplate, opts: CapacityOptions = {}): CapacityReport {
    const zoneKey = opts.zoneKey ?? ZONE_KEY;
    const zones = new Set<string>();
    for (const h of this.catalog.hosts) if (h.present && h.obj.labels.has(zoneKey)) zones.add(h.obj.labels.get(zoneKey)!);
    const c = this.compiler.prepare(t);
    const quotaFree: Compiled = c.rejectedByQuota ? { ...c, rejected: undefined } : c;
    return {
      template: t,
      headroom: this.headroom(c, opts.limit),
      quotaFree: this.headroom({ ...quotaFree, cls: this.compiler.quotaFree(c.cls) }, opts.limit),
      zones: [...zones].sort().map((zone) => {
        const inZone = { ...t, requiredAffinity: andTerms(t.requiredAffinity, [{ key: zoneKey, operator: 'In', values: [zone] }]) };
        return { zone, headroom: this.headroom(this.compiler.prepare(inZone), opts.limit) };
      }),
    };
  }

  /**
   * How many more replicas of the compiled workload `c` the cluster takes now: a batch of one
   * more than can possibly fit (or `limit`), placed and released again; the first replica that
   * does not fit says why.
   */
  private headroom(c: Compiled, limit = MAX_TRIED): Headroom {
    if (c.rejected) return { count: 0, stoppedBy: { message: c.rejected, grade: 'UnschedulableAndUnresolvable' } };
    // One more than can possibly fit, so the last one fails and says why — unless the limit comes first.
    const fits = this.upperBound(c.cls);
    const tried = fits < limit ? fits + 1 : limit;
    let result: BatchResult | undefined;
    try {
      result = this.backend.placeBatch([{ cls: c.cls, count: tried }], [], { preempt: false });
    } finally {
      // A release takes the newest units of the class on the host: exactly the batch's.
      if (result) this.backend.releaseMany(c.cls, slotCounts(result.hostOf));
    }
    let count = 0;
    for (const slot of result.hostOf) if (slot >= 0) count++;
    const f = result.failures[0];
    if (!f) return { count, stoppedBy: null }; // the limit, not the cluster, stopped the run
    return { count, stoppedBy: { message: this.wording.failureMessage(c.cls, f), grade: failureGrade(f) } };
  }

  /**
   * No more replicas of class `cls` can fit than the free room of any requested resource counted
   * host by host (every replica takes a pod slot, so the free slots bound it too), or than any
   * applicable quota entry leaves.
   */
  private upperBound(cls: number): number {
    const spec = this.compiler.classes[cls].spec;
    const ledger = this.backend.ledger(0);
    let bound = MAX_TRIED;
    for (let d = 0; d < MAX_DIMS; d++) {
      const q = spec.req[d];
      if (q === 0) continue;
      let fit = 0;
      this.catalog.hosts.forEach((h, slot) => {
        if (!h.present) return;
        const free = this.catalog.allocatableOf(slot, d) - (ledger.hosts[slot]?.used[d] ?? 0n);
        if (free > 0n) fit += Number(free / BigInt(q));
      });
      bound = Math.min(bound, fit);
    }
    const used = ledger.quotaUsed;
    for (const q of spec.quotas) {
      for (const e of this.catalog.quotas[q].entries) {
        const charge = quotaCharge(spec, this.catalog.entries[e]);
        if (charge === null) continue;
        const left = this.catalog.entries[e].hard - used[e];
        bound = Math.min(bound, left <= 0n ? 0 : Number(left / charge));
      }
    }
    return bound;
  }
}

/** The placed instances of a batch as (slot, count) pairs, −1 (not placed) left out. */
function slotCounts(hostOf: Int32Array): Int32Array {
  const counts = new Map<number, number>();
  for (const slot of hostOf) if (slot >= 0) counts.set(slot, (counts.get(slot) ?? 0) + 1);
  const pairs = new Int32Array(2 * counts.size);
  let k = 0;
  for (const [slot, n] of counts) {
    pairs[k++] = slot;
    pairs[k++] = n;
  }
  return pairs;
}
