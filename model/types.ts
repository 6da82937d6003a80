// The cluster model: what the Kubernetes adapters produce from manifests and what the engine
// front (core-wasm/src/engine.ts) consumes. Every quantity is an exact integer in Kubernetes'
// base unit: cpu in millicores, everything else (memory, ephemeral-storage, pods, extended
// resources, hugepages) in units. Resource names are spelled as Kubernetes spells them.

/** Where an object came from, so every error can name the file, the document and the field. */
export interface SourceRef {
  /** File path as given on the command line, `-` for stdin, or a label such as `request body`. */
  file: string;
  /** 0-based index of the YAML/JSON document within the file. */
  doc: number;
  /** Path prefix of the object inside the document, e.g. `items[3]` for a List member, '' for a top-level object. */
  path: string;
}

/** resource name -> exact amount (cpu in millicores). A key that is present was requested/declared. */
export type ResourceMap = Map<string, bigint>;

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

export interface Taint {
  key: string;
  value: string;
  effect: TaintEffect;
}

export interface Toleration {
  /** '' means every key (only valid with operator Exists). */
  key: string;
  operator: 'Equal' | 'Exists';
  value: string;
  /** '' matches every effect. */
  effect: '' | TaintEffect;
}

export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';

export interface NodeSelectorRequirement {
  key: string;
  operator: SelectorOperator;
  values: string[];
}

/** One nodeSelectorTerm: every matchExpressions and matchFields requirement must hold. */
export interface NodeSelectorTerm {
  matchExpressions: NodeSelectorRequirement[];
  /** Only `metadata.name` is a valid field key, as in Kubernetes. */
  matchFields: NodeSelectorRequirement[];
}

export interface PreferredSchedulingTerm {
  weight: number; // 1..100
  preference: NodeSelectorTerm;
}

/** A hypervisor host, from a v1 Node. */
export interface HostObj {
  name: string;
  /** status.allocatable (falls back to status.capacity key by key). cpu in millicores. */
  allocatable: ResourceMap;
  labels: Map<string, string>;
  taints: Taint[];
  /** spec.unschedulable: cordoned / maintenance mode. */
  unschedulable: boolean;
  source: SourceRef;
}

export type WorkloadKind = 'Pod' | 'VirtualMachine';

/** metav1.LabelSelector. In affinity terms a null selector matches nothing; an empty one ({}) matches everything. */
export interface LabelSelector {
  matchLabels: Map<string, string>;
  matchExpressions: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values: string[] }[];
}

/**
 * v1.PodAffinityTerm (pods) or vm-operator's VMAffinityTerm (VMs: `labelSelector` + `topologyKey`).
 * Namespaces are resolved as Kubernetes does: `namespaces` ∪ namespaces matching
 * `namespaceSelector`; both absent ⇒ the workload's own namespace; an empty selector ({}) ⇒ all.
 */
export interface PodAffinityTerm {
  labelSelector: LabelSelector | null;
  namespaces: string[];
  namespaceSelector: LabelSelector | null;
  topologyKey: string;
}

export interface WeightedPodAffinityTerm {
  weight: number; // 1..100
  term: PodAffinityTerm;
}

export interface InterPodAffinity {
  required: PodAffinityTerm[];
  preferred: WeightedPodAffinityTerm[];
}

/** v1.TopologySpreadConstraint. */
export interface TopologySpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway';
  /** null matches nothing (only the workload's own labels matter for self-match then). */
  labelSelector: LabelSelector | null;
  minDomains?: number;
  /** Default Honor: only hosts matching the workload's node selector / required node affinity count. */
  nodeAffinityPolicy: 'Honor' | 'Ignore';
  /** Default Ignore: tainted hosts count too. */
  nodeTaintsPolicy: 'Honor' | 'Ignore';
}

/** All-or-nothing membership: the gang is placed with at least `minMember` members, or not at all. */
export interface GangRef {
  /** `PodGroup ns/name`, `TanzuKubernetesCluster ns/name` or `Cluster ns/name`. */
  name: string;
  minMember: number;
}

/**
 * One placement request shape shared by `instances.length` identical workloads (a Deployment's
 * replicas share one template). Everything that decides admission, filtering and scoring lives
 * here; names and uids live in `instances`.
 */
