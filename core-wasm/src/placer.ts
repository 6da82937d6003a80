// Placing and un-placing by name: workloads that already run somewhere (restarts, pods bound
// elsewhere), a batch of templates placed together in the backend (its outcomes and the evictions
// its preemption made), the extender's bind (checked first), and release.

import type { WorkloadTemplate } from '../../model/types.js';
import type { EvictionReport, Outcome, Placed } from './api.js';
import type { Assessor } from './assessor.js';
import type { Catalog } from './catalog.js';
import type { ClassCompiler } from './compiler.js';
import { type Backend, type BatchItem, MAX_DIMS } from './contract.js';
import { admitBatch, holdFailoverRoom, wordHeldRoom } from './failover-batch.js';
import type { FailoverReport } from './failover-api.js';
import type { FailoverGuard } from './failover-guard.js';
import { improvePacking, packable } from './packing.js';
import type { Resident, Residents } from './residents.js';
import { desiredHealthy, pdbSelects } from './rules/disruption.js';
import { GangIndex } from './rules/gangs.js';
import { failureGrade } from './rules/preemption.js';
import type { Wording } from './wording.js';

export class Placer {
  constructor(
    private readonly catalog: Catalog,
    private readonly compiler: ClassCompiler,
    private readonly residents: Residents,
    private readonly wording: Wording,
    private readonly assessor: Assessor,
    private readonly backend: Backend,
    /** Workloads the packing phase may place again after a batch with MostAllocated classes (0: none). */
    private readonly packingEffort: number,
    private readonly guard: FailoverGuard,
    /** The failover report, for the words of a workload the held room kept out. */
    private readonly failoverReport: () => FailoverReport,
  ) {}

  /** Commit every instance that already runs on a host (pod spec.nodeName, VM status.nodeName). */
  bindExisting(templates: readonly WorkloadTemplate[]): void {
    for (const t of templates) {
      // One backend call per template, counts per host: restarts replay a million placements.
      const n = t.instances.length;
      const slots = new Int32Array(n).fill(-1);
      const counts = new Map<number, number>();
      for (let j = 0; j < n; j++) {
        const host = t.instances[j].boundHost;
        if (host === undefined) continue;
        const slot = this.catalog.boundSlot(t, j, host);
        slots[j] = slot;
        counts.set(slot, (counts.get(slot) ?? 0) + 1);
      }
      if (counts.size === 0) continue;
      const { cls } = this.compiler.prepare(t);
      const pairs = new Int32Array(2 * counts.size);
      let k = 0;
      for (const [slot, c] of counts) {
        pairs[k++] = slot;
        pairs[k++] = c;
      }
      this.residents.addBound(cls, t, slots, counts);
      this.backend.commitMany(cls, pairs);
    }
  }

  /**
   * Place every unbound instance of `templates` in one batch. Bound instances (see bindExisting)
   * are reported with their host. One outcome per template, in input order, and the evictions.
   * `packingEffort`, when given, is this batch's instead of the engine's.
   */
  place(templates: readonly WorkloadTemplate[], packingEffort = this.packingEffort): Placed {
    const outcomes: Outcome[] = templates.map((template) => ({
      template,
      hosts: template.instances.map((inst) => inst.boundHost ?? null),
      placed: template.instances.map(() => false),
      failure: null,
      preemptedBy: template.instances.map(() => null),
    }));
    const evictions: EvictionReport[] = [];
    const items: BatchItem[] = [];
    const itemOf: { outcome: number; instances: number[] }[] = [];
    const gangs = new GangIndex();
    templates.forEach((t, i) => {
      const pending = t.instances.flatMap((inst, j) => (inst.boundHost === undefined ? [j] : []));
      if (pending.length === 0) return;
      const c = this.compiler.compile(t);
      if (c.rejected) {
        outcomes[i].failure = { message: c.rejected, grade: 'UnschedulableAndUnresolvable' };
        return;
      }
      const item: BatchItem = { cls: c.cls, count: pending.length };
      if (t.gang) item.gang = gangs.idOf(t.gang.name, t.gang.minMember);
      items.push(item);
      itemOf.push({ outcome: i, instances: pending });
    });
    if (items.length === 0) return { outcomes, evictions, packing: undefined };
    this.compiler.sync();
    this.backend.setPdbs(this.pdbDesired(templates));
    const gangNames = gangs.names();
    // Namespace HA: the batch places around the room held for failover (failover-batch.ts).
    const guarded = this.guard.active()
      ? {
          catalog: this.catalog,
          compiler: this.compiler,
          backend: this.backend,
          guard: this.guard,
          wording: this.wording,
          report: this.failoverReport,
        }
      : null;
    const held = guarded ? holdFailoverRoom(guarded) : null;
    let result;
    let packing: Placed['packing'];
    try {
      result = this.backend.placeBatch(items, gangs.specs);
      if (packingEffort > 0 && items.some((it) => packable(this.compiler.classes[it.cls].spec))) {
        const improved = improvePacking(
          this.backend,
          { items, spec: (cls) => this.compiler.classes[cls].spec, alloc: this.allocatable(), effort: packingEffort },
          result,
        );
        result = improved.result;
        packing = improved.report;
      }
    } finally {
      held?.release();
    }
    // Instance index → (outcome, instance) for naming preemptors and batch victims.
    const where: { outcome: number; j: number }[] = [];
    const itemCls: number[] = [];
    items.forEach((it, k) =>
      itemOf[k].instances.forEach((j) => {
        where.push({ outcome: itemOf[k].outcome, j });
        itemCls.push(it.cls);
      }),
    );
    const who = (i: number) => ({ t: outcomes[where[i].outcome].template, j: where[i].j });
    if (guarded) {
      // failover admission reads who runs where: the batch's placements are residents first
      result.hostOf.forEach((slot, i) => slot >= 0 && this.residents.add(itemCls[i], slot, who(i).t, who(i).j));
      admitBatch(guarded, items, gangs.specs, result, held!.takenBack, who, {
        place: (i, slot) => this.residents.add(itemCls[i], slot, who(i).t, who(i).j),
        unplace: (i, slot) => {
          const { t, j } = who(i);
          this.residents.remove(itemCls[i], slot, (r) => r.t === t && r.j === j);
        },
      });
      // a workload the held room kept out says so (failover-batch.ts)
      const starts: number[] = [];
      items.reduce((p, it) => (starts.push(p), p + it.count), 0);
      wordHeldRoom(guarded, items, result, (k) => {
        const n = Math.max(
          0,
          itemOf[k].instances.findIndex((_, m) => result.hostOf[starts[k] + m] < 0),
        );
        return { t: outcomes[itemOf[k].outcome].template, j: itemOf[k].instances[n] };
      });
    }
    const nameOf = (instance: number) => {
      const w = where[instance];
      const t = outcomes[w.outcome].template;
      return `${t.namespace}/${t.instances[w.j].name}`;
    };
    let p = 0;
    items.forEach((it, k) => {
      const { outcome, instances } = itemOf[k];
      const o = outcomes[outcome];
      for (let n = 0; n < it.count; n++) {
        const slot = result.hostOf[p + n];
        if (slot < 0) continue;
        const j = instances[n];
        o.hosts[j] = this.catalog.hostName(slot);
        o.placed[j] = true;
        if (!guarded) this.residents.add(it.cls, slot, o.template, j);
      }
      p += it.count;
      const f = result.failures[k];
      if (f) o.failure = { message: this.wording.failureMessage(it.cls, f, gangNames), grade: failureGrade(f) };
    });
    // Workloads evicted by preemption: from before the batch (named by the resident lists), or
    // — never in practice, priorities go first — from earlier in the batch.
    for (const e of result.evictions) {
      const by = nameOf(e.by);
      const host = this.catalog.hostName(e.slot);
      let victim: Resident | undefined;
      if (e.instance >= 0) {
        const w = where[e.instance];
        const v = { t: outcomes[w.outcome].template, j: w.j };
        this.residents.remove(e.cls, e.slot, (r) => r.t === v.t && r.j === v.j);
        victim = v;
      } else {
        victim = this.residents.remove(e.cls, e.slot);
      }
      if (!victim) continue;
      evictions.push({ template: victim.t, instance: victim.j, host, by });
      const o = outcomes.find((x) => x.template === victim!.t);
      if (o) {
        o.hosts[victim.j] = null;
        o.placed[victim.j] = false;
        o.preemptedBy[victim.j] = by;
      }
    }
    // evictions left the residents after the backend: failover admission looks again next time
    if (guarded) this.guard.invalidate();
    return { outcomes, evictions, packing };
  }

