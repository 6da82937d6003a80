// The Engine: Kubernetes-shaped model objects in (model/types.ts), placements and messages out. A
// thin façade, as Nomad's stack is, over collaborators of one concern each:
//
//   catalog.ts    names ↔ ids: hosts, dimensions, labels, taints, namespaces; quotas, policies
//   compiler.ts   templates → classes (requests, quota links, constraints, topology)
//   residents.ts  who runs where, by name
//   placer.ts     batches, binds, releases
//   planner.ts    drains, namespace moves, rebalancing
//   consolidator.ts  consolidation: the moves that free the most hosts
//   assessor.ts   the extender's questions and explanations
//   wording.ts    reasons and failures in kube-scheduler's words
//   reports.ts    usage per host, per namespace, per cluster
//   capacity.ts   how many more replicas fit (headroom)
//
// They drive one backend — the Wasm core (wasm/) or the reference engine (reference/) — through
// the numeric contract of contract.ts; every rule both engines apply has its home in rules/.

import type {
  HostObj,
  NamespaceObj,
  NamespacePolicyObj,
  NodeSelectorRequirement,
  PodDisruptionBudgetObj,
  PriorityClassObj,
  QuotaObj,
  WorkloadTemplate,
} from '../../model/types.js';
import type {
  Assessment,
  CapacityOptions,
  CapacityReport,
  ConsolidateOptions,
  ConsolidateReport,
  EngineStats,
  Compiled,
  EngineOptions,
  Explanation,
  HostFailure,
  Placed,
  PlanOptions,
  PlanReport,
  RebalanceOptions,
  RebalanceReport,
} from './api.js';
import { Assessor, type ColumnAssessment } from './assessor.js';
import { Capacity } from './capacity.js';
import { Catalog } from './catalog.js';
import { ClassCompiler } from './compiler.js';
import {
  type Backend,
  DEFAULT_BALANCED_WEIGHT,
  DIM_CPU,
  DIM_MEMORY,
  type Failure,
  type HostVerdict,
  type Ledger,
  MAX_BALANCED_WEIGHT,
  OrderPolicy,
} from './contract.js';
import { DEFAULT_PACKING_EFFORT } from './packing.js';
import { Placer } from './placer.js';
import { Planner } from './planner.js';
import { Consolidator } from './consolidator.js';
import { Failover } from './failover.js';
import { FailoverGuard, PLAN_NEUTRAL_CALLS } from './failover-guard.js';
import { FailoverMoves } from './failover-moves.js';
import { RestartPlanner } from './failover-plans.js';
import type { FailoverReport, RestartPlanReport } from './failover-api.js';
import { ReferenceBackend } from './reference/backend.js';
import { type HostUsage, type NamespaceUsage, Reports } from './reports.js';
import { Residents, unpack } from './residents.js';
import { versioned } from './versioned.js';
import { WasmBackend } from './wasm/backend.js';
import { Wording } from './wording.js';

export * from './api.js';
export * from './failover-api.js';

const WASM_VARIANTS = { wasm: 'simd', 'wasm-scalar': 'scalar', 'wasm-debug': 'debug' } as const;

export class Engine {
  readonly backend: Backend;
  private readonly catalog: Catalog;
  private readonly compiler: ClassCompiler;
  private readonly residents: Residents;
  private readonly wording: Wording;
  private readonly assessor: Assessor;
  private readonly placer: Placer;
  private readonly planner: Planner;
  private readonly consolidator: Consolidator;
  private readonly reports: Reports;
  private readonly capacity: Capacity;
  private readonly failover: Failover;
  /** Counts backend calls that may change an evaluation's answer (see versioned.ts). */
  private backendVersion = 0;
  /** Counts the backend calls among those that may change a restart plan (failover-guard.ts PLAN_NEUTRAL_CALLS). */
  private planVersion = 0;

