// Guest Kubernetes clusters on the supervisor, expanded into the VirtualMachines that will run
// their nodes.
//
// ## What is read
//
// 1. TanzuKubernetesCluster (run.tanzu.vmware.com)
//      v1alpha1:           spec.topology.controlPlane {count, class, storageClass}
//                          spec.topology.workers      {count, class, storageClass}  (pool "workers")
//      v1alpha2, v1alpha3: spec.topology.controlPlane {replicas, vmClass, storageClass}
//                          spec.topology.nodePools[]  {name, replicas, vmClass, storageClass}
//    Required as in the CRD: topology, controlPlane, (v1alpha1) workers, count/class/storageClass,
//    (v1alpha2+) nodePools, vmClass, storageClass, a pool's name. An absent `replicas` is 1 (the
//    control plane's default; for a node pool, what the MachineDeployment then defaults to).
//    The TKG webhook's own rules (an odd control-plane count, ...) are not reproduced.
// 2. Cluster (cluster.x-k8s.io/v1beta1) with `spec.topology` (ClusterClass, as VKS uses it):
//      spec.topology.controlPlane.replicas                    (absent: 1)
//      spec.topology.workers.machineDeployments[] {name, replicas}   (absent replicas: 1)
//    The VM class is the `vmClass` topology variable: `spec.topology.variables[]` {name: vmClass,
//    value}, overridden per MachineDeployment by `variables.overrides[]` and for the control plane
//    by `spec.topology.controlPlane.variables.overrides[]`. A group of VMs with no vmClass at all
//    is an error at the variables that should name it. MachineDeployment names are checked as
//    Cluster API's webhook does (non-empty, unique).
// 3. Cluster (cluster.x-k8s.io/v1beta1) without a topology ("classic" Cluster API), when its
//    `spec.infrastructureRef` is a vmware.infrastructure.cluster.x-k8s.io VSphereCluster (the
//    supervisor provider of cluster-api-provider-vsphere):
//      spec.controlPlaneRef → KubeadmControlPlane (controlplane.cluster.x-k8s.io/v1beta1)
//                             {spec.replicas (absent: 1), spec.machineTemplate.infrastructureRef}
//      MachineDeployments (cluster.x-k8s.io/v1beta1) with spec.clusterName = the cluster
//                             {spec.replicas (absent: 1), spec.template.spec.infrastructureRef}
//      each infrastructureRef → VSphereMachineTemplate (vmware.infrastructure.cluster.x-k8s.io/v1beta1)
//                             whose spec.template.spec.className is the VM class.
//    A reference to an object missing from the input, or to another kind, is an error at the
//    reference. Clusters of other infrastructure providers are not guest clusters of the
//    supervisor: they are listed as ignored, like KubeadmControlPlanes, MachineDeployments and
//    VSphereMachineTemplates that no expanded Cluster uses.
// A Cluster owned by a TanzuKubernetesCluster (or with the same namespace and name as one in the
// input) is that TKC's own Cluster API object: the TKC is expanded, the Cluster is not.
// Not read: cluster.x-k8s.io/v1beta2, MachinePools, autoscaler annotations, failure domains.
//
// ## What it becomes
//
// VirtualMachines in the cluster's namespace, resolved through their VirtualMachineClass exactly
// like any VM (vm.ts):
//   control plane VMs  <cluster>-control-plane-<5 chars>   (classic: <KubeadmControlPlane>-<5 chars>)
//                      labels cluster.x-k8s.io/cluster-name: <cluster>, cluster.x-k8s.io/control-plane: ""
//                      required anti-affinity on kubernetes.io/hostname against the cluster's
//                      control-plane labels: at most one control-plane VM per host
//   pool VMs           <cluster>-<pool>-<5 chars>   (classic: <MachineDeployment>-<5 chars>)
//                      labels cluster.x-k8s.io/cluster-name: <cluster>,
//                             cluster.x-k8s.io/deployment-name: <cluster>-<pool> (classic: the MachineDeployment's name)
// owner `TanzuKubernetesCluster/<name>` or `Cluster/<name>`; the whole cluster is one gang,
// `TanzuKubernetesCluster <ns>/<name>` or `Cluster <ns>/<name>`, minMember = every VM of it. The
// 5 characters are derived from the cluster, pool and index (names.ts), never clashing with a VM
// name already in the namespace. A VM class that does not exist is an error at the field that
// named it (vmClass, the variable's value, or the template's className).
//
// VirtualMachines already in the input that carry cluster.x-k8s.io/cluster-name: <cluster> (a
// dump of the namespace) count toward the cluster: those with the control-plane label toward the
// control plane, the others toward the pool whose deployment-name they carry. Only the missing
// VMs are created; the existing ones join the gang (and, for the control plane, get its
// anti-affinity term).

