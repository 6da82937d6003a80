// Restart plans by name, shared by the failover report (failover.ts) and admission
// (failover-guard.ts): which namespaces are protected (a NamespacePolicy with spec.failover), the
// workloads of failed hosts, the free room of every host, the plan of rules/failover.ts over them,
// and the plan in words — moves, stuck workloads with kube-scheduler's reasons, and the refusal
// naming the namespace and the failure it could not absorb.
//
// Placer's own restart plan of a failure is the first-fit plan of rules/failover.ts computed on
// the cluster as it is now; the report shows it and admission refuses a placement exactly when it
// would make one of those plans leave more protected workloads unplaced.

import type { FailoverPolicy, WorkloadTemplate } from '../../model/types.js';
import { ZONE_KEY } from './capacity.js';
import { type Catalog, cmp } from './catalog.js';
import type { ClassCompiler } from './compiler.js';
import { type Backend, type FreeLog, type RestartHosts, type RestartItem, type RestartPlan } from './contract.js';
import * as abi from './contract.js';
import type { RestartMove, RestartStuck } from './failover-api.js';
import type { Residents } from './residents.js';
import * as rules from './rules/failover.js';
import { restartVerdicts } from './rules/failover.js';
import { filterHistogram } from './rules/filter-stages.js';
import type { Wording } from './wording.js';

// Local copies: hot loops read them, and a re-exported binding can be a getter under some loaders.
const DIM_CPU = abi.DIM_CPU;
const DIM_MEMORY = abi.DIM_MEMORY;
const MAX_DIMS = abi.MAX_DIMS;
const RESTART_IGNORED = rules.RESTART_IGNORED;

/** One workload of a failed host. */
export interface Victim {
  cls: number;
  t: WorkloadTemplate;
  j: number;
  from: number;
  protected: boolean;
}

/** A failure's plan with the workloads it restarts. */
export interface Planned {
  failed: number[];
  victims: Victim[];
  plan: RestartPlan;
  /** Protected workloads the plan leaves unplaced. */
  stuck: number;
  /** Not planned: the sets of this many failed hosts are more than MAX_FAILURE_SETS. */
  unchecked?: number;
  /** The handle the backend keeps the plan under (failover-cache.ts), when it keeps it. */
  handle?: number;
}

/** A placement planned as if it were made: instance `j` of `t`, class `cls`, on `slot`. */
export interface Tentative {
  cls: number;
  slot: number;
  t: WorkloadTemplate;
  j: number;
}

export class RestartPlanner {
  /**
   * Restart reasons per class (the filter's, RESTART_IGNORED bits off), with the spec they were
   * evaluated for (a class id freed and defined again is another class), valid at `memoVersion`.
   */
  private reasonsMemo = new Map<number, { spec: object; reasons: Uint32Array }>();
  private memoVersion = -1;
  private absentSlots = new Uint8Array(0);
  private absentEpoch = -1;
  private policiesOf: unknown = null;
  private protectedNs: ReadonlyMap<string, FailoverPolicy> = new Map();
  private multi: (readonly [string, FailoverPolicy])[] = [];
  /** What changed in each free-room array this planner made (the Wasm core copies only that). */
  private readonly freeLogs = new WeakMap<Float64Array, FreeLog>();
  private freeEpoch = 0;

  constructor(
    readonly catalog: Catalog,
    readonly compiler: ClassCompiler,
    private readonly residents: Residents,
    private readonly wording: Wording,
    private readonly backend: Backend,
    private readonly version: () => number,
  ) {}

  /**
   * Protected namespaces: a failover policy that tolerates at least one host or the zone. Kept
   * while the catalog's policies stand (setPolicies replaces them): admission asks per host.
   */
  policies(): ReadonlyMap<string, FailoverPolicy> {
    if (this.policiesOf === this.catalog.policies) return this.protectedNs;
    const out = new Map<string, FailoverPolicy>();
    for (const [ns, p] of this.catalog.policies) {
      const f = p.failover;
      if (f && (f.hostFailuresToTolerate > 0 || f.zoneFailuresToTolerate > 0)) out.set(ns, f);
    }
    this.policiesOf = this.catalog.policies;
    this.protectedNs = out;
    this.multi = [...out].filter(([, f]) => f.hostFailuresToTolerate >= 2);
    return out;
  }

  /** The protected namespaces that tolerate 2 or 3 host failures, with their policies. */
  multiHost(): readonly (readonly [string, FailoverPolicy])[] {
    this.policies();
    return this.multi;
  }

