// Kubernetes mode (`placer serve --kubeconfig FILE` or `--in-cluster`): the API server is the
// source of truth. One reflector per resource (resources.ts) keeps the state equal to what the API
// says (sync.ts); replicas elect a leader over a Lease (leader.ts) and only the leader binds
// (binder.ts); followers keep their caches warm and answer /readyz as not ready.
//
// Start-up: connect (a bad kubeconfig fails at once), list every resource in dependency order —
// the state is loaded, and /scheduler and /v1 answer, once every first list is applied — then
// start the watches' steady state and the leader election.
//
// The HTTP app knows KubeMode only by the shape it asks for (a Kubernetes port: checks() for
// /readyz, bind() for the extender); the composition root, service/serve.ts, hands it over.

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

  /** Extra /readyz checks: every first list applied and the watches synced; this replica leads. */
  checks(): [string, boolean][] {
    return [
      ['informers-synced', this.started && this.reflectors.every((r) => r.synced)],
      ['leader', this.started && this.leadership.isLeader()],
    ];
  }

  /** The extender's bind (binder.ts); resolves with ExtenderBindingResult.Error ('' when bound). */
  bind(name: string, namespace: string, uid: string, node: string): Promise<string> {
    if (!this.binder) return Promise.resolve('placer: not synced with the API server yet');
    return this.binder.bind(name, namespace, uid, node);
  }

  /** Give up the lease first (a follower takes over at once), then stop watching. */
  async stop(): Promise<void> {
    await this.leadership.stop();
    await Promise.all(this.reflectors.map((r) => r.stop()));
    this.client.close();
  }
}
