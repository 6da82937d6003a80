// The typed Engine API: Kubernetes-shaped model objects in (model/types.ts), placements
// and messages out. It interns names to ids, compiles workloads into classes (requests, quota
// charges, constraints with the namespace policy merged in) and drives one backend — the Wasm
// core or the reference engine — through the numeric contract of contract.ts.

import { InputError } from '../../model/errors.js';
import { parseInt64, requirementMatches } from '../../model/selectors.js';
import { formatAmount } from '../../model/quantity.js';
import type {
  HostObj,
  NamespaceObj,
  PodDisruptionBudgetObj,
  NamespacePolicyObj,
  NodeSelectorRequirement,
  NodeSelectorTerm,
  PriorityClassObj,
  QuotaObj,
  Strategy as StrategyName,
  Toleration,
  WorkloadTemplate,
} from '../../model/types.js';
import {
  type Backend,
  type BatchItem,
  type ClassSpec,
  type ConstraintSpec,
  DIM_CPU,
  DIM_MEMORY,
  DIM_PODS,
  Effect,
  type EngineConfig,
  type Failure,
  type GangSpec,
  type HostVerdict,
  Kind,
  type Ledger,
  MAX_AMOUNT,
  MAX_DIMS,
  OrderPolicy,
  QuotaSource,
  type QuotaEntrySpec,
  type Requirement,
  SelectorOp,
  type ShapePoint,
  Strategy,
  TolerationOp,
  R_ABSENT,
  R_TAINT,
  R_UNSCHEDULABLE,
  type VerdictColumns,
} from './contract.js';
import {
  type Grade,
  type Naming,
  allReasonTexts,
  failureGrade,
  fitErrorMessage,
  hostGrade,
  hostReasonTexts,
  quotaMessage,
  reservationMessage,
} from './messages.js';
import { filterHistogram } from './histogram.js';
import {
  type MovePlan,
  type MoveRequest,
  type MovingEntry,
  executeMoves,
  executeRebalance,
  planMoves,
  planRebalance,
  revertMoves,
} from './moves.js';
import { allowedDisruptions, desiredHealthy, paceWaves, pdbCovers, pdbSelects } from './disruption.js';
import { ReferenceBackend } from './reference-backend.js';
import { type OwnTerms, type Subject, TopologyRegistry } from './topology-front.js';
import { Dimensions, Interner, LabelColumns, TaintTable } from './vocab.js';
import { WasmBackend } from './wasm/backend.js';

export const STRATEGIES: Record<StrategyName, Strategy> = {
  LeastAllocated: Strategy.LeastAllocated,
  MostAllocated: Strategy.MostAllocated,
  BalancedAllocation: Strategy.BalancedAllocation,
  RequestedToCapacityRatio: Strategy.RequestedToCapacityRatio,
};

export type BackendName = 'wasm' | 'wasm-scalar' | 'reference';

export interface EngineOptions {
  backend?: BackendName | Backend;
  /** Default strategy; a NamespacePolicy's `placement.strategy` wins for its namespace. */
  strategy?: StrategyName;
  /** Batch order within a priority: interleaved (default), first-fit decreasing, or input order. */
  order?: 'interleave' | 'size' | 'input';
  /** Resources and weights of the strategy score (kube-scheduler's scoringStrategy.resources). */
  scoring?: { resource: string; weight: number }[];
  /** RequestedToCapacityRatio shape (utilization 0..100 → score 0..10). */
  shape?: ShapePoint[];
  /** Keep a name → placement registry (needed for release; the batch CLI does not need it). */
  trackPlacements?: boolean;
}

/** kubelet's default --max-pods, for a Node manifest written without `pods` allocatable. */
const DEFAULT_POD_SLOTS = 110n;
const HOST_NAME_KEY = '\0metadata.name';
const UNSCHEDULABLE_TAINT_KEY = 'node.kubernetes.io/unschedulable';
const MAX_HOST_TAINTS = 16;

const EFFECTS: Record<string, Effect> = {
  '': Effect.Any,
  NoSchedule: Effect.NoSchedule,
  PreferNoSchedule: Effect.PreferNoSchedule,
  NoExecute: Effect.NoExecute,
};
const OPS: Record<string, SelectorOp> = {
  In: SelectorOp.In,
  NotIn: SelectorOp.NotIn,
  Exists: SelectorOp.Exists,
  DoesNotExist: SelectorOp.DoesNotExist,
  Gt: SelectorOp.Gt,
  Lt: SelectorOp.Lt,
};

/** Kubernetes quota keys that concern pods and VMs, and where their usage comes from. */
function quotaKeySource(key: string): { source: QuotaSource; resource?: string } | null {
  if (key === 'pods' || key === 'count/pods') return { source: QuotaSource.PodCount };
  if (key === 'count/virtualmachines.vmoperator.vmware.com') return { source: QuotaSource.VMCount };
  if (key === 'cpu' || key === 'memory' || key === 'ephemeral-storage' || key.startsWith('hugepages-'))
    return { source: QuotaSource.Requests, resource: key };
  if (key.startsWith('requests.')) {
    const r = key.slice('requests.'.length);
    return r === 'storage' ? null : { source: QuotaSource.Requests, resource: r };
  }
  if (key.startsWith('limits.')) return { source: QuotaSource.Limits, resource: key.slice('limits.'.length) };
  return null; // services, persistentvolumeclaims, requests.storage, count/<other>: not placement business
}

/** The quota keys whose presence makes every container declare a request/limit (pods.go validationSet). */
const MUST_SPECIFY: Record<string, (t: WorkloadTemplate) => string[]> = {
  cpu: (t) => t.missingRequests.cpu,
  'requests.cpu': (t) => t.missingRequests.cpu,
  memory: (t) => t.missingRequests.memory,
  'requests.memory': (t) => t.missingRequests.memory,
  'limits.cpu': (t) => t.missingLimits.cpu,
  'limits.memory': (t) => t.missingLimits.memory,
};

interface ClassRecord {
  spec: ClassSpec;
  template: WorkloadTemplate;
  priorityClassName: string;
  tolerations: Toleration[];
  subject: Subject;
  own: OwnTerms;
}

interface HostRecord {
  obj: HostObj;
  present: boolean;
  /** Interned ids of obj.taints, in the Node's order (set by pushHost). */
  taintIds?: number[];
}

interface QuotaRecord {
  obj: QuotaObj;
  entries: number[];
}

/** What a workload template compiles to: a class, or a reason it is rejected before any host. */
export interface Compiled {
  cls: number;
  /** Rejected at admission for a reason that does not depend on usage (quota constraints, selector conflict). */
  rejected?: string;
  priority: number;
  strategy: StrategyName;
}

export interface Outcome {
  template: WorkloadTemplate;
  /** Host per instance, null when not placed. Instances that were already bound keep their host. */
  hosts: (string | null)[];
  /** Instances placed by this call (not already bound). */
  placed: boolean[];
  /** Why the unplaced instances were not placed (they all fail the same way). */
  failure: { message: string; grade: Grade } | null;
  /** Per instance: evicted by this call's preemption, with the preemptor as `namespace/name`. */
  preemptedBy: (string | null)[];
}

/** What one place() did: an outcome per template, in input order, and who preemption evicted. */
export interface Placed {
  outcomes: Outcome[];
  /** Workloads evicted to make room (reflected in `outcomes` too when they were part of the batch). */
  evictions: EvictionReport[];
}

/** A workload evicted by preemption. */
export interface EvictionReport {
  template: WorkloadTemplate;
  instance: number;
  host: string;
  /** The preemptor, `namespace/name`. */
  by: string;
}

export interface HostExplanation {
  host: string;
  feasible: boolean;
  /** kube-scheduler's reasons for the host (first failing stage); empty when feasible. */
  reasons: string[];
  /** Every failing check, all stages. */
  allReasons: string[];
  grade: Grade | null;
  score: number;
  fit: number;
  affinity: number;
  taints: number;
}

export interface HostVerdictText {
  feasible: boolean;
  /** kube-scheduler's reasons (first failing stage); empty when feasible. */
  reasons: string[];
  grade: Grade | null;
  /** Strategy score 0..100 (0 when infeasible). */
  fit: number;
  /** Combined score, −1 when infeasible. */
  total: number;
}

export interface Assessment {
  /** Admission failure message: the workload fits nowhere, whatever the host. */
  rejected: string | undefined;
  verdict(host: string): HostVerdictText | undefined;
}

/** Why a host rejects a class: kube-scheduler's reasons (first failing stage) and their grade. */
export interface HostFailure {
  readonly texts: readonly string[];
  /** texts joined with ", ". */
  readonly text: string;
  readonly grade: Grade;
}

export interface Explanation {
  workload: string;
  admission: string | null;
  hosts: HostExplanation[];
  /** The host a placement would pick now, if any. */
  selected: string | null;
  message: string | null;
}

export interface PlanOptions {
  /** Commit the plan (default: plan only). */
  execute?: boolean;
  /** Execute even when some workloads cannot move (they stay where they are). */
  allowPartial?: boolean;
}

export interface RebalanceOptions {
  execute?: boolean;
  /** At most this many moves (default 10). */
  maxMoves?: number;
  /** The resource to balance (default: the scarcest, by cluster utilization). */
  resource?: string;
}

export interface MoveReport {
  template: WorkloadTemplate;
  instance: number;
  from: string;
  to: string;
  /** Eviction wave under the PodDisruptionBudgets (disruption.ts): 1-based, 0 when a budget blocks it. */
  wave: number;
  /** The budget that allows no disruption of this pod. */
  blockedBy?: string;
}

export interface StuckReport {
  template: WorkloadTemplate;
  instance: number;
  from: string;
  /** Why it cannot move, in the scheduler's words. */
  reason: string;
}

export interface PlanReport {
  moves: MoveReport[];
  unmovable: StuckReport[];
  /** Cluster utilization per resource in percent over schedulable hosts, before and after the plan. */
  utilization: { before: Record<string, number>; after: Record<string, number> };
  executed: boolean;
  /** Undo an executed plan (when the caller's store could not record it). */
  undo?: () => void;
}