import type { GangRef, IgnoredObject, PodAffinityTerm, SourceRef, VMObj } from '../../model/types.js';
import type { Field } from './fields.js';
import { splitApiVersion, type ObjectReader } from './meta.js';
import { generateNames } from './names.js';
import { setOrigin } from './origin.js';

export const CLUSTER_NAME_LABEL = 'cluster.x-k8s.io/cluster-name';
export const CONTROL_PLANE_LABEL = 'cluster.x-k8s.io/control-plane';
export const DEPLOYMENT_NAME_LABEL = 'cluster.x-k8s.io/deployment-name';
const HOSTNAME = 'kubernetes.io/hostname';
const VMOP_API_VERSION = 'vmoperator.vmware.com/v1alpha6';
const VMWARE_INFRA_GROUP = 'vmware.infrastructure.cluster.x-k8s.io';

export type GuestClusterKind = 'TanzuKubernetesCluster' | 'Cluster';

/** Where a VM class was named: the object and field a missing class is reported at. */
interface ClassRef {
  className: string;
  source: SourceRef;
  object: string;
  field: string;
}

interface Pool {
  controlPlane: boolean;
  /** Node pool / MachineDeployment name; '' for the control plane. */
  name: string;
  replicas: number;
  cls: ClassRef;
  /** generateName base of the pool's VMs. */
  namePrefix: string;
  /** cluster.x-k8s.io/deployment-name of worker VMs. */
  deploymentName?: string;
}

interface GuestCluster {
  kind: GuestClusterKind;
  namespace: string;
  name: string;
  pools: Pool[];
  order: number;
}

const classRef = (r: ObjectReader, f: Field, className: string): ClassRef => ({
  className,
  source: r.source,
  object: r.label,
  field: f.path,
});

function requireSet(f: Field): Field {
  if (!f.isSet) f.required();
  return f;
}

// ---------------------------------------------------------------- TanzuKubernetesCluster

export interface TkcRecord {
  cluster: GuestCluster;
}

export function readTanzuKubernetesCluster(r: ObjectReader, order: number): TkcRecord {
  const name = r.meta.name;
  const topo = requireSet(r.root.get('spec.topology'));
  const cp = requireSet(topo.at('controlPlane'));
  const pools: Pool[] = [];
  const worker = (pool: string, replicas: number, cls: ClassRef): Pool => ({
    controlPlane: false,
    name: pool,
    replicas,
    cls,
    namePrefix: `${name}-${pool}-`,
    deploymentName: `${name}-${pool}`,
  });
  const controlPlane = (replicas: number, cls: ClassRef): Pool => ({
    controlPlane: true,
    name: '',
    replicas,
    cls,
    namePrefix: `${name}-control-plane-`,
  });
  if (splitApiVersion(r.apiVersion).version === 'v1alpha1') {
    const settings = (f: Field): { count: number; cls: ClassRef } => {
      const count = requireSet(f.at('count')).optInt(0)!;
      const classField = f.at('class');
      const className = classField.string();
      f.at('storageClass').string();
      return { count, cls: classRef(r, classField, className) };
    };
    const c = settings(cp);
    pools.push(controlPlane(c.count, c.cls));
    const w = settings(requireSet(topo.at('workers')));
    pools.push(worker('workers', w.count, w.cls));
  } else {
    const settings = (f: Field): { replicas: number; cls: ClassRef } => {
      const replicas = f.at('replicas').optInt(0) ?? 1;
      const classField = f.at('vmClass');
      const className = classField.string();
      f.at('storageClass').string();
      return { replicas, cls: classRef(r, classField, className) };
    };
    const c = settings(cp);
    pools.push(controlPlane(c.replicas, c.cls));
    for (const np of requireSet(topo.at('nodePools')).items()) {
      const poolName = np.at('name').string();
      const s = settings(np);
      pools.push(worker(poolName, s.replicas, s.cls));
    }
  }
  return { cluster: { kind: 'TanzuKubernetesCluster', namespace: r.meta.namespace!, name, pools, order } };
}

