// Kubernetes mode (`placer serve --kubeconfig FILE` or `--in-cluster`): the API server is the
// source of truth. One reflector per resource (resources.ts) keeps the state equal to what the API
// says (sync.ts), and the extender's bind creates the pod's Binding (binder.ts).
//
// Replicas do not elect a leader: each serves the kube-scheduler beside it (deploy/), and
// kube-scheduler's own leader election decides which scheduler — and so which placer — schedules
// and binds. Every replica that has listed the API server answers every extender verb, so no call
// fails because of which replica it reached; the API server refuses a second Binding of a pod.
//
// With --scheduler-name (scheduler.ts) placer also schedules, in batches, the pending pods whose
// spec.schedulerName is one of its names; kube-scheduler keeps the others.
//
// Start-up: connect (a bad kubeconfig fails at once), list every resource — the lists travel
// together, while the engine is instantiated, and their sets are applied in dependency order
// (resources.ts) once it is; the state is loaded, and
// /scheduler and /v1 answer, once every first list is applied — then keep watching. Scheduler
// mode seeks its Lease while the lists come, and schedules once they are applied: a released or
// absent Lease is not on the way to the first Binding.
//
// The HTTP app knows KubeMode only by the shape it asks for (a Kubernetes port: checks() for
// /readyz, bind() for the extender); the composition root, service/serve.ts, hands it over.

import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { PlacerState } from '../state/state.js';
import { KubeBinder } from './binder.js';
import { KubeClient, loadKubeConfig } from './client.js';
import { DelegatedAuth } from './delegated.js';
import { defaultIdentity, LeaseElector, validateLeaseTimings } from './leader.js';
import { KubeMetrics } from './metrics.js';
import { Reflector, type ReflectorOptions } from './reflector.js';
import { WATCHED } from './resources.js';
import { KubeScheduler, type SchedulerModeOptions } from './scheduler.js';
import { KubeSync } from './sync.js';

export interface KubeOptions {
  /** A kubeconfig file; absent: the in-cluster service account. */
  kubeconfig?: string;
  context?: string;
  reflector?: ReflectorOptions;
  /** Scheduler mode: schedule the pods whose spec.schedulerName is one of these names (scheduler.ts). */
  scheduler?: SchedulerModeOptions;
}

export class KubeMode {
  private readonly reflectors: Reflector[] = [];
  private binder: KubeBinder | undefined;
  private scheduler: KubeScheduler | undefined;
  private elector: LeaseElector | undefined;
  private started = false;
  /** What is told of every pod the watch shows bound (the extender's choice: extender-choice.ts). */
  private readonly podBound: ((namespace: string, name: string) => void)[] = [];

  private constructor(
    private readonly client: KubeClient,
    private readonly opts: KubeOptions,
    private readonly log: Logger,
    private readonly metrics: KubeMetrics,
  ) {}

  /** TokenReview and SubjectAccessReview through this API server (delegated.ts). */
  delegatedAuth(): DelegatedAuth {
    return new DelegatedAuth(this.client);
  }

  static async connect(opts: KubeOptions, log: Logger, registry: Registry): Promise<KubeMode> {
    if (opts.scheduler?.leaderElection) validateLeaseTimings(opts.scheduler.leaderElection);
    const target = await loadKubeConfig({
      ...(opts.kubeconfig !== undefined && { kubeconfig: opts.kubeconfig }),
      ...(opts.context !== undefined && { context: opts.context }),
    });
    const client = await KubeClient.connect(target);
    log.info({ server: target.server, namespace: target.namespace }, 'Kubernetes mode: the API server is the source of truth');
    return new KubeMode(client, opts, log.child({ mode: 'kubernetes' }), new KubeMetrics(registry));
  }