export interface RebalanceReport extends PlanReport {
  resource: string;
  /** Standard deviation of per-host utilization of `resource`, in percentage points. */
  imbalance: { before: number; after: number };
  /** Namespaces with workloads that bin-pack on purpose (strategy MostAllocated): they stay put. */
  binPacking: string[];
}

/** A host name that is not among the hosts. */
export class UnknownHostError extends Error {
  constructor(readonly host: string) {
    super(`host ${JSON.stringify(host)} is not among the hosts`);
  }
}

export class Engine {
  readonly backend: Backend;
  private readonly defaultStrategy: StrategyName;
  private readonly config: EngineConfig;
  private readonly track: boolean;
  private readonly dims = new Dimensions();
  private readonly labelCols = new LabelColumns();
  private readonly labelValues = new Interner(1); // 0 = label absent
  private readonly taintKeys = new Interner();
  private readonly taintValues = new Interner();
  private readonly taints = new TaintTable();
  readonly namespaces = new Interner();
  private hosts: HostRecord[] = [];
  private readonly hostSlots = new Map<string, number>();
  private quotas: QuotaRecord[] = [];
  private entries: QuotaEntrySpec[] = [];
  private entryKeys: string[] = [];
  private policies = new Map<string, NamespacePolicyObj>();
  private priorityClasses = new Map<string, PriorityClassObj>();
  private globalDefault: PriorityClassObj | undefined;
  private readonly constraintIds = new Map<string, number>();
  private readonly classIds = new Map<string, number>();
  private classes: ClassRecord[] = [];
  /** Tracked placements: name → (class, slot), per kind and namespace (a million of them: no object per placement). */
  private readonly placements = new PlacementRegistry();
  private readonly topology = new TopologyRegistry((key) => this.column(key));
  private syncedEpoch = 0;
  private syncedNsEpoch = 0;
  /** Counters that existed at the last sync: later ones may add memberships to existing classes. */
  private syncedCounters = 0;
  /** Classes by label pair (k=v), to find the ones a new selector may match. */
  private readonly classesByLabel = new Map<string, number[]>();
  /** Placed workloads per class and host: memberships can grow after placement (backfill). */
  private readonly classHostCounts = new Map<number, Map<number, number>>();
  /** Who runs where, per (class, host), oldest first: names the victims of preemption. */
  private readonly residents = new ResidentLists();
  /** Classes with residents, per host: finds what runs on a host without scanning every resident. */
  private readonly residentClasses = new Map<number, Set<number>>();
  private pdbs: PodDisruptionBudgetObj[] = [];

  constructor(opts: EngineOptions = {}) {
    const b = opts.backend ?? 'wasm';
    const raw = typeof b !== 'string' ? b : b === 'reference' ? new ReferenceBackend() : new WasmBackend(b === 'wasm' ? 'simd' : 'scalar');
    this.backend = versioned(raw, () => this.backendVersion++);
    this.defaultStrategy = opts.strategy ?? 'LeastAllocated';
    this.track = opts.trackPlacements ?? false;
    const scoring = (
      opts.scoring ?? [
        { resource: 'cpu', weight: 1 },
        { resource: 'memory', weight: 1 },
      ]
    ).map((r) => ({ dim: this.dims.intern(r.resource), weight: r.weight }));
    this.config = {
      scoring,
      balanced: [
        { dim: DIM_CPU, weight: 1 },
        { dim: DIM_MEMORY, weight: 1 },
      ],
      shape: opts.shape ?? [
        { utilization: 0, score: 0 },
        { utilization: 100, score: 10 },
      ],
      order: opts.order === 'input' ? OrderPolicy.Input : opts.order === 'size' ? OrderPolicy.Size : OrderPolicy.Interleave,
    };
    this.backend.configure(this.config);
    // Taint 0 is the one a cordoned host is treated as carrying (NodeUnschedulable).
    this.internTaint(UNSCHEDULABLE_TAINT_KEY, '', 'NoSchedule');
  }

  // ---------------------------------------------------------------- infrastructure

  upsertHosts(objs: readonly HostObj[]): void {
    for (const obj of objs) {
      let slot = this.hostSlots.get(obj.name);
      if (slot === undefined) {
        slot = this.hosts.length;
        this.hostSlots.set(obj.name, slot);
        this.hosts.push({ obj, present: true });
      } else {
        this.hosts[slot] = { obj, present: true };
      }
      this.pushHost(slot);
      for (let col = 0; col < this.labelCols.size; col++) this.pushLabel(slot, col);
    }
    this.hostsEpoch++;
  }

  /** Remove a host that holds nothing; throws when it still holds workloads. */
  removeHost(name: string): void {
    const slot = this.hostSlots.get(name);
    if (slot === undefined || !this.hosts[slot].present) return;
    this.backend.removeHost(slot);
    this.hosts[slot].present = false;
    this.hostsEpoch++;
  }

  hostNames(): string[] {
    return this.hosts.filter((h) => h.present).map((h) => h.obj.name);
  }

  hostObj(name: string): HostObj | undefined {
    const slot = this.hostSlots.get(name);
    return slot === undefined || !this.hosts[slot].present ? undefined : this.hosts[slot].obj;
  }

  private pushHost(slot: number): void {
    const { obj } = this.hosts[slot];
    const alloc = new Array<number>(MAX_DIMS).fill(0);
    for (let d = 0; d < this.dims.count; d++) {
      const name = this.dims.names[d];
      const amount = obj.allocatable.get(name) ?? (d === DIM_PODS ? DEFAULT_POD_SLOTS : 0n);
      alloc[d] = this.amount(amount, obj.source, `status.allocatable[${name}]`, `Node ${obj.name}`);
    }
    if (obj.taints.length > MAX_HOST_TAINTS) {
      throw new InputError(obj.source, 'spec.taints', `placer supports at most ${MAX_HOST_TAINTS} taints per host`, `Node ${obj.name}`);
    }
    const taints = obj.taints.map((t) => this.internTaint(t.key, t.value, t.effect));
    this.hosts[slot].taintIds = taints;
    this.backend.setHost(slot, alloc, obj.unschedulable, taints);
  }

  private amount(v: bigint, source: HostObj['source'], field: string, object: string): number {
    if (v < 0n || v > BigInt(MAX_AMOUNT)) {
      throw new InputError(source, field, `placer supports amounts from 0 to ${MAX_AMOUNT} (2^53−1) per host or workload`, object);
    }
    return Number(v);
  }

  private pushLabel(slot: number, col: number): void {
    const h = this.hosts[slot];
    if (!h.present) return;
    const key = this.labelCols.name(col);
    const value = key === HOST_NAME_KEY ? h.obj.name : h.obj.labels.get(key);
    this.backend.setHostLabel(slot, col, value === undefined ? 0 : this.internValue(value));
  }

  private internValue(v: string): number {
    const before = this.labelValues.size;
    const id = this.labelValues.intern(v);
    if (this.labelValues.size > before) this.backend.defineLabelValue(id, parseInt64(v));
    return id;
  }

  private column(key: string): number {
    const before = this.labelCols.size;
    const col = this.labelCols.intern(key);
    if (this.labelCols.size > before) for (let slot = 0; slot < this.hosts.length; slot++) this.pushLabel(slot, col);
    return col;
  }

  private dimension(name: string): number {
    const before = this.dims.count;
    const d = this.dims.intern(name);
    // A new extended resource: every host gets its allocatable in the new dimension.
    if (this.dims.count > before) for (let slot = 0; slot < this.hosts.length; slot++) if (this.hosts[slot].present) this.pushHost(slot);
    return d;
  }

  private internTaint(key: string, value: string, effect: string): number {
    const name = `${key}\0${value}\0${effect}`;
    const before = this.taints.size;
    const id = this.taints.intern(name);
    if (this.taints.size > before)
      this.backend.defineTaint(id, this.taintKeys.intern(key), this.taintValues.intern(value), EFFECTS[effect]);
    return id;
  }

  /** Namespace objects: their labels decide namespaceSelector matches of affinity terms. */
  setNamespaces(objs: readonly NamespaceObj[]): void {
    this.topology.setNamespaces(objs);
    this.invalidateCompiled();
  }

  setPriorityClasses(pcs: readonly PriorityClassObj[]): void {
    this.invalidateCompiled();
    this.priorityClasses = new Map(pcs.map((p) => [p.name, p]));
    this.globalDefault = pcs.find((p) => p.globalDefault);
  }

  /** Replace the ResourceQuotas; classes are re-linked to the quotas that now apply to them. */
  setQuotas(objs: readonly QuotaObj[]): void {
    this.invalidateCompiled();
    const sorted = [...objs].sort((a, b) => cmp(a.namespace, b.namespace) || cmp(a.name, b.name));
    this.quotas = [];
    this.entries = [];
    this.entryKeys = [];
    sorted.forEach((obj, q) => {
      const rec: QuotaRecord = { obj, entries: [] };
      const keys = [...obj.hard.keys()].sort();
      for (const key of keys) {
        const src = quotaKeySource(key);
        if (!src) continue;
        const dim = src.resource === undefined ? 0 : this.dimension(src.resource);
        rec.entries.push(this.entries.length);
        this.entries.push({ quota: q, source: src.source, dim, hard: obj.hard.get(key)! });
        this.entryKeys.push(key);
      }
      this.quotas.push(rec);
    });
    this.backend.setQuotas(this.entries, this.quotas.length);
    this.classes.forEach((c, id) => {
      c.spec = { ...c.spec, quotas: this.applicableQuotas(c.template, c.priorityClassName) };
      this.backend.defineClass(id, c.spec);
    });
    this.backend.rebuildQuotaUsage();
  }

  /** Replace the NamespacePolicies (placement defaults and reservations). See checkReservations. */
  setPolicies(objs: readonly NamespacePolicyObj[]): void {
    this.invalidateCompiled();
    const byNs = new Map<string, NamespacePolicyObj>();
    for (const p of objs) byNs.set(p.namespace, p);
    const old = this.policies;
    this.policies = byNs;
    for (const ns of new Set([...old.keys(), ...byNs.keys()])) {
      this.backend.setReservation(this.namespaces.intern(ns), this.reservationOf(ns));
    }
  }