  constructor(opts: EngineOptions = {}) {
    const b = opts.backend ?? 'wasm';
    const raw = typeof b !== 'string' ? b : b === 'reference' ? new ReferenceBackend() : new WasmBackend(WASM_VARIANTS[b]);
    const backend = (this.backend = versioned(raw, (call) => {
      this.backendVersion++;
      if (!PLAN_NEUTRAL_CALLS.has(call)) this.planVersion++;
    }));
    const catalog = (this.catalog = new Catalog(backend));
    const scoring = (
      opts.scoring ?? [
        { resource: 'cpu', weight: 1 },
        { resource: 'memory', weight: 1 },
      ]
    ).map((r) => ({ dim: catalog.dims.intern(r.resource), weight: r.weight }));
    const balancedWeight = opts.balancedWeight ?? DEFAULT_BALANCED_WEIGHT;
    if (!Number.isInteger(balancedWeight) || balancedWeight < 0 || balancedWeight > MAX_BALANCED_WEIGHT) {
      throw new RangeError(`NodeResourcesBalancedAllocation weight ${balancedWeight}: must be an integer 0..${MAX_BALANCED_WEIGHT}`);
    }
    backend.configure({
      scoring,
      balanced: [
        { dim: DIM_CPU, weight: 1 },
        { dim: DIM_MEMORY, weight: 1 },
      ],
      balancedWeight,
      shape: opts.shape ?? [
        { utilization: 0, score: 0 },
        { utilization: 100, score: 10 },
      ],
      order: opts.order === 'input' ? OrderPolicy.Input : opts.order === 'size' ? OrderPolicy.Size : OrderPolicy.Interleave,
    });
    catalog.init();
    const residents = (this.residents = new Residents(opts.trackPlacements ?? false, (cls) => this.compiler.vacated(cls)));
    const compiler = (this.compiler = new ClassCompiler(catalog, backend, opts.strategy ?? 'LeastAllocated', (cls) =>
      residents.placedOn(cls),
    ));
    const wording = (this.wording = new Wording(catalog, compiler));
    const reports = (this.reports = new Reports(catalog, backend));
    const version = () => this.backendVersion;
    const plans = new RestartPlanner(catalog, compiler, residents, wording, backend, version);
    this.failover = new Failover(plans);
    const guard = new FailoverGuard(plans, this.failover, raw, () => this.planVersion);
    wording.failoverText = (slot, who) => guard.refusalText(slot, who);
    this.assessor = new Assessor(catalog, compiler, residents, wording, backend, version, balancedWeight, guard);
    this.placer = new Placer(
      catalog,
      compiler,
      residents,
      wording,
      this.assessor,
      backend,
      opts.packingEffort ?? (opts.strategy === 'MostAllocated' ? DEFAULT_PACKING_EFFORT : 0),
      guard,
      () => this.failover.report(),
    );
    const moves = new FailoverMoves(catalog, compiler, residents, wording, backend, guard, this.failover);
    this.planner = new Planner(catalog, compiler, residents, wording, reports, backend, moves);
    this.consolidator = new Consolidator(catalog, compiler, residents, reports, backend, moves);
    this.capacity = new Capacity(catalog, compiler, wording, backend);
  }

  // ---------------------------------------------------------------- infrastructure

  upsertHosts(objs: readonly HostObj[]): void {
    this.catalog.upsertHosts(objs);
  }

  /** Remove a host that holds nothing; throws when it still holds workloads. */
  removeHost(name: string): void {
    this.catalog.removeHost(name);
  }

  hostNames(): string[] {
    return this.catalog.hostNames();
  }

  hostObj(name: string): HostObj | undefined {
    return this.catalog.hostObj(name);
  }

  /** The slot of a present host, or −1 (unknown or removed). */
  hostSlot(name: string): number {
    return this.catalog.hostSlot(name);
  }

  /** Changes whenever hosts are added, updated or removed: cached name → slot lookups expire. */
  get hostsEpoch(): number {
    return this.catalog.hostsEpoch;
  }

  /** Namespace objects: their labels decide namespaceSelector matches of affinity terms. */
  setNamespaces(objs: readonly NamespaceObj[]): void {
    this.compiler.topology.setNamespaces(objs);
    this.compiler.invalidate();
  }

  setPriorityClasses(pcs: readonly PriorityClassObj[]): void {
    this.compiler.invalidate();
    this.catalog.setPriorityClasses(pcs);
  }