  /**
   * The plan of `failed` (ascending slots): their protected workloads, or every workload when not
   * `protectedOnly`, with `extra` as if placed. `fresh`: the class reasons are evaluated anew (a
   * tentative placement is committed in the backend). The plan scans the slots cyclically from
   * `start`: by default after the first failed slot (a zone's plan: after its highest, failover.ts).
   * With `keep` the backend keeps the plan under that handle (failover-cache.ts).
   */
  plan(
    failed: number[],
    protectedOnly: boolean,
    free: Float64Array,
    extra?: Tentative,
    fresh = false,
    start?: number,
    keep?: number,
  ): Planned {
    const policies = this.policies();
    const victims: Victim[] = [];
    for (const slot of failed) {
      for (const cls of this.residents.classesAt(slot)) {
        for (const r of this.residents.at(cls, slot)) {
          const prot = policies.has(r.t.namespace);
          if (prot || !protectedOnly) victims.push({ cls, t: r.t, j: r.j, from: slot, protected: prot });
        }
      }
      if (extra && extra.slot === slot) {
        const prot = policies.has(extra.t.namespace);
        if (prot || !protectedOnly) victims.push({ cls: extra.cls, t: extra.t, j: extra.j, from: slot, protected: prot });
      }
    }
    victims.sort((a, b) => this.compare(a, b));
    const out = this.absent();
    for (const s of failed) out[s] = 1;
    const n = this.catalog.hosts.length;
    const hosts: RestartHosts = { n, dims: this.catalog.dims.count, free, out, freeLog: this.freeLogs.get(free) };
    const fresher = fresh ? new Map<number, Uint32Array>() : undefined;
    const items: RestartItem[] = victims.map((v) => this.item(v, fresher));
    const kept = keep === undefined ? undefined : { handle: keep, failed };
    const plan = this.backend.restartPlan(items, hosts, start ?? (failed.length > 0 ? failed[0] + 1 : 0), kept);
    for (const s of failed) out[s] = this.catalog.hosts[s].present ? 0 : 1;
    let stuck = 0;
    victims.forEach((v, i) => v.protected && plan.target[i] < 0 && stuck++);
    return keep === undefined ? { failed, victims, plan, stuck } : { failed, victims, plan, stuck, handle: keep };
  }

  /** Protected first, larger first (cpu, then memory), then kind, namespace, name: the plan's order. */
  compare(a: Victim, b: Victim): number {
    if (a.protected !== b.protected) return a.protected ? -1 : 1;
    const ra = this.compiler.classes[a.cls].spec.req;
    const rb = this.compiler.classes[b.cls].spec.req;
    return (
      rb[DIM_CPU] - ra[DIM_CPU] ||
      rb[DIM_MEMORY] - ra[DIM_MEMORY] ||
      cmp(a.t.kind, b.t.kind) ||
      cmp(a.t.namespace, b.t.namespace) ||
      cmp(nameOf(a), nameOf(b))
    );
  }

  /** Slots out of every plan (no present host there), kept while the hosts stand; a plan marks its failed slots and unmarks them. */
  absent(): Uint8Array {
    if (this.absentEpoch !== this.catalog.hostsEpoch || this.absentSlots.length !== this.catalog.hosts.length) {
      this.absentSlots = Uint8Array.from(this.catalog.hosts, (h) => (h.present ? 0 : 1));
      this.absentEpoch = this.catalog.hostsEpoch;
    }
    return this.absentSlots;
  }

  /** The restart item of victim `v`: its class's requests, filter reasons, anti-affinity columns and gang. */
  item(v: Victim, fresher?: Map<number, Uint32Array>): RestartItem {
    const spec = this.compiler.classes[v.cls].spec;
    const topo = spec.topology;
    const cols = topo ? [...new Set([...topo.requiredAnti, ...topo.heldAnti].map((term) => term.col))] : [];
    return { req: spec.req, reasons: this.reasons(v.cls, fresher), antiCols: cols.length > 0 ? cols : null, gang: v.t.gang?.name ?? null };
  }

  /**
   * A class's restart reasons by slot: its filter reasons without the bits a restart ignores
   * (RESTART_IGNORED), copied (Wasm views last until the next call). The array is never changed
   * afterwards: while it is returned again, its content is the same (callers key caches by it).
   */
  reasons(cls: number, fresher?: Map<number, Uint32Array>): Uint32Array {
    if (fresher) {
      let r = fresher.get(cls);
      if (!r) fresher.set(cls, (r = this.evaluate(cls)));
      return r;
    }
    if (this.memoVersion !== this.version()) {
      this.reasonsMemo.clear();
      this.memoVersion = this.version();
    }
    const spec = this.compiler.classes[cls].spec;
    let m = this.reasonsMemo.get(cls);
    if (!m || m.spec !== spec) this.reasonsMemo.set(cls, (m = { spec, reasons: this.evaluate(cls) }));
    return m.reasons;
  }

