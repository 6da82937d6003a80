// The numeric contract shared by the two engine backends: the Wasm core (wasm/backend.ts) and the
// plain-TypeScript reference (reference/backend.ts). Everything here is integers and ids; names,
// Kubernetes objects and messages live in the front (engine.ts, messages.ts). Differential tests
// drive both backends with the same calls and compare every output and ledger.
//
// The numbers both sides of the Wasm boundary must agree on — dimensions, capacities, reason
// bits, score weights and the enumerations — are defined once in core-wasm/abi.mjs and generated
// into ./abi.ts by the build; they are re-exported here so importers keep one door.

import {
  type Effect,
  type Kind,
  type OrderPolicy,
  type QuotaSource,
  R_INSUFFICIENT_SHIFT,
  type SelectorOp,
  type Strategy,
  type TolerationOp,
} from './abi.js';

export {
  DIM_CPU,
  DIM_MEMORY,
  DIM_EPHEMERAL,
  DIM_PODS,
  MAX_DIMS,
  FIXED_DIMS,
  MAX_LABEL_COLUMNS,
  MAX_TAINTS,
  UNSCHEDULABLE_TAINT_ID,
  Strategy,
  Kind,
  Effect,
  TolerationOp,
  SelectorOp,
  QuotaSource,
  OrderPolicy,
  R_UNSCHEDULABLE,
  R_TAINT,
  R_AFFINITY,
  R_INSUFFICIENT_SHIFT,
  R_INSUFFICIENT_MASK,
  R_UNRESOLVABLE_FIT,
  R_SPREAD_LABEL,
  R_SPREAD,
  R_POD_AFFINITY,
  R_POD_ANTI_AFFINITY,
  R_EXISTING_ANTI_AFFINITY,
  R_FAILOVER,
  R_ABSENT,
  WEIGHT_FIT,
  WEIGHT_NODE_AFFINITY,
  WEIGHT_TAINT_TOLERATION,
  WEIGHT_INTER_POD_AFFINITY,
  WEIGHT_TOPOLOGY_SPREAD,
  MAX_BALANCED_WEIGHT,
  HARD_POD_AFFINITY_WEIGHT,
  MAX_NODE_SCORE,
} from './abi.js';

/** NodeResourcesBalancedAllocation's weight beside the strategy unless configured: kube-scheduler's default profile's. */
export const DEFAULT_BALANCED_WEIGHT = 1;

/** Per-host and per-workload amounts must stay exact in a double (the reference engine's hot columns). */
export const MAX_AMOUNT = Number.MAX_SAFE_INTEGER; // 2^53 - 1

/** The reason bit of "not enough of dimension `dim`" (`dim` = DIM_PODS: "Too many pods"). */
export function insufficientBit(dim: number): number {
  return 1 << (R_INSUFFICIENT_SHIFT + dim);
}

export interface ScoringResource {
  dim: number;
  weight: number; // 1..100
}

export interface ShapePoint {
  utilization: number; // 0..100, strictly increasing
  score: number; // 0..10 (scaled ×10 internally, as kube-scheduler does)
}

export interface EngineConfig {
  /** Resources scored by LeastAllocated / MostAllocated / RequestedToCapacityRatio (default cpu=1, memory=1). */
  scoring: ScoringResource[];
  /** Resources of BalancedAllocation (weights unused, as in kube-scheduler). */
  balanced: ScoringResource[];
  /**
   * NodeResourcesBalancedAllocation's weight in the total beside a LeastAllocated, MostAllocated
   * or RequestedToCapacityRatio strategy score (kube-scheduler's default profile: 1; 0 leaves it
   * out). A class whose strategy is BalancedAllocation scores that plugin alone, once.
   */
  balancedWeight: number;
  /** RequestedToCapacityRatio shape (default 0→0, 100→10: bin-packing). */
  shape: ShapePoint[];
  order: OrderPolicy;
}

/** A node-selector requirement over an interned label column. */
export interface Requirement {
  col: number;
  op: SelectorOp;
  /** Interned label value ids (In / NotIn). */
  values: number[];
  /** Gt / Lt operand (an int64, as Kubernetes parses it). */
  num: bigint;
}

