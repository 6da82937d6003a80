// Failover admission (namespace HA): is a placement refused because it would leave a protected
// namespace without its failover room? Refused exactly when it would make placer's own restart
// plan of some failure (failover-plans.ts) leave more protected workloads unplaced than now — one
// host, exact; a zone, exact; 2 or 3 hosts, every set planned when they are at most
// MAX_FAILURE_SETS (failover.ts), else the tolerance is not claimed and not guarded.
//
// Incremental. The plans of single host failures and of zones are cached (failover-cache.ts) with
// the free room they were computed on, kept by the backend where it computed them (in the Wasm
// core: assembly/failover-kept.ts). Each plan scans the hosts in a fixed order of its own
// (rules/failover.ts), so a change on host X touches only (rules/failover-insert.ts has the proofs,
// assembly/failover-insert.ts runs them; each question is one backend call)
//   - a placement on X: the plans that put so much on X that it no longer fits beside the workload
//     (none when X keeps the held room: the O(dims) fast path that keeps the extender's filter
//     cheap), and, when the workload is protected, X's own plan (and its zone's): the workload is
//     inserted where first fit puts it, exactly and typically in O(1), falling back to a replan
//     when it could displace others, is in a gang or carries inter-workload terms;
//   - a release from X: the plans that reach past X in their scan order or leave something
//     unplaced, and X's own;
// a workload with inter-workload terms (anti-affinity, spread, …) changes what other workloads may
// do anywhere, so its placement is checked against every plan, and rebuilds the cache. A change
// the guard was not told of (batches, plans, binds of running workloads, policies, hosts)
// rebuilds the cache at the next question.

import type { WorkloadTemplate } from '../../model/types.js';
import { type Backend, type InsertHosts, type InsertScan } from './contract.js';
import * as abi from './contract.js';
import type { Failover } from './failover.js';
import { PlanCache } from './failover-cache.js';
import {
  type Planned,
  type RestartPlanner,
  type Tentative,
  type Victim,
  type Violation,
  violationWords,
  workloadKey,
} from './failover-plans.js';
import { type ClassVerdicts, VerdictCache } from './failover-verdicts.js';

// Local copies: hot loops read them, and a re-exported binding can be a getter under some loaders.
const MAX_DIMS = abi.MAX_DIMS;

/** insertEach's answers besides an insertion's: an admission kept, a slot left to check(). */
const KEPT = -2;
const REFUSED = -1;

/**
 * Backend calls that leave every restart plan as it was, so the cache stays current across them:
 * a class or a constraint defined or freed (a class is freed only when nothing of it runs, and a
 * term changes what a workload may do only once a workload carrying it is placed). The engine
 * counts the other calls for the guard (its plan version).
 */
export const PLAN_NEUTRAL_CALLS: ReadonlySet<PropertyKey> = new Set(['defineClass', 'freeClass', 'defineConstraint', 'freeConstraint']);

export class FailoverGuard {
  /** The backend version the cache is current at (−1: rebuild). */
  private synced = -1;
  private free: Float64Array = new Float64Array(0);
  private readonly cache: PlanCache;
  /** Admissions per (class, host) the filter found by insertion, kept while nothing they read changed. */
  private readonly verdicts: VerdictCache;
  /** What the last insertion's scan read. */
  private readonly scan: InsertScan = { prefixRead: false };
  /**
   * The last refusal per slot, for the extender's per-host messages: its words in parts and the
   * workload it was found for (refusalText() names another workload of the class in its place).
   */
  readonly refusals = new Map<number, { v: Violation; self: string }>();
  /** The hosts as insertions read them (rebuilt with the cache). */
  private hostsView: InsertHosts = { n: 0, dims: 0, free: this.free, absent: new Uint8Array(0) };
  /** The workload an insertion places, reused (no allocation on the filter's path). */
  private readonly probe: Victim = { cls: 0, t: undefined as unknown as WorkloadTemplate, j: 0, from: 0, protected: true };
  /** insertEach's answers by slot (reused). */
  private each = new Int32Array(0);
  /** insertEach's questions and answers to the backend: slots, handles, positions, answers (reused). */
  private eachIo: Int32Array[] = [this.each, this.each, this.each, this.each];
  /** Where the last insertion put the workload among the plan's items. */
  private insertedAt = 0;
  /**
   * The last insertion check() admitted into a host's own plan, at backend version `version`:
   * committed() applies it without asking the filter again (a workload without terms leaves its
   * class's reasons on every other host as they were, and its own host is failed in that plan).
   */
  private admitted: { p: Planned; t: WorkloadTemplate; j: number; cls: number; target: number; pos: number; version: number } | null = null;
  private readonly classReq = (cls: number): readonly number[] => this.plans.compiler.classes[cls].spec.req;