  /** Replace the ResourceQuotas; classes are re-linked to the quotas that now apply to them. */
  setQuotas(objs: readonly QuotaObj[]): void {
    this.compiler.invalidate();
    this.catalog.setQuotas(objs);
    this.compiler.relinkQuotas();
    this.backend.rebuildQuotaUsage();
  }

  /** Replace the NamespacePolicies (placement defaults and reservations). See checkReservations. */
  setPolicies(objs: readonly NamespacePolicyObj[]): void {
    this.compiler.invalidate();
    this.catalog.setPolicies(objs);
  }

  /** PodDisruptionBudgets (policy/v1): their coverage decides which preemption victims violate them. */
  setPdbs(objs: readonly PodDisruptionBudgetObj[]): void {
    this.catalog.pdbs = [...objs];
    this.compiler.invalidate();
  }

  /** Reservations must be honourable; throws an InputError naming a policy when they are not. */
  checkReservations(): void {
    this.catalog.checkReservations();
  }

  compile(t: WorkloadTemplate): Compiled {
    this.compiler.collect();
    return this.compiler.compile(t);
  }

  /**
   * What the engine holds, for gauges: live classes, constraint programs, interned names (label
   * keys and values, taints, namespaces, dimensions) and the backend's memory outside the JS heap.
   */
  stats(): EngineStats {
    const c = this.catalog;
    return {
      classes: this.compiler.classCount,
      constraints: this.compiler.constraintCount,
      interned: c.labelCols.size + c.labelValues.size + c.taintKeys.size + c.taintValues.size + c.namespaces.size + c.dims.count,
      counters: this.compiler.topology.counterCount,
      counterEntries: this.backend.counterEntries(),
      backendMemoryBytes: this.backend.memoryBytes(),
    };
  }

  /** Free the classes nothing is placed with any more, now (they are otherwise freed in batches between operations). */
  collectClasses(): void {
    this.compiler.collect(true);
  }

  // ---------------------------------------------------------------- placing

  /** Commit every instance that already runs on a host (pod spec.nodeName, VM status.nodeName). */
  bindExisting(templates: readonly WorkloadTemplate[]): void {
    this.placer.bindExisting(templates);
  }

  /**
   * Place every unbound instance of `templates` in one batch: an outcome per template, and the
   * evictions. `opts.packingEffort` is this batch's packing effort instead of the engine's.
   */
  place(templates: readonly WorkloadTemplate[], opts: { packingEffort?: number } = {}): Placed {
    this.compiler.collect();
    return this.placer.place(templates, opts.packingEffort);
  }

  /** Record instance `j` of a template as running on `hostName` (no checks: it already runs there). */
  bind(t: WorkloadTemplate, j: number, hostName: string): void {
    this.placer.bind(t, j, hostName);
  }

  /** The extender's bind: commit only if placer's own rules allow it there now; else the reason. */
  tryBind(t: WorkloadTemplate, j: number, hostName: string): string | null {
    this.compiler.collect();
    return this.placer.tryBind(t, j, hostName);
  }

  /** Release a tracked workload; false when placer does not know it. */
  release(kind: string, namespace: string, name: string): boolean {
    const released = this.placer.release(kind, namespace, name);
    this.compiler.collect();
    return released;
  }

  /** The host a tracked workload runs on, or undefined. */
  placementOf(kind: string, namespace: string, name: string): string | undefined {
    const p = this.residents.placed(kind, namespace, name);
    return p === undefined ? undefined : this.catalog.hostName(p.slot);
  }

  /** The hosts of a namespace's placed workloads, one entry per workload. */
  *placementsIn(namespace: string): IterableIterator<{ host: string }> {
    for (const [key, list] of this.residents.entries()) {
      const host = this.catalog.hostName(unpack(key).slot);
      for (const r of list) if (r.t.namespace === namespace) yield { host };
    }
  }

  /** Every tracked placement: `kind/namespace/name` → host. */
  *trackedPlacements(): IterableIterator<{ kind: string; namespace: string; name: string; host: string }> {
    for (const p of this.residents.tracked())
      yield { kind: p.kind, namespace: p.namespace, name: p.name, host: this.catalog.hostName(p.slot) };
  }

  // ---------------------------------------------------------------- moves

