// The native API as the console uses it: the shapes of the answers it reads (docs/api.md), reads
// with ETags (a 304 means "what you have is current"), and errors as Kubernetes Status messages.
// With authentication on (docs/security.md) every request carries the bearer token the user
// gave, kept in this tab's sessionStorage (never in a URL); a 401 asks for one (login.tsx). A
// browser with a client certificate presents it itself, and needs no token.

// The answers' types are the server's own (service/placement/api-types.ts: no imports, types only).
import type { PlanDoc } from '../../service/placement/api-types';

export const ZONE_LABEL = 'topology.kubernetes.io/zone';

export type {
  CapacityItem,
  CapacityReportDoc,
  ExplanationList,
  FailoverReportDoc,
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

/** POST /v1/consolidate: a PlanDoc of kind ConsolidatePlan (emptied, standby, spares, hostsInUse, …). */
export type ConsolidatePlan = PlanDoc & { kind: 'ConsolidatePlan' };

/** An error answer: the Status message when there is one. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const TOKEN_KEY = 'placer.token';

export const token = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (t: string): void => sessionStorage.setItem(TOKEN_KEY, t),
  clear: (): void => sessionStorage.removeItem(TOKEN_KEY),
};

/** Who hears of a 401: the console's login form. */
const unauthorizedListeners = new Set<(message: string) => void>();

export function onUnauthorized(listener: (message: string) => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

function withToken(headers: Record<string, string>): Record<string, string> {
  const t = token.get();
  return t ? { ...headers, authorization: `Bearer ${t}` } : headers;
}

async function failure(res: Response): Promise<ApiError> {
  const err = await statusError(res);
  if (res.status === 401) for (const l of unauthorizedListeners) l(err.message);
  return err;
}

async function statusError(res: Response): Promise<ApiError> {
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
  const headers = withToken({ accept: 'application/json' });
  if (etag) headers['if-none-match'] = etag;
  const res = await fetch(path, { headers, cache: 'no-store' });
  if (res.status === 304) return undefined;
  if (!res.ok) throw await failure(res);
  return { body: (await res.json()) as T, etag: res.headers.get('etag') };
}

export async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: withToken({ accept: 'application/json' }) });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

export async function postJson<T>(path: string, body: string, contentType: string): Promise<T> {
  const res = await fetch(path, { method: 'POST', headers: withToken({ accept: 'application/json', 'content-type': contentType }), body });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}
