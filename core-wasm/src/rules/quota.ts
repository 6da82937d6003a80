// ResourceQuota, as the API server's quota admission counts it: which hard keys concern pods and
// VMs, which quotas apply to a workload (scopes), what it charges each key, which quota it would
// exceed, and the keys that make every container declare a request or limit. Rule twin:
// core-wasm/assembly/admit.ts (the core charges what the backend hands it, grouped by quota).

import type { PodAffinityTerm, QuotaObj, WorkloadTemplate } from '../../../model/types.js';
import { type ClassSpec, Kind, type QuotaEntrySpec, QuotaSource } from '../contract.js';

/** The compute resources the pod evaluator tracks by name, bare and as requests.<r> and limits.<r>. */
const COMPUTE = new Set(['cpu', 'memory', 'ephemeral-storage']);

/** An extended resource (helper.IsExtendedResourceName): a domain-prefixed name outside kubernetes.io. */
function isExtended(name: string): boolean {
  return name.includes('/') && !name.includes('kubernetes.io/');
}

/**
 * Where a hard key's usage comes from, or null for keys the pod evaluator does not track
 * (MatchingResources in pods.go): cpu, memory and ephemeral-storage bare, as requests.<r> and as
 * limits.<r>; hugepages-<size> bare and as requests.<r>; extended resources as requests.<r> only
 * (no limits.<r>: quota does not overcommit them); pods and count/pods; and vm-operator's VM count.
 * Everything else — services, PVCs, requests.storage, count/<other> — is not placement business.
 */
export function quotaKeySource(key: string): { source: QuotaSource; resource?: string } | null {
  if (key === 'pods' || key === 'count/pods') return { source: QuotaSource.PodCount };
  if (key === 'count/virtualmachines.vmoperator.vmware.com') return { source: QuotaSource.VMCount };
  if (COMPUTE.has(key) || key.startsWith('hugepages-')) return { source: QuotaSource.Requests, resource: key };
  if (key.startsWith('requests.')) {
    const r = key.slice('requests.'.length);
    return COMPUTE.has(r) || r.startsWith('hugepages-') || isExtended(r) ? { source: QuotaSource.Requests, resource: r } : null;
  }
  if (key.startsWith('limits.')) {
    const r = key.slice('limits.'.length);
    return COMPUTE.has(r) ? { source: QuotaSource.Limits, resource: r } : null;
  }
  return null;
}

/** The usage a workload adds to one quota entry, or null when the entry does not track it. */
export function quotaDelta(c: ClassSpec, e: QuotaEntrySpec): bigint | null {
  switch (e.source) {
    case QuotaSource.Requests:
      return c.reqPresent & (1 << e.dim) ? BigInt(c.req[e.dim]) : null;
    case QuotaSource.Limits:
      return c.limPresent & (1 << e.dim) ? BigInt(c.lim[e.dim]) : null;
    case QuotaSource.PodCount:
      return c.kind === Kind.Pod ? 1n : null;
    case QuotaSource.VMCount:
      return c.kind === Kind.VirtualMachine ? 1n : null;
  }
}

/**
 * What admission checks against one entry: the delta, or null when the entry does not track the
 * workload or the delta is zero — the quota admission drops zero usage before comparing
 * (checkRequest's RemoveZeros), so a zero request passes a key already over its limit.
 */
export function quotaCharge(c: ClassSpec, e: QuotaEntrySpec): bigint | null {
  const delta = quotaDelta(c, e);
  return delta === 0n ? null : delta;
}

/**
 * Admission: the first quota of the workload's (in evaluation order) any of whose hard limits it
 * would exceed — used + charge > hard — with every such limit, or null when all hold.
 */
export function exceededQuota(
  c: ClassSpec,
  quotaEntries: readonly (readonly number[])[],
  entry: (e: number) => QuotaEntrySpec & { used: bigint },
): { quota: number; entries: { entry: number; used: bigint }[] } | null {
  for (const q of c.quotas) {
    const exceeded: { entry: number; used: bigint }[] = [];
    for (const e of quotaEntries[q]) {
      const x = entry(e);
      const charge = quotaCharge(c, x);
      if (charge !== null && x.used + charge > x.hard) exceeded.push({ entry: e, used: x.used });
    }
    if (exceeded.length > 0) return { quota: q, entries: exceeded };
  }
  return null;
}