  /**
   * The one backend call since the last version placed or released a workload of class `cls`
   * (failover-guard.ts committed/released). When `cls` has no inter-workload terms, the restart
   * reasons of every class without terms stand: such a change moves only the resource and spread
   * bits, which a restart ignores, and no affinity bit (only terms set those); they carry to the
   * new version, and the reasons of classes with terms are dropped.
   */
  carryReasons(cls: number): void {
    const now = this.version();
    if (this.memoVersion !== now - 1 || this.compiler.classes[cls]?.spec.topology !== undefined) return;
    for (const [c, m] of this.reasonsMemo) {
      const spec = this.compiler.classes[c]?.spec;
      if (spec !== m.spec || spec.topology !== undefined) this.reasonsMemo.delete(c);
    }
    this.memoVersion = now;
  }

  /** Class `cls`'s restart reasons now, from the backend. */
  private evaluate(cls: number): Uint32Array {
    const cols = this.backend.evaluateColumns(cls);
    const r = cols.reasons.slice(0, cols.n);
    for (let s = 0; s < r.length; s++) r[s] &= ~RESTART_IGNORED;
    return r;
  }

  /** Free room per slot and dimension: allocatable − Σ requests of the workloads there (and `extra`), not below 0. */
  freeRoom(extra?: Tentative): Float64Array {
    const n = this.catalog.hosts.length;
    const free = new Float64Array(n * MAX_DIMS);
    for (let s = 0; s < n; s++) this.room(free, s);
    if (extra) this.take(free, extra.cls, extra.slot, 1);
    this.freeLogs.set(free, { epoch: ++this.freeEpoch, rows: [] });
    return free;
  }

  /** What changed in `free` since this planner made it (undefined: not one of its arrays). */
  logOf(free: Float64Array): FreeLog | undefined {
    return this.freeLogs.get(free);
  }

  /** Host `s`'s row of `free`, computed anew. */
  hostRoom(free: Float64Array, s: number): void {
    this.room(free, s);
    this.changed(free, s);
  }

  /** Put back host `s`'s row of `free` as it was (`row`, MAX_DIMS entries). */
  putRow(free: Float64Array, s: number, row: ArrayLike<number>): void {
    free.set(row, s * MAX_DIMS);
    this.changed(free, s);
  }

  /** Row `s` of `free` changed: logged, or a new epoch when the log grows past a tenth of the slots. */
  private changed(free: Float64Array, s: number): void {
    const log = this.freeLogs.get(free);
    if (!log) return;
    if (log.rows.length * 10 > free.length / MAX_DIMS + 640) {
      log.epoch = ++this.freeEpoch;
      log.rows = [];
    } else log.rows.push(s);
  }

  private room(free: Float64Array, s: number): void {
    const dims = this.catalog.dims.count;
    free.fill(0, s * MAX_DIMS, (s + 1) * MAX_DIMS);
    if (!this.catalog.hosts[s]?.present) return;
    for (let d = 0; d < dims; d++) free[s * MAX_DIMS + d] = Number(this.catalog.allocatableOf(s, d));
    for (const cls of this.residents.classesAt(s)) this.subtract(free, cls, s, this.residents.at(cls, s).length);
  }

  /** `count` workloads of class `cls` on slot `s` take their requests from `free` (not below 0). */
  take(free: Float64Array, cls: number, s: number, count: number): void {
    this.subtract(free, cls, s, count);
    this.changed(free, s);
  }

  private subtract(free: Float64Array, cls: number, s: number, count: number): void {
    const req = this.compiler.classes[cls].spec.req;
    for (let d = 0; d < this.catalog.dims.count; d++) free[s * MAX_DIMS + d] = Math.max(0, free[s * MAX_DIMS + d] - req[d] * count);
  }

  /** Present hosts by zone (the zone label's values, sorted); hosts without the label are in none. */
  zones(): Map<string, number[]> {
    const byZone = new Map<string, number[]>();
    for (const s of this.presentSlots()) {
      const z = this.zoneOf(s);
      if (z !== null) byZone.set(z, [...(byZone.get(z) ?? []), s]);
    }
    return new Map([...byZone].sort(([a], [b]) => cmp(a, b)));
  }

