// Pod (and pod template) → the placement shape of a WorkloadTemplate: the API server's defaulting
// and validation of resources, then kube-scheduler's request math (requests.ts), quota facts
// (missing requests/limits, BestEffort, Terminating), node selection, tolerations, inter-pod
// affinity (interpod.ts) and topology spread (spread.ts).

import type { WorkloadTemplate } from '../../model/types.js';
import { readNodeAffinity } from './affinity.js';
import type { Field } from './fields.js';
import { mergePodAffinity, readPodAffinity, type RawPodAffinity } from './interpod.js';
import type { ObjectReader, OwnerRef } from './meta.js';
import { quantityString, type Quantity } from '../../model/quantity.js';
import {
  containersMissing,
  defaultPodResources,
  isBestEffort,
  NON_ZERO_DEFAULTS,
  podLimits,
  podRequests,
  type ContainerResources,
  type PodResources,
} from './requests.js';
import {
  isOvercommitAllowed,
  readContainerResourceList,
  readPodLevelResourceList,
  readResourceList,
  toAmounts,
  toNano,
} from './resources.js';
import { mergeTopologySpread, readTopologySpread, type RawSpread } from './spread.js';
import { readTolerations } from './tolerations.js';

/** Everything of a WorkloadTemplate that comes from the pod spec (identity and instances excluded). */
export type PodShape = Omit<WorkloadTemplate, 'kind' | 'namespace' | 'owner' | 'instances' | 'source'>;

const PREEMPTION_POLICIES = ['PreemptLowerPriority', 'Never'] as const;

/** Reads a container's resources and validates them like ValidateResourceRequirements (after defaulting). */
function readContainer(f: Field, seen: Set<string>, initContainer: boolean): ContainerResources {
  const nameField = f.at('name');
  const name = nameField.string();
  if (seen.has(name)) nameField.fail(`Duplicate value: ${JSON.stringify(name)}`);
  seen.add(name);
  const res = f.at('resources');
  const reqField = res.at('requests');
  const limField = res.at('limits');
  const requests = readContainerResourceList(reqField);
  const limits = readContainerResourceList(limField);
  for (const [k, q] of limits) if (!requests.has(k)) requests.set(k, q); // defaulting: request := limit
  for (const [k, q] of requests) {
    const lim = limits.get(k);
    const at = reqField.at(k);
    if (lim === undefined) {
      if (!isOvercommitAllowed(k)) limField.required('Limit must be set for non overcommitable resources');
    } else if (!isOvercommitAllowed(k) && q.nano !== lim.nano) {
      at.invalid(`must be equal to ${k} limit of ${quantityString(lim)}`, quantityString(q));
    } else if (q.nano > lim.nano) {
      at.invalid(`must be less than or equal to ${k} limit of ${quantityString(lim)}`, quantityString(q));
    }
  }
  const sidecar = initContainer && f.at('restartPolicy').optString() === 'Always';
  return { name, requests: toNano(requests), limits: toNano(limits), sidecar };
}

function readPodResources(spec: Field): PodResources {
  const seen = new Set<string>();
  const containersField = spec.at('containers');
  const containers = containersField.items().map((c) => readContainer(c, seen, false));
  if (containers.length === 0) containersField.required();
  const initContainers = spec
    .at('initContainers')
    .items()
    .map((c) => readContainer(c, seen, true));
  const pr = spec.at('resources');
  let podReqs: Map<string, Quantity> | undefined;
  let podLims: Map<string, Quantity> | undefined;
  if (pr.isSet) {
    podReqs = readPodLevelResourceList(pr.at('requests'));
    podLims = readPodLevelResourceList(pr.at('limits'));
    for (const [k, q] of podReqs) {
      const lim = podLims.get(k);
      if (lim !== undefined && q.nano > lim.nano) {
        pr.at('requests')
          .at(k)
          .invalid(`must be less than or equal to ${k} limit of ${quantityString(lim)}`, quantityString(q));
      }
    }
  }
  return defaultPodResources({
    containers,
    initContainers,
    podRequests: podReqs && toNano(podReqs),
    podLimits: podLims && toNano(podLims),
    overhead: toNano(readResourceList(spec.at('overhead'))),
  });
}

/** The label-dependent constraints of a pod spec as written: merged per pod by `constraintsFor`. */
export interface PodConstraints {
  affinity: RawPodAffinity;
  spread: RawSpread[];
}

export function readPodConstraints(spec: Field): PodConstraints {
  return { affinity: readPodAffinity(spec.at('affinity')), spread: readTopologySpread(spec.at('topologySpreadConstraints')) };
}

/** What a pod with `labels` carries: matchLabelKeys / mismatchLabelKeys merged as the API server does. */
export function constraintsFor(
  c: PodConstraints,
  labels: ReadonlyMap<string, string>,
): Pick<PodShape, 'podAffinity' | 'podAntiAffinity' | 'topologySpread'> {
  return { ...mergePodAffinity(c.affinity, labels), topologySpread: mergeTopologySpread(c.spread, labels) };
}

