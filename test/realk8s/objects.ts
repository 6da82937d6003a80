// Objects in the real API server: REST paths from an object's apiVersion and kind, the deploy/
// manifests applied as they are (server-side apply), Nodes with a status (no kubelet writes one
// here), and what the API says runs where.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ROOT } from './binaries.js';
import type { Kube, Obj } from './kube.js';
import { until } from './procs.js';

const IRREGULAR: Record<string, string> = {
  NamespacePolicy: 'namespacepolicies',
  PriorityClass: 'priorityclasses',
  VirtualMachineClass: 'virtualmachineclasses',
  PodDisruptionBudget: 'poddisruptionbudgets',
};
const CLUSTER_SCOPED = new Set(['Namespace', 'Node', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PriorityClass']);

export function plural(kind: string): string {
  return IRREGULAR[kind] ?? `${kind.toLowerCase()}s`;
}

/** The collection an object of this apiVersion/kind lives in (namespace: the object's). */
export function collectionOf(apiVersion: string, kind: string, namespace?: string): string {
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const ns = CLUSTER_SCOPED.has(kind) ? '' : `/namespaces/${namespace ?? 'default'}`;
  return `${base}${ns}/${plural(kind)}`;
}

export function pathOf(o: Obj): string {
  const md = o.metadata as Obj;
  return `${collectionOf(String(o.apiVersion), String(o.kind), md.namespace as string | undefined)}/${String(md.name)}`;
}

/** Every document of deploy/FILE. */
export function deployDocs(file: string): Obj[] {
  return parseAllDocuments(readFileSync(join(ROOT, 'deploy', file), 'utf8')).map((d) => d.toJS() as Obj);
}

/** The manifests a cluster admin applies, in the order docs/kubernetes.md gives them. */
export const APPLIED = ['namespacepolicy-crd.yaml', 'placer.yaml', 'rbac.yaml', 'placer-access.yaml'];

/** Apply deploy/ as docs/kubernetes.md says (server-side apply of every document); wait for the CRD to be served. */
export async function applyDeploy(admin: Kube): Promise<void> {
  for (const file of APPLIED) for (const o of deployDocs(file)) await admin.apply(pathOf(o), o);
  await until(
    async () => (await admin.call('GET', '/apis/placer.dev/v1alpha1/namespacepolicies')).code === 200,
    30_000,
    'the NamespacePolicy CRD served',
  );
}

export interface NodeSpec {
  cpu?: string;
  memory?: string;
  pods?: string;
  labels?: Record<string, string>;
  taints?: Obj[];
  extra?: Record<string, string>;
  /** status.images, as a kubelet reports the images it pulled. */
  images?: { names: string[]; sizeBytes: number }[];
}

/** Create a Node with a status, as a kubelet registers it: capacity = allocatable, Ready. */
export function createNode(admin: Kube, name: string, s: NodeSpec = {}): Promise<Obj> {
  // the status in the create itself (the API server keeps it): a watcher's first event of the
  // Node has its capacity, so no scheduler can decide on a Node without one
  return admin.create('/api/v1/nodes', {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...s.labels } },
    spec: { ...(s.taints && { taints: s.taints }) },
    status: nodeStatus(s),
  });
}

function nodeStatus(s: NodeSpec): Obj {
  const resources = { cpu: s.cpu ?? '4', memory: s.memory ?? '16Gi', pods: s.pods ?? '110', ...s.extra };
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  return {
    capacity: resources,
    allocatable: resources,
    ...(s.images && { images: s.images }),
    conditions: [
      { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'test', lastHeartbeatTime: now, lastTransitionTime: now },
    ],
  };
}

export async function setNodeStatus(admin: Kube, name: string, s: NodeSpec = {}): Promise<Obj> {
  return admin.patch(`/api/v1/nodes/${name}/status`, { status: nodeStatus(s) });
}

export async function createNamespace(admin: Kube, name: string, labels: Record<string, string> = {}): Promise<void> {
  await admin.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
}

/** Create an object in its collection (a fixture's .obj()). */
export function create(admin: Kube, o: Obj): Promise<Obj> {
  const md = o.metadata as Obj;
  return admin.create(collectionOf(String(o.apiVersion), String(o.kind), md.namespace as string | undefined), o);
}

