// The Engine API's types: what callers hand the engine besides the model (model/types.ts) and
// what it answers — outcomes of a batch, evictions, explanations, the extender's verdicts, move
// plans. Everything here speaks names and the model; ids and reason bits stay inside.

import type { Strategy as StrategyName, WorkloadTemplate } from '../../model/types.js';
import { type Backend, type ShapePoint, Strategy } from './contract.js';
import type { PackingReport } from './packing.js';
import type { Grade } from './rules/preemption.js';

export const STRATEGIES: Record<StrategyName, Strategy> = {
  LeastAllocated: Strategy.LeastAllocated,
  MostAllocated: Strategy.MostAllocated,
  BalancedAllocation: Strategy.BalancedAllocation,
  RequestedToCapacityRatio: Strategy.RequestedToCapacityRatio,
};

/** The SIMD core, the same core without SIMD, the core with its assertions live (debug build), or the TypeScript reference. */
export type BackendName = 'wasm' | 'wasm-scalar' | 'wasm-debug' | 'reference';

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
  /**
   * NodeResourcesBalancedAllocation's weight in the total beside the strategy score: 1 unless
   * given, as in kube-scheduler's default profile; 0 leaves it out. With weight 1 beside
   * LeastAllocated over cpu and memory the batch keeps its lazy search (core-wasm/assembly/bound.ts
   * bounds how far a commit raises a total); other weights rescan (BENCHMARKS.md,
   * "BalancedAllocation by default").
   */
  balancedWeight?: number;
  /**
   * Workloads the packing phase may place again after a batch with MostAllocated workloads
   * (packing.ts; 0 turns the phase off). Default: DEFAULT_PACKING_EFFORT when the default strategy
   * is MostAllocated, else 0 — a namespace whose policy bin-packs under another default strategy
   * is packed only when asked.
   */
  packingEffort?: number;
  /** Keep a name → placement registry (needed for release; the batch CLI does not need it). */
  trackPlacements?: boolean;
}

/** What a workload template compiles to: a class, or a reason it is rejected before any host. */
export interface Compiled {
  cls: number;
  /** Rejected at admission for a reason that does not depend on usage (quota constraints, selector conflict). */
  rejected?: string;
  /** The rejection comes from a ResourceQuota (a container must declare what it limits), not the namespace policy. */
  rejectedByQuota?: boolean;
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
  /** What the packing phase did (undefined when it did not run: no MostAllocated workload, or effort 0). */
  packing: PackingReport | undefined;
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
  /** Resource scores: the strategy plus BalancedAllocation × its weight (0 when infeasible). */
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

export interface ConsolidateOptions {
  execute?: boolean;
  /** At most this many moves (default 1,000). */
  maxMoves?: number;
  /** Placements evaluated at most (default 100,000): the plan's bound, never time. */
  effort?: number;
  /** Empty schedulable hosts each zone keeps on as spares, out of standby (default 0). */
  sparePerZone?: number;
  /** Namespaces whose workloads stay where they are. */
  excludeNamespaces?: readonly string[];
  /** Move the workloads of bin-packing namespaces (strategy MostAllocated) too; by default they stay. */
  includeBinPacking?: boolean;
}

export interface ConsolidateReport extends PlanReport {
  /** Hosts the plan empties. */
  emptied: string[];
  /** Schedulable hosts empty after the plan, the spares aside: candidates for standby (cordoned on execution). */
  standby: string[];
  /** Empty schedulable hosts kept on, sparePerZone per zone. */
  spares: string[];
  /** Empty hosts kept on (neither standby nor spares) because a protected namespace's restart plans need their room; absent when none. */
  keptForFailover?: string[];
  /** Schedulable hosts holding workloads before and after; the lower bound max_d of the fewest hosts holding Σ requests. */
  hostsInUse: { before: number; after: number; lowerBound: number };
  /** Namespaces that bin-pack on purpose (strategy MostAllocated) and stay, not being included. */
  binPacking: string[];
  /** Excluded namespaces with workloads on schedulable hosts. */
  excluded: string[];
  /** Placements evaluated, and whether the effort or the move limit stopped the plan early. */
  effort: { tried: number; limited: boolean };
}

/** A host name that is not among the hosts. */
export class UnknownHostError extends Error {
  constructor(readonly host: string) {
    super(`host ${JSON.stringify(host)} is not among the hosts`);
  }
}

export interface CapacityOptions {
  /** At most this many replicas are tried (default 10,000,000). */
  limit?: number;
  /** The label whose values are the zones of the breakdown (default topology.kubernetes.io/zone). */
  zoneKey?: string;
}

/** How many more replicas fit, and why the next one does not (null: the limit stopped the count). */
export interface Headroom {
  count: number;
  stoppedBy: { message: string; grade: Grade } | null;
}

/** The headroom of one workload template: in its namespace, with every rule, and per zone. */
export interface CapacityReport {
  template: WorkloadTemplate;
  headroom: Headroom;
  /** The cluster's room for it with its namespace's ResourceQuotas aside (policy and reservations still apply). */
  quotaFree: Headroom;
  zones: { zone: string; headroom: Headroom }[];
}

/** What an engine holds (Engine.stats), for gauges: each grows with the live cluster, not its history. */
export interface EngineStats {
  /** Live workload classes (freed once nothing of theirs is placed). */
  classes: number;
  /** Constraint programs: distinct node selectors, affinities and tolerations. */
  constraints: number;
  /** Interned names: label keys and values, taint keys and values, namespaces, resource dimensions. */
  interned: number;
  /** Topology counters: selector groups and term families some live class names (freed with the last). */
  counters: number;
  /** The backend's (counter, host) entries: they follow the live counters. */
  counterEntries: number;
  /** Bytes the backend holds outside the JS heap (the Wasm core's linear memory). */
  backendMemoryBytes: number;
}