export interface WorkloadTemplate {
  kind: WorkloadKind;
  namespace: string;
  /** Controller that produced it, for output: e.g. `Deployment/web`; undefined for a bare Pod/VM. */
  owner?: string;
  instances: WorkloadInstance[];
  /**
   * kube-scheduler's PodRequests (no non-zero defaults): max(sum containers incl. sidecars,
   * init max) replaced by pod-level resources where set, plus overhead. Present keys only.
   * For VMs: see service/manifests/vm.ts for the documented rule.
   */
  requests: ResourceMap;
  /** PodLimits, same aggregation as requests (for limits.* quota). Present keys only. */
  limits: ResourceMap;
  /** Requests with kube-scheduler's non-zero defaults (100m cpu / 200Mi memory per container where missing): scoring only. */
  nonZeroRequests: { cpu: bigint; memory: bigint };
  /** Names of containers lacking a cpu/memory request / limit, for ResourceQuota's "must specify" check. */
  missingRequests: { cpu: string[]; memory: string[] };
  missingLimits: { cpu: string[]; memory: string[] };
  /** Quota scopes: BestEffort (no requests and no limits in any container). */
  bestEffort: boolean;
  /** Pod spec.activeDeadlineSeconds is set (quota scope Terminating). */
  terminating: boolean;
  priorityClassName?: string;
  /** spec.priority when given explicitly (already-admitted pods from `kubectl get pods -o json`). */
  priority?: number;
  preemptionPolicy?: 'PreemptLowerPriority' | 'Never';
  nodeSelector: Map<string, string>;
  /** requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms (ORed); null when absent. */
  requiredAffinity: NodeSelectorTerm[] | null;
  preferredAffinity: PreferredSchedulingTerm[];
  tolerations: Toleration[];
  labels: Map<string, string>;
  /** spec.affinity.podAffinity / vmAffinity (absent = none). */
  podAffinity?: InterPodAffinity;
  /** spec.affinity.podAntiAffinity / vmAntiAffinity (absent = none). */
  podAntiAffinity?: InterPodAffinity;
  /** spec.topologySpreadConstraints (absent = none). */
  topologySpread?: TopologySpreadConstraint[];
  /** Set for members of a PodGroup (label scheduling.x-k8s.io/pod-group) or of a guest cluster. */
  gang?: GangRef;
  source: SourceRef;
}

export interface WorkloadInstance {
  name: string;
  uid?: string;
  /** Host it already runs on (pod spec.nodeName, VM status.nodeName / status.host): counts as placed. */
  boundHost?: string;
}

export type QuotaScope = 'BestEffort' | 'NotBestEffort' | 'Terminating' | 'NotTerminating' | 'PriorityClass' | 'CrossNamespacePodAffinity';

export interface ScopedResourceSelectorRequirement {
  scopeName: QuotaScope;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values: string[];
}

/** A v1 ResourceQuota. `hard` keys are kept exactly as written (`cpu`, `requests.cpu`, `count/pods`, ...). */
export interface QuotaObj {
  name: string;
  namespace: string;
  hard: ResourceMap; // cpu-like keys in millicores, others in units
  scopes: QuotaScope[];
  scopeSelector: ScopedResourceSelectorRequirement[];
  source: SourceRef;
}

export type Strategy = 'LeastAllocated' | 'MostAllocated' | 'BalancedAllocation' | 'RequestedToCapacityRatio';

/** placer.dev/v1alpha1 NamespacePolicy. */
export interface NamespacePolicyObj {
  name: string;
  namespace: string;
  /** Capacity held for the namespace (aggregate over the cluster, not per host). */
  reservation: ResourceMap;
  placement: {
    strategy?: Strategy;
    nodeSelector: Map<string, string>;
    tolerations: Toleration[];
    priorityClassName?: string;
    spreadAcrossHosts: boolean;
  };
  /** spec.failover: the namespace is protected when present (see FailoverPolicy). */
  failover?: FailoverPolicy;
  source: SourceRef;
}

/**
 * A NamespacePolicy's spec.failover: if any `hostFailuresToTolerate` hosts (0..3), or one zone when
 * `zoneFailuresToTolerate` is 1, fail, every workload of the namespace that ran there must be
 * restartable on the surviving hosts under the hard rules.
 */
export interface FailoverPolicy {
  hostFailuresToTolerate: number;
  zoneFailuresToTolerate: number;
}

/** scheduling.k8s.io/v1 PriorityClass. */
export interface PriorityClassObj {
  name: string;
  value: number;
  globalDefault: boolean;
  preemptionPolicy: 'PreemptLowerPriority' | 'Never';
  source: SourceRef;
}