  private reservationOf(ns: string): bigint[] {
    const r = new Array<bigint>(MAX_DIMS).fill(0n);
    for (const [name, v] of this.policies.get(ns)?.reservation ?? []) r[this.dimension(name)] = v;
    return r;
  }

  /**
   * Reservations must be honourable: Σ_n max(R_n, used_n) ≤ capacity of the schedulable hosts, in
   * every dimension. Throws an InputError naming a policy that reserves the dimension.
   */
  checkReservations(): void {
    const ledger = this.backend.ledger(this.namespaces.size);
    const capacity = this.schedulableCapacity();
    for (let d = 0; d < this.dims.count; d++) {
      let held = 0n;
      this.namespaces.names.forEach((ns, id) => {
        const used = ledger.nsUsed[id]?.[d] ?? 0n;
        const r = this.reservationOf(ns)[d];
        held += r > used ? r : used;
      });
      if (held <= capacity[d]) continue;
      const culprit = [...this.policies.values()].filter((p) => this.reservationOf(p.namespace)[d] > 0n).pop();
      if (!culprit) continue; // usage alone exceeds capacity (overcommitted input): not a reservation problem
      const name = this.dims.names[d];
      throw new InputError(
        culprit.source,
        `spec.reservation[${name}]`,
        `reservations cannot be honoured: namespaces would hold ${formatAmount(name, held)} ${name} (reservation or usage, whichever is larger, summed) but the schedulable hosts have ${formatAmount(name, capacity[d])}`,
        `NamespacePolicy ${culprit.namespace}/${culprit.name}`,
      );
    }
  }

  private schedulableCapacity(): bigint[] {
    const cap = new Array<bigint>(MAX_DIMS).fill(0n);
    for (const h of this.hosts) {
      if (!h.present || h.obj.unschedulable) continue;
      for (let d = 0; d < this.dims.count; d++)
        cap[d] += h.obj.allocatable.get(this.dims.names[d]) ?? (d === DIM_PODS ? DEFAULT_POD_SLOTS : 0n);
    }
    return cap;
  }

  // ---------------------------------------------------------------- compiling workloads

  /** Effective priorityClassName: the workload's, else its namespace policy's, else the globalDefault. */
  private priorityClassName(t: WorkloadTemplate): string {
    return t.priorityClassName ?? this.policies.get(t.namespace)?.placement.priorityClassName ?? this.globalDefault?.name ?? '';
  }

  private priorityOf(t: WorkloadTemplate, className: string): number {
    if (t.priority !== undefined) return t.priority;
    const pc = className ? this.priorityClasses.get(className) : undefined;
    if (className && !pc) {
      throw new InputError(t.source, 'spec.priorityClassName', `no PriorityClass with name ${className} was found`, describeTemplate(t));
    }
    return pc?.value ?? 0;
  }

  /** ResourceQuotas of the namespace whose scopes match the workload, in evaluation order. */
  private applicableQuotas(t: WorkloadTemplate, priorityClassName: string): number[] {
    const out: number[] = [];
    this.quotas.forEach((q, id) => {
      if (q.obj.namespace === t.namespace && quotaMatches(q.obj, t, priorityClassName)) out.push(id);
    });
    return out;
  }

  /** Compiled templates, valid until quotas, policies, priority classes or namespaces change. */
  private compiled = new WeakMap<WorkloadTemplate, Compiled>();

  compile(t: WorkloadTemplate): Compiled {
    let c = this.compiled.get(t);
    if (!c) {
      c = this.compileFresh(t);
      this.compiled.set(t, c);
    }
    return c;
  }

  private invalidateCompiled(): void {
    this.compiled = new WeakMap();
  }

  private compileFresh(t: WorkloadTemplate): Compiled {
    const policy = this.policies.get(t.namespace);
    const strategy = policy?.placement.strategy ?? this.defaultStrategy;
    const pcName = this.priorityClassName(t);
    const priority = this.priorityOf(t, pcName);
    const quotas = this.applicableQuotas(t, pcName);
    const rejected = this.staticRejection(t, policy, quotas);
    const ns = this.namespaces.intern(t.namespace);
    const req = new Array<number>(MAX_DIMS).fill(0);
    const lim = new Array<number>(MAX_DIMS).fill(0);
    let reqPresent = 0;
    let limPresent = 0;
    const what = describeTemplate(t);
    for (const [name, v] of t.requests) {
      const d = this.dimension(name);
      req[d] = this.amount(v, t.source, `requests[${name}]`, what);
      reqPresent |= 1 << d;
    }
    for (const [name, v] of t.limits) {
      const d = this.dimension(name);
      lim[d] = this.amount(v, t.source, `limits[${name}]`, what);
      limPresent |= 1 << d;
    }
    req[DIM_PODS] = 1; // every pod and VM takes a slot
    const spec: ClassSpec = {
      ns,
      kind: t.kind === 'Pod' ? Kind.Pod : Kind.VirtualMachine,
      priority,
      strategy: STRATEGIES[strategy],
      req,
      reqPresent,
      lim,
      limPresent,
      nzCpu: this.amount(t.nonZeroRequests.cpu, t.source, 'requests[cpu]', what),
      nzMem: this.amount(t.nonZeroRequests.memory, t.source, 'requests[memory]', what),
      quotas,
      constraint: this.constraint(t, policy),
    };
    // preemptionPolicy: the workload's, else its PriorityClass's (the Priority admission plugin copies it).
    const pc = pcName ? this.priorityClasses.get(pcName) : undefined;
    if ((t.preemptionPolicy ?? pc?.preemptionPolicy) === 'Never') spec.preemptNever = true;
    const pdbs = this.pdbs.flatMap((pdb, id) => (pdb.namespace === t.namespace && pdbSelects(pdb, t.labels) ? [id] : []));
    if (pdbs.length > 0) spec.pdbs = pdbs;
    if (t.gang) spec.gangMember = true;
    // Inter-workload terms: the registry turns selectors into counters; the spec itself is
    // (re)computed on sync, as memberships grow when new selectors appear.
    const { subject, own } = this.topology.compile(t, policy);
    const key = JSON.stringify([
      spec.ns,
      spec.kind,
      spec.priority,
      spec.strategy,
      req,
      reqPresent,
      lim,
      limPresent,
      spec.nzCpu,
      spec.nzMem,
      quotas,
      spec.constraint,
      [...subject.labels].sort(),
      own,
      own.spread.some((x) => x.hostname && x.selfMatch && x.maxSkew === 1) ? subject.workload : '',
      spec.preemptNever ?? false,
      pdbs,
      spec.gangMember ?? false,
    ]);
    let cls = this.classIds.get(key);
    if (cls === undefined) {
      cls = this.classes.length;
      this.classIds.set(key, cls);
      const topology = this.topology.spec(subject, own);
      if (topology) spec.topology = topology;
      for (const [k, v] of subject.labels) {
        const list = this.classesByLabel.get(`${k}=${v}`);
        if (list) list.push(cls);
        else this.classesByLabel.set(`${k}=${v}`, [cls]);
      }
      this.classes.push({
        spec,
        template: t,
        priorityClassName: pcName,
        tolerations: [...t.tolerations, ...(policy?.placement.tolerations ?? [])],
        subject,
        own,
      });
      this.backend.defineClass(cls, spec);
    }
    return { cls, rejected, priority, strategy };
  }

  /**
   * Bring every class's topology spec up to date after new selector groups or term families
   * appeared, and backfill the counters it newly belongs to from what is already placed.
   */
  private syncTopology(): void {
    if (this.topology.epoch === this.syncedEpoch) return;
    this.syncedEpoch = this.topology.epoch;
    // Only classes a new selector may match need a new spec: those carrying its anchor label,
    // or all of them when a selector has no matchLabels or namespace labels changed.
    let affected: Iterable<number>;
    const { anchors, unanchored } = this.topology.anchorsSince(this.syncedCounters);
    if (unanchored || this.topology.nsEpoch !== this.syncedNsEpoch) affected = this.classes.keys();
    else affected = new Set(anchors.flatMap((a) => this.classesByLabel.get(a) ?? []));
    this.syncedCounters = this.topology.counterCount;
    this.syncedNsEpoch = this.topology.nsEpoch;
    for (const cls of affected) {
      const c = this.classes[cls];
      const next = this.topology.spec(c.subject, c.own);
      const before = new Set(c.spec.topology?.counters ?? []);
      const after = new Set(next?.counters ?? []);
      const placed = this.classHostCounts.get(cls);
      if (placed) {
        for (const k of after) if (!before.has(k)) for (const [slot, n] of placed) this.backend.addCounter(k, slot, n);
        for (const k of before) if (!after.has(k)) for (const [slot, n] of placed) this.backend.addCounter(k, slot, -n);
      }
      if (JSON.stringify(next) === JSON.stringify(c.spec.topology)) continue;
      const spec: ClassSpec = { ...c.spec };
      if (next) spec.topology = next;
      else delete spec.topology;
      c.spec = spec;
      this.backend.defineClass(cls, spec);
    }
  }

  private addResident(cls: number, slot: number, t: WorkloadTemplate, j: number): void {
    const list = this.residents.at(cls, slot);
    if (list) list.push({ t, j });
    else {
      this.residents.put(cls, slot, [{ t, j }]);
      const classes = this.residentClasses.get(slot);
      if (classes) classes.add(cls);
      else this.residentClasses.set(slot, new Set([cls]));
    }
  }

  private removeResident(
    cls: number,
    slot: number,
    match?: (r: { t: WorkloadTemplate; j: number }) => boolean,
  ): { t: WorkloadTemplate; j: number } | undefined {
    const list = this.residents.at(cls, slot);
    if (!list || list.length === 0) return undefined;
    // Without a name, the youngest goes: the engines evict the most recently committed first.
    const at = match ? list.findIndex(match) : list.length - 1;
    if (at < 0) return undefined;
    const [r] = list.splice(at, 1);
    if (list.length === 0) {
      this.residents.remove(cls, slot);
      this.residentClasses.get(slot)!.delete(cls);
    }
    return r;
  }

