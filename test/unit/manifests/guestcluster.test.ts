// Guest clusters (TanzuKubernetesCluster, Cluster API Cluster) expanded into VirtualMachines:
// names, labels, the control plane's anti-affinity, the gang, and the class each VM resolves to.

import { describe, expect, it } from 'vitest';
import type { PodAffinityTerm, WorkloadTemplate } from '../../../model/types.js';
import {
  capiCluster,
  classicCluster,
  inputErrorOf,
  kubeadmControlPlane,
  machineDeployment,
  parseObjects,
  resolveObjects,
  tkc,
  tkcV1alpha1,
  vm,
  vmClass,
  vsphereMachineTemplate,
} from '../../fixtures/k8s.js';

const Gi = 1024n ** 3n;
const SUFFIX = '[bcdfghjklmnpqrstvwxz2456789]{5}';
const CLUSTER = 'cluster.x-k8s.io/cluster-name';
const CP = 'cluster.x-k8s.io/control-plane';
const MD = 'cluster.x-k8s.io/deployment-name';

const classes = (ns: string): Record<string, unknown>[] => [
  vmClass('guaranteed-medium').ns(ns).hardware(2, '8Gi').reservation({ cpu: '2', memory: '8Gi' }).obj(),
  vmClass('best-effort-large').ns(ns).hardware(4, '16Gi').obj(),
  vmClass('gpu-xlarge').ns(ns).hardware(8, '64Gi').vgpus('grid_a100-8c').obj(),
];
const names = (ws: WorkloadTemplate[]): string[] => ws.map((w) => w.instances[0]!.name);
const controlPlaneTerm = (cluster: string): PodAffinityTerm => ({
  labelSelector: {
    matchLabels: new Map([
      [CLUSTER, cluster],
      [CP, ''],
    ]),
    matchExpressions: [],
  },
  namespaces: [],
  namespaceSelector: null,
  topologyKey: 'kubernetes.io/hostname',
});

