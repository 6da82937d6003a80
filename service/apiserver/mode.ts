// Kubernetes mode (`placer serve --kubeconfig FILE` or `--in-cluster`): the API server is the
// source of truth. One reflector per resource (resources.ts) keeps the state equal to what the API
// says (sync.ts); replicas elect a leader over a Lease (leader.ts) and only the leader binds
// (binder.ts); followers keep their caches warm and answer /readyz as not ready.
//
// Start-up: connect (a bad kubeconfig fails at once), list every resource in dependency order —
// the state is loaded, and /scheduler and /v1 answer, once every first list is applied — then
// start the watches' steady state and the leader election.

import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { PlacerState } from '../state/state.js';
import { KubeBinder } from './binder.js';
import { KubeClient, loadKubeConfig } from './client.js';
import { defaultIdentity, LeaseElector, SoleLeader, validateLeaseTimings, type Leadership } from './leader.js';
import { KubeMetrics } from './metrics.js';
import { Reflector, type ReflectorOptions } from './reflector.js';
import { WATCHED } from './resources.js';
import { KubeSync } from './sync.js';

export interface KubeOptions {
  /** A kubeconfig file; absent: the in-cluster service account. */
  kubeconfig?: string;
  context?: string;
  leaderElect: boolean;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  leaseName: string;
  /** Default: the kubeconfig context's namespace (in a pod: the pod's namespace). */
  leaseNamespace?: string;
  /** Default: host name + a unique suffix. */
  identity?: string;
  reflector?: ReflectorOptions;
}

/** What the HTTP app needs from Kubernetes mode. */
export interface KubeHooks {
  /** Why the native API's mutating endpoints are refused. */
  readOnly: string;
  /** A native API write's refusal, or undefined for a request Kubernetes mode answers (see `nativeWriteRefusal`). */
  refuse: (method: string, path: string, query: (name: string) => string | undefined) => NativeWriteRefusal | undefined;
  /** Extra /readyz checks. */
  checks: () => [string, boolean][];
  /** The extender's bind. */
  bind: (name: string, namespace: string, uid: string, node: string) => Promise<string>;
}

export const READ_ONLY_MESSAGE =
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
  [/^\/v1\/namespaces\/([^/]+)\/move$/, 'move'],
];

/**
 * Kubernetes mode and the native API's writes (`method` other than GET/HEAD on /v1/...):
 *
 *   - the operations' plans — POST /v1/hosts/{name}/drain, /v1/drain, /v1/rebalance,
 *     /v1/namespaces/{ns}/move with dryRun=true — and POST /v1/explain are answered over the
 *     mirrored state: they change nothing (undefined: let the request through);
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
  // explain (the console's, docs/api.md) only reads: where workloads would go, and why
  if (method === 'POST' && p === '/v1/explain') return undefined;
  const plan = method === 'POST' ? PLANS.find(([re]) => re.test(p)) : undefined;
  if (plan) {
    const dryRun = query('dryRun');
    if (dryRun === 'true' || dryRun === 'All') return undefined;
    const how =
      plan[1] === 'drain'
        ? 'Drain with `kubectl drain NODE` (it cordons the Node and evicts its pods within their PodDisruptionBudgets); kube-scheduler, with placer as its extender, places the re-created pods.'
        : plan[1] === 'rebalance'
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

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export class KubeMode {
  private readonly reflectors: Reflector[] = [];
  private binder: KubeBinder | undefined;
  readonly leadership: Leadership;
  private started = false;

  private constructor(
    private readonly client: KubeClient,
    private readonly opts: KubeOptions,
    private readonly log: Logger,
    private readonly metrics: KubeMetrics,
  ) {
    const identity = opts.identity ?? defaultIdentity();
    this.leadership = opts.leaderElect
      ? new LeaseElector(
          client,
          {
            namespace: opts.leaseNamespace ?? client.namespace,
            name: opts.leaseName,
            identity,
            leaseDurationMs: opts.leaseDurationMs,
            renewDeadlineMs: opts.renewDeadlineMs,
            retryPeriodMs: opts.retryPeriodMs,
          },
          log,
        )
      : new SoleLeader(identity);
    this.leadership.onChange((leader) => this.metrics.leader.set({ name: opts.leaseName }, leader ? 1 : 0));
  }

  static async connect(opts: KubeOptions, log: Logger, registry: Registry): Promise<KubeMode> {
    if (opts.leaderElect) validateLeaseTimings(opts);
    const target = await loadKubeConfig({
      ...(opts.kubeconfig !== undefined && { kubeconfig: opts.kubeconfig }),
      ...(opts.context !== undefined && { context: opts.context }),
    });
    const client = await KubeClient.connect(target);
    log.info({ server: target.server, namespace: target.namespace }, 'Kubernetes mode: the API server is the source of truth');
    return new KubeMode(client, opts, log.child({ mode: 'kubernetes' }), new KubeMetrics(registry));
  }

  /** List everything and start watching; resolves once the state mirrors every first list. */
  async start(state: () => PlacerState): Promise<void> {
    const sync = new KubeSync(state, this.log, this.metrics);
    for (const r of WATCHED) {
      const reflector = new Reflector(this.client, r, sync.handlerFor(r.kind, r.path), this.log, this.metrics, this.opts.reflector);
      this.reflectors.push(reflector);
      await reflector.start();
    }
    this.binder = new KubeBinder(this.client, state, sync, this.leadership, this.log, this.metrics);
    this.leadership.start();
    this.started = true;
    const s = state();
    this.log.info({ hosts: s.hostCount(), placements: s.placementCount() }, 'mirrored the API server');
  }

  hooks(): KubeHooks {
    return {
      readOnly: READ_ONLY_MESSAGE,
      refuse: nativeWriteRefusal,
      checks: () => [
        ['informers-synced', this.started && this.reflectors.every((r) => r.synced)],
        ['leader', this.started && this.leadership.isLeader()],
      ],
      bind: (name, namespace, uid, node) => {
        if (!this.binder) return Promise.resolve('placer: not synced with the API server yet');
        return this.binder.bind(name, namespace, uid, node);
      },
    };
  }

  /** Give up the lease first (a follower takes over at once), then stop watching. */
  async stop(): Promise<void> {
    await this.leadership.stop();
    await Promise.all(this.reflectors.map((r) => r.stop()));
    this.client.close();
  }
}
