// Object identity: which kinds we read (group + kind + served versions), metadata, owner
// references, and the `Kind ns/name` label used in every error message.

import type { SourceRef } from '../../model/types.js';
import { Field, type ObjectContext } from './fields.js';
import type { Manifest } from './load.js';
import { generateName } from './names.js';

export type KnownKind =
  | 'Node'
  | 'Pod'
  | 'ResourceQuota'
  | 'Deployment'
  | 'ReplicaSet'
  | 'StatefulSet'
  | 'Job'
  | 'PriorityClass'
  | 'VirtualMachine'
  | 'VirtualMachineClass'
  | 'NamespacePolicy'
  | 'Namespace'
  | 'PodDisruptionBudget'
  | 'PodGroup'
  | 'TanzuKubernetesCluster'
  | 'Cluster'
  | 'KubeadmControlPlane'
  | 'MachineDeployment'
  | 'VSphereMachineTemplate';

interface KindInfo {
  group: string;
  versions: readonly string[];
  /** Namespaced for every served version except those listed. */
  clusterScopedIn?: readonly string[];
  namespaced: boolean;
}

const VMOP_VERSIONS = ['v1alpha1', 'v1alpha2', 'v1alpha3', 'v1alpha4', 'v1alpha5', 'v1alpha6'] as const;

export const KINDS: Readonly<Record<KnownKind, KindInfo>> = {
  Node: { group: '', versions: ['v1'], namespaced: false },
  Pod: { group: '', versions: ['v1'], namespaced: true },
  ResourceQuota: { group: '', versions: ['v1'], namespaced: true },
  Deployment: { group: 'apps', versions: ['v1'], namespaced: true },
  ReplicaSet: { group: 'apps', versions: ['v1'], namespaced: true },
  StatefulSet: { group: 'apps', versions: ['v1'], namespaced: true },
  Job: { group: 'batch', versions: ['v1'], namespaced: true },
  PriorityClass: { group: 'scheduling.k8s.io', versions: ['v1'], namespaced: false },
  VirtualMachine: { group: 'vmoperator.vmware.com', versions: VMOP_VERSIONS, namespaced: true },
  // v1alpha1 classes are cluster-scoped; v1alpha2 and later are namespaced
  VirtualMachineClass: { group: 'vmoperator.vmware.com', versions: VMOP_VERSIONS, namespaced: true, clusterScopedIn: ['v1alpha1'] },
  NamespacePolicy: { group: 'placer.dev', versions: ['v1alpha1'], namespaced: true },
  Namespace: { group: '', versions: ['v1'], namespaced: false },
  // policy/v1beta1 is no longer served (removed in Kubernetes 1.25)
  PodDisruptionBudget: { group: 'policy', versions: ['v1'], namespaced: true },
  PodGroup: { group: 'scheduling.x-k8s.io', versions: ['v1alpha1'], namespaced: true },
  TanzuKubernetesCluster: { group: 'run.tanzu.vmware.com', versions: ['v1alpha1', 'v1alpha2', 'v1alpha3'], namespaced: true },
  Cluster: { group: 'cluster.x-k8s.io', versions: ['v1beta1'], namespaced: true },
  MachineDeployment: { group: 'cluster.x-k8s.io', versions: ['v1beta1'], namespaced: true },
  KubeadmControlPlane: { group: 'controlplane.cluster.x-k8s.io', versions: ['v1beta1'], namespaced: true },
  VSphereMachineTemplate: { group: 'vmware.infrastructure.cluster.x-k8s.io', versions: ['v1beta1'], namespaced: true },
};

/** An object's metadata.resourceVersion; '' when it has none. */
export function resourceVersionOf(o: Record<string, unknown>): string {
  const md = o.metadata as Record<string, unknown> | null | undefined;
  return typeof md?.resourceVersion === 'string' ? md.resourceVersion : '';
}

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.lastIndexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