/** namespace/name → node of every pod the API shows bound and not finished (in `namespace`, or all). */
export async function apiPlacements(admin: Kube, namespace?: string): Promise<Record<string, string>> {
  const path = namespace ? `/api/v1/namespaces/${namespace}/pods` : '/api/v1/pods';
  const out: Record<string, string> = {};
  for (const p of await admin.items(path)) {
    const md = p.metadata as Obj;
    const node = (p.spec as Obj).nodeName;
    const phase = (p.status as Obj | undefined)?.phase;
    if (typeof node === 'string' && node !== '' && phase !== 'Succeeded' && phase !== 'Failed') out[`${md.namespace}/${md.name}`] = node;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * vm-operator's two kinds placer reads, as minimal CRDs (vmoperator.vmware.com/v1alpha6, the
 * storage version placer asks for): schemaless, without a status subresource, so that a test plays
 * vm-operator by writing a VM's status.nodeName itself.
 */
export async function installVmOperator(admin: Kube): Promise<void> {
  for (const [kind, plural] of [
    ['VirtualMachine', 'virtualmachines'],
    ['VirtualMachineClass', 'virtualmachineclasses'],
  ]) {
    await admin.apply(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${plural}.vmoperator.vmware.com`, {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `${plural}.vmoperator.vmware.com` },
      spec: {
        group: 'vmoperator.vmware.com',
        scope: 'Namespaced',
        names: { kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase() },
        versions: [
          {
            name: 'v1alpha6',
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
          },
        ],
      },
    });
  }
  await until(
    async () => (await admin.call('GET', '/apis/vmoperator.vmware.com/v1alpha6/virtualmachineclasses')).code === 200,
    30_000,
    'vm-operator CRDs served',
  );
}

/** namespace/name → node of every pod (apiPlacements) and every VirtualMachine the API shows on a host. */
export async function apiWorkloads(admin: Kube): Promise<Record<string, string>> {
  const out = await apiPlacements(admin);
  const vms = await admin.call('GET', '/apis/vmoperator.vmware.com/v1alpha6/virtualmachines');
  for (const v of vms.code === 200 ? (vms.body.items as Obj[]) : []) {
    const md = v.metadata as Obj;
    const node = (v.status as Obj | undefined)?.nodeName;
    if (typeof node === 'string' && node !== '') out[`${md.namespace}/${md.name}`] = node;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * The coscheduling plugin's PodGroup CRD (scheduling.x-k8s.io/v1alpha1, as kubernetes-sigs/
 * scheduler-plugins installs it), minimal: schemaless, placer reads spec.minMember.
 */
export async function installPodGroups(admin: Kube): Promise<void> {
  await admin.apply('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/podgroups.scheduling.x-k8s.io', {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'podgroups.scheduling.x-k8s.io' },
    spec: {
      group: 'scheduling.x-k8s.io',
      scope: 'Namespaced',
      names: { kind: 'PodGroup', listKind: 'PodGroupList', plural: 'podgroups', singular: 'podgroup', shortNames: ['pg'] },
      versions: [
        {
          name: 'v1alpha1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      ],
    },
  });
  await until(
    async () => (await admin.call('GET', '/apis/scheduling.x-k8s.io/v1alpha1/podgroups')).code === 200,
    30_000,
    'the PodGroup CRD served',
  );
}

/** Per pod: when the API server took it (set by the caller), when a watch first showed it bound, every node it showed. */
export interface BindingSeen {
  created: number;
  bound: number;
  nodes: Set<string>;
}

/**
 * Watches the pods of `namespace` and records, for every pod the caller has entered in `seen`,
 * when it was first seen bound and every node it was seen on (a double binding shows as two).
 */
export function watchBindings(k: Kube, namespace: string): { seen: Map<string, BindingSeen>; started: Promise<void>; stop: () => void } {
  const seen = new Map<string, BindingSeen>();
  const watch = k.watch(`/api/v1/namespaces/${namespace}/pods`, (e) => {
    const name = String((e.object.metadata as Obj | undefined)?.name);
    const node = (e.object.spec as Obj | undefined)?.nodeName;
    const p = seen.get(name);
    if (!p || typeof node !== 'string' || node === '') return;
    if (p.bound === 0) p.bound = performance.now();
    p.nodes.add(node);
  });
  return { seen, started: watch.started, stop: watch.stop };
}
