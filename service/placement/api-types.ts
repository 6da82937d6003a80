// The native API's answers as types, with no imports: the server builds them (service/server/,
// service/placement/plans.ts) and the web console reads them (ui/src/api.ts), so both sides are checked
// against one definition. docs/api.md describes them.

export const PLAN_API_VERSION = 'placer.dev/v1alpha1';

export interface HostColumns {
  apiVersion: string;
  kind: 'HostColumns';
  /** Every resource the engine tracks, then hosts' other allocatable resources by name. */
  resources: string[];
  names: string[];
  /** 1 when cordoned (spec.unschedulable). */
  unschedulable: number[];
  /** Taints other than the cordon's own node.kubernetes.io/unschedulable. */
  taints: number[];
  /** Placements placer holds on the host. */
  workloads: number[];
  allocatable: Record<string, number[]>;
  used: Record<string, number[]>;
  /** Per requested label key: the distinct values, and per host the index of its value (-1: no such label). */
  labels: Record<string, { values: string[]; index: number[] }>;
}

/** GET /v1/hosts/{name}. */
export interface HostDetail {
  apiVersion: string;
  kind: 'Host';
  name: string;
  unschedulable: boolean;
  labels: Record<string, string>;
  taints: { key: string; value?: string; effect: string }[];
  /** Amounts as Kubernetes quantities; zero amounts are left out. */
  allocatable: Record<string, string>;
  used: Record<string, string>;
  /** Percent used per resource with allocatable, one decimal. */
  utilization: Record<string, number>;
  workloads: number;
  /** Workloads per namespace, most first. */
  namespaces: { namespace: string; workloads: number }[];
}

/** One namespace of GET /v1/namespaces. */
export interface NamespaceUsage {
  namespace: string;
  used: Record<string, string>;
  reservation: Record<string, string>;
  quotas: { name: string; hard: Record<string, string>; used: Record<string, string> }[];
}

export interface NamespaceList {
  apiVersion: string;
  kind: 'NamespaceList';
  items: NamespaceUsage[];
}

/** One workload of GET /v1/pending: what POST /v1/apply could not place (yet), and why. */
export interface Pending {
  namespace: string;
  kind: string;
  name: string;
  owner?: string;
  /** The reason of the last attempt. */
  reason: string;
  grade: string;
  /** When it became pending (ISO 8601). */
  since: string;
  /** When it was last tried (ISO 8601). */
  lastAttempt: string;
  /** Attempts so far, the request's own included. */
  attempts: number;
}

export interface PendingList {
  apiVersion: string;
  kind: 'PendingList';
  items: Pending[];
}

export interface RejectedGroup {
  /** Every failing check of these hosts, all stages (the CLI's --explain wording). */
  reasons: string[];
  /** kube-scheduler's grade of the first failing stage. */
  grade: string | null;
  hosts: string[];
}

export interface FeasibleHost {
  host: string;
  /** Combined score (fit + 2×preferred affinity + 3×PreferNoSchedule taints, normalized), as the CLI prints it. */
  score: number;
  fit: number;
  affinity: number;
  taints: number;
}

export interface WorkloadExplanation {
  namespace: string;
  kind: string;
  /** The instance explained: the first one placer does not hold. */
  name: string;
  owner?: string;
  /** Instances of the template (replicas); the explanation is for one of them. */
  replicas: number;
  /** The admission failure (quota, reservation, policy): no host was tried. */
  admission: string | null;
  /** The host a placement would pick now. */
  selected: string | null;
  /** kube-scheduler's message when nothing fits (or the admission message). */
  message: string | null;
  hosts: number;
  feasible: FeasibleHost[];
  rejected: RejectedGroup[];
}

export interface ExplanationList {
  apiVersion: string;
  kind: 'ExplanationList';
  items: WorkloadExplanation[];
}

export interface MoveDoc {
  kind: string;
  namespace: string;
  name: string;
  from: string;
  to: string;
  /** Eviction wave under the PodDisruptionBudgets: a wave starts when the previous one's replacements run; 0 = blocked. */
  wave: number;
  /** The PodDisruptionBudget that allows no disruption of this pod: evicting it would wait forever. */
  blockedBy?: string;
  /** ConsolidatePlan: true for a VirtualMachine (it migrates live), false for a pod (evicted and re-created). */
  live?: boolean;
}

export interface StuckDoc {
  kind: string;
  namespace: string;
  name: string;
  from: string;
  reason: string;
}

export type PlanKind = 'DrainPlan' | 'RebalancePlan' | 'NamespaceMovePlan' | 'ConsolidatePlan';

