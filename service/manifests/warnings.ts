// Warnings: everything placer read and does not use is said, never silently dropped.
//
//   - objects of a kind placer does not read: one line per kind and apiVersion with the count
//     (`ignored 3 objects of kind Service (v1): placer does not read this kind`) when the kind is
//     a Kubernetes built-in, or a custom resource whose CustomResourceDefinition is in the input;
//   - objects of a kind nobody defines (a typo, `kind: Deploymnet`, or a CRD's kind without its
//     definition): one line per object naming the file, the document and the kind, with the
//     nearest kind placer reads when one is close. `unknown: true` marks them: `--strict` refuses;
//   - objects read and then set aside (Succeeded pods, guest-cluster parts no cluster uses): one
//     line per kind and reason;
//   - fields that change where kube-scheduler would put a pod and that placer does not apply
//     (scheduling gates, another scheduler, host ports): one line per object and field;
//   - a Node without `pods` in status.allocatable or status.capacity: placer assumes the kubelet's
//     default of 110 where kube-scheduler reads 0 (no pod fits): one line per Node, naming both.
//
// Lines about single objects stop after MAX_PER_GROUP of a kind or field, with a count of the rest,
// so that a million typo'd objects give a readable answer. Order is the input's: the same input
// always gives the same warnings.

import type { IgnoredObject } from '../../model/types.js';
import { isPlainObject } from './fields.js';
import type { Manifest } from './load.js';
import { KINDS, splitApiVersion } from './meta.js';
import { UNREAD } from './parse.js';

export interface ManifestWarning {
  text: string;
  /** An object of a kind that neither Kubernetes nor placer nor a CRD in the input defines. */
  unknown: boolean;
}

/** Lines about single objects of one kind (or one field) before the rest are counted. */
export const MAX_PER_GROUP = 10;

/** The kinds Kubernetes serves itself, by API group, that placer does not read. */
const BUILT_IN: Readonly<Record<string, readonly string[]>> = {
  '': [
    'Binding',
    'ComponentStatus',
    'ConfigMap',
    'Endpoints',
    'Event',
    'LimitRange',
    'PersistentVolume',
    'PersistentVolumeClaim',
    'PodTemplate',
    'ReplicationController',
    'Secret',
    'Service',
    'ServiceAccount',
  ],
  'admissionregistration.k8s.io': [
    'MutatingWebhookConfiguration',
    'ValidatingWebhookConfiguration',
    'ValidatingAdmissionPolicy',
    'ValidatingAdmissionPolicyBinding',
  ],
  'apiextensions.k8s.io': ['CustomResourceDefinition'],
  'apiregistration.k8s.io': ['APIService'],
  apps: ['ControllerRevision', 'DaemonSet'],
  autoscaling: ['HorizontalPodAutoscaler'],
  batch: ['CronJob'],
  'certificates.k8s.io': ['CertificateSigningRequest', 'ClusterTrustBundle'],
  'coordination.k8s.io': ['Lease'],
  'discovery.k8s.io': ['EndpointSlice'],
  'events.k8s.io': ['Event'],
  'flowcontrol.apiserver.k8s.io': ['FlowSchema', 'PriorityLevelConfiguration'],
  'networking.k8s.io': ['Ingress', 'IngressClass', 'NetworkPolicy', 'IPAddress', 'ServiceCIDR'],
  'node.k8s.io': ['RuntimeClass'],
  'rbac.authorization.k8s.io': ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'],
  'resource.k8s.io': ['DeviceClass', 'ResourceClaim', 'ResourceClaimTemplate', 'ResourceSlice'],
  'storage.k8s.io': ['CSIDriver', 'CSINode', 'CSIStorageCapacity', 'StorageClass', 'VolumeAttachment', 'VolumeAttributesClass'],
};

