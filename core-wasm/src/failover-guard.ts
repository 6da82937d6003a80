// Failover admission (namespace HA): is a placement refused because it would leave a protected
// namespace without its failover room? Refused exactly when it would make placer's own restart
// plan of some failure (failover-plans.ts) leave more protected workloads unplaced than now — one
// host, exact; a zone, exact; 2 or 3 hosts, every set planned when they are at most
// MAX_FAILURE_SETS (failover.ts), else the tolerance is not claimed and not guarded.
//
// Incremental. The plans of single host failures and of zones are cached with the free room they
// were computed on; first fit in slot order lets a change on host X touch only
//   - a placement on X: the plans that put something on X at some point (`touched`), X's own plan
//     when the workload is protected — and none of them when X keeps room for the most any plan
//     puts there and the workload is neither protected nor carries inter-workload terms (the fast
//     path that keeps the extender's filter cheap);
//   - a release from X: the plans that reach past X or leave something unplaced, and X's own;
// a workload with inter-workload terms (anti-affinity, spread, …) changes what other workloads may
// do anywhere, so its placement is checked against every plan, and rebuilds the cache. A change
// the guard was not told of (batches, plans, binds of running workloads, policies, hosts)
// rebuilds the cache at the next question.

import type { WorkloadTemplate } from '../../model/types.js';
import { type Backend, MAX_DIMS } from './contract.js';
import { type Failover } from './failover.js';
import type { Planned, RestartPlanner, Tentative } from './failover-plans.js';

export class FailoverGuard {
  /** The backend version the cache is current at (−1: rebuild). */
  private synced = -1;
  private free: Float64Array = new Float64Array(0);
  /** Single host failures' plans, by slot. */
  private singles = new Map<number, Planned>();
  /** Slot → the single plans that touched it. */
  private users = new Map<number, Set<number>>();
  private zonePlans = new Map<string, Planned>();
  /** The words of the last refusal per slot, for the extender's per-host messages. */
  readonly refusals = new Map<number, string>();

  constructor(
    private readonly plans: RestartPlanner,
    private readonly failover: Failover,
    /** The backend without the version count: a tentative commit and its release change nothing. */
    private readonly raw: Backend,
    private readonly version: () => number,
  ) {}

  /** Some namespace is protected: placements are checked. */
  active(): boolean {
    return this.plans.policies().size > 0;
  }

  /** Namespace `ns` is protected. */
  protects(ns: string): boolean {
    return this.plans.policies().has(ns);
  }

  /** Some namespace tolerates 2 or 3 host failures: every placement is checked (no held-room fast path). */
  checksEverything(): boolean {
    return [...this.plans.policies().values()].some((p) => p.hostFailuresToTolerate >= 2);
  }

  /**
   * Why placing instance `j` of `t` (class `cls`) on `slot` is refused by failover admission, or
   * null. Nothing changes.
   */
  check(t: WorkloadTemplate, j: number, cls: number, slot: number): string | null {
    const policies = this.plans.policies();
    if (policies.size === 0) return null;
    this.sync();
    const spec = this.plans.compiler.classes[cls].spec;
    const prot = policies.has(t.namespace);
    const terms = spec.topology !== undefined;
    const multi = [...policies].filter(([, p]) => p.hostFailuresToTolerate >= 2);
    if (!prot && !terms && multi.length === 0 && this.keepsHeld(slot, spec.req)) return this.admit(slot);
    const extra: Tentative = { cls, slot, t, j };
    if (terms) this.raw.commit(cls, slot);
    // the free room with the workload placed: its row is taken here and put back after
    const row = this.free.slice(slot * MAX_DIMS, (slot + 1) * MAX_DIMS);
    const free = this.free;
    try {
      this.plans.take(free, cls, slot, 1);
      const single = terms ? [...this.singles.keys()] : [...(this.users.get(slot) ?? [])];
      if (prot && !single.includes(slot)) single.push(slot);
      for (const h of single.sort((a, b) => a - b)) {
        const v = this.worse(this.singles.get(h), this.plans.plan([h], true, free, extra, terms));
        if (v) return this.refuse(slot, v);
      }
      for (const [zone, before] of this.zonePlans) {
        if (!terms && !before.plan.touched.includes(slot) && !(prot && before.failed.includes(slot))) continue;
        const v = this.worse(before, this.plans.plan(before.failed, true, free, extra, terms), zone);
        if (v) return this.refuse(slot, v);
      }
      for (const [ns, p] of multi) {
        for (let k = 2; k <= p.hostFailuresToTolerate; k++) {
          const after = this.failover.failingSet(ns, k, free, extra, terms);
          if (after && !after.unchecked) {
            free.set(row, slot * MAX_DIMS);
            const before = this.failover.failingSet(ns, k, free);
            if (!before) return this.refuse(slot, this.plans.violationText(ns, after));
            this.plans.take(free, cls, slot, 1);
          }
        }
      }
      return this.admit(slot);
    } finally {
      free.set(row, slot * MAX_DIMS);
      if (terms) this.raw.release(cls, slot);
    }
  }