  constructor(
    private readonly plans: RestartPlanner,
    private readonly failover: Failover,
    /** The backend without the version count: a tentative commit and its release change nothing. */
    private readonly raw: Backend,
    private readonly version: () => number,
  ) {
    this.cache = new PlanCache(raw);
    this.verdicts = new VerdictCache(this.cache.epochs);
  }

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
    const multi = this.plans.multiHost();
    const extra: Tentative = { cls, slot, t, j };
    // the fast paths: no plan changes, or only the workload's own plans, by one insertion each
    if (!terms && multi.length === 0 && (prot ? this.onlyInserts(extra) : this.keepsHeld(slot, spec.req))) return this.admit(slot);
    const dims = this.plans.catalog.dims.count;
    if (terms) this.raw.commit(cls, slot);
    // the free room with the workload placed: its row is taken here and put back after
    const row = this.free.slice(slot * MAX_DIMS, (slot + 1) * MAX_DIMS);
    const free = this.free;
    try {
      this.plans.take(free, cls, slot, 1);
      const affected = terms ? null : this.cache.affected(slot, spec.req, row, dims);
      const single = affected ? [...affected.singles] : [...this.cache.singles.keys()];
      if (prot && !single.includes(slot) && (terms || this.insertion(this.cache.singles.get(slot), extra) === null)) single.push(slot);
      for (const h of single.sort((a, b) => a - b)) {
        const v = this.worse(this.cache.singles.get(h), this.plans.plan([h], true, free, extra, terms));
        if (v) return this.refuse(slot, extra, v);
      }
      for (const [zone, before] of this.cache.zones) {
        if (affected && !this.zoneChanges(before, zone, extra, affected.zones)) continue;
        const v = this.worse(before, this.plans.plan(before.failed, true, free, extra, terms, before.plan.start), zone);
        if (v) return this.refuse(slot, extra, v);
      }
      for (const [ns, p] of multi) {
        for (let k = 2; k <= p.hostFailuresToTolerate; k++) {
          const after = this.failover.failingSet(ns, k, free, extra, terms);
          if (after && !after.unchecked) {
            this.plans.putRow(free, slot, row);
            const before = this.failover.failingSet(ns, k, free);
            if (!before) return this.refuse(slot, extra, this.plans.violation(ns, after));
            this.plans.take(free, cls, slot, 1);
          }
        }
      }
      return this.admit(slot);
    } finally {
      this.plans.putRow(free, slot, row);
      if (terms) this.raw.release(cls, slot);
    }
  }

  /**
   * check() of instance 0 of `t` (class `cls`) on every slot below `n` whose `reasons` are 0 (the
   * filter's feasible hosts): the slots refused, ascending. The same answers as check() per slot;
   * the fast paths (held room, insertion) run without allocating, for the extender's filter.
   */
  checkEach(t: WorkloadTemplate, cls: number, reasons: ArrayLike<number>, n: number): number[] {
    const refused: number[] = [];
    const policies = this.plans.policies();
    if (policies.size === 0) return refused;
    this.sync();
    const spec = this.plans.compiler.classes[cls].spec;
    const prot = policies.has(t.namespace);
    const fast = spec.topology === undefined && this.plans.multiHost().length === 0;
    // a protected workload's admissions by insertion are kept per host (failover-verdicts.ts); not
    // with zone plans (a bind replans them all) nor for gang members (never admitted by insertion)
    const hosts = this.hostsView.n;
    const kept = fast && prot && !t.gang && this.cache.zones.size === 0;
    const memo = kept ? this.verdicts.of(cls, spec, this.plans.reasons(cls), hosts, policies) : null;
    const extra: Tentative = { cls, slot: 0, t, j: 0 };
    // the backend answers the fast paths for every host at once: an unprotected workload's held
    // room; a protected one's kept admissions and its insertion into each host's own plan
    const short = fast && !prot ? this.raw.kept.heldShort(spec.req, this.hostsView) : null;
    const inserted = memo ? this.insertEach(extra, reasons, Math.min(n, hosts), memo) : null;
    let k = 0;
    for (let slot = 0; slot < n; slot++) {
      if (reasons[slot] !== 0) continue;
      extra.slot = slot;
      let keeps: boolean;
      if (inserted && slot < hosts) {
        const r = inserted[slot];
        keeps = r !== REFUSED;
        if (r >= 0 && (r & 1) === 0) this.verdicts.keep(memo!, slot, this.cache.singles.get(slot)!.plan.start, r >> 1);
      } else if (short && slot < hosts) {
        while (k < short.length && short[k] < slot) k++;
        keeps = k === short.length || short[k] !== slot;
      } else keeps = fast && (prot ? this.onlyInserts(extra) : this.keepsHeld(slot, spec.req));
      if (keeps) {
        if (this.refusals.size > 0) this.refusals.delete(slot);
        const a = this.admitted;
        if (memo && !inserted && a && !this.scan.prefixRead && slot < hosts) this.verdicts.keep(memo, slot, a.p.plan.start, a.target);
      } else if (this.check(t, 0, cls, slot) !== null) refused.push(slot);
    }
    return refused;
  }

  /**
   * A workload of class `cls` (instance `j` of `t`) was committed on `slot` after check() admitted
   * it. Without `j` a protected workload's own plans are computed anew (its name orders it).
   */
  committed(t: WorkloadTemplate, cls: number, slot: number, j?: number): void {
    this.plans.carryReasons(cls);
    if (!this.current(cls)) return;
    const dims = this.plans.catalog.dims.count;
    const req = this.plans.compiler.classes[cls].spec.req;
    const row = this.free.slice(slot * MAX_DIMS, (slot + 1) * MAX_DIMS);
    this.plans.hostRoom(this.free, slot);
    this.cache.epochs.changed(slot);
    const prot = this.protects(t.namespace);
    const extra: Tentative | null = prot && j !== undefined ? { cls, slot, t, j } : null;
    const affected = this.cache.affected(slot, req, row, dims);
    const singles = [...affected.singles];
    if (prot && !this.grow(slot, null, extra)) singles.push(slot);
    const zones: string[] = [];
    for (const [zone, z] of this.cache.zones) {
      const changes = z.failed.includes(slot) ? prot && !this.grow(slot, zone, extra) : affected.zones.has(zone);
      if (changes) zones.push(zone);
    }
    this.replan(singles, zones);
  }

  /** A workload of class `cls` left `slot` (released, evicted). */
  released(cls: number, slot: number): void {
    this.plans.carryReasons(cls);
    if (!this.current(cls)) return;
    this.plans.hostRoom(this.free, slot);
    this.cache.epochs.changed(slot);
    const affected = new Set<number>([slot, ...this.cache.affectedOnRelease(slot).singles]);
    this.replan(affected, this.cache.zones.keys());
  }

  /**
   * The slots where the held room does not keep every plan as it is: those a plan touched and
   * then gave back gang members on. While it scanned, the plan used more there than it finally
   * holds, so a placement that keeps the held room can still change where it puts the rest.
   */
  takenBackSlots(): Set<number> {
    this.sync();
    const out = new Set<number>();
    for (const plans of [this.cache.singles, this.cache.zones])
      for (const p of plans.values()) if (p.plan.gangsOut) for (const s of p.plan.touched) out.add(s);
    return out;
  }

  /** The room held on each slot for failover: the most a single host's or a zone's plan puts there. */
  held(slot: number, d: number): number {
    return this.cache.held(slot, d);
  }

  /** Forget the cache: residents changed without the backend (evictions named after a batch). */
  invalidate(): void {
    this.synced = -1;
  }

  /** Bring the cache up to date after changes it was not told of. */
  sync(): void {
    if (this.synced === this.version()) return;
    this.free = this.plans.freeRoom();
    this.cache.clear(this.plans.catalog.hosts.length);
    this.verdicts.clear();
    const catalog = this.plans.catalog;
    this.hostsView = {
      n: catalog.hosts.length,
      dims: catalog.dims.count,
      free: this.free,
      freeLog: this.plans.logOf(this.free),
      absent: this.plans.absent(),
    };
    for (const s of this.plans.presentSlots()) this.cache.setSingle(s, this.planSingle(s));
    if ([...this.plans.policies().values()].some((p) => p.zoneFailuresToTolerate > 0))
      for (const { zone, planned } of this.failover.zonePlans(this.free, undefined, false, (z) => this.cache.zoneHandle(z)))
        this.cache.setZone(zone, planned);
    this.synced = this.version();
  }

  /** The cache was current before this change; false (and a rebuild at the next question) when it was not, or the class has terms. */
  private current(cls: number): boolean {
    if (this.plans.policies().size === 0) return false;
    const ok = this.synced >= 0 && this.synced === this.version() - 1 && this.plans.compiler.classes[cls]?.spec.topology === undefined;
    if (!ok) this.synced = -1;
    return ok;
  }

  private replan(singles: Iterable<number>, zones: Iterable<string>): void {
    for (const h of singles) if (this.plans.catalog.hosts[h]?.present) this.cache.setSingle(h, this.planSingle(h));
    for (const name of [...zones]) {
      const z = this.cache.zones.get(name)!;
      this.cache.setZone(name, this.plans.plan(z.failed, true, this.free, undefined, false, z.plan.start, this.cache.zoneHandle(name)));
    }
    this.synced = this.version();
  }

  /** Single host `h`'s plan now, kept by the backend. */
  private planSingle(h: number): Planned {
    return this.plans.plan([h], true, this.free, undefined, false, undefined, this.cache.singleHandle(h));
  }

  /**
   * Zone plan `z` (of `zone`) may change with `extra` placed (no terms): it fails the slot and the
   * workload is protected (and not simply inserted), or the slot keeps too little room for the
   * plan (the zone is among the plans the placement `affects`).
   */
  private zoneChanges(z: Planned, zone: string, extra: Tentative, affects: ReadonlySet<string>): boolean {
    if (!z.failed.includes(extra.slot)) return affects.has(zone);
    return this.protects(extra.t.namespace) && this.insertion(z, extra) === null;
  }

  /**
   * A protected workload without terms (`extra`) changes no plan but its own host's and zone's,
   * and each of those only by inserting it (rules/failover-insert.ts): admitted with no replan.
   */
  private onlyInserts(extra: Tentative): boolean {
    const { slot } = extra;
    const req = this.plans.compiler.classes[extra.cls].spec.req;
    const dims = this.plans.catalog.dims.count;
    const row = this.free.subarray(slot * MAX_DIMS, (slot + 1) * MAX_DIMS);
    // no plan touching the slot changes: neither a single host's nor a zone's it does not fail
    if (this.raw.kept.affected(slot, req, row, dims).length > 0) return false;
    const own = this.cache.singles.get(slot);
    const target = this.insertion(own, extra);
    if (target === null) return false;
    const pos = this.insertedAt; // the zones' insertions below move insertedAt
    for (const z of this.cache.zones.values()) if (z.failed.includes(slot) && this.insertion(z, extra) === null) return false;
    const { t, j, cls } = extra;
    this.admitted = { p: own!, t, j, cls, target, pos, version: this.version() };
    return true;
  }

  /**
   * Where plan `p` restarts the protected workload `extra` (placed on one of p's failed hosts) with
   * every other workload kept in place, or null when only a replan can tell (rules/failover-insert.ts);
   * its position among p's items is left in `insertedAt`.
   */
  private insertion(p: Planned | undefined, extra: Tentative): number | null {
    if (!p || p.handle === undefined || extra.t.gang) return null;
    const v = this.probe;
    v.cls = extra.cls;
    v.t = extra.t;
    v.j = extra.j;
    v.from = extra.slot;
    this.insertedAt = this.position(p.victims, v);
    const target = this.raw.kept.insertTarget(
      p.handle,
      this.classReq(extra.cls),
      this.plans.reasons(extra.cls),
      this.insertedAt,
      this.hostsView,
      this.scan,
    );
    return target < 0 ? null : target;
  }

  /**
   * The fast path of a protected workload (`extra`, no terms, no gang, no zone plans) on every
   * slot below `n` whose `reasons` are 0, by slot: KEPT when an admission kept in `memo` holds,
   * REFUSED when a plan touching the slot changes or the insertion into its own plan is left to a
   * replan, else (target << 1) | 1 when the answer read the prefix use. One backend call
   * (KeptPlans.insertEach); the positions among each plan's workloads are found here (names order them).
   */
  private insertEach(extra: Tentative, reasons: ArrayLike<number>, n: number, memo: ClassVerdicts): Int32Array {
    if (this.each.length < n) {
      const cap = Math.max(n, 2 * this.each.length);
      this.each = new Int32Array(cap);
      this.eachIo = [new Int32Array(cap), new Int32Array(cap), new Int32Array(cap), new Int32Array(cap)];
    }
    const { each } = this;
    const [slots, handles, pos, out] = this.eachIo;
    let count = 0;
    const v = this.probe;
    v.cls = extra.cls;
    v.t = extra.t;
    v.j = extra.j;
    for (let slot = 0; slot < n; slot++) {
      if (reasons[slot] !== 0) continue;
      if (this.verdicts.holds(memo, slot)) {
        each[slot] = KEPT;
        continue;
      }
      const own = this.cache.singles.get(slot);
      slots[count] = slot;
      handles[count] = own?.handle ?? -1;
      v.from = slot;
      pos[count] = own ? this.position(own.victims, v) : 0;
      count++;
    }
    const req = this.classReq(extra.cls);
    this.raw.kept.insertEach(req, this.plans.reasons(extra.cls), slots, handles, pos, count, this.hostsView, out);
    for (let i = 0; i < count; i++) each[slots[i]] = out[i] < 0 ? REFUSED : out[i];
    return each;
  }

  /** Apply `extra`'s insertion to the cached plan of `slot` (zone null) or of `zone`; false when it needs a replan. */
  private grow(slot: number, zone: string | null, extra: Tentative | null): boolean {
    const p = zone === null ? this.cache.singles.get(slot) : this.cache.zones.get(zone);
    const a = this.admitted;
    const known = a && extra && a.p === p && a.t === extra.t && a.j === extra.j && a.cls === extra.cls && a.version === this.version() - 1;
    if (known) this.insertedAt = a.pos;
    const target = known ? a.target : extra && p ? this.insertion(p, extra) : null;
    this.admitted = null;
    if (!extra || !p || p.handle === undefined || target === null) return false;
    this.cache.inserted(p, p.handle, zone === null ? slot : null, this.insertedAt, target, this.classReq(extra.cls));
    p.victims.splice(this.insertedAt, 0, { cls: extra.cls, t: extra.t, j: extra.j, from: extra.slot, protected: true });
    return true;
  }

  /** Where `v` sorts among `victims` (sorted by the plan's order): after every victim that sorts before or alike. */
  private position(victims: readonly Victim[], v: Victim): number {
    let lo = 0;
    let hi = victims.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.plans.compare(victims[mid], v) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** `slot` keeps, after `req`, the room every plan puts there: no plan changes. */
  private keepsHeld(slot: number, req: readonly number[]): boolean {
    return this.raw.kept.keepsHeld(slot, req, this.free.subarray(slot * MAX_DIMS, (slot + 1) * MAX_DIMS), this.plans.catalog.dims.count);
  }

  /** The refusal when `after` leaves more protected workloads unplaced than `before`, naming a namespace newly short. */
  private worse(before: Planned | undefined, after: Planned, zone?: string): Violation | null {
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
    return this.plans.violation(ns, after, zone);
  }

  private admit(slot: number): null {
    this.refusals.delete(slot);
    return null;
  }

  private refuse(slot: number, extra: Tentative, v: Violation): string {
    this.refusals.set(slot, { v, self: workloadKey(extra) });
    return violationWords(v);
  }

  /**
   * The words of the last refusal on `slot`, for workload `who` (its workloadKey) when given. The
   * filter keeps one assessment per class: a refusal found for another workload of the class that
   * says the workload itself would find no host says it of `who`.
   */
  refusalText(slot: number, who?: string): string | undefined {
    const r = this.refusals.get(slot);
    if (r === undefined) return undefined;
    return violationWords(r.v, r.v.stuck?.key === r.self ? who : undefined);
  }
}