export interface TolerationSpec {
  /** Interned taint key id, or -1 for an empty key (matches every key; operator Exists). */
  key: number;
  op: TolerationOp;
  /** Interned taint value id (Equal). */
  value: number;
  effect: Effect;
}

/** Constraints that decide feasibility and preferences, shared by many classes (deduplicated by the front). */
export interface ConstraintSpec {
  /** nodeSelector entries and the namespace policy's selector: all must hold. */
  selector: Requirement[];
  /** Required node affinity terms (ORed), each a list of requirements (ANDed); null = no required affinity. */
  required: Requirement[][] | null;
  /** Preferred node affinity: weight added when every requirement of the term holds. */
  preferred: { weight: number; reqs: Requirement[] }[];
  tolerations: TolerationSpec[];
}

/**
 * A workload class: every workload with this exact shape is interchangeable for admission,
 * filtering and scoring. Amounts are exact integers (≤ MAX_AMOUNT), indexed by dimension.
 */
export interface ClassSpec {
  ns: number;
  kind: Kind;
  priority: number;
  strategy: Strategy;
  /** Requests by dimension (length MAX_DIMS); req[DIM_PODS] is 1. */
  req: number[];
  /** Bit d set when the workload declares a request for dimension d (quota `requests.*` applies). */
  reqPresent: number;
  lim: number[];
  limPresent: number;
  /** Requests with kube-scheduler's non-zero defaults, for scoring. */
  nzCpu: number;
  nzMem: number;
  /** ResourceQuota ids that apply to this workload (its namespace's, scopes matched), in evaluation order. */
  quotas: number[];
  constraint: number;
  /** Inter-workload constraints; omitted when the class has none (and no placed workload's terms apply to it). */
  topology?: TopologySpec;
  /** preemptionPolicy Never: the workload never evicts anything. */
  preemptNever?: boolean;
  /** PodDisruptionBudgets (ids, see setPdbs) whose selector matches the workload. */
  pdbs?: number[];
  /** Member of a gang: never a preemption victim (evicting one would break the all-or-nothing placement). */
  gangMember?: boolean;
}

/**
 * Counters count placed workloads per host, sparsely: one per selector group (workloads of some
 * namespaces matching a label selector) and one per held-term family (workloads carrying a given
 * affinity term). Which counters a class belongs to is decided by the front from labels and
 * namespaces; the engines only count, aggregate per topology domain, filter and score.
 */
export interface TermSpec {
  counter: number;
  /** Label column of the topology key. */
  col: number;
  /** Preferred terms: weight 1..100 (negative for anti-affinity). Required terms: 0. */
  weight: number;
}

export interface SpreadSpec {
  counter: number;
  col: number;
  maxSkew: number;
  /** 0 when unset. */
  minDomains: number;
  /** DoNotSchedule (filter) vs ScheduleAnyway (score). */
  hard: boolean;
  /** The workload matches the constraint's own selector (it counts itself). */
  selfMatch: boolean;
  /** nodeAffinityPolicy Honor: only hosts matching the workload's node selector / affinity count. */
  honorAffinity: boolean;
  /** nodeTaintsPolicy Honor: tainted hosts the workload does not tolerate do not count. */
  honorTaints: boolean;
  /** The topology key is kubernetes.io/hostname (kube-scheduler scores it per node). */
  hostname: boolean;
}

export interface TopologySpec {
  /** Counters this class increments when placed (its selector groups and the term families it carries). */
  counters: number[];
  requiredAffinity: TermSpec[];
  /** The workload matches every one of its required affinity terms (a group's first member may start it). */
  affinitySelfMatch: boolean;
  requiredAnti: TermSpec[];
  /** Own preferred terms: affinity with weight > 0, anti-affinity with weight < 0. */
  preferred: TermSpec[];
  /** Required anti-affinity terms carried by placed workloads whose selector matches this class. */
  heldAnti: TermSpec[];
  /**
   * Terms carried by placed workloads that match this class and score it: their preferred terms
   * (±weight) and their required affinity terms (hardPodAffinityWeight = 1).
   */
  heldScore: TermSpec[];
  spread: SpreadSpec[];
}