  /** Drain hosts (maintenance mode): a new host for every workload on them, as one batch. */
  drain(hostNames: readonly string[], opts: PlanOptions = {}): PlanReport {
    return this.planner.drain(hostNames, opts);
  }

  /** Move a namespace onto the hosts matching `requirements`, all or nothing. */
  moveNamespace(namespace: string, requirements: readonly NodeSelectorRequirement[], opts: PlanOptions = {}): PlanReport {
    return this.planner.moveNamespace(namespace, requirements, opts);
  }

  /** The plan that frees the most hosts (standby candidates), by moves that keep every rule. */
  consolidate(opts: ConsolidateOptions = {}): ConsolidateReport {
    return this.consolidator.consolidate(opts);
  }

  /** DRS-like moves that lower the imbalance of one resource. */
  rebalance(opts: RebalanceOptions = {}): RebalanceReport {
    return this.planner.rebalance(opts);
  }

  // ---------------------------------------------------------------- questions

  /** The extender's filter and prioritize over every host, without committing. */
  assess(t: WorkloadTemplate): Assessment {
    this.compiler.collect();
    return this.assessor.assess(t);
  }

  /** assess() as columns indexed by host slot, memoized while nothing changes. */
  assessColumns(t: WorkloadTemplate): ColumnAssessment {
    this.compiler.collect();
    return this.assessor.assessColumns(t);
  }

  /** The extender's preempt check: would it fit on the host with these tracked workloads gone? */
  fitsAfterEvicting(t: WorkloadTemplate, hostName: string, victims: readonly string[]): string | null {
    return this.assessor.fitsAfterEvicting(t, hostName, victims);
  }

  /** Where a placement would go now and why every other host was rejected, without committing. */
  explain(t: WorkloadTemplate, instance = 0): Explanation {
    return this.assessor.explain(t, instance);
  }

  /** How many more replicas of `t` fit now, in its namespace and per zone, and what stops the next one. */
  headroom(t: WorkloadTemplate, opts: CapacityOptions = {}): CapacityReport {
    return this.capacity.report(t, opts);
  }

  /** Per-host filter verdicts for a class. */
  evaluate(cls: number): HostVerdict[] {
    return this.assessor.evaluate(cls);
  }

  /**
   * Why an infeasible host rejects a workload of class `cls`, as kube-scheduler reports it; `who`
   * (workloadKey: `Kind namespace/name`) is the workload asking, which a failover refusal may name.
   */
  hostFailure(cls: number, slot: number, reasons: number, who?: string): HostFailure {
    return this.wording.hostFailure(cls, slot, reasons, who);
  }

  failureMessage(cls: number, f: Failure, gangNames: readonly string[] = []): string {
    return this.wording.failureMessage(cls, f, gangNames);
  }

  // ---------------------------------------------------------------- reports

  ledger(): Ledger {
    return this.reports.ledger();
  }

  dimensionNames(): string[] {
    return [...this.catalog.dims.names];
  }

  /** Hosts with allocatable and used per resource. */
  hostUsage(): HostUsage[] {
    return this.reports.hostUsage();
  }

  /** Namespace usage, reservations and quota usage. */
  namespaceUsage(): NamespaceUsage[] {
    return this.reports.namespaceUsage();
  }

  // ---------------------------------------------------------------- namespace HA (failover.ts)

  /**
   * The failover report: per protected namespace (a NamespacePolicy with spec.failover) the
   * failures it tolerates now; per host whether its protected workloads restart elsewhere, where
   * (placer's own restart plan, rules/failover.ts) and the room held on it for failover; the room
   * held in total against vSphere HA's percentage rule for the same cluster.
   */
  failoverReport(): FailoverReport {
    this.compiler.collect();
    return this.failover.report();
  }

  /**
   * The restart plan of exactly these failures (hosts by name, and every host of `zone`): every
   * workload of the failed hosts, protected or not (protected first), restarted or stuck with its
   * reason. Throws UnknownHostError for a host placer does not know.
   */
  simulateFailures(hosts: readonly string[], zone?: string): RestartPlanReport {
    this.compiler.collect();
    return this.failover.simulate(hosts, zone);
  }
}
