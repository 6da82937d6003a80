// Namespace HA, by name: which namespaces are protected (a NamespacePolicy with spec.failover),
// placer's own restart plans of host and zone failures (rules/failover.ts) built from who runs
// where, the failover report, simulated failures, and admission's question — would this placement
// leave a protected namespace without its failover room?
//
// Placer's own restart plan of a failure is the first-fit plan of rules/failover.ts computed on
// the cluster as it is now: the report shows it and admission refuses exactly when a placement
// would make it fail, so the two always agree. Host failures: one host, exact w.r.t. that plan;
// 2 and 3 hosts, every set of that many hosts is planned when there are at most
// MAX_FAILURE_SETS of them, else the namespace is reported (and guarded) as not tolerating them —
// sound (never claims what is not planned), conservative on big clusters. Zones: every zone is
// planned (one plan per zone), exact w.r.t. that plan.

import type { FailoverPolicy, WorkloadTemplate } from '../../model/types.js';
import type { Catalog } from './catalog.js';
import { HOST_NAME_KEY } from './catalog.js';
import type { ClassCompiler } from './compiler.js';
import { type Backend, DIM_CPU, DIM_MEMORY, MAX_DIMS } from './contract.js';
import { ZONE_KEY } from './capacity.js';
import type {
  FailoverReport,
  HostFailover,
  NamespaceFailover,
  RestartMove,
  RestartPlanReport,
  RestartStuck,
  ZoneFailover,
} from './failover-api.js';
import type { Residents } from './residents.js';
import {
  type RestartHosts,
  type RestartItem,
  type RestartPlan,
  restartPlan,
  restartVerdicts,
  vspherePercentage,
} from './rules/failover.js';
import { filterHistogram } from './rules/filter-stages.js';
import type { Wording } from './wording.js';

/** Sets of 2 or 3 failed hosts planned one by one at most; beyond, such tolerance is not claimed. */
export const MAX_FAILURE_SETS = 5000;

/** One workload of a failed host. */
interface Victim {
  cls: number;
  t: WorkloadTemplate;
  j: number;
  from: number;
  protected: boolean;
}

/** A failure's plan with the workloads it restarts. */
interface Planned {
  failed: number[];
  victims: Victim[];
  plan: RestartPlan;
  /** Not planned: the sets of this many failed hosts are more than MAX_FAILURE_SETS. */
  unchecked?: number;
}

/** A placement to plan as if it were made: one workload of class `cls` on `slot`. */
export interface Tentative {
  cls: number;
  slot: number;
  t: WorkloadTemplate;
  j: number;
}

export class Failover {
  /** Filter reasons per class (copied from the backend), valid while the backend version stands. */
  private reasonsMemo = new Map<number, Uint32Array>();
  private memoVersion = -1;

  constructor(
    private readonly catalog: Catalog,
    private readonly compiler: ClassCompiler,
    private readonly residents: Residents,
    private readonly wording: Wording,
    private readonly backend: Backend,
    private readonly version: () => number,
  ) {}

  /** Protected namespaces: a failover policy that tolerates at least one host or the zone. */
  policies(): Map<string, FailoverPolicy> {
    const out = new Map<string, FailoverPolicy>();
    for (const [ns, p] of this.catalog.policies) {
      const f = p.failover;
      if (f && (f.hostFailuresToTolerate > 0 || f.zoneFailuresToTolerate > 0)) out.set(ns, f);
    }
    return out;
  }

  // ---------------------------------------------------------------- report