export interface QuotaEntrySpec {
  quota: number;
  source: QuotaSource;
  dim: number;
  hard: bigint;
}

/** Why instances of a class were not placed (the first failure; later instances fail the same way). */
export type Failure =
  | { kind: 'quota'; quota: number; entries: { entry: number; used: bigint }[] }
  | { kind: 'reservation'; dims: { dim: number; free: bigint; reservedForOthers: bigint }[] }
  | { kind: 'filter'; hosts: number; counts: ReasonCount[] }
  /** A gang fell short of minMember: every member is unplaced; `cause` is why the first one failed (null: too few members). */
  | { kind: 'gang'; gang: number; placed: number; needed: number; cause: Failure | null }
  /** Failover admission refused every host the batch found (front only: failover-guard.ts words it). */
  | { kind: 'failover'; text: string };

/** One line of the "0/N hosts are available" histogram: a reason bit, or an untolerated taint id. */
export interface ReasonCount {
  /** A single R_* bit (insufficient dims included), or 0 with `taint` set. */
  bit: number;
  taint: number;
  count: number;
}

export interface BatchItem {
  cls: number;
  count: number;
  /** Gang id (index into the batch's gangs): placed with at least minMember members, or not at all. */
  gang?: number;
}

export interface GangSpec {
  minMember: number;
}

/** A workload evicted by preemption. */
export interface Eviction {
  /** Batch instance (as in hostOf), or −1 for a workload placed before the batch. */
  instance: number;
  cls: number;
  slot: number;
  /** The batch instance that preempted it. */
  by: number;
}

export interface BatchResult {
  /** Host slot per instance, in item order (item 0's instances first), -1 when not placed. */
  hostOf: Int32Array;
  /** Per item: the failure of its first unplaced instance, or null when all were placed. */
  failures: (Failure | null)[];
  /**
   * Events in order: an instance index (as in hostOf) for each commit, −1 − e for eviction e.
   * Gang rollbacks remove their commits from the sequence.
   */
  sequence: Int32Array;
  evictions: Eviction[];
}

/** One host's verdict for a class: reasons (0 = feasible) and, when feasible, its scores. */
export interface HostVerdict {
  reasons: number;
  /** Resource scores: the strategy's 0..100 plus BalancedAllocation × its weight (EngineConfig.balancedWeight). */
  fit: number;
  /** Raw preferred-affinity weight sum and untolerated PreferNoSchedule taint count (before normalization). */
  affinityRaw: number;
  taintRaw: number;
  /** Raw InterPodAffinity and PodTopologySpread scores (before normalization). */
  interPodRaw: number;
  spreadRaw: number;
  /**
   * Combined score: fit (NodeResourcesFit×1 + BalancedAllocation×its weight) + NodeAffinity×2 + TaintToleration×3 + InterPodAffinity×2 +
   * PodTopologySpread×2, each normalized over the feasible hosts; −1 when infeasible.
   */
  total: number;
}

/**
 * One evaluation as columns indexed by host slot (Backend.evaluateColumns): the same values as
 * evaluate()'s HostVerdict fields, without an object per host. Slots at or beyond `n` are not
 * hosts. The Wasm backend returns views over its own memory: they hold until the next call into
 * the backend, so read (or copy) them first.
 */
export interface VerdictColumns {
  /** Host slots covered: every column has at least `n` entries. */
  n: number;
  /** Filter reasons (0 = feasible; R_ABSENT for an empty slot). */
  reasons: Uint32Array;
  /** Resource scores (HostVerdict.fit), 0 when infeasible. */
  fit: Int32Array;
  /** Combined score, −1 when infeasible. */
  total: Int32Array;
}

export interface Ledger {
  hosts: { used: bigint[]; usedNonZeroCpu: bigint; usedNonZeroMem: bigint }[];
  quotaUsed: bigint[];
  nsUsed: bigint[][];
  free: bigint[];
  /** counter → slot → count, non-zero entries only, sorted. */
  counters: [number, number, number][];
}

