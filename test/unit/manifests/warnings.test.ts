// What placer reads and does not use is said (service/manifests/warnings.ts): one line per kind
// for kinds Kubernetes or a CRD of the input defines, one line per object for kinds nobody
// defines (a typo), pod-spec fields placer does not apply, and Nodes without `pods`.

import { describe, expect, it } from 'vitest';
import { manifestWarnings, type ManifestWarning } from '../../../service/manifests/warnings.js';
import { parseManifests, parseText } from '../../../service/manifests/index.js';

function warnings(yaml: string): ManifestWarning[] {
  const manifests = parseText(yaml, 'in.yaml');
  return manifestWarnings(manifests, parseManifests(manifests).ignored);
}

const pod = (name: string, spec = '') => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: a}
spec:
  containers: [{name: c, image: x}]
${spec}`;

const deployment = (spec: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: a}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: c, image: x}]
${spec}`;

const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: certificates.cert-manager.io}
spec: {group: cert-manager.io, names: {kind: Certificate, plural: certificates}, scope: Namespaced}`;

const cases: { name: string; docs: string[]; want: ManifestWarning[] }[] = [
  { name: 'nothing ignored: no warning', docs: [pod('p')], want: [] },
  {
    name: 'built-in kinds: one line per kind and apiVersion, counted',
    docs: [
      'apiVersion: v1\nkind: Service\nmetadata: {name: a}',
      'apiVersion: v1\nkind: Service\nmetadata: {name: b}',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}',
    ],
    want: [
      { text: 'ignored 2 objects of kind Service (v1); placer does not read this kind', unknown: false },
      { text: 'ignored 1 object of kind ConfigMap (v1); placer does not read this kind', unknown: false },
    ],
  },
  {
    name: 'a typo in a kind: named by file, document and kind, with the kind meant',
    docs: [pod('p'), 'apiVersion: apps/v1\nkind: Deploymnet\nmetadata: {name: web, namespace: a}\nspec: {replicas: 3}'],
    want: [
      {
        text: 'in.yaml: document 2: ignored an object of unknown kind Deploymnet (apps/v1) named a/web: neither placer, Kubernetes nor a CustomResourceDefinition in the input defines it (did you mean Deployment?)',
        unknown: true,
      },
    ],
  },
  {
    name: 'a kind placer reads, in a group it does not (KubeVirt): unknown, no suggestion of itself',
    docs: ['apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata: {name: kv, namespace: x}'],
    want: [
      {
        text: 'in.yaml: document 1: ignored an object of unknown kind VirtualMachine (kubevirt.io/v1) named x/kv: neither placer, Kubernetes nor a CustomResourceDefinition in the input defines it (did you mean VirtualMachine?)',
        unknown: true,
      },
    ],
  },
  {
    name: 'a custom resource whose CRD is in the input: counted like a built-in',
    docs: [crd, 'apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: c, namespace: a}'],
    want: [
      {
        text: 'ignored 1 object of kind CustomResourceDefinition (apiextensions.k8s.io/v1); placer does not read this kind',
        unknown: false,
      },
      { text: 'ignored 1 object of kind Certificate (cert-manager.io/v1); placer does not read this kind', unknown: false },
    ],
  },
  {
    name: 'the same custom resource without its CRD: unknown',
    docs: ['apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: c, namespace: a}'],
    want: [
      {
        text: 'in.yaml: document 1: ignored an object of unknown kind Certificate (cert-manager.io/v1) named a/c: neither placer, Kubernetes nor a CustomResourceDefinition in the input defines it',
        unknown: true,
      },
    ],
  },
  {
    name: 'Succeeded and Failed pods: counted with the reason',
    docs: [pod('done', 'status: {phase: Succeeded}'), pod('crashed', 'status: {phase: Failed}')],
    want: [{ text: 'ignored 2 objects of kind Pod (v1); Succeeded or Failed pods hold no capacity', unknown: false }],
  },
  {
    name: 'scheduling gates, another scheduler, host ports: one line per object and field',
    docs: [
      pod('gated', '  schedulingGates: [{name: wait}]'),
      deployment('      schedulerName: volcano\n      initContainers: [{name: i, image: x, ports: [{containerPort: 1, hostPort: 9000}]}]'),
    ],
    want: [
      {
        text: 'in.yaml: document 1 (Pod a/gated): spec.schedulingGates: ignored: kube-scheduler leaves a pod with scheduling gates Pending until they are removed; placer places it as if it had none',
        unknown: false,
      },
      {
        text: 'in.yaml: document 2 (Deployment a/web): spec.template.spec.schedulerName: ignored: "volcano" is not kube-scheduler\'s default-scheduler, which would leave the pod to that scheduler; placer places it all the same',
        unknown: false,
      },
      {
        text: "in.yaml: document 2 (Deployment a/web): spec.template.spec.containers[].ports[].hostPort: ignored: placer does not check host ports (kube-scheduler's NodePorts filter): two pods wanting the same port may share a host",
        unknown: false,
      },
    ],
  },
  {
    name: "a Node without pods: the kubelet's 110 assumed, kube-scheduler's 0 named",
    docs: [
      'apiVersion: v1\nkind: Node\nmetadata: {name: bare}\nstatus: {allocatable: {cpu: "4", memory: 4Gi}}',
      'apiVersion: v1\nkind: Node\nmetadata: {name: listed}\nstatus: {allocatable: {cpu: "4"}, capacity: {pods: "10"}}',
      'apiVersion: v1\nkind: Node\nmetadata: {name: full}\nstatus: {allocatable: {cpu: "4", pods: "110"}}',
    ],
    want: [
      {
        text: "in.yaml: document 1 (Node bare): status.allocatable.pods: not given (nor in status.capacity); placer assumes the kubelet's default of 110 pods, where kube-scheduler reads 0 and places no pod there (Too many pods)",
        unknown: false,
      },
    ],
  },
  {
    name: 'default-scheduler, empty gates and container ports without hostPort change nothing',
    docs: [pod('p', '  schedulerName: default-scheduler\n  schedulingGates: []'), deployment('      hostNetwork: false')],
    want: [],
  },
];

describe('manifestWarnings', () => {
  it.each(cases)('$name', ({ docs, want }) => {
    expect(warnings(docs.join('\n---\n'))).toEqual(want);
  });

  it('stops listing objects of one unknown kind after ten, and counts the rest', () => {
    const docs = Array.from({ length: 25 }, (_, i) => `apiVersion: v1\nkind: Pdo\nmetadata: {name: p${i}, namespace: a}`);
    const w = warnings(docs.join('\n---\n'));
    expect(w).toHaveLength(11);
    expect(w.every((x) => x.unknown)).toBe(true);
    expect(w[0].text).toContain('in.yaml: document 1: ignored an object of unknown kind Pdo (v1) named a/p0');
    expect(w[0].text).toContain('(did you mean Pod?)');
    expect(w[10].text).toBe('... and 15 more objects like the above (Pdo (v1); objects of unknown kind)');
  });
});