/** Quota scopes (spec.scopes, spec.scopeSelector) against a workload: does the quota apply to it? */
export function quotaMatches(q: QuotaObj, t: WorkloadTemplate, priorityClassName: string): boolean {
  const scoped = q.scopes.length > 0 || q.scopeSelector.length > 0;
  if (!scoped) return true;
  // Scopes are defined by the pod quota evaluator; VirtualMachines only meet unscoped quotas.
  if (t.kind !== 'Pod') return false;
  const scope = (name: string): boolean => {
    switch (name) {
      case 'BestEffort':
        return t.bestEffort;
      case 'NotBestEffort':
        return !t.bestEffort;
      case 'Terminating':
        return t.terminating;
      case 'NotTerminating':
        return !t.terminating;
      case 'CrossNamespacePodAffinity':
        return usesCrossNamespacePodAffinity(t);
      default:
        return false;
    }
  };
  for (const s of q.scopes) if (!(s === 'PriorityClass' ? priorityClassName !== '' : scope(s))) return false;
  for (const r of q.scopeSelector) {
    if (r.scopeName === 'PriorityClass') {
      const has = priorityClassName !== '';
      const ok =
        r.operator === 'Exists'
          ? has
          : r.operator === 'DoesNotExist'
            ? !has
            : r.operator === 'In'
              ? r.values.includes(priorityClassName)
              : !r.values.includes(priorityClassName);
      if (!ok) return false;
    } else {
      const ok = r.operator === 'DoesNotExist' || r.operator === 'NotIn' ? !scope(r.scopeName) : scope(r.scopeName);
      if (!ok) return false;
    }
  }
  return true;
}

/**
 * usesCrossNamespacePodAffinity (pods.go): some pod affinity or anti-affinity term, required or
 * preferred, names namespaces or carries a namespaceSelector (even an empty one).
 */
export function usesCrossNamespacePodAffinity(t: WorkloadTemplate): boolean {
  const crossNamespace = (term: PodAffinityTerm) => term.namespaces.length > 0 || term.namespaceSelector !== null;
  return [t.podAffinity, t.podAntiAffinity].some(
    (a) => !!a && (a.required.some(crossNamespace) || a.preferred.some((w) => crossNamespace(w.term))),
  );
}

/** The quota keys whose presence makes every container declare a request/limit (pods.go validationSet). */
const MUST_SPECIFY: Record<string, (t: WorkloadTemplate) => string[]> = {
  cpu: (t) => t.missingRequests.cpu,
  'requests.cpu': (t) => t.missingRequests.cpu,
  memory: (t) => t.missingRequests.memory,
  'requests.memory': (t) => t.missingRequests.memory,
  'limits.cpu': (t) => t.missingLimits.cpu,
  'limits.memory': (t) => t.missingLimits.memory,
};

/**
 * A pod in a namespace whose quota limits cpu or memory must declare it in every container:
 * the admission message for the first quota it misses, or undefined. VMs are not checked.
 */
export function mustSpecifyRejection(quotas: readonly QuotaObj[], t: WorkloadTemplate): string | undefined {
  if (t.kind !== 'Pod') return undefined;
  for (const obj of quotas) {
    const missing = new Map<string, Set<string>>();
    for (const key of obj.hard.keys()) {
      const names = MUST_SPECIFY[key]?.(t) ?? [];
      if (names.length > 0) missing.set(key, new Set([...(missing.get(key) ?? []), ...names]));
    }
    if (missing.size > 0) {
      const parts = [...missing.keys()].sort().map((k) => `${k} for: ${[...missing.get(k)!].sort().join(',')}`);
      return `failed quota: ${obj.name}: must specify ${parts.join('; ')}`;
    }
  }
  return undefined;
}