/** The imperative API both backends implement identically. Slots and ids are chosen by the front. */
export interface Backend {
  readonly name: string;
  configure(config: EngineConfig): void;
  /** Create or update host `slot` (its usage is kept). alloc has MAX_DIMS entries. */
  setHost(slot: number, alloc: readonly number[], unschedulable: boolean, taints: readonly number[]): void;
  setHostLabel(slot: number, col: number, valueId: number): void;
  /** Remove an empty host. */
  removeHost(slot: number): void;
  defineTaint(id: number, key: number, value: number, effect: Effect): void;
  /** The int64 value of a label value (for Gt/Lt), or null when it does not parse as one. */
  defineLabelValue(valueId: number, num: bigint | null): void;
  defineConstraint(id: number, spec: ConstraintSpec): void;
  /** Forget constraint program `id` (no class uses it): the id may hold another program. */
  freeConstraint(id: number): void;
  defineClass(id: number, spec: ClassSpec): void;
  /** Forget class `id`, which has nothing placed: the id may be defined again for another class. */
  freeClass(id: number): void;
  /** Bytes the backend holds outside the JS heap (the Wasm core's linear memory; 0 for the reference). */
  memoryBytes(): number;
  /** Quota entries are (re)defined in bulk; usage is recomputed from the committed placements. */
  setQuotas(entries: QuotaEntrySpec[], quotaCount: number): void;
  /** Recompute quota usage from what is placed (after classes were redefined with new quota lists). */
  rebuildQuotaUsage(): void;
  setReservation(ns: number, amounts: readonly bigint[]): void;
  /** Forget namespace `ns`, of which nothing is placed: its rows are cleared, the id may be another namespace's. */
  freeNamespace(ns: number): void;
  /** Add `delta` to counter `counter` on host `slot` (backfill when memberships change). */
  addCounter(counter: number, slot: number, delta: number): void;
  /** Forget counter `counter`, which counts nothing (no live class names it): the id may count another group. */
  freeCounter(counter: number): void;
  /** (counter, host) entries the backend keeps for its counters: they follow the live counters. */
  counterEntries(): number;
  /** Filter and score one workload of class `cls` over every host, without committing. */
  evaluate(cls: number): HostVerdict[];
  /** evaluate() as columns (see VerdictColumns: Wasm views are valid until the next backend call). */
  evaluateColumns(cls: number): VerdictColumns;
  /** Admission of one workload of class `cls` (quota, reservation) without committing. */
  admit(cls: number): Failure | null;
  /** Place a batch: order, admit, filter, score, select and commit each instance (preempting when allowed). */
  placeBatch(items: readonly BatchItem[], gangs?: readonly GangSpec[], options?: BatchOptions): BatchResult;
  /** Desired healthy count per PodDisruptionBudget id (disruptionsAllowed = max(0, healthy − desired)). */
  setPdbs(desiredHealthy: readonly number[]): void;
  /** Record `count` (default 1) workloads as running on a host (already bound, or bound by the extender) without checks. */
  commit(cls: number, slot: number, count?: number): void;
  release(cls: number, slot: number, count?: number): void;
  /** commit() for many hosts at once: (slot, count) pairs. */
  commitMany(cls: number, pairs: Int32Array): void;
  /** release() for many hosts at once: (slot, count) pairs, each releasing the newest `count` of the class there. */
  releaseMany(cls: number, pairs: Int32Array): void;
  /** Every ledger, with `namespaces` rows of namespace usage. */
  ledger(namespaces: number): Ledger;
  /**
   * Add (delta > 0) or remove (delta < 0) |delta| workloads of class `cls` on host `slot` in the
   * ledgers only — host usage, F, namespace and quota usage, topology counters — leaving
   * preemption's per-host unit lists (commit order, stamps) alone: for plans that are undone.
   */
  shiftLedgers(cls: number, slot: number, delta: number): void;
  /** The imbalance of dimension `dim`: see Imbalance. */
  imbalance(dim: number): Imbalance;
  /**
   * Where one workload of class `cls`, already released from host `exclude`, would go to reduce
   * the imbalance of `dim` most: admission, then Filter over every host, then the feasible host
   * (other than `exclude`) leaving the lowest variance. Nothing is committed.
   */
  moveTarget(cls: number, dim: number, exclude: number): MoveTarget;
  /**
   * The first-fit restart plan of `items`, in their order, over the hosts scanned cyclically from
   * slot `start` (rules/failover.ts states the rule); anti-affinity domains are the backend's host
   * label values. Nothing changes.
   */
  restartPlan(items: readonly RestartItem[], hosts: RestartHosts, start: number, keep?: KeepPlan): RestartPlan;

