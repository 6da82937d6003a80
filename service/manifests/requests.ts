// kube-scheduler's pod request math (component-helpers/resource/helpers.go) and the API server's
// defaulting that runs before it (pkg/apis/core/v1/defaults.go), over exact nano amounts.
//
//   requests = max(Σ containers + Σ sidecars, max over init containers of "its use")
//              replaced by pod-level spec.resources.requests where set (cpu, memory, hugepages-*)
//              + spec.overhead
//   an init container's use = its requests + the sidecars started before it; a sidecar's use =
//   the sidecars started so far (itself included). Limits aggregate the same way, pod-level
//   limits replace, and overhead is added only to resources that already have a limit.

import { isOvercommitAllowed, isSupportedPodLevelResource, type NanoList } from './resources.js';

export interface ContainerResources {
  name: string;
  requests: NanoList;
  limits: NanoList;
  /** An init container with `restartPolicy: Always`. */
  sidecar: boolean;
}

export interface PodResources {
  containers: ContainerResources[];
  initContainers: ContainerResources[];
  /** Pod-level spec.resources; undefined when the field is absent. */
  podRequests?: NanoList;
  podLimits?: NanoList;
  overhead: NanoList;
}

/** kube-scheduler's defaults for a container that does not request cpu / memory (scoring only). */
export const DEFAULT_MILLI_CPU_REQUEST = 100n; // 0.1 core
export const DEFAULT_MEMORY_REQUEST = 200n * 1024n * 1024n; // 200 MiB = 209715200 bytes
export const NON_ZERO_DEFAULTS: NanoList = new Map([
  ['cpu', DEFAULT_MILLI_CPU_REQUEST * 1_000_000n],
  ['memory', DEFAULT_MEMORY_REQUEST * 1_000_000_000n],
]);

function add(into: NanoList, from: NanoList): void {
  for (const [k, v] of from) into.set(k, (into.get(k) ?? 0n) + v);
}

function max(into: NanoList, from: NanoList): void {
  for (const [k, v] of from) {
    const cur = into.get(k);
    if (cur === undefined || v > cur) into.set(k, v);
  }
}

/** applyNonMissing: a missing key gets the default; an explicit "0" is kept. */
function withDefaults(reqs: NanoList, defaults: NanoList | undefined): NanoList {
  if (!defaults) return reqs;
  const out = new Map(reqs);
  for (const [k, v] of defaults) if (!out.has(k)) out.set(k, v);
  return out;
}

function aggregate(pod: PodResources, pick: (c: ContainerResources) => NanoList): NanoList {
  const sum: NanoList = new Map();
  for (const c of pod.containers) add(sum, pick(c));
  const sidecars: NanoList = new Map();
  const initMax: NanoList = new Map();
  for (const c of pod.initContainers) {
    const own = pick(c);
    let use: NanoList;
    if (c.sidecar) {
      add(sum, own); // a sidecar runs for the pod's whole life
      add(sidecars, own);
      use = new Map(sidecars);
    } else {
      use = new Map(own);
      add(use, sidecars); // it runs while the earlier sidecars run
    }
    max(initMax, use);
  }
  max(sum, initMax);
  return sum;
}

/** AggregateContainerRequests, optionally with kube-scheduler's non-zero defaults per container. */
export function aggregateContainerRequests(pod: PodResources, nonMissing?: NanoList): NanoList {
  return aggregate(pod, (c) => withDefaults(c.requests, nonMissing));
}

export function aggregateContainerLimits(pod: PodResources): NanoList {
  return aggregate(pod, (c) => c.limits);
}

function hasSupported(list: NanoList | undefined): boolean {
  if (!list) return false;
  for (const k of list.keys()) if (isSupportedPodLevelResource(k)) return true;
  return false;
}

/** PodRequests: aggregated containers, pod-level requests replacing, plus overhead. */
export function podRequests(pod: PodResources, nonMissing?: NanoList): NanoList {
  const reqs = aggregateContainerRequests(pod, nonMissing);
  if (hasSupported(pod.podRequests)) {
    for (const [k, v] of pod.podRequests!) if (isSupportedPodLevelResource(k)) reqs.set(k, v);
  }
  add(reqs, pod.overhead);
  return reqs;
}

/** PodLimits: aggregated containers, pod-level limits replacing, overhead only where a limit exists. */
export function podLimits(pod: PodResources): NanoList {
  const limits = aggregateContainerLimits(pod);
  if (hasSupported(pod.podLimits)) {
    for (const [k, v] of pod.podLimits!) if (isSupportedPodLevelResource(k)) limits.set(k, v);
  }
  for (const [k, v] of pod.overhead) {
    const cur = limits.get(k);
    if (cur !== undefined) limits.set(k, cur + v);
  }
  return limits;
}

/**
 * The API server's defaulting of a Pod's resources, in its order: a container limit without a
 * request becomes the request; then, for pod-level resources, hugepage limits from the
 * containers, pod requests from the containers (cpu/memory) or from pod limits, and pod limits
 * from the containers when every container has one. Mutates and returns `pod`.
 */
export function defaultPodResources(pod: PodResources): PodResources {
  for (const c of [...pod.containers, ...pod.initContainers]) {
    for (const [k, v] of c.limits) if (!c.requests.has(k)) c.requests.set(k, v);
  }
  if (pod.podRequests === undefined && pod.podLimits === undefined) return pod;
  pod.podRequests ??= new Map();
  pod.podLimits ??= new Map();
  const { podRequests: preq, podLimits: plim } = pod;

  // defaultHugePagePodLimits
  if (plim.size > 0 || preq.size > 0) {
    for (const [k, v] of aggregateContainerLimits(pod)) {
      if (k.startsWith('hugepages-') && !preq.has(k) && !plim.has(k)) plim.set(k, v);
    }
  }
  // defaultPodRequests
  if (plim.size > 0) {
    for (const [k, v] of aggregateContainerRequests(pod)) {
      if (!preq.has(k) && isSupportedPodLevelResource(k) && isOvercommitAllowed(k)) preq.set(k, v);
    }
    for (const [k, v] of plim) if (!preq.has(k) && isSupportedPodLevelResource(k)) preq.set(k, v);
  }
  // defaultPodLimits (only when no pod-level limit was given)
  if (!hasSupported(plim) && hasSupported(preq)) {
    const all = [...pod.containers, ...pod.initContainers];
    for (const [k, v] of aggregateContainerLimits(pod)) {
      if (plim.has(k) || !isSupportedPodLevelResource(k) || !isOvercommitAllowed(k)) continue;
      if (all.every((c) => c.limits.has(k))) plim.set(k, v);
    }
  }
  return pod;
}

/** Names of containers (then init containers) without `key` in requests or limits, for quota's "must specify". */
export function containersMissing(pod: PodResources, which: 'requests' | 'limits', key: string): string[] {
  return [...pod.containers, ...pod.initContainers].filter((c) => !c[which].has(key)).map((c) => c.name);
}

/** Pod QoS BestEffort: no cpu/memory request or limit above zero (pod-level ones when set). */
export function isBestEffort(pod: PodResources): boolean {
  const positive = (l: NanoList | undefined): boolean => !!l && ((l.get('cpu') ?? 0n) > 0n || (l.get('memory') ?? 0n) > 0n);
  if (hasSupported(pod.podRequests) || hasSupported(pod.podLimits)) {
    return !positive(pod.podRequests) && !positive(pod.podLimits);
  }
  return [...pod.containers, ...pod.initContainers].every((c) => !positive(c.requests) && !positive(c.limits));
}