  /** The failover report: see FailoverReport. */
  report(): FailoverReport {
    const policies = this.policies();
    const hosts = this.presentSlots();
    const free = this.freeRoom();
    const held = new Float64Array(this.catalog.hosts.length * MAX_DIMS);
    const singles = new Map<number, Planned>();
    for (const slot of hosts) {
      const p = this.plan([slot], true, free);
      singles.set(slot, p);
      for (const s of p.plan.targets)
        for (let d = 0; d < MAX_DIMS; d++) held[s * MAX_DIMS + d] = Math.max(held[s * MAX_DIMS + d], p.plan.use[s * MAX_DIMS + d]);
    }
    const zonePlans = this.wantsZones(policies) ? this.zonePlans(free) : [];
    const namespaces: NamespaceFailover[] = [...policies.keys()]
      .sort()
      .map((ns) => this.namespaceFailover(ns, policies.get(ns)!, hosts, singles, zonePlans, free));
    const hostRows: HostFailover[] = hosts.map((slot) => {
      const p = singles.get(slot)!;
      const { moves, unplaced } = this.describe(p);
      return {
        host: this.catalog.hostName(slot),
        zone: this.zoneOf(slot),
        protectedWorkloads: p.victims.length,
        absorbed: unplaced.length === 0,
        plan: moves,
        unplaced,
        held: this.amounts((d) => held[slot * MAX_DIMS + d]),
      };
    });
    const zones: ZoneFailover[] = zonePlans.map(({ zone, planned }) => {
      const { moves, unplaced } = this.describe(planned);
      return { zone, hosts: planned.failed.length, absorbed: unplaced.length === 0, plan: moves, unplaced };
    });
    const schedulable = hosts.filter((s) => !this.catalog.hosts[s].obj.unschedulable);
    const capacity = this.amounts((d) => schedulable.reduce((sum, s) => sum + Number(this.catalog.allocatableOf(s, d)), 0));
    const failures = Math.max(0, ...[...policies.values()].map((p) => p.hostFailuresToTolerate));
    const percent = vspherePercentage(failures, schedulable.length);
    const vsHeld: Record<string, number> = {};
    for (const d of [DIM_CPU, DIM_MEMORY]) {
      const name = this.catalog.dims.names[d];
      if (capacity[name]) vsHeld[name] = Math.ceil((capacity[name] * percent) / 100);
    }
    return {
      apiVersion: 'placer.dev/v1alpha1',
      kind: 'FailoverReport',
      namespaces,
      hosts: hostRows,
      zones,
      held: this.amounts((d) => hosts.reduce((sum, s) => sum + held[s * MAX_DIMS + d], 0)),
      capacity,
      vsphere: { failures, percent, held: vsHeld },
    };
  }

  /** The restart plan of exactly these failures: every workload of the failed hosts, protected first. */
  simulate(hostNames: readonly string[], zone?: string): RestartPlanReport {
    const slots = new Set(hostNames.map((n) => this.catalog.presentSlot(n)));
    if (zone !== undefined) for (const s of this.presentSlots()) if (this.zoneOf(s) === zone) slots.add(s);
    const p = this.plan(
      [...slots].sort((a, b) => a - b),
      false,
      this.freeRoom(),
    );
    const { moves, unplaced } = this.describe(p);
    return { failed: p.failed.map((s) => this.catalog.hostName(s)), moves, unplaced, absorbed: !unplaced.some((u) => u.protected) };
  }

  // ---------------------------------------------------------------- admission

  /**
   * Would one more workload of class `cls` on `slot` leave a protected namespace without its
   * failover room? The first failure it could not absorb, in words, or null. The workload is
   * committed for the question (so the rules see it) and released again.
   */
  violation(t: WorkloadTemplate, j: number, cls: number, slot: number): string | null {
    const policies = this.policies();
    if (policies.size === 0) return null;
    this.backend.commit(cls, slot);
    const extra: Tentative = { cls, slot, t, j };
    try {
      const free = this.freeRoom(extra);
      for (const ns of [...policies.keys()].sort()) {
        const v = this.namespaceViolation(ns, policies.get(ns)!, this.presentSlots(), free, extra);
        if (v) return v;
      }
      return null;
    } finally {
      this.backend.release(cls, slot);
    }
  }

  // ---------------------------------------------------------------- plans

  /** The plan of `failed` (ascending slots): their protected workloads, or every workload when not `protectedOnly`. */
  private plan(failed: number[], protectedOnly: boolean, free: Float64Array, extra?: Tentative): Planned {
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
    const out = new Uint8Array(this.catalog.hosts.length);
    this.catalog.hosts.forEach((h, s) => (out[s] = h.present ? 0 : 1));
    for (const s of failed) out[s] = 1;
    const hosts: RestartHosts = { n: this.catalog.hosts.length, free, out, label: (s, col) => this.label(s, col) };
    const items: RestartItem[] = victims.map((v) => this.item(v));
    return { failed, victims, plan: restartPlan(items, hosts) };
  }

  /** Protected first, larger first (cpu, then memory), then kind, namespace, name: the plan's order. */
  private compare(a: Victim, b: Victim): number {
    if (a.protected !== b.protected) return a.protected ? -1 : 1;
    const ra = this.compiler.classes[a.cls].spec.req;
    const rb = this.compiler.classes[b.cls].spec.req;
    return rb[DIM_CPU] - ra[DIM_CPU] || rb[DIM_MEMORY] - ra[DIM_MEMORY] || cmp(workloadKey(a), workloadKey(b));
  }

  private item(v: Victim): RestartItem {
    const spec = this.compiler.classes[v.cls].spec;
    const topo = spec.topology;
    const cols = topo ? [...new Set([...topo.requiredAnti, ...topo.heldAnti].map((term) => term.col))] : [];
    return { req: spec.req, reasons: this.reasons(v.cls), antiCols: cols.length > 0 ? cols : null, gang: v.t.gang?.name ?? null };
  }