/** The workload kinds whose pod spec placer reads, and where that spec is. */
const POD_SPEC_AT: Readonly<Record<string, string>> = {
  Pod: 'spec',
  Deployment: 'spec.template.spec',
  ReplicaSet: 'spec.template.spec',
  StatefulSet: 'spec.template.spec',
  Job: 'spec.template.spec',
};

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** Every warning about `manifests`, given what parseManifests ignored of them. */
export function manifestWarnings(manifests: readonly Manifest[], ignored: readonly IgnoredObject[]): ManifestWarning[] {
  const defined = definedByCrds(manifests);
  const out: ManifestWarning[] = [];
  const counted = new Map<string, { label: string; why: string; n: number }>();
  const unknownLines = new Groups();
  for (const i of ignored) {
    const label = i.apiVersion === undefined ? i.kind : `${i.kind} (${i.apiVersion})`;
    if (i.why === UNREAD && i.apiVersion !== undefined && !isDefined(i.kind, i.apiVersion, defined)) {
      const near = nearestKind(i.kind);
      unknownLines.add(
        label,
        `${i.source.file}: document ${i.source.doc + 1}${i.source.path ? ` at ${i.source.path}` : ''}: ignored an object of unknown kind ${label}${i.name ? ` named ${i.name}` : ''}: neither placer, Kubernetes nor a CustomResourceDefinition in the input defines it${near ? ` (did you mean ${near}?)` : ''}`,
      );
      continue;
    }
    const key = `${label}\u0000${i.why}`;
    const c = counted.get(key) ?? { label, why: i.why, n: 0 };
    c.n++;
    counted.set(key, c);
  }
  for (const c of counted.values()) out.push({ text: `ignored ${plural(c.n, 'object')} of kind ${c.label}; ${c.why}`, unknown: false });
  for (const text of unknownLines.lines('objects of unknown kind')) out.push({ text, unknown: true });
  for (const text of fieldWarnings(manifests).lines('objects with the same field')) out.push({ text, unknown: false });
  for (const text of nodeWarnings(manifests).lines('Nodes without pods')) out.push({ text, unknown: false });
  return out;
}

/** Lines grouped by a key, at most MAX_PER_GROUP each, then how many more. */
class Groups {
  private readonly groups = new Map<string, { lines: string[]; more: number }>();

  add(key: string, line: string): void {
    const g = this.groups.get(key) ?? { lines: [], more: 0 };
    if (g.lines.length < MAX_PER_GROUP) g.lines.push(line);
    else g.more++;
    this.groups.set(key, g);
  }

  lines(what: string): string[] {
    const out: string[] = [];
    for (const [key, g] of this.groups) {
      out.push(...g.lines);
      if (g.more > 0) out.push(`... and ${plural(g.more, 'more object')} like the above (${key}; ${what})`);
    }
    return out;
  }
}

/** `group\u0000kind` of every CustomResourceDefinition in the input. */
function definedByCrds(manifests: readonly Manifest[]): Set<string> {
  const out = new Set<string>();
  for (const m of manifests) {
    if (m.kind !== 'CustomResourceDefinition' || splitApiVersion(m.apiVersion).group !== 'apiextensions.k8s.io') continue;
    const spec = m.obj.spec;
    if (!isPlainObject(spec) || typeof spec.group !== 'string' || !isPlainObject(spec.names)) continue;
    if (typeof spec.names.kind === 'string') out.add(`${spec.group}\u0000${spec.names.kind}`);
  }
  return out;
}

function isDefined(kind: string, apiVersion: string, crds: ReadonlySet<string>): boolean {
  const { group } = splitApiVersion(apiVersion);
  if (kind === 'List' || kind.endsWith('List')) return true; // an empty list, read as nothing
  return (BUILT_IN[group] ?? []).includes(kind) || crds.has(`${group}\u0000${kind}`);
}

/** The kind placer reads that is one or two edits away (a typo), if any. */
function nearestKind(kind: string): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const name of Object.keys(KINDS)) {
    const d = editDistance(kind.toLowerCase(), name.toLowerCase());
    if (d <= 2 && (!best || d < best.d)) best = { name, d };
  }
  return best?.name;
}