describe('TanzuKubernetesCluster', () => {
  const cluster = tkc('tkc-a')
    .ns('team-a')
    .nodePool('np-1', 2, 'best-effort-large')
    .nodePool('gpu', 1, 'gpu-xlarge', { labels: { accelerator: 'a100' } });

  it('expands into control-plane and node-pool VMs resolved through their classes', () => {
    const ws = resolveObjects([...classes('team-a'), cluster.obj()]).workloads;
    expect(names(ws).map((n) => n.replace(new RegExp(`${SUFFIX}$`), '*'))).toEqual([
      'tkc-a-control-plane-*',
      'tkc-a-control-plane-*',
      'tkc-a-control-plane-*',
      'tkc-a-np-1-*',
      'tkc-a-np-1-*',
      'tkc-a-gpu-*',
    ]);
    expect(new Set(names(ws)).size).toBe(6);
    expect(ws.every((w) => w.kind === 'VirtualMachine' && w.namespace === 'team-a' && w.owner === 'TanzuKubernetesCluster/tkc-a')).toBe(
      true,
    );
    expect(ws.every((w) => w.gang !== undefined && w.gang.name === 'TanzuKubernetesCluster team-a/tkc-a' && w.gang.minMember === 6)).toBe(
      true,
    );
    expect(ws.map((w) => Object.fromEntries(w.requests))).toEqual([
      ...Array(3).fill({ cpu: 2000n, memory: 8n * Gi }),
      ...Array(2).fill({ cpu: 4000n, memory: 16n * Gi }),
      { cpu: 8000n, memory: 64n * Gi, 'nvidia.com/gpu': 1n },
    ]);
  });

  it('labels the VMs as Cluster API does; control-plane VMs are anti-affine on hostname', () => {
    const ws = resolveObjects([...classes('team-a'), cluster.obj()]).workloads;
    const [cp, , , np] = ws;
    expect(cp!.labels).toEqual(
      new Map([
        [CLUSTER, 'tkc-a'],
        [CP, ''],
      ]),
    );
    expect(np!.labels).toEqual(
      new Map([
        [CLUSTER, 'tkc-a'],
        [MD, 'tkc-a-np-1'],
      ]),
    );
    expect(cp!.podAntiAffinity).toEqual({ required: [controlPlaneTerm('tkc-a')], preferred: [] });
    expect(np!.podAntiAffinity).toEqual({ required: [], preferred: [] });
    expect(cp!.podAffinity).toEqual({ required: [], preferred: [] });
    expect(cp!.topologySpread).toEqual([]);
  });

  it('names are deterministic', () => {
    const a = names(resolveObjects([...classes('team-a'), cluster.obj()]).workloads);
    expect(names(resolveObjects([...classes('team-a'), cluster.obj()]).workloads)).toEqual(a);
  });

  it('an absent replicas is 1 for the control plane and for a node pool', () => {
    const c = tkc('small').ns('team-a').controlPlane({ replicas: undefined }).nodePool('np', undefined, 'best-effort-large');
    expect(names(resolveObjects([...classes('team-a'), c.obj()]).workloads).map((n) => n.slice(0, -6))).toEqual([
      'small-control-plane',
      'small-np',
    ]);
  });

  it.each(['v1alpha2', 'v1alpha3'])('reads %s', (v) => {
    const ws = resolveObjects([...classes('team-a'), tkc('c', v).ns('team-a').nodePool('np', 1, 'best-effort-large').obj()]).workloads;
    expect(ws).toHaveLength(4);
  });

  it('reads v1alpha1 (count/class, one "workers" pool)', () => {
    const c = tkcV1alpha1('old', { count: 1, class: 'guaranteed-medium' }, { count: 2, class: 'best-effort-large' }).ns('team-a');
    const ws = resolveObjects([...classes('team-a'), c.obj()]).workloads;
    expect(names(ws).map((n) => n.slice(0, -6))).toEqual(['old-control-plane', 'old-workers', 'old-workers']);
    expect(ws[1]!.labels.get(MD)).toBe('old-workers');
    expect(ws[0]!.gang).toEqual({ name: 'TanzuKubernetesCluster team-a/old', minMember: 3 });
  });

  it('existing VMs of the cluster count toward it and join its gang', () => {
    const existing = (name: string, labels: Record<string, string>, cls: string) =>
      vm(name)
        .ns('team-a')
        .labels({ [CLUSTER]: 'tkc-a', ...labels })
        .className(cls)
        .status({ nodeName: 'hv-1' });
    const ws = resolveObjects([
      ...classes('team-a'),
      existing('tkc-a-control-plane-abcde', { [CP]: '' }, 'guaranteed-medium').obj(),
      existing('tkc-a-np-1-abcde', { [MD]: 'tkc-a-np-1' }, 'best-effort-large').obj(),
      cluster.obj(),
    ]).workloads;
    expect(names(ws)[0]).toBe('tkc-a-control-plane-abcde');
    expect(names(ws)[1]).toBe('tkc-a-np-1-abcde');
    // 3 + 2 + 1 VMs in all: 2 exist, 4 are created
    expect(ws).toHaveLength(6);
    expect(ws.filter((w) => w.labels.has(CP))).toHaveLength(3);
    expect(ws[0]!.instances[0]!.boundHost).toBe('hv-1');
    expect(ws[0]!.gang).toEqual({ name: 'TanzuKubernetesCluster team-a/tkc-a', minMember: 6 });
    expect(ws[0]!.owner).toBe('TanzuKubernetesCluster/tkc-a');
    expect(ws[0]!.podAntiAffinity!.required).toEqual([controlPlaneTerm('tkc-a')]);
  });

  const TOPO = 'spec.topology';
  it.each<[string, Record<string, unknown>, string]>([
    [
      'a missing control-plane class',
      tkc('c').ns('team-a').controlPlane({ vmClass: 'nope' }).obj(),
      `${TOPO}.controlPlane.vmClass: no VirtualMachineClass with name nope was found in namespace team-a or cluster-wide`,
    ],
    [
      'a missing node-pool class',
      tkc('c').ns('team-a').nodePool('a', 1, 'best-effort-large').nodePool('b', 1, 'huge').obj(),
      `${TOPO}.nodePools[1].vmClass: no VirtualMachineClass with name huge was found in namespace team-a or cluster-wide`,
    ],
    ['no topology', tkc('c').ns('team-a').without('spec', 'topology').obj(), `${TOPO}: Required value`],
    ['no nodePools', tkc('c').ns('team-a').without('spec', 'topology', 'nodePools').obj(), `${TOPO}.nodePools: Required value`],
    ['a pool without vmClass', tkc('c').ns('team-a').nodePool('np', 1, '').obj(), `${TOPO}.nodePools[0].vmClass: Required value`],
    ['a pool without name', tkc('c').ns('team-a').nodePool('', 1, 'best-effort-large').obj(), `${TOPO}.nodePools[0].name: Required value`],
    [
      'no storageClass',
      tkc('c').ns('team-a').controlPlane({ storageClass: null }).obj(),
      `${TOPO}.controlPlane.storageClass: Required value`,
    ],
    [
      'negative replicas',
      tkc('c').ns('team-a').controlPlane({ replicas: -1 }).obj(),
      `${TOPO}.controlPlane.replicas: Invalid value: -1: must be greater than or equal to 0`,
    ],
    [
      'v1alpha1 without count',
      tkcV1alpha1('c', { count: 1, class: 'guaranteed-medium' }, { count: 1, class: 'x' })
        .ns('team-a')
        .patch({ spec: { topology: { workers: { count: null } } } })
        .obj(),
      `${TOPO}.workers.count: Required value`,
    ],
  ])('rejects %s', (_name, obj, tail) => {
    expect(inputErrorOf(() => resolveObjects([...classes('team-a'), obj]))).toBe(
      `test.yaml: document 4 (TanzuKubernetesCluster team-a/c): ${tail}`,
    );
  });
});