  /** A class's filter reasons by slot, copied (Wasm views last until the next call). */
  private reasons(cls: number): Uint32Array {
    if (this.memoVersion !== this.version()) {
      this.reasonsMemo.clear();
      this.memoVersion = this.version();
    }
    let r = this.reasonsMemo.get(cls);
    if (!r) {
      const cols = this.backend.evaluateColumns(cls);
      r = cols.reasons.slice(0, cols.n);
      this.reasonsMemo.set(cls, r);
    }
    return r;
  }

  /** Free room per slot and dimension: allocatable − Σ requests of the workloads there (and `extra`). */
  private freeRoom(extra?: Tentative): Float64Array {
    const n = this.catalog.hosts.length;
    const dims = this.catalog.dims.count;
    const free = new Float64Array(n * MAX_DIMS);
    for (let s = 0; s < n; s++) {
      if (!this.catalog.hosts[s].present) continue;
      for (let d = 0; d < dims; d++) free[s * MAX_DIMS + d] = Number(this.catalog.allocatableOf(s, d));
      for (const cls of this.residents.classesAt(s)) {
        const req = this.compiler.classes[cls].spec.req;
        const count = this.residents.at(cls, s).length;
        for (let d = 0; d < dims; d++) free[s * MAX_DIMS + d] -= req[d] * count;
      }
    }
    if (extra) {
      const req = this.compiler.classes[extra.cls].spec.req;
      for (let d = 0; d < dims; d++) free[extra.slot * MAX_DIMS + d] -= req[d];
    }
    for (let i = 0; i < free.length; i++) if (free[i] < 0) free[i] = 0;
    return free;
  }

  private zonePlans(free: Float64Array, extra?: Tentative): { zone: string; planned: Planned }[] {
    const byZone = new Map<string, number[]>();
    for (const s of this.presentSlots()) {
      const z = this.zoneOf(s);
      if (z !== null) byZone.set(z, [...(byZone.get(z) ?? []), s]);
    }
    return [...byZone.keys()].sort().map((zone) => ({ zone, planned: this.plan(byZone.get(zone)!, true, free, extra) }));
  }

  // ---------------------------------------------------------------- namespaces

  private namespaceFailover(
    ns: string,
    policy: FailoverPolicy,
    hosts: number[],
    singles: Map<number, Planned>,
    zonePlans: { zone: string; planned: Planned }[],
    free: Float64Array,
  ): NamespaceFailover {
    let toleratesHosts = 0;
    let violation: string | null = null;
    for (let k = 1; k <= 3; k++) {
      const failing =
        k === 1
          ? this.firstFailing(
              ns,
              hosts.map((s) => singles.get(s)!),
            )
          : this.failingSet(ns, k, hosts, free);
      if (failing) {
        if (k <= policy.hostFailuresToTolerate) violation ??= this.violationText(ns, failing);
        break;
      }
      toleratesHosts = k;
    }
    let toleratesZone: boolean | null = null;
    if (zonePlans.length > 0) {
      const failing = this.firstFailing(
        ns,
        zonePlans.map((z) => z.planned),
      );
      toleratesZone = failing === null;
      if (failing && policy.zoneFailuresToTolerate > 0) violation ??= this.violationText(ns, failing, this.zoneOf(failing.failed[0]));
    }
    return { namespace: ns, policy, toleratesHosts, toleratesZone, kept: violation === null, violation };
  }

  /** The first failure (in order) the namespace does not tolerate with `extra` placed, in words; null when none. */
  private namespaceViolation(ns: string, policy: FailoverPolicy, hosts: number[], free: Float64Array, extra: Tentative): string | null {
    for (let k = 1; k <= policy.hostFailuresToTolerate; k++) {
      const failing =
        k === 1
          ? this.firstFailing(
              ns,
              hosts.map((s) => this.plan([s], true, free, extra)),
            )
          : this.failingSet(ns, k, hosts, free, extra);
      if (failing) return this.violationText(ns, failing);
    }
    if (policy.zoneFailuresToTolerate > 0) {
      const failing = this.firstFailing(
        ns,
        this.zonePlans(free, extra).map((z) => z.planned),
      );
      if (failing) return this.violationText(ns, failing, this.zoneOf(failing.failed[0]));
    }
    return null;
  }

  /** The first plan leaving a workload of `ns` unplaced, or null. */
  private firstFailing(ns: string, plans: Iterable<Planned>): Planned | null {
    for (const p of plans) if (p.victims.some((v, i) => v.t.namespace === ns && p.plan.target[i] < 0)) return p;
    return null;
  }