/** policy/v1 PodDisruptionBudget. */
export interface PodDisruptionBudgetObj {
  name: string;
  namespace: string;
  /** null or empty matches nothing (as in kube-scheduler's preemption). */
  selector: LabelSelector | null;
  minAvailable?: number | string; // an integer or a percentage like "50%"
  maxUnavailable?: number | string;
  /** status.disruptedPods names, which preemption does not count again. */
  disruptedPods: string[];
  source: SourceRef;
}

/** v1 Namespace: only its labels matter (namespaceSelector). */
export interface NamespaceObj {
  name: string;
  /** Includes kubernetes.io/metadata.name, which the API server always sets. */
  labels: Map<string, string>;
  source: SourceRef;
}

/** vmoperator.vmware.com VirtualMachineClass (any apiVersion). */
export interface VMClassObj {
  name: string;
  /** undefined for a cluster-scoped (v1alpha1) class. */
  namespace?: string;
  cpus: bigint; // spec.hardware.cpus (vCPU count)
  memory: bigint; // spec.hardware.memory in bytes
  /** spec.policies.resources.requests (cpu in millicores, memory in bytes) when set. */
  reservation: { cpu?: bigint; memory?: bigint };
  /** spec.policies.resources.limits when set. */
  limit: { cpu?: bigint; memory?: bigint };
  /** Number of vGPU devices (spec.hardware.devices.vgpuDevices). */
  vgpus: number;
  source: SourceRef;
}

/** vmoperator.vmware.com VirtualMachine as read, before its class is looked up. */
export interface VMObj {
  name: string;
  namespace: string;
  uid?: string;
  apiVersion: string;
  /** spec.className, or spec.class.name (v1alpha5+). */
  className: string;
  /** v1alpha6 spec.resources.size: vCPU count and memory bytes; override the class hardware. */
  size: { cpu?: bigint; memory?: bigint };
  /** v1alpha6 spec.resources.requests: cpu in MHz (as vm-operator defines it), memory in bytes. */
  requestsMHz: { cpu?: bigint; memory?: bigint };
  /** v1alpha6 spec.resources.limits: cpu in MHz, memory in bytes; -1 = unlimited is dropped. */
  limitsMHz: { cpu?: bigint; memory?: bigint };
  /** status.nodeName (v1alpha5+) or status.host (v1alpha1..4). */
  boundHost?: string;
  powerState?: string;
  labels: Map<string, string>;
  /** spec.affinity vmAffinity (v1alpha2+), as inter-workload terms; absent = none. */
  podAffinity?: InterPodAffinity;
  /** spec.affinity vmAntiAffinity (v1alpha2+); guest-cluster control-plane VMs: one per host. */
  podAntiAffinity?: InterPodAffinity;
  /** Guest-cluster VMs: the object they stand for, `TanzuKubernetesCluster/x` or `Cluster/x`. */
  owner?: string;
  /** Guest-cluster VMs: the whole cluster is one gang. */
  gang?: GangRef;
  source: SourceRef;
}

/** The cluster-wide objects placement reads, besides the workloads. */
export interface Infrastructure {
  hosts: HostObj[];
  quotas: QuotaObj[];
  policies: NamespacePolicyObj[];
  priorityClasses: PriorityClassObj[];
  vmClasses: VMClassObj[];
  pdbs?: PodDisruptionBudgetObj[];
  namespaces?: NamespaceObj[];
}

/** Everything read from a set of manifests, before resolution (VM classes, priorities). */
export interface ParsedInput extends Infrastructure {
  /** Pods and pod controllers, already expanded to templates. */
  workloads: WorkloadTemplate[];
  /** VirtualMachines wait for their class; service/manifests/resolve.ts turns them into templates. */
  vms: VMObj[];
  /** Objects that were read but carry nothing for placement (Service, ConfigMap, a typo'd kind, ...). */
  ignored: IgnoredObject[];
}

/** An object read and not used, and why: service/manifests/warnings.ts reports each. */
export interface IgnoredObject {
  kind: string;
  /** `apps/v1`; undefined where the reader no longer has it (guest-cluster parts carry their kind's). */
  apiVersion?: string;
  name: string;
  source: SourceRef;
  /** Why it carries nothing for placement, said after the kind: `Pod (v1): <why>`. */
  why: string;
}

/** A fully resolved input: every workload is a template; every reference was found. */
export interface ClusterInput extends Infrastructure {
  workloads: WorkloadTemplate[];
}