/**
 * The kind we read for this manifest, or undefined for kinds that carry nothing for placement
 * (including same-named kinds of other groups, e.g. KubeVirt's VirtualMachine). A known group
 * and kind in a version we do not serve is an error, as the API server would refuse it.
 */
export function knownKind(m: Manifest): KnownKind | undefined {
  const info = (KINDS as Record<string, KindInfo | undefined>)[m.kind];
  if (!info) return undefined;
  const { group, version } = splitApiVersion(m.apiVersion);
  if (group !== info.group) return undefined;
  if (!info.versions.includes(version)) {
    const f = Field.root({ source: m.source, object: m.kind }, m.obj).at('apiVersion');
    f.fail(
      `no matches for kind "${m.kind}" in version "${m.apiVersion}" (served: ${info.versions.map((v) => (group ? `${group}/${v}` : v)).join(', ')})`,
    );
  }
  return m.kind as KnownKind;
}

export function isNamespaced(kind: KnownKind, apiVersion: string): boolean {
  const info = KINDS[kind];
  return info.namespaced && !info.clusterScopedIn?.includes(splitApiVersion(apiVersion).version);
}

export interface OwnerRef {
  apiVersion: string;
  kind: string;
  name: string;
  uid?: string;
  controller: boolean;
}

export interface ObjectMeta {
  name: string;
  /** undefined for cluster-scoped objects. */
  namespace: string | undefined;
  uid?: string;
  labels: Map<string, string>;
  ownerReferences: OwnerRef[];
}

export function objectLabel(kind: string, namespace: string | undefined, name: string): string {
  return namespace === undefined ? `${kind} ${name}` : `${kind} ${namespace}/${name}`;
}

/** A parsed object's root Field plus its metadata; the Field already names the object in errors. */
export interface ObjectReader {
  root: Field;
  meta: ObjectMeta;
  kind: KnownKind;
  apiVersion: string;
  source: SourceRef;
  /** `Pod team-a/web`. */
  label: string;
}

/** Reads metadata; `metadata.namespace` defaults to `default` for namespaced kinds. */
export function readObject(m: Manifest, kind: KnownKind): ObjectReader {
  const namespaced = isNamespaced(kind, m.apiVersion);
  const ctx: ObjectContext = { source: m.source, object: kind };
  const root = Field.root(ctx, m.obj);
  const md = root.at('metadata');
  const namespace = namespaced ? md.at('namespace').stringOr('default') : undefined;
  let name = md.at('name').optString();
  if (!name) {
    // generateName: the API server appends 5 random characters; ours are derived from the source
    const gen = md.at('generateName').optString();
    name = generateName(
      gen || md.at('name').required('name or generateName is required'),
      `${m.source.file}#${m.source.doc}#${m.source.path}`,
    );
  }
  ctx.object = objectLabel(kind, namespace, name);
  const meta: ObjectMeta = {
    name,
    namespace,
    uid: md.at('uid').optString() || undefined,
    labels: md.at('labels').stringMap(),
    ownerReferences: md
      .at('ownerReferences')
      .items()
      .map((o) => ({
        apiVersion: o.at('apiVersion').stringOr(''),
        kind: o.at('kind').string(),
        name: o.at('name').string(),
        uid: o.at('uid').optString() || undefined,
        controller: o.at('controller').bool(false),
      })),
  };
  return { root, meta, kind, apiVersion: m.apiVersion, source: m.source, label: ctx.object };
}

/** The controller reference (controller: true), else the only owner, as controllers adopt. */
export function controllerOf(meta: ObjectMeta): OwnerRef | undefined {
  return meta.ownerReferences.find((o) => o.controller) ?? (meta.ownerReferences.length === 1 ? meta.ownerReferences[0] : undefined);
}

/** `a.yaml: document 3 at items[2]`, to name a second source in a message. */
export function describeSource(s: SourceRef): string {
  return `${s.file}: document ${s.doc + 1}${s.path ? ` at ${s.path}` : ''}`;
}
