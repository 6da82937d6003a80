// The native API as the console uses it: the shapes of the answers it reads (docs/api.md), reads
// with ETags (a 304 means "what you have is current"), and errors as Kubernetes Status messages.

// The answers' types are the server's own (service/placement/api-types.ts: no imports, types only).
import type { PlanDoc } from '../../service/placement/api-types';

export const ZONE_LABEL = 'topology.kubernetes.io/zone';

export type {
  CapacityItem,
  CapacityReportDoc,
  ExplanationList,
  HostColumns,
  HostDetail,
  NamespaceList,
  NamespaceUsage,
  Pending,
  PendingList,
  WorkloadExplanation,
} from '../../service/placement/api-types';

/** POST /v1/hosts/{name}/drain: a PlanDoc of kind DrainPlan, which names its hosts. */
export type DrainPlan = PlanDoc & { kind: 'DrainPlan'; hosts: string[] };

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