// ---------------------------------------------------------------- Cluster API

interface ObjectRef {
  group: string;
  kind: string;
  name: string;
  /** The reference field (…Ref / …infrastructureRef). */
  field: Field;
}

function readRef(f: Field): ObjectRef {
  requireSet(f);
  return {
    group: splitApiVersion(f.at('apiVersion').stringOr('')).group,
    kind: f.at('kind').string(),
    name: f.at('name').string(),
    field: f,
  };
}

export interface CapiClusterRecord {
  reader: ObjectReader;
  namespace: string;
  name: string;
  order: number;
  /** Set when the Cluster has spec.topology. */
  topology?: GuestCluster;
  infrastructureRef?: ObjectRef;
  controlPlaneRef?: ObjectRef;
}

/** The value of the `vmClass` variable in a ClusterVariable list, with the field that holds it. */
function vmClassVariable(list: Field): { className: string; field: Field } | undefined {
  for (const v of list.items()) {
    if (v.at('name').optString() !== 'vmClass') continue;
    const field = v.at('value');
    return { className: field.string(), field };
  }
  return undefined;
}

function readTopology(r: ObjectReader, topo: Field, order: number): GuestCluster {
  const name = r.meta.name;
  const clusterVar = vmClassVariable(topo.at('variables'));
  const pick = (overrides: Field, missing: () => never): ClassRef => {
    const v = vmClassVariable(overrides) ?? clusterVar ?? missing();
    return classRef(r, v.field, v.className);
  };
  const cp = topo.at('controlPlane');
  const pools: Pool[] = [
    {
      controlPlane: true,
      name: '',
      replicas: cp.at('replicas').optInt(0) ?? 1,
      cls: pick(cp.get('variables.overrides'), () =>
        topo.at('variables').required('a vmClass variable naming the VM class of the control plane is required'),
      ),
      namePrefix: `${name}-control-plane-`,
    },
  ];
  const seen = new Set<string>();
  for (const md of topo.get('workers.machineDeployments').items()) {
    const nameField = md.at('name');
    const mdName = nameField.optString() ?? '';
    if (mdName === '') nameField.required('name must not be empty');
    if (seen.has(mdName))
      nameField.invalid(`name must be unique. MachineDeployment with name ${JSON.stringify(mdName)} is defined more than once`);
    seen.add(mdName);
    pools.push({
      controlPlane: false,
      name: mdName,
      replicas: md.at('replicas').optInt(0) ?? 1,
      cls: pick(md.get('variables.overrides'), () =>
        md.get('variables.overrides').required(`a vmClass variable naming the VM class of MachineDeployment ${mdName} is required`),
      ),
      namePrefix: `${name}-${mdName}-`,
      deploymentName: `${name}-${mdName}`,
    });
  }
  return { kind: 'Cluster', namespace: r.meta.namespace!, name, pools, order };
}

export function readCapiCluster(r: ObjectReader, order: number): CapiClusterRecord {
  const spec = r.root.at('spec');
  const topo = spec.at('topology');
  const base = { reader: r, namespace: r.meta.namespace!, name: r.meta.name, order };
  if (topo.isSet) return { ...base, topology: readTopology(r, topo, order) };
  const infra = spec.at('infrastructureRef');
  const cp = spec.at('controlPlaneRef');
  return { ...base, ...(infra.isSet && { infrastructureRef: readRef(infra) }), ...(cp.isSet && { controlPlaneRef: readRef(cp) }) };
}

export interface MachineSetRecord {
  reader: ObjectReader;
  kind: 'KubeadmControlPlane' | 'MachineDeployment';
  namespace: string;
  name: string;
  /** MachineDeployment spec.clusterName. */
  clusterName?: string;
  replicas: number;
  infrastructureRef: ObjectRef;
}

export function readKubeadmControlPlane(r: ObjectReader): MachineSetRecord {
  const spec = r.root.at('spec');
  return {
    reader: r,
    kind: 'KubeadmControlPlane',
    namespace: r.meta.namespace!,
    name: r.meta.name,
    replicas: spec.at('replicas').optInt(0) ?? 1,
    infrastructureRef: readRef(spec.get('machineTemplate.infrastructureRef')),
  };
}