  /** Allocatable by dimension per slot (null: no present host there), for the packing phase. */
  private allocatable(): (number[] | null)[] {
    const dims = this.catalog.dims.count;
    return this.catalog.hosts.map((h, slot) =>
      h.present ? Array.from({ length: MAX_DIMS }, (_, d) => (d < dims ? Number(this.catalog.allocatableOf(slot, d)) : 0)) : null,
    );
  }

  /** Record instance `j` of a template as running on `hostName` (no checks: it already runs there). */
  bind(t: WorkloadTemplate, j: number, hostName: string): void {
    const slot = this.catalog.boundSlot(t, j, hostName);
    const { cls } = this.compiler.prepare(t);
    this.backend.commit(cls, slot);
    this.residents.add(cls, slot, t, j);
  }

  /**
   * Commit instance `j` on `hostName` only if placer's own rules allow it there now (admission,
   * every filter): the extender's bind. Returns the reason when they do not; nothing changes then.
   */
  tryBind(t: WorkloadTemplate, j: number, hostName: string): string | null {
    const slot = this.catalog.hostSlot(hostName);
    if (slot < 0) return `host ${JSON.stringify(hostName)} is not known to placer`;
    const c = this.compiler.prepare(t);
    const refusal = this.assessor.refusal(c, slot);
    if (refusal) return refusal.stage === 'host' ? `host ${hostName} does not fit: ${refusal.text}` : refusal.text;
    const failover = this.guard.check(t, j, c.cls, slot);
    if (failover) return `host ${hostName} does not fit: ${failover}`;
    this.backend.commit(c.cls, slot);
    this.residents.add(c.cls, slot, t, j);
    this.guard.committed(t, c.cls, slot, j);
    return null;
  }

  /** Release a tracked workload; false when placer does not know it. */
  release(kind: string, namespace: string, name: string): boolean {
    const p = this.residents.removeNamed(kind, namespace, name);
    if (!p) return false;
    this.backend.release(p.cls, p.slot);
    this.guard.released(p.cls, p.slot);
    return true;
  }

  /** Desired healthy count per PodDisruptionBudget, from its spec and the workloads it covers. */
  private pdbDesired(templates: readonly WorkloadTemplate[]): number[] {
    return this.catalog.pdbs.map((pdb) => {
      // Expected: every workload the budget covers, placed or about to be (the controllers' scale).
      let expected = 0;
      const seen = new Set<WorkloadTemplate>();
      const count = (t: WorkloadTemplate) => {
        if (seen.has(t) || t.namespace !== pdb.namespace || !pdbSelects(pdb, t.labels)) return;
        seen.add(t);
        expected += t.instances.length;
      };
      templates.forEach(count);
      for (const r of this.residents.all()) count(r.t);
      return desiredHealthy(pdb, expected);
    });
  }
}