  /** Resident keys (packed class, slot) on the given hosts, or on every host; ascending. */
  private residentKeys(slots?: Iterable<number>): number[] {
    if (!slots) return [...this.residents.keys()].sort((a, b) => a - b);
    const keys: number[] = [];
    for (const slot of slots) for (const cls of this.residentClasses.get(slot) ?? []) keys.push(pack(cls, slot));
    return keys.sort((a, b) => a - b);
  }

  private trackPlaced(cls: number, slot: number, delta: number): void {
    const m = this.classHostCounts.get(cls) ?? new Map<number, number>();
    m.set(slot, (m.get(slot) ?? 0) + delta);
    this.classHostCounts.set(cls, m);
  }

  /** Admission failures that depend only on the objects, not on usage. */
  private staticRejection(t: WorkloadTemplate, policy: NamespacePolicyObj | undefined, quotas: number[]): string | undefined {
    if (policy) {
      for (const [k, v] of policy.placement.nodeSelector) {
        const mine = t.nodeSelector.get(k);
        if (mine !== undefined && mine !== v) return 'pod node label selector conflicts with its namespace node label selector';
      }
    }
    if (t.kind !== 'Pod') return undefined;
    for (const q of quotas) {
      const obj = this.quotas[q].obj;
      const missing = new Map<string, Set<string>>();
      for (const key of obj.hard.keys()) {
        const names = MUST_SPECIFY[key]?.(t) ?? [];
        if (names.length > 0) missing.set(key, new Set([...(missing.get(key) ?? []), ...names]));
      }
      if (missing.size > 0) {
        const parts = [...missing.keys()].sort().map((k) => `${k} for: ${[...missing.get(k)!].sort().join(',')}`);
        return `failed quota: ${obj.name}: must specify ${parts.join('; ')}`;
      }
    }
    return undefined;
  }

  private constraint(t: WorkloadTemplate, policy: NamespacePolicyObj | undefined): number {
    const selector = new Map(t.nodeSelector);
    if (policy) for (const [k, v] of policy.placement.nodeSelector) selector.set(k, v);
    const tolerations = [...t.tolerations, ...(policy?.placement.tolerations ?? [])];
    const key = JSON.stringify([[...selector].sort(), t.requiredAffinity, t.preferredAffinity, tolerations]);
    let id = this.constraintIds.get(key);
    if (id !== undefined) return id;
    const spec: ConstraintSpec = {
      selector: [...selector].sort().map(([k, v]) => this.requirement({ key: k, operator: 'In', values: [v] }, false)),
      required:
        t.requiredAffinity === null
          ? null
          : t.requiredAffinity.map((term) => [
              ...term.matchExpressions.map((r) => this.requirement(r, false)),
              ...term.matchFields.map((r) => this.requirement(r, true)),
            ]),
      preferred: t.preferredAffinity.map((p) => ({
        weight: p.weight,
        reqs: [
          ...p.preference.matchExpressions.map((r) => this.requirement(r, false)),
          ...p.preference.matchFields.map((r) => this.requirement(r, true)),
        ],
      })),
      tolerations: dedupe(tolerations).map((tol) => ({
        key: tol.key === '' ? -1 : this.taintKeys.intern(tol.key),
        op: tol.operator === 'Exists' ? TolerationOp.Exists : TolerationOp.Equal,
        value: this.taintValues.intern(tol.value),
        effect: EFFECTS[tol.effect],
      })),
    };
    id = this.constraintIds.size;
    this.constraintIds.set(key, id);
    this.backend.defineConstraint(id, spec);
    return id;
  }

  private requirement(r: NodeSelectorRequirement, field: boolean): Requirement {
    const op = OPS[r.operator];
    const col = this.column(field ? HOST_NAME_KEY : r.key);
    const numeric = op === SelectorOp.Gt || op === SelectorOp.Lt;
    return {
      col,
      op,
      values: numeric ? [] : r.values.map((v) => this.internValue(v)),
      num: numeric ? (parseInt64(r.values[0]) ?? 0n) : 0n,
    };
  }

