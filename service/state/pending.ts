// Workloads the service was asked to place and could not: what kube-scheduler would leave
// Pending, with the reason of their last attempt. The store keeps them (its `pending` table,
// written in the same transaction as the placements of the request that left them pending), so a
// restart brings the list back; a later apply, an extender bind or a retry (retry.ts) that places
// one forgets it, and DELETE /v1/namespaces/{ns}/{kind}/{name} withdraws it.
//
// Each entry keeps its template (shared by every replica of the same controller): the console's
// explain re-evaluates a pending workload against the cluster as it is now, and a retry places
// the instance from it.
//
// Retries are event driven, as kube-scheduler's queue moves pods on cluster events: a change that
// may help (capacity freed or added, a quota or policy raised) marks the pending workloads it may
// help; a marked workload is tried again once its backoff has passed — kube-scheduler's
// podInitialBackoffSeconds (1 s) doubled per attempt up to podMaxBackoffSeconds (10 s).

import type { WorkloadTemplate } from '../../model/types.js';
import type { UnplacedEntry } from '../placement/result.js';
import type { StoredPending } from './store.js';

export interface PendingWorkload {
  namespace: string;
  kind: string;
  name: string;
  owner: string | null;
  uid: string | null;
  /** The reason of the last attempt, as the CLI prints it (kube-scheduler's or the quota message). */
  reason: string;
  grade: UnplacedEntry['grade'];
  /** When it became pending (ISO 8601); a retry that fails again keeps it. */
  since: string;
  /** When the last attempt was made (ISO 8601). */
  lastAttempt: string;
  /** Attempts so far: the request's own counts as the first. */
  attempts: number;
  template: WorkloadTemplate;
  /** This workload's instance in `template.instances`. */
  instance: number;
  /** The template's shape (shapes.ts), as the store keeps it. */
  shape: string;
  /** The resolved priority (frozen in the shape): retries go in priority order. */
  priority: number;
}

/** Backoff between attempts, as kube-scheduler's defaults: 1 s, doubled per attempt, at most 10 s. */
export interface Backoff {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 1000, maxMs: 10_000 };

export const pendingKey = (kind: string, namespace: string, name: string): string => `${kind}/${namespace}/${name}`;

/** The store's row of a pending workload. */
export function storedPending(p: PendingWorkload): StoredPending {
  return {
    kind: p.kind,
    namespace: p.namespace,
    name: p.name,
    uid: p.uid,
    shape: p.shape,
    owner: p.owner,
    reason: p.reason,
    grade: p.grade,
    since: p.since,
    lastAttempt: p.lastAttempt,
    attempts: p.attempts,
  };
}

export class PendingSet {
  private readonly byKey = new Map<string, PendingWorkload>();
  /** Keys a change may help: tried again once their backoff has passed. */
  private readonly marked = new Set<string>();
  /** Called when something is marked (the retry loop wakes up). */
  onMark: () => void = () => {};

  constructor(readonly backoff: Backoff = DEFAULT_BACKOFF) {}

  record(p: PendingWorkload): void {
    this.byKey.set(pendingKey(p.kind, p.namespace, p.name), p);
  }

  forget(kind: string, namespace: string, name: string): void {
    const k = pendingKey(kind, namespace, name);
    this.byKey.delete(k);
    this.marked.delete(k);
  }

  get(kind: string, namespace: string, name: string): PendingWorkload | undefined {
    return this.byKey.get(pendingKey(kind, namespace, name));
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

  /** Every pending workload, in no particular order. */
  all(): IterableIterator<PendingWorkload> {
    return this.byKey.values();
  }

  clear(): void {
    this.byKey.clear();
    this.marked.clear();
  }

  /**
   * A change that may help the pending workloads of `namespace` (a quota or policy raised there)
   * or, without one, every pending workload (capacity freed or added): they are tried again.
   */
  mark(namespace?: string): void {
    let any = false;
    for (const [k, p] of this.byKey) {
      if (namespace !== undefined && p.namespace !== namespace) continue;
      this.marked.add(k);
      any = true;
    }
    if (any) this.onMark();
  }

  /** How many are marked for a retry. */
  get markedCount(): number {
    return this.marked.size;
  }

  /** When a workload that failed `attempts` times may be tried again (ms since the epoch). */
  dueAt(p: PendingWorkload): number {
    const wait = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** Math.min(30, Math.max(0, p.attempts - 1)));
    return Date.parse(p.lastAttempt) + wait;
  }

  /**
   * The marked workloads whose backoff has passed at `now`, unmarked and returned in retry order:
   * priority (highest first), then the order they were marked in (a stable sort over the marks,
   * which follow the order the workloads were recorded in: the oldest request first). Also when
   * the next marked one becomes due (Infinity when none waits).
   */
  takeDue(now: number): { due: PendingWorkload[]; next: number } {
    const due: PendingWorkload[] = [];
    let next = Infinity;
    for (const k of this.marked) {
      const p = this.byKey.get(k);
      if (!p) {
        this.marked.delete(k);
        continue;
      }
      const at = this.dueAt(p);
      if (at <= now) {
        due.push(p);
        this.marked.delete(k);
      } else next = Math.min(next, at);
    }
    due.sort((a, b) => b.priority - a.priority);
    return { due, next };
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