export function readMachineDeployment(r: ObjectReader): MachineSetRecord {
  const spec = r.root.at('spec');
  return {
    reader: r,
    kind: 'MachineDeployment',
    namespace: r.meta.namespace!,
    name: r.meta.name,
    clusterName: spec.at('clusterName').string(),
    replicas: spec.at('replicas').optInt(0) ?? 1,
    infrastructureRef: readRef(spec.get('template.spec.infrastructureRef')),
  };
}

export interface MachineTemplateRecord {
  reader: ObjectReader;
  namespace: string;
  name: string;
  cls: ClassRef;
}

export function readVSphereMachineTemplate(r: ObjectReader): MachineTemplateRecord {
  const f = r.root.get('spec.template.spec.className');
  return { reader: r, namespace: r.meta.namespace!, name: r.meta.name, cls: classRef(r, f, f.string()) };
}

// ---------------------------------------------------------------- expansion

export interface GuestClusterInput {
  tkcs: TkcRecord[];
  clusters: CapiClusterRecord[];
  machineSets: MachineSetRecord[];
  templates: MachineTemplateRecord[];
}

type Ignored = IgnoredObject;

/** A guest-cluster object that turned out to carry nothing to place. */
function ignoredPart(r: ObjectReader, namespace: string, name: string, why: string): Ignored {
  return { kind: r.kind, apiVersion: r.apiVersion, name: `${namespace}/${name}`, source: r.source, why };
}

const key = (ns: string, name: string): string => `${ns}\u0000${name}`;

function missing(ref: ObjectRef, kind: string, ns: string): never {
  return ref.field.at('name').fail(`no ${kind} with name ${ref.name} was found in namespace ${ns}`);
}

/** A classic Cluster's pools, from its KubeadmControlPlane and MachineDeployments. */
function classicCluster(c: CapiClusterRecord, input: GuestClusterInput, used: Set<object>): GuestCluster {
  const templates = new Map(input.templates.map((t) => [key(t.namespace, t.name), t]));
  const templateOf = (ms: MachineSetRecord): MachineTemplateRecord => {
    const ref = ms.infrastructureRef;
    if (ref.kind !== 'VSphereMachineTemplate') ref.field.at('kind').unsupported(['VSphereMachineTemplate']);
    if (ref.group !== VMWARE_INFRA_GROUP) ref.field.at('apiVersion').unsupported([`${VMWARE_INFRA_GROUP}/v1beta1`]);
    const t = templates.get(key(ms.namespace, ref.name)) ?? missing(ref, 'VSphereMachineTemplate', ms.namespace);
    used.add(t);
    return t;
  };
  const pools: Pool[] = [];
  const cpRef = c.controlPlaneRef;
  if (cpRef) {
    if (cpRef.kind !== 'KubeadmControlPlane') cpRef.field.at('kind').unsupported(['KubeadmControlPlane']);
    const kcp =
      input.machineSets.find((m) => m.kind === 'KubeadmControlPlane' && m.namespace === c.namespace && m.name === cpRef.name) ??
      missing(cpRef, 'KubeadmControlPlane', c.namespace);
    used.add(kcp);
    pools.push({ controlPlane: true, name: '', replicas: kcp.replicas, cls: templateOf(kcp).cls, namePrefix: `${kcp.name}-` });
  }
  for (const md of input.machineSets) {
    if (md.kind !== 'MachineDeployment' || md.namespace !== c.namespace || md.clusterName !== c.name) continue;
    used.add(md);
    pools.push({
      controlPlane: false,
      name: md.name,
      replicas: md.replicas,
      cls: templateOf(md).cls,
      namePrefix: `${md.name}-`,
      deploymentName: md.name,
    });
  }
  return { kind: 'Cluster', namespace: c.namespace, name: c.name, pools, order: c.order };
}

function controlPlaneTerm(cluster: string): PodAffinityTerm {
  return {
    labelSelector: {
      matchLabels: new Map([
        [CLUSTER_NAME_LABEL, cluster],
        [CONTROL_PLANE_LABEL, ''],
      ]),
      matchExpressions: [],
    },
    namespaces: [],
    namespaceSelector: null,
    topologyKey: HOSTNAME,
  };
}

function addControlPlaneTerm(vm: VMObj, cluster: string): void {
  const anti = vm.podAntiAffinity ?? { required: [], preferred: [] };
  vm.podAntiAffinity = { required: [...anti.required, controlPlaneTerm(cluster)], preferred: anti.preferred };
}