  /**
   * The restart plans restartPlan keeps (KeepPlan) and failover admission's incremental questions
   * over them. None changes what evaluate() or admit() answer: they are not the backend's own
   * calls, so a versioned backend (versioned.ts) does not count them.
   */
  readonly kept: KeptPlans;
}

/**
 * Failover admission's incremental questions over the restart plans a backend keeps
 * (rules/failover-insert.ts states each rule and why it is exact).
 */
export interface KeptPlans {
  /** Forget every kept plan; the plans to come are over `n` slots. */
  clear(n: number): void;
  /**
   * The kept plans (handles ascending) that a placement of `req` on `slot` changes, `free` being the
   * slot's free room before it (MAX_DIMS entries): those for which keepsPlan does not hold.
   */
  affected(slot: number, req: ArrayLike<number>, free: ArrayLike<number>, dims: number): readonly number[];
  /** The kept plans (handles ascending) that a release on `slot` may change: keepsPlanOnRelease does not hold. */
  affectedOnRelease(slot: number): readonly number[];
  /**
   * Where kept plan `handle` restarts one more workload — requests `req`, filter reasons by slot
   * `reasons`, sort position `pos` among the plan's items — with every other item kept in place;
   * −1 when a replan must tell (or nothing is kept there). `scan` learns whether the answer read
   * the use of the items before `pos`.
   */
  insertTarget(handle: number, req: ArrayLike<number>, reasons: Uint32Array, pos: number, hosts: InsertHosts, scan?: InsertScan): number;
  /** Apply an insertion insertTarget decided to kept plan `handle`: item `pos` (requests `req`) restarts on `slot`. */
  applyInsertion(handle: number, pos: number, slot: number, req: ArrayLike<number>): void;
  /**
   * The room held for failover on `slot` — per dimension the most any kept plan puts there — into
   * `out` (MAX_DIMS entries); returns whether a kept plan touching `slot` took gang members out.
   */
  heldRoom(slot: number, out: Float64Array): boolean;
  /**
   * `slot`, with free room `free` (MAX_DIMS entries), keeps after `req` the room every kept plan
   * puts there, and no plan touching it took gang members out: a placement there changes no plan.
   */
  keepsHeld(slot: number, req: ArrayLike<number>, free: ArrayLike<number>, dims: number): boolean;
  /**
   * The slots below `hosts.n` where keepsHeld does not hold for `req` (each slot's free room from
   * `hosts.free`), ascending: the extender's filter asks it once for every host.
   */
  heldShort(req: ArrayLike<number>, hosts: InsertHosts): readonly number[];
  /**
   * For each i below `count`: when no kept plan changes with `req` placed on `slots[i]`
   * (affected is empty, the slot's free room from `hosts.free`), insertTarget of kept plan
   * `handles[i]` at position `pos[i]`. Into `out[i]`: (target << 1) | 1 when the answer read the
   * prefix use, or −1 (a plan is affected, or a replan must tell). The extender's filter asks it
   * once for the hosts of a protected workload.
   */
  insertEach(
    req: ArrayLike<number>,
    reasons: Uint32Array,
    slots: Int32Array,
    handles: Int32Array,
    pos: Int32Array,
    count: number,
    hosts: InsertHosts,
    out: Int32Array,
  ): void;
  /** Kept plan `handle` as the backend holds it (null: none), for tests and diagnostics. */
  plan(handle: number): KeptPlan | null;
}

/** Keep a restart plan in the backend (Backend.restartPlan) for the incremental questions. */
export interface KeepPlan {
  /** Its handle (a kept plan there is replaced); handles are small non-negative integers. */
  handle: number;
  /** The failed slots it plans (they take no restart; an insertion skips them). */
  failed: readonly number[];
}