  /**
   * List everything and start watching; resolves once the state mirrors every first list. The
   * lists are sent at once; the first is applied once `ready` settles (the state is open).
   */
  async start(state: () => PlacerState, ready: Promise<void> = Promise.resolve()): Promise<void> {
    const sync = new KubeSync(state, this.log, this.metrics);
    if (this.podBound.length > 0) sync.podBound = (namespace, name) => this.podBound.forEach((l) => l(namespace, name));
    if (this.opts.scheduler) {
      // before the first lists: the pending pods they hold are queued as they come
      this.scheduler = new KubeScheduler(
        this.client,
        state,
        sync,
        this.log.child({ scheduler: this.opts.scheduler.names }),
        this.metrics,
        this.opts.scheduler,
      );
      sync.listener = this.scheduler;
    }
    // the Lease is sought while the lists come: a replica that leads schedules once they are applied
    if (this.scheduler) this.elect(this.scheduler, this.opts.scheduler!);
    // every first list at once, each handed over after the one before it (WATCHED's dependency order)
    let before: Promise<void> = ready;
    const listed: Promise<void>[] = [];
    for (const r of WATCHED) {
      const reflector = new Reflector(this.client, r, sync.handlerFor(r.kind, r.path), this.log, this.metrics, this.opts.reflector);
      this.reflectors.push(reflector);
      before = reflector.start(before);
      listed.push(before);
    }
    await Promise.all(listed);
    this.binder = new KubeBinder(this.client, state, sync, this.log, this.metrics);
    this.started = true;
    const s = state();
    this.log.info({ hosts: s.hostCount(), placements: s.placementCount() }, 'mirrored the API server');
    if (this.scheduler) {
      this.log.info({ schedulerNames: this.opts.scheduler!.names, pending: this.scheduler.queue.activeCount }, 'scheduler mode');
      this.scheduler.lead(this.elector ? this.elector.isLeader() : true);
    }
  }

  /** With leader election, schedule only while this replica holds the Lease (and has mirrored the API server). */
  private elect(scheduler: KubeScheduler, o: SchedulerModeOptions): void {
    const le = o.leaderElection;
    if (!le) return;
    const elector = new LeaseElector(
      this.client,
      {
        namespace: le.namespace ?? this.client.namespace,
        name: le.name,
        identity: defaultIdentity(),
        leaseDurationMs: le.leaseDurationMs,
        renewDeadlineMs: le.renewDeadlineMs,
        retryPeriodMs: le.retryPeriodMs,
      },
      this.log,
    );
    this.metrics.leader.set({ name: le.name }, 0);
    elector.onChange((leader) => {
      this.metrics.leader.set({ name: le.name }, leader ? 1 : 0);
      if (this.started) scheduler.lead(leader);
    });
    this.elector = elector;
    elector.start();
  }

  /** Extra /readyz checks: every first list applied; every watch working (else the mirror may be stale). */
  checks(): [string, boolean][] {
    return [
      ['informers-synced', this.started && this.reflectors.every((r) => r.synced)],
      ['watches', this.started && this.reflectors.every((r) => r.healthy)],
    ];
  }

  /** Calls `listener` whenever the pod watch shows a pod bound; registered before start(). */
  onPodBound(listener: (namespace: string, name: string) => void): void {
    this.podBound.push(listener);
  }

  /** The extender's bind (binder.ts); resolves with ExtenderBindingResult.Error ('' when bound). */
  bind(name: string, namespace: string, uid: string, node: string): Promise<string> {
    if (!this.binder) return Promise.resolve('placer: not synced with the API server yet');
    return this.binder.bind(name, namespace, uid, node);
  }

  /**
   * The first half of a shutdown, beside the HTTP server's (whose extender binds in flight still
   * need the client and the watch): stop scheduling and give up the Lease (a standby takes over
   * at once), then wait until `until` (performance.now() time) at the latest for scheduler mode's
   * Bindings in flight and its Events.
   */
  async drain(until: number): Promise<void> {
    this.scheduler?.lead(false);
    await this.elector?.stop();
    await this.scheduler?.stop(until);
  }

  /** The second half: stop watching and close the client (what is still in flight fails). */
  async close(): Promise<void> {
    await Promise.all(this.reflectors.map((r) => r.stop()));
    this.client.close();
  }

  /** Both halves, for a start that failed: nothing has been served. */
  async stop(): Promise<void> {
    await this.drain(performance.now());
    await this.close();
  }
}