/**
 * The guest clusters of the input → new VirtualMachines (to append to `vms`), plus the objects
 * that turned out to carry nothing to place. VMs of `vms` that belong to a cluster are updated in
 * place (owner, gang, control-plane anti-affinity).
 */
export function expandGuestClusters(input: GuestClusterInput, vms: readonly VMObj[]): { vms: VMObj[]; ignored: Ignored[] } {
  const ignored: Ignored[] = [];
  const tkcKeys = new Set(input.tkcs.map((t) => key(t.cluster.namespace, t.cluster.name)));
  const used = new Set<object>();
  const clusters: GuestCluster[] = input.tkcs.map((t) => t.cluster);
  for (const c of input.clusters) {
    const ownedByTkc =
      c.reader.meta.ownerReferences.some((o) => o.kind === 'TanzuKubernetesCluster') || tkcKeys.has(key(c.namespace, c.name));
    if (ownedByTkc)
      ignored.push(ignoredPart(c.reader, c.namespace, c.name, "a TanzuKubernetesCluster's own Cluster API object (the TKC is placed)"));
    else if (c.topology) clusters.push(c.topology);
    else if (c.infrastructureRef?.group === VMWARE_INFRA_GROUP && c.infrastructureRef.kind === 'VSphereCluster')
      clusters.push(classicCluster(c, input, used));
    else
      ignored.push(
        ignoredPart(
          c.reader,
          c.namespace,
          c.name,
          'not a guest cluster of the supervisor (neither a ClusterClass topology nor a VSphereCluster)',
        ),
      );
  }
  for (const o of [...input.machineSets, ...input.templates]) {
    if (!used.has(o)) ignored.push(ignoredPart(o.reader, o.namespace, o.name, 'no guest cluster in the input uses it'));
  }
  clusters.sort((a, b) => a.order - b.order);

  const taken = new Map<string, Set<string>>();
  for (const vm of vms) {
    if (!taken.has(vm.namespace)) taken.set(vm.namespace, new Set());
    taken.get(vm.namespace)!.add(vm.name);
  }
  const out: VMObj[] = [];
  for (const gc of clusters) {
    const ns = gc.namespace;
    if (!taken.has(ns)) taken.set(ns, new Set());
    const mine = vms.filter((v) => v.namespace === ns && v.labels.get(CLUSTER_NAME_LABEL) === gc.name);
    const members: { vm: VMObj; controlPlane: boolean }[] = [];
    for (const pool of gc.pools) {
      const existing = mine.filter((v) =>
        pool.controlPlane
          ? v.labels.has(CONTROL_PLANE_LABEL)
          : !v.labels.has(CONTROL_PLANE_LABEL) && v.labels.get(DEPLOYMENT_NAME_LABEL) === pool.deploymentName,
      );
      for (const vm of existing) members.push({ vm, controlPlane: pool.controlPlane });
      const count = Math.max(0, pool.replicas - existing.length);
      const seed = `${gc.kind}/${ns}/${gc.name}/${pool.controlPlane ? 'control-plane' : pool.name}`;
      for (const name of generateNames(pool.namePrefix, count, taken.get(ns)!, (i) => `${seed}/${i}`)) {
        const labels = new Map([[CLUSTER_NAME_LABEL, gc.name]]);
        if (pool.controlPlane) labels.set(CONTROL_PLANE_LABEL, '');
        else labels.set(DEPLOYMENT_NAME_LABEL, pool.deploymentName!);
        const vm: VMObj = {
          name,
          namespace: ns,
          apiVersion: VMOP_API_VERSION,
          className: pool.cls.className,
          size: {},
          requestsMHz: {},
          limitsMHz: {},
          labels,
          source: pool.cls.source,
        };
        out.push(setOrigin(vm, { object: pool.cls.object, fields: { className: pool.cls.field } }));
        members.push({ vm, controlPlane: pool.controlPlane });
      }
    }
    const gang: GangRef = { name: `${gc.kind} ${ns}/${gc.name}`, minMember: members.length };
    for (const { vm, controlPlane } of members) {
      vm.owner = `${gc.kind}/${gc.name}`;
      vm.gang = gang;
      if (controlPlane) addControlPlaneTerm(vm, gc.name);
    }
  }
  return { vms: out, ignored };
}