/** A kept plan: the parts the incremental questions read. */
export interface KeptPlan {
  start: number;
  /** Per item, in the plan's order: its target slot (−1: unplaced) and its requests (MAX_DIMS entries). */
  target: Int32Array;
  req: Float64Array[];
  use: Map<number, Float64Array>;
  targets: number[];
  touched: number[];
  gangsOut: boolean;
  failed: number[];
}

/** The surviving hosts as an insertion sees them. */
export interface InsertHosts {
  n: number;
  dims: number;
  /** Free room by slot and dimension, slot × MAX_DIMS + d. */
  free: Float64Array;
  /** What changed in `free` since it was made (see RestartHosts). */
  freeLog?: FreeLog;
  /** Slots without a present host (1); not changed in place while the same array is passed (the Wasm core keeps a copy per array). */
  absent: Uint8Array;
}

/** What an insertion's scan read besides the plan's final use (for failover-verdicts.ts). */
export interface InsertScan {
  /** A host's use by the items before the insertion's position was read: the answer depends on that position. */
  prefixRead: boolean;
}

export interface BatchOptions {
  /** false: never evict anyone (plans of moves). Default true. */
  preempt?: boolean;
  /** This batch's order instead of the configured one (the packing phase's greedy orders). */
  order?: OrderPolicy;
}

/**
 * Variance of per-host utilization (used / allocatable, as a fraction) of one dimension over the
 * present, schedulable hosts with allocatable > 0 in it; `hosts` is how many were counted.
 */
export interface Imbalance {
  hosts: number;
  variance: number;
}

/** slot: the chosen host; −1 when no host fits, −2 when admission refuses the workload. */
export interface MoveTarget {
  slot: number;
  /** The variance once the workload is on `slot` (Infinity when slot < 0). */
  variance: number;
}

/** One workload to restart (Backend.restartPlan). */
export interface RestartItem {
  /** Requests by dimension (MAX_DIMS entries; `pods` is 1). */
  req: ArrayLike<number>;
  /**
   * The engine's filter reasons for the workload's class, by host slot (the restart ignores the
   * resource and spread bits). The same array for every item of a class while its reasons stand:
   * the Wasm core keeps a copy per array.
   */
  reasons: Uint32Array;
  /** Label columns of its required anti-affinity terms and of those it meets (held), or null when it has none. */
  antiCols: readonly number[] | null;
  /** Its gang, or null. */
  gang: string | null;
}

/** The hosts a restart plan runs over. */
export interface RestartHosts {
  /** Host slots. */
  n: number;
  /** Dimensions in use (the rest are 0). */
  dims: number;
  /** Free room by slot and dimension, slot × MAX_DIMS + d: allocatable − used (not less than 0). */
  free: Float64Array;
  /** Slots that cannot take restarts: failed, absent. */
  out: Uint8Array;
  /** What changed in `free` since it was made, when its owner tracks it (the Wasm core then copies only that). */
  freeLog?: FreeLog;
}

/**
 * The changes of one free-room array: `epoch` is new whenever the whole array may have changed
 * (made anew, or more rows changed than are worth listing); `rows` lists the slots whose rows
 * changed since, in order (a slot may repeat).
 */
export interface FreeLog {
  epoch: number;
  rows: number[];
}

export interface RestartPlan {
  /** Per item, the slot it restarts on, or −1. */
  target: Int32Array;
  /** Per unplaced item: the reasons of every slot (R_ABSENT for slots out of the plan), or the gang that fell short. */
  why: (Uint32Array | { gang: string } | null)[];
  /** The first slot of the plan's scan order (slots are scanned cyclically from it). */
  start: number;
  /** What the plan puts on each slot it targets, by dimension (MAX_DIMS entries); other slots: nothing. */
  use: Map<number, Float64Array>;
  /** Slots the plan puts something on, ascending. */
  targets: number[];
  /** Slots the plan put something on at some point (gang members taken back out included), ascending. */
  touched: number[];
  /** Gang members were taken back out: `use` is less than the use the scan ended with. */
  gangsOut: boolean;
}
