// The native API as the console uses it: the shapes of the answers it reads (docs/api.md), reads
// with ETags (a 304 means "what you have is current"), and errors as Kubernetes Status messages.

export const ZONE_LABEL = 'topology.kubernetes.io/zone';

export interface HostColumns {
  kind: 'HostColumns';
  resources: string[];
  names: string[];
  unschedulable: number[];
  taints: number[];
  workloads: number[];
  allocatable: Record<string, number[]>;
  used: Record<string, number[]>;
  labels: Record<string, { values: string[]; index: number[] }>;
}

export interface HostDetail {
  kind: 'Host';
  name: string;
  unschedulable: boolean;
  labels: Record<string, string>;
  taints: { key: string; value?: string; effect: string }[];
  allocatable: Record<string, string>;
  used: Record<string, string>;
  utilization: Record<string, number>;
  workloads: number;
  namespaces: { namespace: string; workloads: number }[];
}

export interface NamespaceUsage {
  namespace: string;
  used: Record<string, string>;
  reservation: Record<string, string>;
  quotas: { name: string; hard: Record<string, string>; used: Record<string, string> }[];
}

export interface NamespaceList {
  kind: 'NamespaceList';
  items: NamespaceUsage[];
}

export interface Pending {
  namespace: string;
  kind: string;
  name: string;
  owner?: string;
  reason: string;
  grade: string;
  since: string;
}

export interface PendingList {
  kind: 'PendingList';
  items: Pending[];
}

export interface WorkloadExplanation {
  namespace: string;
  kind: string;
  name: string;
  owner?: string;
  replicas: number;
  admission: string | null;
  selected: string | null;
  message: string | null;
  hosts: number;
  feasible: { host: string; score: number; fit: number; affinity: number; taints: number }[];
  rejected: { reasons: string[]; grade: string | null; hosts: string[] }[];
}

export interface ExplanationList {
  kind: 'ExplanationList';
  items: WorkloadExplanation[];
}

export interface DrainPlan {
  kind: 'DrainPlan';
  hosts: string[];
  dryRun: boolean;
  executed: boolean;
  /** wave: eviction wave under the PodDisruptionBudgets (0: blocked by `blockedBy`). */
  moves: { kind: string; namespace: string; name: string; from: string; to: string; wave: number; blockedBy?: string }[];
  unmovable: { kind: string; namespace: string; name: string; from: string; reason: string }[];
  utilization: { before: Record<string, number>; after: Record<string, number> };
  waves: number;
  summary: { moves: number; unmovable: number; blocked: number };
}

/** An error answer: the Status message when there is one. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

async function failure(res: Response): Promise<ApiError> {
  const text = await res.text();
  try {
    const s = JSON.parse(text) as { message?: string };
    return new ApiError(res.status, s.message ?? `${res.status} ${res.statusText}`);
  } catch {
    return new ApiError(res.status, `${res.status} ${res.statusText}`);
  }
}

/**
 * GET with If-None-Match: `undefined` when unchanged since `etag`. The browser's cache is
 * bypassed (no-store) so that a 304 reaches this code instead of being replayed as a 200.
 */
export async function getIfChanged<T>(path: string, etag: string | null): Promise<{ body: T; etag: string | null } | undefined> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (etag) headers['if-none-match'] = etag;
  const res = await fetch(path, { headers, cache: 'no-store' });
  if (res.status === 304) return undefined;
  if (!res.ok) throw await failure(res);
  return { body: (await res.json()) as T, etag: res.headers.get('etag') };
}

export async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

export async function postJson<T>(path: string, body: string, contentType: string): Promise<T> {
  const res = await fetch(path, { method: 'POST', headers: { accept: 'application/json', 'content-type': contentType }, body });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}
