// Workloads the service was asked to place and could not: what kube-scheduler would leave
// Pending, with the reason of their last attempt. POST /v1/apply records them; a later apply or an
// extender bind that places one forgets it. Kept in memory only: the store holds placements, not
// requests, so the list starts empty after a restart (docs/api.md says so).
//
// Each entry keeps its template (shared by every replica of the same controller): the console's
// explain re-evaluates a pending workload against the cluster as it is now.

import type { WorkloadTemplate } from '../../model/types.js';
import type { UnplacedEntry } from '../placement/result.js';

export interface PendingWorkload {
  namespace: string;
  kind: string;
  name: string;
  owner: string | null;
  /** The reason of the last attempt, as the CLI prints it (kube-scheduler's or the quota message). */
  reason: string;
  grade: UnplacedEntry['grade'];
  /** When the last attempt was made (ISO 8601). */
  since: string;
  template: WorkloadTemplate;
  /** This workload's instance in `template.instances`. */
  instance: number;
}

const key = (kind: string, namespace: string, name: string): string => `${kind}/${namespace}/${name}`;

export class PendingSet {
  private readonly byKey = new Map<string, PendingWorkload>();

  record(p: PendingWorkload): void {
    this.byKey.set(key(p.kind, p.namespace, p.name), p);
  }

  forget(kind: string, namespace: string, name: string): void {
    this.byKey.delete(key(kind, namespace, name));
  }

  get(kind: string, namespace: string, name: string): PendingWorkload | undefined {
    return this.byKey.get(key(kind, namespace, name));
  }

  get size(): number {
    return this.byKey.size;
  }

  /** Sorted by namespace, kind, name (like GET /v1/placements); optionally one namespace's. */
  list(namespace?: string): PendingWorkload[] {
    const out: PendingWorkload[] = [];
    for (const p of this.byKey.values()) if (namespace === undefined || p.namespace === namespace) out.push(p);
    return out.sort((a, b) => cmp(a.namespace, b.namespace) || cmp(a.kind, b.kind) || cmp(a.name, b.name));
  }

  clear(): void {
    this.byKey.clear();
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