  /**
   * The first set of `k` hosts (in host order) whose plan leaves a workload of `ns` unplaced. Only
   * sets holding a workload of `ns` can fail it; when there are more than MAX_FAILURE_SETS sets to
   * plan, the first one is answered as failing (not planned, not claimed).
   */
  private failingSet(ns: string, k: number, hosts: number[], free: Float64Array, extra?: Tentative): Planned | null {
    const holders = hosts.filter((s) => this.holds(ns, s, extra));
    if (holders.length === 0) return null;
    if (binomial(hosts.length, k) > MAX_FAILURE_SETS) return { ...this.plan(hosts.slice(0, k), true, free, extra), unchecked: k };
    for (const set of combinations(hosts, k)) {
      if (!set.some((s) => holders.includes(s))) continue;
      const p = this.plan(set, true, free, extra);
      if (this.firstFailing(ns, [p])) return p;
    }
    return null;
  }

  private holds(ns: string, slot: number, extra?: Tentative): boolean {
    if (extra && extra.slot === slot && extra.t.namespace === ns) return true;
    for (const cls of this.residents.classesAt(slot))
      if (this.compiler.classes[cls].template.namespace === ns && this.residents.at(cls, slot).length > 0) return true;
    return false;
  }

  /** The refusal's words: the namespace and the host(s) or zone whose failure could not be absorbed, and why. */
  private violationText(ns: string, p: Planned, zone?: string | null): string {
    if (p.unchecked) {
      return `namespace ${ns} is not known to survive ${p.unchecked} host failures (failover policy): the ${binomial(this.presentSlots().length, p.unchecked)} sets of ${p.unchecked} hosts are more than the ${MAX_FAILURE_SETS} placer plans`;
    }
    const what = zone
      ? `zone ${zone}`
      : p.failed.length === 1
        ? `host ${this.catalog.hostName(p.failed[0])}`
        : `hosts ${p.failed.map((s) => this.catalog.hostName(s)).join(', ')}`;
    const i = p.victims.findIndex((v, k) => v.t.namespace === ns && p.plan.target[k] < 0);
    const reason = i < 0 ? '' : `: ${workloadKey(p.victims[i])} would find no host: ${this.reasonText(p, i)}`;
    return `namespace ${ns} could not restart its workloads if ${what} failed (failover policy)${reason}`;
  }

  // ---------------------------------------------------------------- words

  private describe(p: Planned): { moves: RestartMove[]; unplaced: RestartStuck[] } {
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
    if (why instanceof Uint32Array)
      return this.wording.failureMessage(
        cls,
        filterHistogram(restartVerdicts(why), (s) => this.wording.firstBlockingTaint(cls, s)),
      );
    return `gang ${why.gang}: a member could not be restarted, so none is`;
  }

  private amounts(of: (d: number) => number): Record<string, number> {
    const out: Record<string, number> = {};
    this.catalog.dims.names.forEach((name, d) => {
      const v = of(d);
      if (v !== 0) out[name] = v;
    });
    return out;
  }

  private presentSlots(): number[] {
    const out: number[] = [];
    this.catalog.hosts.forEach((h, s) => h.present && out.push(s));
    return out;
  }

  private wantsZones(policies: Map<string, FailoverPolicy>): boolean {
    return [...policies.values()].some((p) => p.zoneFailuresToTolerate > 0);
  }

  private zoneOf(slot: number): string | null {
    return this.catalog.hosts[slot].obj.labels.get(ZONE_KEY) ?? null;
  }

  private label(slot: number, col: number): string | undefined {
    const key = this.catalog.labelCols.name(col);
    const h = this.catalog.hosts[slot].obj;
    return key === HOST_NAME_KEY ? h.name : h.labels.get(key);
  }
}

function nameOf(v: Victim): string {
  return v.t.instances[v.j]?.name ?? `${v.t.owner ?? v.t.kind}[${v.j}]`;
}

function workloadKey(v: Victim): string {
  return `${v.t.kind} ${v.t.namespace}/${nameOf(v)}`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 0; i < k; i++) r = (r * (n - i)) / (i + 1);
  return r;
}

/** Every k-subset of `xs`, in lexicographic order of positions. */
function* combinations(xs: readonly number[], k: number): IterableIterator<number[]> {
  const idx = Array.from({ length: k }, (_, i) => i);
  while (true) {
    yield idx.map((i) => xs[i]);
    let i = k - 1;
    while (i >= 0 && idx[i] === xs.length - k + i) i--;
    if (i < 0) return;
    idx[i]++;
    for (let m = i + 1; m < k; m++) idx[m] = idx[m - 1] + 1;
  }
}
