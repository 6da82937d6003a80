// The Kubernetes resources placer mirrors, in the order their initial lists are applied: what a
// later kind refers to comes first (classes and namespaces before the pods that name them, nodes
// before the pods bound to them, VirtualMachineClasses before the VirtualMachines that name them).
//
// vm-operator's kinds are read at vmoperator.vmware.com/v1alpha6, its storage version: the API
// server serves every version of a CRD from the same objects, and only v1alpha6 carries every
// field placer reads (spec.resources, spec.class, status.nodeName) without a lossy conversion.
// A supervisor whose vm-operator does not serve v1alpha6 (or no vm-operator) answers 404: placer
// then takes it as "no VirtualMachines" and lists again later (docs/kubernetes.md).

export interface WatchedResource {
  kind: string;
  apiVersion: string;
  /** Collection path for list and watch, cluster-wide (all namespaces). */
  path: string;
  /** An API the cluster may not serve (a CRD not installed yet): a 404 list means "none", retried later. */
  optional?: boolean;
}

/** The vm-operator API version placer reads VirtualMachines and VirtualMachineClasses at. */
export const VMOP = 'vmoperator.vmware.com/v1alpha6';

/** The coscheduling PodGroup (kubernetes-sigs/scheduler-plugins): gangs of pods, minMember all or nothing. */
export const PODGROUP_API = 'scheduling.x-k8s.io/v1alpha1';

export const WATCHED: readonly WatchedResource[] = [
  { kind: 'PriorityClass', apiVersion: 'scheduling.k8s.io/v1', path: '/apis/scheduling.k8s.io/v1/priorityclasses' },
  { kind: 'VirtualMachineClass', apiVersion: VMOP, path: `/apis/${VMOP}/virtualmachineclasses`, optional: true },
  { kind: 'Namespace', apiVersion: 'v1', path: '/api/v1/namespaces' },
  { kind: 'Node', apiVersion: 'v1', path: '/api/v1/nodes' },
  { kind: 'ResourceQuota', apiVersion: 'v1', path: '/api/v1/resourcequotas' },
  { kind: 'NamespacePolicy', apiVersion: 'placer.dev/v1alpha1', path: '/apis/placer.dev/v1alpha1/namespacepolicies', optional: true },
  { kind: 'PodDisruptionBudget', apiVersion: 'policy/v1', path: '/apis/policy/v1/poddisruptionbudgets' },
  { kind: 'PodGroup', apiVersion: PODGROUP_API, path: `/apis/${PODGROUP_API}/podgroups`, optional: true },
  { kind: 'Pod', apiVersion: 'v1', path: '/api/v1/pods' },
  { kind: 'VirtualMachine', apiVersion: VMOP, path: `/apis/${VMOP}/virtualmachines`, optional: true },
];

export const LEASE_API = '/apis/coordination.k8s.io/v1';

export const podBindingPath = (namespace: string, name: string): string =>
  `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}/binding`;

/**
 * The Binding of a pod to a node, as kube-scheduler's DefaultBinder posts it (the pod's UID, when
 * known, is a precondition), written as the JSON text it is sent as: one string per Binding, not
 * an object for JSON.stringify to walk (scheduler mode posts thousands of them a second).
 */
export function podBindingJson(namespace: string, name: string, uid: string, node: string): string {
  const q = JSON.stringify;
  const uidField = uid !== '' ? `,"uid":${q(uid)}` : '';
  return `{"apiVersion":"v1","kind":"Binding","metadata":{"name":${q(name)},"namespace":${q(namespace)}${uidField}},"target":{"apiVersion":"v1","kind":"Node","name":${q(node)}}}`;
}