  // ---------------------------------------------------------------- placing

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
        const slot = this.slotOrThrow(t, j, host);
        slots[j] = slot;
        counts.set(slot, (counts.get(slot) ?? 0) + 1);
      }
      if (counts.size === 0) continue;
      const { cls } = this.compile(t);
      this.syncTopology();
      const pairs = new Int32Array(2 * counts.size);
      let k = 0;
      for (const [slot, c] of counts) {
        pairs[k++] = slot;
        pairs[k++] = c;
        this.trackPlaced(cls, slot, c);
      }
      this.backend.commitMany(cls, pairs);
      // the same records, in the same order, as addResident and placements.set per instance
      const lists: { t: WorkloadTemplate; j: number }[][] = [];
      const names = this.track ? this.placements.scope(t.kind, t.namespace, true) : undefined;
      for (let j = 0; j < n; j++) {
        const slot = slots[j];
        if (slot < 0) continue;
        const list = lists[slot];
        if (list) list.push({ t, j });
        else {
          this.addResident(cls, slot, t, j);
          lists[slot] = this.residents.at(cls, slot)!;
        }
        if (names) this.placements.setIn(names, t.instances[j].name, cls, slot);
      }
    }
  }

  private slotOrThrow(t: WorkloadTemplate, j: number, hostName: string): number {
    const slot = this.hostSlots.get(hostName);
    if (slot === undefined || !this.hosts[slot].present) {
      const field = t.kind === 'Pod' ? 'spec.nodeName' : 'status.nodeName';
      throw new InputError(
        t.source,
        field,
        `host ${JSON.stringify(hostName)} is not among the hosts`,
        `${t.kind} ${t.namespace}/${t.instances[j].name}`,
      );
    }
    return slot;
  }

  /**
   * Place every unbound instance of `templates` in one batch. Bound instances (see bindExisting)
   * are reported with their host. Returns one outcome per template, in input order.
   */
  place(templates: readonly WorkloadTemplate[]): Placed {
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
    const gangIds = new Map<string, number>();
    const gangs: GangSpec[] = [];
    templates.forEach((t, i) => {
      const pending = t.instances.flatMap((inst, j) => (inst.boundHost === undefined ? [j] : []));
      if (pending.length === 0) return;
      const c = this.compile(t);
      if (c.rejected) {
        outcomes[i].failure = { message: c.rejected, grade: 'UnschedulableAndUnresolvable' };
        return;
      }
      const item: BatchItem = { cls: c.cls, count: pending.length };
      if (t.gang) {
        let g = gangIds.get(t.gang.name);
        if (g === undefined) {
          g = gangs.length;
          gangIds.set(t.gang.name, g);
          gangs.push({ minMember: t.gang.minMember });
        }
        item.gang = g;
      }
      items.push(item);
      itemOf.push({ outcome: i, instances: pending });
    });
    if (items.length === 0) return { outcomes, evictions };
    this.syncTopology();
    this.backend.setPdbs(this.pdbDesired(templates));
    const gangNames = [...gangIds.keys()];
    const result = this.backend.placeBatch(items, gangs);
    // Instance index → (outcome, instance) for naming preemptors and batch victims.
    const where: { outcome: number; j: number; cls: number }[] = [];
    items.forEach((it, k) => itemOf[k].instances.forEach((j) => where.push({ outcome: itemOf[k].outcome, j, cls: it.cls })));
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
        this.trackPlaced(it.cls, slot, 1);
        const j = instances[n];
        o.hosts[j] = this.hosts[slot].obj.name;
        o.placed[j] = true;
        this.addResident(it.cls, slot, o.template, j);
        if (this.track) this.placements.set(o.template.kind, o.template.namespace, o.template.instances[j].name, it.cls, slot);
      }
      p += it.count;
      const f = result.failures[k];
      if (f) o.failure = { message: this.failureMessage(it.cls, f, gangNames), grade: failureGrade(f) };
    });
    // Workloads evicted by preemption: from before the batch (named by the resident lists), or
    // — never in practice, priorities go first — from earlier in the batch.
    for (const e of result.evictions) {
      const by = nameOf(e.by);
      const host = this.hosts[e.slot].obj.name;
      let victim: { t: WorkloadTemplate; j: number } | undefined;
      if (e.instance >= 0) {
        const w = where[e.instance];
        victim = { t: outcomes[w.outcome].template, j: w.j };
        this.trackPlaced(e.cls, e.slot, -1);
        this.removeResident(e.cls, e.slot, (r) => r.t === victim!.t && r.j === victim!.j);
      } else {
        victim = this.removeResident(e.cls, e.slot);
        this.trackPlaced(e.cls, e.slot, -1);
      }
      if (!victim) continue;
      if (this.track) this.placements.delete(victim.t.kind, victim.t.namespace, victim.t.instances[victim.j].name);
      evictions.push({ template: victim.t, instance: victim.j, host, by });
      const o = outcomes.find((x) => x.template === victim!.t);
      if (o) {
        o.hosts[victim.j] = null;
        o.placed[victim.j] = false;
        o.preemptedBy[victim.j] = by;
      }
    }
    return { outcomes, evictions };
  }

  // ---------------------------------------------------------------- moves: drain, namespace moves, rebalance

  /**
   * Drain hosts (maintenance mode): cordon them and plan a new host for every workload on them, as
   * one batch honouring every rule (moves.ts). Members of a gang move together or not at all.
   * Executes when `execute` and everything can move (or `allowPartial`); the hosts stay cordoned.
   */
  drain(hostNames: readonly string[], opts: PlanOptions = {}): PlanReport {
    const slots = [...new Set(hostNames.map((n) => this.presentSlot(n)))];
    const drained = new Set(slots);
    const gangs = new Map<string, number>();
    const moving = this.collectMoving(
      this.residentKeys(slots),
      (_cls, slot) => drained.has(slot),
      (t) => (t.gang ? groupIndex(gangs, t.gang.name) : undefined),
    );
    return this.runPlan(moving, slots, opts, [...gangs.keys()]);
  }

  /**
   * Move a namespace onto the hosts matching `requirements` (a label selector, ANDed): every
   * workload of the namespace on another host is placed again with the selector added to its
   * required node affinity, all or nothing. Workloads already on matching hosts stay.
   */
  moveNamespace(namespace: string, requirements: readonly NodeSelectorRequirement[], opts: PlanOptions = {}): PlanReport {
    const onTarget = (slot: number) => requirements.every((r) => requirementMatches(r, this.hosts[slot].obj.labels));
    const augmented = new Map<WorkloadTemplate, WorkloadTemplate>();
    const planTemplate = (t: WorkloadTemplate) => {
      let a = augmented.get(t);
      if (!a) augmented.set(t, (a = { ...t, requiredAffinity: andTerms(t.requiredAffinity, requirements) }));
      return a;
    };
    const moving = this.collectMoving(
      this.residentKeys(),
      (_cls, slot, t) => t.namespace === namespace && !onTarget(slot),
      () => 0,
      (t) => {
        const c = this.compile(planTemplate(t));
        if (c.rejected) throw new InputError(t.source, 'spec', c.rejected, `${t.kind} ${t.namespace}`);
        return c.cls;
      },
    );
    return this.runPlan(moving, [], { ...opts, allowPartial: false }, [namespace], (f, cls) =>
      f.kind === 'gang' && f.cause
        ? `namespace ${namespace} moves all or nothing: only ${f.placed} of its ${f.needed} workloads to move found a host, so none moves: ${this.failureMessage(cls, f.cause)}`
        : this.failureMessage(cls, f),
    );
  }

  /**
   * Rebalance (DRS-like): at most `maxMoves` moves that lower the imbalance — the standard
   * deviation of per-host utilization — of `resource` (default: the scarcest one, by cluster
   * utilization), each legal on its own and in sequence (moves.ts planRebalance).
   */
  rebalance(opts: RebalanceOptions = {}): RebalanceReport {
    const ledger = this.ledger();
    const dim = opts.resource === undefined ? this.scarcestDimension(ledger) : this.dims.names.indexOf(opts.resource);
    if (dim < 0) throw new Error(`unknown resource ${JSON.stringify(opts.resource)}: the cluster has ${this.dims.names.join(', ')}`);
    const maxMoves = opts.maxMoves ?? 10;
    const residentsOn = (slot: number) => {
      const m = new Map<number, number>();
      for (const cls of this.residentClasses.get(slot) ?? []) m.set(cls, this.residents.get(pack(cls, slot))!.length);
      return m;
    };
    const hosts = this.hosts.map((h, slot) => ({
      alloc: h.present ? Number(this.allocatableOf(slot, dim)) : 0,
      schedulable: h.present && !h.obj.unschedulable,
    }));
    // Bin-packing namespaces (MostAllocated) packed their hosts on purpose: spreading them would
    // undo their policy, so only the others move.
    const movable = (cls: number) => this.classes[cls].spec.strategy !== Strategy.MostAllocated;
    const plan = planRebalance(this.backend, {
      dim,
      maxMoves,
      hosts,
      residentsOn: memo(residentsOn),
      size: (cls) => this.classes[cls].spec.req[dim],
      movable,
    });
    // Name the moves: the youngest resident of the class on the host (the engines release the
    // most recent first); a workload moves once.
    const lists = new Map<number, { t: WorkloadTemplate; j: number }[]>();
    const named = plan.moves.map((m) => {
      const key = pack(m.cls, m.from);
      let list = lists.get(key);
      if (!list) lists.set(key, (list = [...(this.residents.get(key) ?? [])]));
      return { ...m, who: list.pop()! };
    });
    const before = this.usedBySlot(ledger);
    const after = before.map((row) => [...row]);
    for (const m of plan.moves) {
      const req = this.classes[m.cls].spec.req;
      for (let d = 0; d < MAX_DIMS; d++) {
        after[m.from][d] -= BigInt(req[d]);
        after[m.to][d] += BigInt(req[d]);
      }
    }
    const stddev = (v: number) => Math.round(Math.sqrt(Math.max(0, v)) * 1e6) / 1e4;
    const report: RebalanceReport = {
      resource: this.dims.names[dim],
      imbalance: { before: stddev(plan.before), after: stddev(plan.after) },
      binPacking: [
        ...new Set(
          [...this.residentClasses.values()].flatMap((set) =>
            [...set].filter((c) => !movable(c)).map((c) => this.classes[c].template.namespace),
          ),
        ),
      ].sort(),
      moves: this.pace(
        named.map((m) => ({
          template: m.who.t,
          instance: m.who.j,
          from: this.hosts[m.from].obj.name,
          to: this.hosts[m.to].obj.name,
          wave: 1,
        })),
        true,
      ),
      unmovable: [],
      utilization: { before: this.clusterUtilization(before, new Set()), after: this.clusterUtilization(after, new Set()) },
      executed: false,
    };
    if (opts.execute && plan.moves.length > 0) {
      executeRebalance(this.backend, plan.moves);
      for (const m of named) this.relocate(m.cls, m.from, m.to, m.who);
      report.executed = true;
      report.undo = () => {
        for (const m of [...named].reverse()) {
          this.backend.release(m.cls, m.to);
          this.backend.commit(m.cls, m.from);
          this.relocate(m.cls, m.to, m.from, m.who);
        }
      };
    }
    return report;
  }

  private presentSlot(name: string): number {
    const slot = this.hostSlots.get(name);
    if (slot === undefined || !this.hosts[slot].present) throw new UnknownHostError(name);
    return slot;
  }

  private allocatableOf(slot: number, d: number): bigint {
    return this.hosts[slot].obj.allocatable.get(this.dims.names[d]) ?? (d === DIM_PODS ? DEFAULT_POD_SLOTS : 0n);
  }

  /**
   * cpu or memory, whichever has the higher cluster utilization over schedulable hosts (ties: cpu).
   * Like DRS, balance what every workload consumes; other resources only when asked by name.
   */
  private scarcestDimension(ledger: Ledger): number {
    let best = DIM_CPU;
    let bestU = -1;
    for (const d of [DIM_CPU, DIM_MEMORY]) {
      let used = 0n;
      let alloc = 0n;
      this.hosts.forEach((h, slot) => {
        if (!h.present || h.obj.unschedulable) return;
        used += ledger.hosts[slot].used[d];
        alloc += this.allocatableOf(slot, d);
      });
      if (alloc === 0n) continue;
      const u = Number((used * 1_000_000n) / alloc);
      if (u > bestU) {
        best = d;
        bestU = u;
      }
    }
    return best;
  }

  private usedBySlot(ledger: Ledger): bigint[][] {
    return this.hosts.map((_, slot) => [...(ledger.hosts[slot]?.used ?? new Array<bigint>(MAX_DIMS).fill(0n))]);
  }

  /** Cluster utilization per resource, in percent (two decimals), over present hosts not cordoned or excluded. */
  private clusterUtilization(used: bigint[][], excluded: ReadonlySet<number>): Record<string, number> {
    const out: Record<string, number> = {};
    this.dims.names.forEach((name, d) => {
      let u = 0n;
      let a = 0n;
      this.hosts.forEach((h, slot) => {
        if (!h.present || h.obj.unschedulable || excluded.has(slot)) return;
        u += used[slot][d];
        a += this.allocatableOf(slot, d);
      });
      if (a > 0n) out[name] = Math.round(Number((u * 100_000n) / a) / 10) / 100;
    });
    return out;
  }

  /** Placed workloads selected by `select`, grouped into moving entries by (class, host, group). */
  private collectMoving(
    keys: readonly number[],
    select: (cls: number, slot: number, t: WorkloadTemplate) => boolean,
    group: (t: WorkloadTemplate) => number | undefined,
    planCls?: (t: WorkloadTemplate) => number,
  ): { req: MoveRequest; who: { t: WorkloadTemplate; j: number }[][] } {
    const entries = new Map<string, { entry: MovingEntry; who: { t: WorkloadTemplate; j: number }[] }>();
    for (const key of keys) {
      const { cls, slot } = unpack(key);
      for (const r of this.residents.get(key)!) {
        if (!select(cls, slot, r.t)) continue;
        const g = group(r.t);
        const p = planCls ? planCls(r.t) : cls;
        const k = `${cls}/${slot}/${g ?? ''}/${p}`;
        let e = entries.get(k);
        if (!e)
          entries.set(
            k,
            (e = {
              entry: { cls, slot, count: 0, ...(p === cls ? {} : { planCls: p }), ...(g === undefined ? {} : { group: g }) },
              who: [],
            }),
          );
        e.entry.count++;
        e.who.push(r);
      }
    }
    const list = [...entries.values()];
    // All-or-nothing groups need every moving member: minMember = the group's size.
    const groups: GangSpec[] = [];
    for (const { entry } of list)
      if (entry.group !== undefined) groups[entry.group] = { minMember: (groups[entry.group]?.minMember ?? 0) + entry.count };
    for (let g = 0; g < groups.length; g++) groups[g] ??= { minMember: 0 };
    return { req: { moving: list.map((e) => e.entry), groups }, who: list.map((e) => e.who) };
  }

  private setCordon(slot: number, on: boolean): void {
    const h = this.hosts[slot];
    if (h.obj.unschedulable === on) return;
    h.obj = { ...h.obj, unschedulable: on };
    this.pushHost(slot);
  }

  /** Plan (cordoning `cordon` first), then execute or restore. */
  private runPlan(
    moving: { req: MoveRequest; who: { t: WorkloadTemplate; j: number }[][] },
    cordon: number[],
    opts: PlanOptions,
    groupNames: string[],
    message = (f: Failure, cls: number) => this.failureMessage(cls, f, groupNames),
  ): PlanReport {
    const ledger = this.ledger();
    const before = this.clusterUtilization(this.usedBySlot(ledger), new Set());
    const wasCordoned = cordon.map((slot) => this.hosts[slot].obj.unschedulable);
    cordon.forEach((slot) => this.setCordon(slot, true));
    this.syncTopology();
    let plan: MovePlan;
    try {
      plan = planMoves(this.backend, { ...moving.req, avoid: new Set(cordon) });
    } catch (e) {
      cordon.forEach((slot, i) => this.setCordon(slot, wasCordoned[i]));
      throw e;
    }
    const moves: MoveReport[] = [];
    const unmovable: StuckReport[] = [];
    const relocations: { cls: number; from: number; to: number; who: { t: WorkloadTemplate; j: number } }[] = [];
    const after = this.usedBySlot(ledger);
    moving.req.moving.forEach((m, e) => {
      const failure = plan.failures[e];
      plan.targets[e].forEach((to, k) => {
        const who = moving.who[e][k];
        const from = this.hosts[m.slot].obj.name;
        if (to < 0) {
          const reason =
            k - (m.count - plan.targets[e].filter((t) => t < 0).length) < plan.stays[e]
              ? 'it tolerates the cordon (node.kubernetes.io/unschedulable), so it would stay on a drained host, like a DaemonSet pod'
              : failure
                ? message(failure, m.planCls ?? m.cls)
                : 'not placed';
          unmovable.push({ template: who.t, instance: who.j, from, reason });
          return;
        }
        moves.push({ template: who.t, instance: who.j, from, to: this.hosts[to].obj.name, wave: 1 });
        relocations.push({ cls: m.cls, from: m.slot, to, who });
        const req = this.classes[m.cls].spec.req;
        for (let d = 0; d < MAX_DIMS; d++) {
          after[m.slot][d] -= BigInt(req[d]);
          after[to][d] += BigInt(req[d]);
        }
      });
    });
    this.pace(moves, false);
    const report: PlanReport = {
      moves,
      unmovable,
      utilization: { before, after: this.clusterUtilization(after, new Set(cordon)) },
      executed: false,
    };
    if (opts.execute && (unmovable.length === 0 || opts.allowPartial)) {
      executeMoves(this.backend, moving.req, plan);
      for (const r of relocations) this.relocate(r.cls, r.from, r.to, r.who);
      report.executed = true;
      report.undo = () => {
        revertMoves(this.backend, moving.req, plan);
        for (const r of relocations) this.relocate(r.cls, r.to, r.from, r.who);
        cordon.forEach((slot, i) => this.setCordon(slot, wasCordoned[i]));
      };
    } else {
      cordon.forEach((slot, i) => this.setCordon(slot, wasCordoned[i]));
    }
    return report;
  }

  /** Set each move's eviction wave under the PodDisruptionBudgets (disruption.ts); `ordered` for a sequence. */
  private pace(moves: MoveReport[], ordered: boolean): MoveReport[] {
    if (this.pdbs.length === 0 || moves.length === 0) return moves;
    const residents = this.residents;
    const placed = (function* () {
      for (const list of residents.values()) yield* list;
    })();
    const allowed = allowedDisruptions(this.pdbs, placed);
    const covers = moves.map((m) => this.pdbs.flatMap((pdb, i) => (pdbCovers(pdb, m.template) ? [i] : [])));
    paceWaves(
      covers,
      allowed,
      this.pdbs.map((p) => p.name),
      ordered,
    ).forEach((w, i) => {
      moves[i].wave = w.wave;
      if (w.blockedBy !== undefined) moves[i].blockedBy = w.blockedBy;
    });
    return moves;
  }

  /** Front bookkeeping of one workload moved from one host to another (the backend already moved it). */
  private relocate(cls: number, from: number, to: number, who: { t: WorkloadTemplate; j: number }): void {
    this.trackPlaced(cls, from, -1);
    this.trackPlaced(cls, to, 1);
    this.removeResident(cls, from, (r) => r.t === who.t && r.j === who.j);
    this.addResident(cls, to, who.t, who.j);
    if (this.track) this.placements.set(who.t.kind, who.t.namespace, who.t.instances[who.j].name, cls, to);
  }

  /** Desired healthy count per PodDisruptionBudget, from its spec and the workloads it covers. */
  private pdbDesired(templates: readonly WorkloadTemplate[]): number[] {
    return this.pdbs.map((pdb) => {
      // Expected: every workload the budget covers, placed or about to be (the controllers' scale).
      let expected = 0;
      const seen = new Set<WorkloadTemplate>();
      const count = (t: WorkloadTemplate) => {
        if (seen.has(t) || t.namespace !== pdb.namespace || !pdbSelects(pdb, t.labels)) return;
        seen.add(t);
        expected += t.instances.length;
      };
      templates.forEach(count);
      for (const list of this.residents.values()) for (const r of list) count(r.t);
      return desiredHealthy(pdb, expected);
    });
  }

  /** PodDisruptionBudgets (policy/v1): their coverage decides which preemption victims violate them. */
  setPdbs(objs: readonly PodDisruptionBudgetObj[]): void {
    this.pdbs = [...objs];
    this.invalidateCompiled();
  }

  /** Record instance `j` of a template as running on `hostName` (no checks: it already runs there). */
  bind(t: WorkloadTemplate, j: number, hostName: string): void {
    const slot = this.slotOrThrow(t, j, hostName);
    const { cls } = this.compile(t);
    this.syncTopology();
    this.backend.commit(cls, slot);
    this.trackPlaced(cls, slot, 1);
    this.addResident(cls, slot, t, j);
    if (this.track) this.placements.set(t.kind, t.namespace, t.instances[j].name, cls, slot);
  }

  /** Release a tracked workload; false when placer does not know it. */
  release(kind: string, namespace: string, name: string): boolean {
    const packed = this.placements.get(kind, namespace, name);
    if (packed === undefined) return false;
    const p = unpack(packed);
    this.backend.release(p.cls, p.slot);
    this.trackPlaced(p.cls, p.slot, -1);
    this.removeResident(p.cls, p.slot, (r) => r.t.kind === kind && r.t.namespace === namespace && r.t.instances[r.j].name === name);
    this.placements.delete(kind, namespace, name);
    return true;
  }

  /** The host a tracked workload runs on, or undefined. */
  placementOf(kind: string, namespace: string, name: string): string | undefined {
    const packed = this.placements.get(kind, namespace, name);
    return packed === undefined ? undefined : this.hosts[unpack(packed).slot].obj.name;
  }

  /** The hosts of a namespace's placed workloads, one entry per workload. */
  *placementsIn(namespace: string): IterableIterator<{ host: string }> {
    for (const [key, list] of this.residents) {
      const host = this.hosts[unpack(key).slot].obj.name;
      for (const r of list) if (r.t.namespace === namespace) yield { host };
    }
  }

  /** Every tracked placement: `kind/namespace/name` → host. */
  *trackedPlacements(): IterableIterator<{ kind: string; namespace: string; name: string; host: string }> {
    for (const [kind, namespace, name, packed] of this.placements.entries()) {
      yield { kind, namespace, name, host: this.hosts[unpack(packed).slot].obj.name };
    }
  }

  /**
   * Filter and score one workload over every host without committing — the extender's filter and
   * prioritize. `rejected` is an admission failure (quota, reservation, policy): no host fits.
   * `verdict(name)` gives a host's verdict, or undefined for a host placer does not know.
   */
  assess(t: WorkloadTemplate): Assessment {
    const a = this.assessColumns(t);
    const n = a.columns.n;
    // copies: the columns may be views the next backend call overwrites
    const reasons = a.columns.reasons.slice(0, n);
    const fit = a.columns.fit.slice(0, n);
    const total = a.columns.total.slice(0, n);
    return {
      rejected: a.rejected,
      verdict: (name) => {
        const slot = this.hostSlot(name);
        if (slot < 0 || slot >= n) return undefined;
        const r = reasons[slot];
        if (r === 0) return { feasible: true, reasons: [], grade: null, fit: fit[slot], total: total[slot] };
        const f = this.hostFailure(a.cls, slot, r);
        return { feasible: false, reasons: [...f.texts], grade: f.grade, fit: 0, total: -1 };
      },
    };
  }

  /**
   * Would the workload fit on `hostName` — admission (quota, reservation) and every filter — if the
   * tracked workloads `victims` (keys `kind/namespace/name`) were gone? The extender's preempt
   * check. Nothing changes: the victims are released for the question and committed back.
   * Returns null when it would fit, else the reason.
   */
  fitsAfterEvicting(t: WorkloadTemplate, hostName: string, victims: readonly string[]): string | null {
    const slot = this.hostSlots.get(hostName);
    if (slot === undefined || !this.hosts[slot].present) return `host ${JSON.stringify(hostName)} is not known to placer`;
    const released: { cls: number; slot: number }[] = [];
    for (const key of victims) {
      const [kind, namespace, ...rest] = key.split('/');
      const packed = this.placements.get(kind, namespace, rest.join('/'));
      if (packed === undefined) continue;
      const p = unpack(packed);
      this.backend.release(p.cls, p.slot);
      released.push(p);
    }
    try {
      const c = this.compile(t);
      this.syncTopology();
      if (c.rejected) return c.rejected;
      const f = this.backend.admit(c.cls);
      if (f) return this.failureMessage(c.cls, f);
      const r = this.reasonsOn(c.cls, slot);
      if (r !== 0) return this.hostFailure(c.cls, slot, r).text;
      return null;
    } finally {
      for (const p of released) this.backend.commit(p.cls, p.slot);
    }
  }

  /**
   * Commit instance `j` on `hostName` only if placer's own rules allow it there now (admission,
   * every filter): the extender's bind. Returns the reason when they do not; nothing changes then.
   */
  tryBind(t: WorkloadTemplate, j: number, hostName: string): string | null {
    const slot = this.hostSlots.get(hostName);
    if (slot === undefined || !this.hosts[slot].present) return `host ${JSON.stringify(hostName)} is not known to placer`;
    const c = this.compile(t);
    this.syncTopology();
    if (c.rejected) return c.rejected;
    const f = this.backend.admit(c.cls);
    if (f) return this.failureMessage(c.cls, f);
    const r = this.reasonsOn(c.cls, slot);
    if (r !== 0) return `host ${hostName} does not fit: ${this.hostFailure(c.cls, slot, r).text}`;
    this.backend.commit(c.cls, slot);
    this.trackPlaced(c.cls, slot, 1);
    this.addResident(c.cls, slot, t, j);
    if (this.track) this.placements.set(t.kind, t.namespace, t.instances[j].name, c.cls, slot);
    return null;
  }

  /** Where a placement would go now and why every other host was rejected, without committing. */
  explain(t: WorkloadTemplate, instance = 0): Explanation {
    const c = this.compile(t);
    this.syncTopology();
    const workload = `${t.kind} ${t.namespace}/${t.instances[instance]?.name ?? '?'}`;
    if (c.rejected) return { workload, admission: c.rejected, hosts: [], selected: null, message: c.rejected };
    const admission = this.backend.admit(c.cls);
    const verdicts = this.backend.evaluate(c.cls);
    const naming = this.naming(c.cls);
    const hosts: HostExplanation[] = [];
    let best = -1;
    verdicts.forEach((v, slot) => {
      const h = this.hosts[slot];
      if (!h?.present) return;
      const blocking = this.blockingTaints(c.cls, slot);
      hosts.push({
        host: h.obj.name,
        feasible: v.reasons === 0,
        reasons: hostReasonTexts(v.reasons, blocking[0] ?? -1, naming),
        allReasons: allReasonTexts(v.reasons, blocking, naming),
        grade: v.reasons === 0 ? null : hostGrade(v.reasons),
        score: v.total,
        fit: v.fit,
        affinity: v.affinityRaw,
        taints: v.taintRaw,
      });
      if (v.reasons === 0 && (best < 0 || v.total > verdicts[best].total)) best = slot;
    });
    let message: string | null = null;
    if (admission) message = this.failureMessage(c.cls, admission);
    else if (best < 0)
      message = this.failureMessage(
        c.cls,
        filterHistogram(verdicts, (slot) => this.blockingTaints(c.cls, slot)[0] ?? -1),
      );
    return {
      workload,
      admission: admission ? this.failureMessage(c.cls, admission) : null,
      hosts,
      selected: admission || best < 0 ? null : this.hosts[best].obj.name,
      message,
    };
  }

  /** Per-host filter verdicts for a class (the extender's filter/prioritize use this). */
  evaluate(cls: number): HostVerdict[] {
    return this.backend.evaluate(cls);
  }

  // ---------------------------------------------------------------- columnar assessment
  // The extender's hot path: one evaluation as typed columns (no object per host), name → slot
  // lookups that callers may cache while hostsEpoch stays the same, and one message per class
  // and distinct reason mask (or first blocking taint).

  /** Changes whenever hosts are added, updated or removed: cached name → slot lookups expire. */
  hostsEpoch = 0;
  /** Counts backend calls that may change an evaluation's answer (see versioned()). */
  private backendVersion = 0;
  /** The last assessColumns() answer (copied columns), reused while the backend did not change. */
  private lastAssessed: { version: number; cls: number; admission: string | undefined; columns: VerdictColumns } | null = null;
  /** Host failure texts by workload kind and reason mask (or first blocking taint). */
  private readonly failureMemo: Map<number, HostFailure>[] = [];
  /** Whether a taint blocks, by constraint (the tolerations are part of it) and taint id. */
  private readonly taintBlockMemo: Map<number, boolean>[] = [];

  /** The slot of a present host, or −1 (unknown or removed). */
  hostSlot(name: string): number {
    const slot = this.hostSlots.get(name);
    return slot === undefined || !this.hosts[slot].present ? -1 : slot;
  }

  /**
   * assess() as columns indexed by host slot: the admission verdict and one evaluation (copies,
   * kept while nothing changes). `version` changes whenever a backend call may have changed an
   * answer: equal `cls` and `version` mean equal columns (the extender memoizes on that).
   */
  assessColumns(t: WorkloadTemplate): { cls: number; version: number; rejected: string | undefined; columns: VerdictColumns } {
    const c = this.compile(t);
    this.syncTopology();
    // The extender asks twice per pod (filter, then prioritize) and often for pods of one class
    // in a row: while no backend call changed anything, the last answer holds.
    let a = this.lastAssessed;
    if (!a || a.cls !== c.cls || a.version !== this.backendVersion) {
      const f = this.backend.admit(c.cls);
      const admission = f ? this.failureMessage(c.cls, f) : undefined;
      const cols = this.backend.evaluateColumns(c.cls);
      const n = cols.n;
      a = {
        version: this.backendVersion,
        cls: c.cls,
        admission,
        columns: { n, reasons: cols.reasons.slice(0, n), fit: cols.fit.slice(0, n), total: cols.total.slice(0, n) },
      };
      this.lastAssessed = a;
    }
    return { cls: c.cls, version: a.version, rejected: c.rejected ?? a.admission, columns: a.columns };
  }

  /** The filter reasons of one host for a class (R_ABSENT beyond the hosts). */
  private reasonsOn(cls: number, slot: number): number {
    const cols = this.backend.evaluateColumns(cls);
    return slot < cols.n ? cols.reasons[slot] : R_ABSENT;
  }

  /**
   * Why an infeasible host (reasons ≠ 0) rejects a workload of class `cls`, as kube-scheduler
   * reports it (first failing stage), and the grade. Memoized per class and reason mask.
   */
  hostFailure(cls: number, slot: number, reasons: number): HostFailure {
    const taintFirst = (reasons & (R_ABSENT | R_UNSCHEDULABLE | R_TAINT)) === R_TAINT;
    const taint = taintFirst ? this.firstBlockingTaint(cls, slot) : -1;
    const key = taintFirst ? -2 - taint : reasons;
    const kind = this.classes[cls].spec.kind;
    const memo = (this.failureMemo[kind] ??= new Map());
    let f = memo.get(key);
    if (!f) {
      const texts = hostReasonTexts(reasons, taint, this.naming(cls));
      f = { texts, text: texts.join(', '), grade: hostGrade(reasons) };
      memo.set(key, f);
    }
    return f;
  }

  /** The first of the host's taints (Node order) the class does not tolerate, NoSchedule/NoExecute; −1 if none. */
  private firstBlockingTaint(cls: number, slot: number): number {
    // per constraint and host slot, until the hosts change: id + 2 (0 = not known yet)
    if (this.firstTaintEpoch !== this.hostsEpoch) {
      this.firstTaintMemo = [];
      this.firstTaintEpoch = this.hostsEpoch;
    }
    const k = this.classes[cls].spec.constraint;
    let memo = this.firstTaintMemo[k];
    if (!memo || memo.length <= slot) {
      const grown = new Int32Array(this.hosts.length);
      if (memo) grown.set(memo);
      this.firstTaintMemo[k] = memo = grown;
    }
    if (memo[slot] === 0) {
      let first = -1;
      for (const id of this.hosts[slot].taintIds ?? []) {
        if (this.taintBlocks(cls, id)) {
          first = id;
          break;
        }
      }
      memo[slot] = first + 2;
    }
    return memo[slot] - 2;
  }
  private firstTaintMemo: Int32Array[] = [];
  private firstTaintEpoch = -1;

  private taintBlocks(cls: number, id: number): boolean {
    const memo = (this.taintBlockMemo[this.classes[cls].spec.constraint] ??= new Map());
    let blocks = memo.get(id);
    if (blocks === undefined) {
      const [key, value, effect] = this.taints.name(id).split('\0');
      blocks = effect !== 'PreferNoSchedule' && !this.classes[cls].tolerations.some((tol) => tolerates(tol, { key, value, effect }));
      memo.set(id, blocks);
    }
    return blocks;
  }

  /** The host's untolerated NoSchedule/NoExecute taints in the Node's order. */
  private blockingTaints(cls: number, slot: number): number[] {
    const { tolerations } = this.classes[cls];
    return this.hosts[slot].obj.taints
      .filter((t) => t.effect !== 'PreferNoSchedule' && !tolerations.some((tol) => tolerates(tol, t)))
      .map((t) => this.taints.get(`${t.key}\0${t.value}\0${t.effect}`)!);
  }

  failureMessage(cls: number, f: Failure, gangNames: readonly string[] = []): string {
    const n = this.naming(cls);
    const spec = this.classes[cls].spec;
    if (f.kind === 'gang') {
      const name = gangNames[f.gang] ?? `gang ${f.gang}`;
      if (!f.cause) return `gang ${name} has fewer members than its minMember ${f.needed}: nothing was placed`;
      return `gang ${name}: only ${f.placed} of the ${f.needed} members it needs could be placed, so none were: ${this.failureMessage(cls, f.cause, gangNames)}`;
    }
    if (f.kind === 'filter') return fitErrorMessage(f, n);
    if (f.kind === 'quota') {
      return quotaMessage(f, (e) => quotaRequested(spec, this.entries[e]), n);
    }
    return reservationMessage(f, (d) => BigInt(spec.req[d]), n);
  }

  private naming(cls: number): Naming {
    const t = this.classes[cls].template;
    return {
      dimName: (d) => this.dims.names[d],
      taint: (id) => {
        const [key, value, effect] = this.taints.name(id).split('\0');
        return { key, value, effect };
      },
      quotaName: (q) => this.quotas[q].obj.name,
      entryKey: (e) => this.entryKeys[e],
      entryHard: (e) => this.entries[e].hard,
      workloadKind: t.kind,
    };
  }

  // ---------------------------------------------------------------- reporting

  ledger(): Ledger {
    return this.backend.ledger(this.namespaces.size);
  }

  dimensionNames(): string[] {
    return [...this.dims.names];
  }

  /** Hosts with allocatable and used per resource. */
  hostUsage(): { name: string; unschedulable: boolean; allocatable: Map<string, bigint>; used: Map<string, bigint> }[] {
    const ledger = this.ledger();
    const out = [];
    for (let slot = 0; slot < this.hosts.length; slot++) {
      const h = this.hosts[slot];
      if (!h.present) continue;
      const allocatable = new Map<string, bigint>();
      const used = new Map<string, bigint>();
      this.dims.names.forEach((name, d) => {
        allocatable.set(name, h.obj.allocatable.get(name) ?? (d === DIM_PODS ? DEFAULT_POD_SLOTS : 0n));
        used.set(name, ledger.hosts[slot].used[d]);
      });
      out.push({ name: h.obj.name, unschedulable: h.obj.unschedulable, allocatable, used });
    }
    return out;
  }

  /** Namespace usage, reservations and quota usage. */
  namespaceUsage(): {
    namespace: string;
    used: Map<string, bigint>;
    reservation: Map<string, bigint>;
    quotas: { name: string; hard: Map<string, bigint>; used: Map<string, bigint> }[];
  }[] {
    const ledger = this.ledger();
    return this.namespaces.names.map((ns, id) => {
      const used = new Map<string, bigint>();
      this.dims.names.forEach((name, d) => used.set(name, ledger.nsUsed[id]?.[d] ?? 0n));
      const policy = this.policies.get(ns);
      const quotas = this.quotas
        .filter((q) => q.obj.namespace === ns)
        .map((q) => ({
          name: q.obj.name,
          hard: new Map(q.entries.map((e) => [this.entryKeys[e], this.entries[e].hard])),
          used: new Map(q.entries.map((e) => [this.entryKeys[e], ledger.quotaUsed[e]])),
        }));
      return { namespace: ns, used, reservation: new Map(policy?.reservation ?? []), quotas };
    });
  }
}