  /** The first plan leaving a workload of `ns` unplaced, or null. */
  firstFailing(ns: string, plans: Iterable<Planned>): Planned | null {
    for (const p of plans) if (p.victims.some((v, i) => v.t.namespace === ns && p.plan.target[i] < 0)) return p;
    return null;
  }

  /** Slot `slot` holds a workload of namespace `ns` (or will, with `extra`). */
  holds(ns: string, slot: number, extra?: Tentative): boolean {
    if (extra && extra.slot === slot && extra.t.namespace === ns) return true;
    for (const cls of this.residents.classesAt(slot)) if (this.compiler.classes[cls].template.namespace === ns) return true;
    return false;
  }

  // ---------------------------------------------------------------- words

  /** The refusal's words: the namespace and the host(s) or zone whose failure could not be absorbed, and why. */
  violationText(ns: string, p: Planned, zone?: string | null): string {
    return violationWords(this.violation(ns, p, zone));
  }

  /** violationText() in its parts: the workload of `ns` left without a host apart, so that the words can name another in its place. */
  violation(ns: string, p: Planned, zone?: string | null): Violation {
    if (p.unchecked) {
      return {
        head: `namespace ${ns} is not known to survive ${p.unchecked} host failures (failover policy): the sets of ${p.unchecked} hosts are too many for placer to plan each`,
      };
    }
    const names = p.failed.map((s) => this.catalog.hostName(s));
    const what = zone ? `zone ${zone}` : names.length === 1 ? `host ${names[0]}` : `hosts ${names.join(', ')}`;
    const head = `namespace ${ns} could not restart its workloads if ${what} failed (failover policy)`;
    const i = p.victims.findIndex((v, k) => v.t.namespace === ns && p.plan.target[k] < 0);
    return i < 0 ? { head } : { head, stuck: { key: workloadKey(p.victims[i]), reason: this.reasonText(p, i) } };
  }

  describe(p: Planned): { moves: RestartMove[]; unplaced: RestartStuck[] } {
    const moves: RestartMove[] = [];
    const unplaced: RestartStuck[] = [];
    p.victims.forEach((v, i) => {
      const base = {
        kind: v.t.kind,
        namespace: v.t.namespace,
        name: nameOf(v),
        from: this.catalog.hostName(v.from),
        protected: v.protected,
      };
      const to = p.plan.target[i];
      if (to >= 0) moves.push({ ...base, to: this.catalog.hostName(to) });
      else unplaced.push({ ...base, reason: this.reasonText(p, i) });
    });
    return { moves, unplaced };
  }

  private reasonText(p: Planned, i: number): string {
    const why = p.plan.why[i];
    const cls = p.victims[i].cls;
    if (why === null) return '';
    if (why instanceof Uint32Array) {
      return this.wording.failureMessage(
        cls,
        filterHistogram(restartVerdicts(why), (s) => this.wording.firstBlockingTaint(cls, s)),
      );
    }
    return `gang ${why.gang}: a member could not be restarted, so none is`;
  }

  amounts(of: (d: number) => number): Record<string, number> {
    const out: Record<string, number> = {};
    this.catalog.dims.names.forEach((name, d) => {
      const v = of(d);
      if (v !== 0) out[name] = v;
    });
    return out;
  }

  presentSlots(): number[] {
    const out: number[] = [];
    this.catalog.hosts.forEach((h, s) => h.present && out.push(s));
    return out;
  }

  zoneOf(slot: number): string | null {
    return this.catalog.hosts[slot].obj.labels.get(ZONE_KEY) ?? null;
  }
}

function nameOf(v: { t: WorkloadTemplate; j: number }): string {
  return v.t.instances[v.j]?.name ?? `${v.t.owner ?? v.t.kind}[${v.j}]`;
}

/** A failover refusal's words in parts: what the namespace could not survive, and its first workload left without a host, with why. */
export interface Violation {
  head: string;
  stuck?: { key: string; reason: string };
}

/** The words of refusal `v`, naming `as` (a workload key) for its stuck workload when given. */
export function violationWords(v: Violation, as?: string): string {
  return v.stuck ? `${v.head}: ${as ?? v.stuck.key} would find no host: ${v.stuck.reason}` : v.head;
}

/** How a refusal names instance `j` of `t`: `Kind namespace/name`. */
export function workloadKey(v: { t: WorkloadTemplate; j: number }): string {
  return `${v.t.kind} ${v.t.namespace}/${nameOf(v)}`;
}
