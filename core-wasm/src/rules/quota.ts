// ResourceQuota, as the API server's quota admission counts it: which hard keys concern pods and
// VMs, which quotas apply to a workload (scopes), what it charges each key, which quota it would
// exceed, and the keys that make every container declare a request or limit. Rule twin:
// core-wasm/assembly/admit.ts (the core charges what the backend hands it, grouped by quota).

import type { QuotaObj, WorkloadTemplate } from '../../../model/types.js';
import { type ClassSpec, Kind, type QuotaEntrySpec, QuotaSource } from '../contract.js';

/**
 * Where a hard key's usage comes from, or null for keys that are not placement business
 * (services, PVCs, requests.storage, count/<other>).
 */
export function quotaKeySource(key: string): { source: QuotaSource; resource?: string } | null {
  if (key === 'pods' || key === 'count/pods') return { source: QuotaSource.PodCount };
  if (key === 'count/virtualmachines.vmoperator.vmware.com') return { source: QuotaSource.VMCount };
  if (key === 'cpu' || key === 'memory' || key === 'ephemeral-storage' || key.startsWith('hugepages-')) {
    return { source: QuotaSource.Requests, resource: key };
  }
  if (key.startsWith('requests.')) {
    const r = key.slice('requests.'.length);
    return r === 'storage' ? null : { source: QuotaSource.Requests, resource: r };
  }
  if (key.startsWith('limits.')) return { source: QuotaSource.Limits, resource: key.slice('limits.'.length) };
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
 * Admission: the first quota of the workload's (in evaluation order) any of whose hard limits it
 * would exceed — used + delta > hard — with every such limit, or null when all hold.
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
      const delta = quotaDelta(c, x);
      if (delta !== null && x.used + delta > x.hard) exceeded.push({ entry: e, used: x.used });
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
      default:
        return false; // CrossNamespacePodAffinity: placer's workloads carry no cross-namespace affinity yet
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