// ---------------------------------------------------------------- helpers

/** Backend calls that never change what evaluate() / admit() answer. */
const READ_ONLY_CALLS = new Set<PropertyKey>(['evaluate', 'evaluateColumns', 'admit', 'ledger']);

/**
 * The backend, with `onChange` called before every call that may change an evaluation's answer:
 * every method but READ_ONLY_CALLS, including ones added to the contract later.
 */
function versioned(b: Backend, onChange: () => void): Backend {
  const wrappers = new Map<PropertyKey, unknown>();
  return new Proxy(b, {
    get(target, prop) {
      const v: unknown = Reflect.get(target, prop, target);
      if (typeof v !== 'function') return v;
      let w = wrappers.get(prop);
      if (w === undefined) {
        const fn = v as (...args: unknown[]) => unknown;
        w = READ_ONLY_CALLS.has(prop)
          ? fn.bind(target)
          : (...args: unknown[]) => {
              onChange();
              return fn.apply(target, args);
            };
        wrappers.set(prop, w);
      }
      return w;
    },
  });
}

/** A function of a number, computed once per argument. */
function memo<T>(f: (n: number) => T): (n: number) => T {
  const cache = new Map<number, T>();
  return (n) => {
    let v = cache.get(n);
    if (v === undefined) cache.set(n, (v = f(n)));
    return v;
  };
}