describe('Cluster API Cluster with a ClusterClass topology', () => {
  it('takes the vmClass variable, overridden per MachineDeployment and for the control plane', () => {
    const c = capiCluster('vks-1')
      .ns('team-b')
      .controlPlane({ replicas: 1 })
      .machineDeployment('np-default', 2)
      .machineDeployment('np-big', 1, 'best-effort-large');
    const ws = resolveObjects([...classes('team-b'), c.obj()]).workloads;
    expect(names(ws).map((n) => n.slice(0, -6))).toEqual(['vks-1-control-plane', 'vks-1-np-default', 'vks-1-np-default', 'vks-1-np-big']);
    expect(ws.map((w) => w.requests.get('cpu'))).toEqual([2000n, 2000n, 2000n, 4000n]);
    expect(ws.map((w) => w.labels.get(MD))).toEqual([undefined, 'vks-1-np-default', 'vks-1-np-default', 'vks-1-np-big']);
    expect(ws.every((w) => w.owner === 'Cluster/vks-1' && w.gang?.name === 'Cluster team-b/vks-1' && w.gang.minMember === 4)).toBe(true);
    expect(ws[0]!.podAntiAffinity!.required).toEqual([controlPlaneTerm('vks-1')]);

    const cpOverride = c.controlPlane({ variables: { overrides: [{ name: 'vmClass', value: 'best-effort-large' }] } });
    expect(resolveObjects([...classes('team-b'), cpOverride.obj()]).workloads[0]!.requests.get('cpu')).toBe(4000n);
  });

  it('an absent replicas is 1', () => {
    const c = capiCluster('c').ns('team-b').controlPlane({ replicas: undefined }).machineDeployment('np', undefined);
    expect(resolveObjects([...classes('team-b'), c.obj()]).workloads).toHaveLength(2);
  });

  const TOPO = 'spec.topology';
  it.each<[string, Record<string, unknown>, string]>([
    [
      'no vmClass variable for the control plane',
      capiCluster('c').ns('team-b').variables({ name: 'storageClass', value: 'vsan-default' }).obj(),
      `${TOPO}.variables: Required value: a vmClass variable naming the VM class of the control plane is required`,
    ],
    [
      'no vmClass for a MachineDeployment',
      capiCluster('c')
        .ns('team-b')
        .controlPlane({ variables: { overrides: [{ name: 'vmClass', value: 'guaranteed-medium' }] } })
        .variables()
        .machineDeployment('np', 1)
        .obj(),
      `${TOPO}.workers.machineDeployments[0].variables.overrides: Required value: a vmClass variable naming the VM class of MachineDeployment np is required`,
    ],
    [
      'a missing class in the cluster variable',
      capiCluster('c').ns('team-b').variables({ name: 'vmClass', value: 'gone' }).obj(),
      `${TOPO}.variables[0].value: no VirtualMachineClass with name gone was found in namespace team-b or cluster-wide`,
    ],
    [
      'a missing class in an override',
      capiCluster('c').ns('team-b').machineDeployment('np', 1, 'gone').obj(),
      `${TOPO}.workers.machineDeployments[0].variables.overrides[0].value: no VirtualMachineClass with name gone was found in namespace team-b or cluster-wide`,
    ],
    [
      'a vmClass that is not a string',
      capiCluster('c').ns('team-b').variables({ name: 'vmClass', value: 4 }).obj(),
      `${TOPO}.variables[0].value: Invalid value: 4: must be a string`,
    ],
    [
      'a MachineDeployment without name',
      capiCluster('c').ns('team-b').machineDeployment('', 1).obj(),
      `${TOPO}.workers.machineDeployments[0].name: Required value: name must not be empty`,
    ],
    [
      'two MachineDeployments with one name',
      capiCluster('c').ns('team-b').machineDeployment('np', 1).machineDeployment('np', 2).obj(),
      `${TOPO}.workers.machineDeployments[1].name: Invalid value: "np": name must be unique. MachineDeployment with name "np" is defined more than once`,
    ],
  ])('rejects %s', (_name, obj, tail) => {
    expect(inputErrorOf(() => resolveObjects([...classes('team-b'), obj]))).toBe(`test.yaml: document 4 (Cluster team-b/c): ${tail}`);
  });

  it('does not read cluster.x-k8s.io/v1beta2', () => {
    expect(inputErrorOf(() => parseObjects([capiCluster('c').patch({ apiVersion: 'cluster.x-k8s.io/v1beta2' }).obj()]))).toBe(
      'test.yaml: document 1 (Cluster): apiVersion: no matches for kind "Cluster" in version "cluster.x-k8s.io/v1beta2" (served: cluster.x-k8s.io/v1beta1)',
    );
  });

  it('skips the Cluster API object of a TanzuKubernetesCluster (the TKC is expanded once)', () => {
    const owned = capiCluster('tkc-a').ns('team-b').ownedBy('TanzuKubernetesCluster', 'tkc-a', 'u1', 'run.tanzu.vmware.com/v1alpha3');
    const parsed = parseObjects([...classes('team-b'), tkc('tkc-a').ns('team-b').obj(), owned.obj()]);
    expect(parsed.vms).toHaveLength(3);
    expect(parsed.vms.every((v) => v.owner === 'TanzuKubernetesCluster/tkc-a')).toBe(true);
    expect(parsed.ignored.map((i) => `${i.kind} ${i.name}`)).toEqual(['Cluster team-b/tkc-a']);
  });
});