/** Damerau–Levenshtein distance (optimal string alignment): a swap of two letters is one edit. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The pod-spec fields that change where kube-scheduler puts a pod and that placer does not apply. */
function fieldWarnings(manifests: readonly Manifest[]): Groups {
  const groups = new Groups();
  for (const m of manifests) {
    const at = POD_SPEC_AT[m.kind];
    if (at === undefined || !(m.kind in KINDS) || splitApiVersion(m.apiVersion).group !== KINDS[m.kind as keyof typeof KINDS].group)
      continue;
    let spec: unknown = m.obj;
    for (const k of at.split('.')) spec = isPlainObject(spec) ? spec[k] : undefined;
    if (!isPlainObject(spec)) continue;
    const md = isPlainObject(m.obj.metadata) ? m.obj.metadata : {};
    const name = typeof md.name === 'string' ? md.name : typeof md.generateName === 'string' ? md.generateName : '';
    const ns = typeof md.namespace === 'string' && md.namespace !== '' ? md.namespace : 'default';
    const where = `${m.source.file}: document ${m.source.doc + 1} (${m.kind} ${ns}/${name})`;
    const prefix = m.source.path ? `${m.source.path}.${at}` : at;
    for (const [field, why] of ignoredFields(spec)) groups.add(field, `${where}: ${prefix}.${field}: ${why}`);
  }
  return groups;
}

/** [field, why] for each field of one pod spec that placer reads and does not apply. */
function ignoredFields(spec: Record<string, unknown>): [string, string][] {
  const out: [string, string][] = [];
  if (Array.isArray(spec.schedulingGates) && spec.schedulingGates.length > 0)
    out.push([
      'schedulingGates',
      'ignored: kube-scheduler leaves a pod with scheduling gates Pending until they are removed; placer places it as if it had none',
    ]);
  if (typeof spec.schedulerName === 'string' && spec.schedulerName !== '' && spec.schedulerName !== 'default-scheduler')
    out.push([
      'schedulerName',
      `ignored: ${JSON.stringify(spec.schedulerName)} is not kube-scheduler's default-scheduler, which would leave the pod to that scheduler; placer places it all the same`,
    ]);
  const containers = [spec.containers, spec.initContainers].flatMap((c) => (Array.isArray(c) ? c : []));
  if (containers.some((c) => isPlainObject(c) && Array.isArray(c.ports) && c.ports.some((p) => isPlainObject(p) && !!p.hostPort)))
    out.push([
      'containers[].ports[].hostPort',
      "ignored: placer does not check host ports (kube-scheduler's NodePorts filter): two pods wanting the same port may share a host",
    ]);
  return out;
}

/** The kubelet's default --max-pods, which placer assumes for a Node that gives no `pods` (catalog.ts). */
const ASSUMED_PODS = 110;

/** Nodes that give no `pods` in status.allocatable nor status.capacity. */
function nodeWarnings(manifests: readonly Manifest[]): Groups {
  const groups = new Groups();
  for (const m of manifests) {
    if (m.kind !== 'Node' || splitApiVersion(m.apiVersion).group !== '') continue;
    const status = isPlainObject(m.obj.status) ? m.obj.status : {};
    const has = (list: unknown): boolean => isPlainObject(list) && list.pods !== undefined;
    if (has(status.allocatable) || has(status.capacity)) continue;
    const md = isPlainObject(m.obj.metadata) ? m.obj.metadata : {};
    const name = typeof md.name === 'string' ? md.name : '';
    const at = m.source.path ? `${m.source.path}.status.allocatable.pods` : 'status.allocatable.pods';
    groups.add(
      'Node',
      `${m.source.file}: document ${m.source.doc + 1} (Node ${name}): ${at}: not given (nor in status.capacity); placer assumes the kubelet's default of ${ASSUMED_PODS} pods, where kube-scheduler reads 0 and places no pod there (Too many pods)`,
    );
  }
  return groups;
}
