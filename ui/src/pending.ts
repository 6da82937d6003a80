// Pending workloads grouped as the CLI's "Unplaced:" section groups them: one line per controller
// (or bare workload) and reason, with how many workloads it stands for.

import type { Pending } from './api';

export interface PendingGroup {
  namespace: string;
  /** `Deployment/web`, or `Pod/web-0` for a workload without a controller. */
  who: string;
  reason: string;
  count: number;
  /** The first workload of the group: the one explain is asked about. */
  first: Pending;
}

export function groupPending(items: readonly Pending[]): PendingGroup[] {
  const groups = new Map<string, PendingGroup>();
  for (const p of items) {
    const who = p.owner ?? `${p.kind}/${p.name}`;
    const key = `${p.namespace}\0${who}\0${p.reason}`;
    const g = groups.get(key);
    if (g) g.count++;
    else groups.set(key, { namespace: p.namespace, who, reason: p.reason, count: 1, first: p });
  }
  return [...groups.values()];
}

export function explainHref(p: Pending): string {
  return `#/explain?${new URLSearchParams({ namespace: p.namespace, kind: p.kind, name: p.name }).toString()}`;
}