describe('classic Cluster API on the supervisor', () => {
  const objs = (): Record<string, unknown>[] => [
    ...classes('team-c'),
    classicCluster('cl').ns('team-c').obj(),
    kubeadmControlPlane('cl-control-plane', 3, 'cl-cp').ns('team-c').obj(),
    machineDeployment('cl-md-0', 'cl', 2, 'cl-worker').ns('team-c').obj(),
    vsphereMachineTemplate('cl-cp', 'guaranteed-medium').ns('team-c').obj(),
    vsphereMachineTemplate('cl-worker', 'best-effort-large').ns('team-c').obj(),
  ];

  it('expands KubeadmControlPlane and MachineDeployments through their VSphereMachineTemplates', () => {
    const ws = resolveObjects(objs()).workloads;
    expect(names(ws).map((n) => n.slice(0, -6))).toEqual([
      'cl-control-plane',
      'cl-control-plane',
      'cl-control-plane',
      'cl-md-0',
      'cl-md-0',
    ]);
    expect(ws.map((w) => w.requests.get('cpu'))).toEqual([2000n, 2000n, 2000n, 4000n, 4000n]);
    expect(ws[3]!.labels).toEqual(
      new Map([
        [CLUSTER, 'cl'],
        [MD, 'cl-md-0'],
      ]),
    );
    expect(ws.every((w) => w.owner === 'Cluster/cl' && w.gang?.minMember === 5)).toBe(true);
    expect(ws[0]!.podAntiAffinity!.required).toEqual([controlPlaneTerm('cl')]);
    expect(parseObjects(objs()).ignored).toEqual([]);
  });

  it('ignores Clusters of other infrastructure providers and unused machine objects', () => {
    const docker = classicCluster('dev')
      .ns('team-c')
      .patch({
        spec: { infrastructureRef: { apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta1', kind: 'DockerCluster', name: 'dev' } },
      });
    const orphan = machineDeployment('other-md', 'elsewhere', 1, 'cl-worker').ns('team-c');
    const parsed = parseObjects([docker.obj(), orphan.obj()]);
    expect(parsed.vms).toEqual([]);
    expect(parsed.ignored.map((i) => `${i.kind} ${i.name}`)).toEqual(['Cluster team-c/dev', 'MachineDeployment team-c/other-md']);
  });

  it.each<[string, (o: Record<string, unknown>[]) => Record<string, unknown>[], string]>([
    [
      'a missing KubeadmControlPlane',
      (o) => o.filter((x) => x.kind !== 'KubeadmControlPlane'),
      'test.yaml: document 4 (Cluster team-c/cl): spec.controlPlaneRef.name: no KubeadmControlPlane with name cl-control-plane was found in namespace team-c',
    ],
    [
      'a missing VSphereMachineTemplate',
      (o) => o.filter((x) => (x.metadata as { name: string }).name !== 'cl-worker'),
      'test.yaml: document 6 (MachineDeployment team-c/cl-md-0): spec.template.spec.infrastructureRef.name: no VSphereMachineTemplate with name cl-worker was found in namespace team-c',
    ],
    [
      'a missing class in a template',
      (o) => [...o.slice(0, 7), vsphereMachineTemplate('cl-worker', 'gone').ns('team-c').obj()],
      'test.yaml: document 8 (VSphereMachineTemplate team-c/cl-worker): spec.template.spec.className: no VirtualMachineClass with name gone was found in namespace team-c or cluster-wide',
    ],
    [
      'a template without className',
      (o) => [...o.slice(0, 7), vsphereMachineTemplate('cl-worker', '').ns('team-c').obj()],
      'test.yaml: document 8 (VSphereMachineTemplate team-c/cl-worker): spec.template.spec.className: Required value',
    ],
    [
      'a control plane of another kind',
      (o) =>
        o.map((x) =>
          x.kind === 'Cluster' ? { ...x, spec: { ...(x.spec as object), controlPlaneRef: { kind: 'K3sControlPlane', name: 'k' } } } : x,
        ),
      'test.yaml: document 4 (Cluster team-c/cl): spec.controlPlaneRef.kind: Unsupported value: "K3sControlPlane": supported values: "KubeadmControlPlane"',
    ],
  ])('rejects %s', (_name, edit, message) => {
    expect(inputErrorOf(() => resolveObjects(edit(objs())))).toBe(message);
  });
});