  /** A workload of class `cls` was committed on `slot` after check() admitted it. */
  committed(t: WorkloadTemplate, cls: number, slot: number): void {
    if (!this.current(cls)) return;
    this.plans.hostRoom(this.free, slot);
    const affected = new Set(this.users.get(slot) ?? []);
    if (this.plans.policies().has(t.namespace)) affected.add(slot);
    this.replan(affected, (z) => z.plan.touched.includes(slot) || z.failed.includes(slot));
  }

  /** A workload of class `cls` left `slot` (released, evicted). */
  released(cls: number, slot: number): void {
    if (!this.current(cls)) return;
    this.plans.hostRoom(this.free, slot);
    const affected = new Set<number>([slot]);
    for (const [h, p] of this.singles) if (p.plan.touched.some((s) => s > slot) || p.plan.target.some((x) => x < 0)) affected.add(h);
    this.replan(affected, () => true);
  }

  /** The room held on each slot for failover: the most a single host's or a zone's plan puts there. */
  held(slot: number, d: number): number {
    let h = 0;
    for (const u of this.users.get(slot) ?? []) h = Math.max(h, this.singles.get(u)!.plan.use[slot * MAX_DIMS + d]);
    for (const z of this.zonePlans.values()) h = Math.max(h, z.plan.use[slot * MAX_DIMS + d]);
    return h;
  }

  /** Forget the cache: residents changed without the backend (evictions named after a batch). */
  invalidate(): void {
    this.synced = -1;
  }

  /** Bring the cache up to date after changes it was not told of. */
  sync(): void {
    if (this.synced === this.version()) return;
    this.free = this.plans.freeRoom();
    this.singles.clear();
    this.users.clear();
    this.zonePlans.clear();
    const policies = [...this.plans.policies().values()];
    for (const s of this.plans.presentSlots()) this.setSingle(s, this.plans.plan([s], true, this.free));
    if (policies.some((p) => p.zoneFailuresToTolerate > 0))
      for (const { zone, planned } of this.failover.zonePlans(this.free)) this.zonePlans.set(zone, planned);
    this.synced = this.version();
  }

  /** The cache was current before this change; false (and a rebuild at the next question) when it was not, or the class has terms. */
  private current(cls: number): boolean {
    if (this.plans.policies().size === 0) return false;
    const ok = this.synced >= 0 && this.synced === this.version() - 1 && this.plans.compiler.classes[cls]?.spec.topology === undefined;
    if (!ok) this.synced = -1;
    return ok;
  }

  private replan(singles: Set<number>, zone: (z: Planned) => boolean): void {
    for (const h of singles) if (this.plans.catalog.hosts[h]?.present) this.setSingle(h, this.plans.plan([h], true, this.free));
    for (const [name, z] of this.zonePlans) if (zone(z)) this.zonePlans.set(name, this.plans.plan(z.failed, true, this.free));
    this.synced = this.version();
  }

  private setSingle(h: number, p: Planned): void {
    const old = this.singles.get(h);
    if (old) for (const s of old.plan.touched) this.users.get(s)?.delete(h);
    this.singles.set(h, p);
    for (const s of p.plan.touched) {
      let u = this.users.get(s);
      if (!u) this.users.set(s, (u = new Set()));
      u.add(h);
    }
  }

  /** `slot` keeps, after `req`, the room every plan puts there: no plan changes. */
  private keepsHeld(slot: number, req: readonly number[]): boolean {
    const dims = this.plans.catalog.dims.count;
    for (let d = 0; d < dims; d++) if (req[d] > 0 && this.free[slot * MAX_DIMS + d] - req[d] < this.held(slot, d)) return false;
    return true;
  }

  /** The refusal when `after` leaves more protected workloads unplaced than `before`, naming a namespace newly short. */
  private worse(before: Planned | undefined, after: Planned, zone?: string): string | null {
    if (after.stuck <= (before?.stuck ?? 0)) return null;
    const shortBefore = new Map<string, number>();
    before?.victims.forEach(
      (v, i) => before.plan.target[i] < 0 && shortBefore.set(v.t.namespace, (shortBefore.get(v.t.namespace) ?? 0) + 1),
    );
    const shortAfter = new Map<string, number>();
    after.victims.forEach(
      (v, i) => after.plan.target[i] < 0 && v.protected && shortAfter.set(v.t.namespace, (shortAfter.get(v.t.namespace) ?? 0) + 1),
    );
    const ns = [...shortAfter].find(([n, c]) => c > (shortBefore.get(n) ?? 0))?.[0] ?? [...shortAfter.keys()][0];
    return this.plans.violationText(ns, after, zone);
  }

  private admit(slot: number): null {
    this.refusals.delete(slot);
    return null;
  }

  private refuse(slot: number, text: string): string {
    this.refusals.set(slot, text);
    return text;
  }
}