export interface PlanDoc {
  apiVersion: typeof PLAN_API_VERSION;
  kind: PlanKind;
  /** DrainPlan: the hosts drained. */
  hosts?: string[];
  /** NamespaceMovePlan: the namespace and the selector of its new hosts. */
  namespace?: string;
  selector?: string;
  /** RebalancePlan: the balanced resource and the standard deviation of its per-host utilization (percentage points). */
  resource?: string;
  imbalance?: { before: number; after: number };
  /** RebalancePlan, ConsolidatePlan: namespaces that bin-pack on purpose (strategy MostAllocated); their workloads do not move. */
  binPacking?: string[];
  /** ConsolidatePlan: the hosts it empties; the empty schedulable hosts after it that may go to standby, and the spares kept on. */
  emptied?: string[];
  standby?: string[];
  spares?: string[];
  /** ConsolidatePlan: schedulable hosts in use before and after, and the lower bound max_d of the fewest hosts holding Σ requests. */
  hostsInUse?: { before: number; after: number; lowerBound: number };
  /** ConsolidatePlan: excluded namespaces (their workloads stay). */
  excluded?: string[];
  /** ConsolidatePlan: placements evaluated, and whether the effort or maxMoves stopped it before every host was tried. */
  effort?: { tried: number; limited: boolean };
  /** NamespaceMovePlan: the namespace's usage, reservation and quotas (unchanged by a move), and the hosts it occupies. */
  usage?: NamespaceUsageDoc;
  dryRun: boolean;
  executed: boolean;
  moves: MoveDoc[];
  unmovable: StuckDoc[];
  /** Cluster utilization per resource in percent, over schedulable hosts. */
  utilization: { before: Record<string, number>; after: Record<string, number> };
  /** Eviction waves the moves need under the PodDisruptionBudgets (1 without budgets). */
  waves: number;
  /** Whether PodDisruptionBudgets pace the plan: more than one wave, or a move blocked. */
  paced: boolean;
  summary: { moves: number; unmovable: number; blocked: number };
}

export interface NamespaceUsageDoc {
  used: Record<string, string>;
  reservation: Record<string, string>;
  quotas: { name: string; hard: Record<string, string>; used: Record<string, string> }[];
  /** Hosts holding the namespace's workloads before and after the plan. */
  hosts: { before: number; after: number };
}

/** How many more fit, and what stops the next one (null: the limit stopped the count). */
export interface HeadroomDoc {
  headroom: number;
  stoppedBy: { message: string; grade: 'Unschedulable' | 'UnschedulableAndUnresolvable' } | null;
}

/** One workload template of a CapacityReport: its namespace with every rule, the quotas aside, per zone. */
export interface CapacityItem extends HeadroomDoc {
  namespace: string;
  /** The workload asked about: a manifest's kind and name, or the requests of a shape. */
  workload: { kind: string; name: string } | { shape: Record<string, string> };
  /** The cluster's room for it with the namespace's ResourceQuotas aside. */
  quotaAside: HeadroomDoc;
  zones: (HeadroomDoc & { zone: string })[];
}

/** POST /v1/capacity and `placer capacity -o json`. */
export interface CapacityReportDoc {
  apiVersion: string;
  kind: 'CapacityReport';
  /** The label whose values are the zones. */
  zoneKey: string;
  items: CapacityItem[];
}

/** A workload of a failed host restarted elsewhere (a failover restart plan). */
export interface RestartDoc {
  kind: string;
  namespace: string;
  name: string;
  from: string;
  to: string;
  /** Its namespace has a failover policy. */
  protected: boolean;
}

/** A workload of a failed host that finds no host, and why, in kube-scheduler's words. */
export interface StuckRestartDoc {
  kind: string;
  namespace: string;
  name: string;
  from: string;
  protected: boolean;
  reason: string;
}

/** A protected namespace of a FailoverReport: its policy and the failures it tolerates now. */
export interface NamespaceFailoverDoc {
  namespace: string;
  policy: { hostFailuresToTolerate: number; zoneFailuresToTolerate: number };
  /** Host failures (0..3) it tolerates now: every set of that many hosts may fail. */
  toleratesHosts: number;
  /** Any one zone may fail; null when the hosts carry no zone label. */
  toleratesZone: boolean | null;
  /** The policy holds now. */
  kept: boolean;
  /** When not kept: the first failure it cannot absorb, in the admission refusal's words. */
  violation: string | null;
}

/** One host of a FailoverReport: can its protected workloads restart, where, and the room held on it. */
export interface HostFailoverDoc {
  host: string;
  zone: string | null;
  protectedWorkloads: number;
  /** Its failure is absorbed: every protected workload on it restarts. */
  absorbed: boolean;
  /** placer's restart plan of the host's protected workloads. */
  plan: RestartDoc[];
  unplaced: StuckRestartDoc[];
  /** Spare room held on this host for failover (quantities; zero amounts left out). */
  held: Record<string, string>;
}

/** A zone's failure: its protected workloads restarted outside it. */
export interface ZoneFailoverDoc {
  zone: string;
  hosts: number;
  absorbed: boolean;
  plan: RestartDoc[];
  unplaced: StuckRestartDoc[];
}

/** GET /v1/failover and `placer failover -o json`. Amounts are Kubernetes quantities. */
export interface FailoverReportDoc {
  apiVersion: string;
  kind: 'FailoverReport';
  namespaces: NamespaceFailoverDoc[];
  hosts: HostFailoverDoc[];
  zones: ZoneFailoverDoc[];
  /** Room held for failover over all hosts, and the schedulable capacity. */
  held: Record<string, string>;
  capacity: Record<string, string>;
  /** vSphere HA's percentage admission control for the same cluster: the percent of cpu and memory, and what it holds. */
  vsphere: { failures: number; percent: number; held: Record<string, string> };
}

/** POST /v1/failover/simulate and `placer failover --fail …`: the restart plan of exactly these failures. */
export interface FailoverSimulationDoc {
  apiVersion: string;
  kind: 'FailoverSimulation';
  /** The failed hosts (those of the zone, with `zone`), in host order. */
  failed: string[];
  zone: string | null;
  restarts: RestartDoc[];
  unplaced: StuckRestartDoc[];
  /** Every protected workload of the failed hosts restarts. */
  absorbed: boolean;
  summary: { restarts: number; unplaced: number; protectedUnplaced: number };
}