function groupIndex(groups: Map<string, number>, name: string): number {
  let g = groups.get(name);
  if (g === undefined) groups.set(name, (g = groups.size));
  return g;
}

/** Required node affinity with `extra` ANDed into every term (one term when there was none). */
function andTerms(terms: NodeSelectorTerm[] | null, extra: readonly NodeSelectorRequirement[]): NodeSelectorTerm[] {
  if (terms === null) return [{ matchExpressions: [...extra], matchFields: [] }];
  return terms.map((t) => ({ ...t, matchExpressions: [...t.matchExpressions, ...extra] }));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Workload name → placement (class, host slot), per kind and namespace. Each name maps to a dense
 * id and the class and slot live in typed arrays: a packed pair is beyond the small-integer range,
 * so a Map of packed numbers held one heap number per placement (a restart binds a million).
 */
class PlacementRegistry {
  private readonly byScope = new Map<string, Map<string, number>>();
  private cls = new Int32Array(1024);
  private slot = new Int32Array(1024);
  private top = 0;
  private readonly free: number[] = [];
  /** The name → id map of one kind and namespace; bulk binds look it up once. */
  scope(kind: string, namespace: string, create: true): Map<string, number>;
  scope(kind: string, namespace: string, create: boolean): Map<string, number> | undefined;
  scope(kind: string, namespace: string, create: boolean): Map<string, number> | undefined {
    const key = `${kind}/${namespace}`;
    let m = this.byScope.get(key);
    if (!m && create) this.byScope.set(key, (m = new Map()));
    return m;
  }
  set(kind: string, namespace: string, name: string, cls: number, slot: number): void {
    this.setIn(this.scope(kind, namespace, true), name, cls, slot);
  }
  /** set() in a map from scope(kind, namespace, true). */
  setIn(m: Map<string, number>, name: string, cls: number, slot: number): void {
    let id = m.get(name);
    if (id === undefined) {
      id = this.free.length > 0 ? this.free.pop()! : this.top++;
      if (id >= this.cls.length) {
        const c = new Int32Array(this.cls.length * 2);
        c.set(this.cls);
        this.cls = c;
        const s = new Int32Array(this.slot.length * 2);
        s.set(this.slot);
        this.slot = s;
      }
      m.set(name, id);
    }
    this.cls[id] = cls;
    this.slot[id] = slot;
  }
  /** The packed (class, slot) of a placement. */
  get(kind: string, namespace: string, name: string): number | undefined {
    const id = this.scope(kind, namespace, false)?.get(name);
    return id === undefined ? undefined : pack(this.cls[id], this.slot[id]);
  }
  delete(kind: string, namespace: string, name: string): void {
    const m = this.scope(kind, namespace, false);
    const id = m?.get(name);
    if (id === undefined) return;
    m!.delete(name);
    this.free.push(id);
  }
  *entries(): IterableIterator<[string, string, string, number]> {
    for (const [scope, m] of this.byScope) {
      const slash = scope.indexOf('/');
      for (const [name, id] of m) yield [scope.slice(0, slash), scope.slice(slash + 1), name, pack(this.cls[id], this.slot[id])];
    }
  }
}

type Resident = { t: WorkloadTemplate; j: number };

/**
 * Resident lists by packed (class, slot) key, as a Map of them would be, kept per class and then
 * per slot: a packed key is beyond the small-integer range, so a flat Map held a heap number per
 * (class, host) and hashed doubles (a restart fills ~a million). Iteration order is per class, not
 * insertion order: every reader sorts or sums.
 */
class ResidentLists {
  private readonly byClass: (Map<number, Resident[]> | undefined)[] = [];
  at(cls: number, slot: number): Resident[] | undefined {
    return this.byClass[cls]?.get(slot);
  }
  put(cls: number, slot: number, list: Resident[]): void {
    let m = this.byClass[cls];
    if (!m) this.byClass[cls] = m = new Map();
    m.set(slot, list);
  }
  remove(cls: number, slot: number): void {
    this.byClass[cls]?.delete(slot);
  }
  get(key: number): Resident[] | undefined {
    const { cls, slot } = unpack(key);
    return this.at(cls, slot);
  }
  *keys(): IterableIterator<number> {
    for (const [cls, m] of this.byClass.entries()) if (m) for (const slot of m.keys()) yield pack(cls, slot);
  }
  *values(): IterableIterator<Resident[]> {
    for (const m of this.byClass) if (m) yield* m.values();
  }
  *[Symbol.iterator](): IterableIterator<[number, Resident[]]> {
    for (const [cls, m] of this.byClass.entries()) if (m) for (const [slot, list] of m) yield [pack(cls, slot), list];
  }
}

/** Host slots stay below 2^24; class ids below 2^29: the pair fits a double exactly. */
const SLOT_SPACE = 2 ** 24;
const pack = (cls: number, slot: number): number => cls * SLOT_SPACE + slot;
const unpack = (p: number): { cls: number; slot: number } => ({ cls: Math.floor(p / SLOT_SPACE), slot: p % SLOT_SPACE });

function describeTemplate(t: WorkloadTemplate): string {
  return t.owner
    ? `${t.owner.split('/')[0]} ${t.namespace}/${t.owner.split('/')[1]}`
    : `${t.kind} ${t.namespace}/${t.instances[0]?.name ?? ''}`;
}

function dedupe(tols: Toleration[]): Toleration[] {
  const seen = new Set<string>();
  return tols.filter((t) => {
    const k = `${t.key}\0${t.operator}\0${t.value}\0${t.effect}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function tolerates(tol: Toleration, taint: { key: string; value: string; effect: string }): boolean {
  if (tol.effect !== '' && tol.effect !== taint.effect) return false;
  if (tol.key !== '' && tol.key !== taint.key) return false;
  return tol.operator === 'Exists' || tol.value === taint.value;
}

/** Quota scopes (ResourceQuota spec.scopes / spec.scopeSelector) against a workload. */
function quotaMatches(q: QuotaObj, t: WorkloadTemplate, priorityClassName: string): boolean {
  const scoped = q.scopes.length > 0 || q.scopeSelector.length > 0;
  if (!scoped) return true;
  // Scopes are defined by the pod quota evaluator; VirtualMachines only meet unscoped quotas.
  if (t.kind !== 'Pod') return false;
  const scope = (name: string): boolean => {
    switch (name) {
      case 'BestEffort':
        return t.bestEffort;
      case 'NotBestEffort':
        return !t.bestEffort;
      case 'Terminating':
        return t.terminating;
      case 'NotTerminating':
        return !t.terminating;
      default:
        return false; // CrossNamespacePodAffinity: placer's workloads carry no cross-namespace affinity yet
    }
  };
  for (const s of q.scopes) if (!(s === 'PriorityClass' ? priorityClassName !== '' : scope(s))) return false;
  for (const r of q.scopeSelector) {
    if (r.scopeName === 'PriorityClass') {
      const has = priorityClassName !== '';
      const ok =
        r.operator === 'Exists'
          ? has
          : r.operator === 'DoesNotExist'
            ? !has
            : r.operator === 'In'
              ? r.values.includes(priorityClassName)
              : !r.values.includes(priorityClassName);
      if (!ok) return false;
    } else {
      const ok = r.operator === 'DoesNotExist' || r.operator === 'NotIn' ? !scope(r.scopeName) : scope(r.scopeName);
      if (!ok) return false;
    }
  }
  return true;
}

function quotaRequested(c: ClassSpec, e: QuotaEntrySpec): bigint {
  switch (e.source) {
    case QuotaSource.Requests:
      return BigInt(c.req[e.dim]);
    case QuotaSource.Limits:
      return BigInt(c.lim[e.dim]);
    case QuotaSource.PodCount:
    case QuotaSource.VMCount:
      return 1n;
  }
}