/**
 * A pod spec's placement shape. `spec` is `spec` of a Pod or `spec.template.spec` of a
 * controller; `labels` are the pod's (template's) labels.
 */
export function readPodShape(spec: Field, labels: Map<string, string>): PodShape {
  return readPodShapeAndConstraints(spec, labels).shape;
}

/** readPodShape, also returning the constraints as written (a controller merges them again with the labels it adds). */
export function readPodShapeAndConstraints(spec: Field, labels: Map<string, string>): { shape: PodShape; constraints: PodConstraints } {
  const pod = readPodResources(spec);
  const nz = toAmounts(podRequests(pod, NON_ZERO_DEFAULTS));
  const affinity = readNodeAffinity(spec.at('affinity'));
  const adsField = spec.at('activeDeadlineSeconds');
  const ads = adsField.isSet ? adsField.optBigInt()! : undefined;
  if (ads !== undefined && (ads < 1n || ads > 2147483647n)) adsField.invalid('must be between 1 and 2147483647, inclusive');
  const priorityClassName = spec.at('priorityClassName').optString() || undefined;
  const priority = spec.at('priority').optInt();
  const preemptionPolicy = spec.at('preemptionPolicy').optEnum(PREEMPTION_POLICIES);
  const constraints = readPodConstraints(spec);
  const shape: PodShape = {
    requests: toAmounts(podRequests(pod)),
    limits: toAmounts(podLimits(pod)),
    nonZeroRequests: { cpu: nz.get('cpu') ?? 0n, memory: nz.get('memory') ?? 0n },
    missingRequests: { cpu: containersMissing(pod, 'requests', 'cpu'), memory: containersMissing(pod, 'requests', 'memory') },
    missingLimits: { cpu: containersMissing(pod, 'limits', 'cpu'), memory: containersMissing(pod, 'limits', 'memory') },
    bestEffort: isBestEffort(pod),
    terminating: ads !== undefined,
    ...(priorityClassName !== undefined && { priorityClassName }),
    ...(priority !== undefined && { priority }),
    ...(preemptionPolicy !== undefined && { preemptionPolicy }),
    nodeSelector: spec.at('nodeSelector').stringMap(),
    requiredAffinity: affinity.required,
    preferredAffinity: affinity.preferred,
    tolerations: readTolerations(spec.at('tolerations')),
    labels,
    ...constraintsFor(constraints, labels),
  };
  return { shape, constraints };
}

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

/** A Pod object as read: identity, ownership, lifecycle and shape. */
export interface PodRecord {
  reader: ObjectReader;
  namespace: string;
  name: string;
  uid?: string;
  labels: Map<string, string>;
  owner?: OwnerRef;
  phase: PodPhase | undefined;
  nodeName?: string;
  shape: PodShape;
  /** Position in the input, for a stable output order. */
  order: number;
}

/** Succeeded and Failed pods hold nothing: the scheduler and quota both skip them. */
export const isTerminal = (p: PodRecord): boolean => p.phase === 'Succeeded' || p.phase === 'Failed';

export function readPod(r: ObjectReader, order: number, owner: OwnerRef | undefined): PodRecord {
  const spec = r.root.at('spec');
  const phase = r.root.get('status.phase').optString() as PodPhase | undefined;
  const nodeName = spec.at('nodeName').optString() || undefined;
  return {
    reader: r,
    namespace: r.meta.namespace!,
    name: r.meta.name,
    ...(r.meta.uid !== undefined && { uid: r.meta.uid }),
    labels: r.meta.labels,
    ...(owner !== undefined && { owner }),
    phase,
    ...(nodeName !== undefined && { nodeName }),
    shape: readPodShape(spec, r.meta.labels),
    order,
  };
}

/** JSON with Maps as sorted entry lists, for selectors inside terms. */
const keyJson = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) =>
    x instanceof Map ? [...(x as Map<string, unknown>)].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)) : x,
  );

/** The label that puts a pod in a coscheduling PodGroup (podgroup.ts). */
export const POD_GROUP_LABEL = 'scheduling.x-k8s.io/pod-group';

/**
 * Identity of a shape for grouping identical pods into one template. Labels are excluded, except
 * the PodGroup label, which decides the gang; label-dependent terms are compared merged.
 */
export function shapeKey(s: PodShape): string {
  const map = (m: Map<string, unknown>): [string, string][] =>
    [...m].map(([k, v]) => [k, String(v)] as [string, string]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return JSON.stringify([
    map(s.requests),
    map(s.limits),
    String(s.nonZeroRequests.cpu),
    String(s.nonZeroRequests.memory),
    s.missingRequests,
    s.missingLimits,
    s.bestEffort,
    s.terminating,
    s.priorityClassName ?? null,
    s.priority ?? null,
    s.preemptionPolicy ?? null,
    map(s.nodeSelector),
    s.requiredAffinity,
    s.preferredAffinity,
    s.tolerations,
    keyJson([s.podAffinity, s.podAntiAffinity, s.topologySpread]),
    s.labels.get(POD_GROUP_LABEL) ?? null,
  ]);
}
