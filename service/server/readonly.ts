// The native API in Kubernetes mode: the API server is the source of truth, so placer's own writes
// are refused with a Kubernetes Status that says what to do instead; reads, plans (dryRun), dry-run
// applies and explain still answer over the mirrored state.

const READ_ONLY_MESSAGE =
  'placer runs in Kubernetes mode: the API server is the source of truth, and placer mirrors it. Change the Kubernetes objects instead (kubectl apply, delete, cordon); kube-scheduler binds pods through the extender.';

export interface NativeWriteRefusal {
  code: 405 | 409;
  reason: 'MethodNotAllowed' | 'Conflict';
  message: string;
  /** The Allow header of a 405. */
  allow?: string;
}

/** The operations that plan moves (docs/operations.md): POST with dryRun=true only reads the state. */
const PLANS: readonly [RegExp, string][] = [
  [/^\/v1\/hosts\/([^/]+)\/drain$/, 'drain'],
  [/^\/v1\/drain$/, 'drain'],
  [/^\/v1\/rebalance$/, 'rebalance'],
  [/^\/v1\/consolidate$/, 'consolidate'],
  [/^\/v1\/namespaces\/([^/]+)\/move$/, 'move'],
];

/**
 * Kubernetes mode and the native API's writes (`method` other than GET/HEAD on /v1/...):
 *
 *   - the operations' plans — POST /v1/hosts/{name}/drain, /v1/drain, /v1/rebalance,
 *     /v1/consolidate, /v1/namespaces/{ns}/move with dryRun=true —, POST /v1/apply with dryRun=All (or true),
 *     POST /v1/explain, /v1/failover/simulate and /v1/capacity are answered over the mirrored
 *     state: they change nothing (undefined: let the request through);
 *   - executing one of them is 409 Conflict: the pods run where the API server says, and only
 *     evictions (kubectl drain) and kube-scheduler move them; the message says how;
 *   - every other write (apply, place, release, remove a host, cordon, uncordon) is 405
 *     MethodNotAllowed, Allow: GET, HEAD.
 */
export function nativeWriteRefusal(
  method: string,
  path: string,
  query: (name: string) => string | undefined,
): NativeWriteRefusal | undefined {
  const p = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  // explain (the console's, docs/api.md) only reads: where workloads would go, and why; so do a
  // simulated failure (where the failed hosts' workloads would restart) and capacity headroom
  // (how many more fit: placed and released again, nothing kept)
  if (method === 'POST' && (p === '/v1/explain' || p === '/v1/failover/simulate' || p === '/v1/capacity')) return undefined;
  // a dry-run apply only answers what would happen: a what-if against the mirrored cluster
  if (method === 'POST' && p === '/v1/apply' && isDryRun(query('dryRun'))) return undefined;
  const plan = method === 'POST' ? PLANS.find(([re]) => re.test(p)) : undefined;
  if (plan) {
    if (isDryRun(query('dryRun'))) return undefined;
    const how =
      plan[1] === 'drain'
        ? 'Drain with `kubectl drain NODE` (it cordons the Node and evicts its pods within their PodDisruptionBudgets); kube-scheduler, with placer as its extender, places the re-created pods.'
        : plan[1] === 'rebalance' || plan[1] === 'consolidate'
          ? 'Apply the moves yourself (evict or delete a pod and its controller re-creates it; kube-scheduler, with placer as its extender, places it).'
          : "Change the namespace's NamespacePolicy (spec.placement) or its pods' node selectors, then re-create the pods; kube-scheduler, with placer as its extender, places them.";
    return {
      code: 409,
      reason: 'Conflict',
      message: `placer runs in Kubernetes mode: the API server is the source of truth, and placer does not move pods itself, so it only plans this operation: ask for the plan with dryRun=true. ${how}`,
    };
  }
  const cordon = /^\/v1\/hosts\/([^/]+)\/(cordon|uncordon)$/.exec(p);
  const hint = cordon ? ` Here: \`kubectl ${cordon[2]} ${safeDecode(cordon[1])}\`.` : '';
  return { code: 405, reason: 'MethodNotAllowed', message: READ_ONLY_MESSAGE + hint, allow: 'GET, HEAD' };
}

/** dryRun as the routes take it (service/server/query.ts): All or true. */
const isDryRun = (v: string | undefined): boolean => v === 'All' || v === 'true';

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
