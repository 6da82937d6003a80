// Kubernetes-mode metrics, on the service's registry (service/server/metrics.ts):
//
//   placer_kube_watch_events_total{resource, type}     ADDED | MODIFIED | DELETED | BOOKMARK | ERROR
//   placer_kube_watch_failures_total{resource}         lists and watches that failed (a dead connection
//                                                      noticed, refused, 410 Expired, an error)
//   placer_kube_relists_total{resource, reason}        initial | expired (410) | error | absent
//   placer_kube_bindings_total{result}                 bound | refused
//   placer_kube_unreadable_objects{resource}           API objects placer cannot read (logged)
//   placer_kube_pods_pending_host                      bound pods whose Node placer has not seen yet
//   placer_kube_pod_versions_total{read}               versions of bound pods the watch showed: parsed, or
//                                                      unchanged (nothing placer reads changed: not parsed)
//   placer_kube_pod_reads                              pods whose reads placer keeps to compare (the pods
//                                                      it holds at most: freed with the pod)
//   placer_kube_vms_pending{reason}                    VirtualMachines on a host that wait for their
//                                                      class (reason="class") or Node (reason="host")
//   scheduler mode (scheduler.ts):
//   placer_kube_schedule_attempts_total{result}        pods tried in batches: scheduled | unschedulable
//   placer_kube_schedule_bindings_total{result}        Binding POSTs: bound | refused (released) | error (retried)
//   placer_kube_schedule_batch_seconds                 the engine's time per batch
//   placer_kube_scheduling_queue{state}                active | parked | backoff | flight
//   placer_kube_events_total{result}                   Events written | refused | dropped (backlog full)
//   placer_leader_election_master_status{name}        1 while this replica leads (client-go's gauge)

import { Gauge, Histogram, type Registry } from 'prom-client';
import { HotCounter } from '../metrics/hot.js';

export type BindResult = 'bound' | 'refused';

/**
 * The counters are counted on every watch event, bind and scheduling attempt: plain numbers
 * (service/metrics/hot.ts) with prom-client's exposition; the gauges and the histogram are
 * prom-client's own.
 */
export class KubeMetrics {
  readonly watchEvents: HotCounter<'resource' | 'type'>;
  readonly watchFailures: HotCounter<'resource'>;
  readonly relists: HotCounter<'resource' | 'reason'>;
  readonly bindings: HotCounter<'result'>;
  readonly unreadable: Gauge<'resource'>;
  readonly pendingHost: Gauge;
  readonly podVersions: HotCounter<'read'>;
  readonly podReads: Gauge;
  readonly vmsPending: Gauge<'reason'>;
  readonly scheduleAttempts: HotCounter<'result'>;
  readonly scheduleBindings: HotCounter<'result'>;
  readonly scheduleEvictions: HotCounter<'result'>;
  readonly batchSeconds: Histogram;
  readonly queue: Gauge<'state'>;
  readonly events: HotCounter<'result'>;
  readonly leader: Gauge<'name'>;
  /** Scheduler mode's queue by state, read when the metrics are scraped (the scheduler sets it). */
  queueCounts: (() => Record<string, number>) | undefined;
  /** The values pendingHost and podReads show (set through showWaiting), to set them only when they change. */
  private shown = { pendingHost: -1, podReads: -1 };

  constructor(registry: Registry) {
    const registers = [registry];
    this.watchEvents = new HotCounter({
      name: 'placer_kube_watch_events_total',
      help: 'Watch events received from the API server',
      labelNames: ['resource', 'type'],
      registers,
    });
    this.watchFailures = new HotCounter({
      name: 'placer_kube_watch_failures_total',
      help: 'Lists and watches of the API server that failed: a dead connection noticed, a refused one, 410 Expired, an error',
      labelNames: ['resource'],
      registers,
    });
    this.relists = new HotCounter({
      name: 'placer_kube_relists_total',
      help: 'Complete lists of a resource: the initial one, after 410 Expired, after an error',
      labelNames: ['resource', 'reason'],
      registers,
    });
    this.bindings = new HotCounter({
      name: 'placer_kube_bindings_total',
      help: "Extender binds by result: bound (the API server created the Binding), refused (placer's rules or the API server said no)",
      labelNames: ['result'],
      registers,
    });
    this.unreadable = new Gauge({
      name: 'placer_kube_unreadable_objects',
      help: 'Objects of the API server placer cannot read and does not account (see the logs)',
      labelNames: ['resource'],
      registers,
    });
    this.pendingHost = new Gauge({
      name: 'placer_kube_pods_pending_host',
      help: 'Bound pods waiting for their Node to be seen',
      registers,
    });
    this.podVersions = new HotCounter({
      name: 'placer_kube_pod_versions_total',
      help: 'Versions of bound pods the watch showed: parsed, or unchanged (nothing placer reads of the pod changed; not parsed again)',
      labelNames: ['read'],
      registers,
    });
    this.podReads = new Gauge({
      name: 'placer_kube_pod_reads',
      help: 'Pods whose reads placer keeps to compare the next version with (no more than the pods it holds; freed with the pod)',
      registers,
    });
    this.vmsPending = new Gauge({
      name: 'placer_kube_vms_pending',
      help: 'VirtualMachines on a host waiting for their VirtualMachineClass (reason="class") or Node (reason="host") to be seen',
      labelNames: ['reason'],
      registers,
    });
    this.scheduleAttempts = new HotCounter({
      name: 'placer_kube_schedule_attempts_total',
      help: 'Scheduler mode: pods tried in a batch, by result (scheduled: a host was found; unschedulable)',
      labelNames: ['result'],
      registers,
    });
    this.scheduleBindings = new HotCounter({
      name: 'placer_kube_schedule_bindings_total',
      help: 'Scheduler mode: Binding POSTs by result (bound; refused: the pod was deleted or bound meanwhile, its placement released; error: tried again)',
      labelNames: ['result'],
      registers,
    });
    this.scheduleEvictions = new HotCounter({
      name: 'placer_kube_schedule_evictions_total',
      help: 'Scheduler mode: Eviction POSTs for preemption by result (evicted; refused: by a PodDisruptionBudget, the victim gone, or another error)',
      labelNames: ['result'],
      registers,
    });
    this.batchSeconds = new Histogram({
      name: 'placer_kube_schedule_batch_seconds',
      help: 'Scheduler mode: time to place one batch (parse, engine, hold)',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers,
    });
    this.queue = new Gauge({
      name: 'placer_kube_scheduling_queue',
      help: 'Scheduler mode: pending pods by state (active: to be tried; parked: unschedulable until a change; backoff; flight: being placed or bound)',
      labelNames: ['state'],
      registers,
      collect: () => {
        for (const [state, n] of Object.entries(this.queueCounts?.() ?? {})) this.queue.set({ state }, n);
      },
    });
    this.events = new HotCounter({
      name: 'placer_kube_events_total',
      help: 'Scheduler mode: Events (events.k8s.io/v1) by result: written, refused, dropped (backlog full)',
      labelNames: ['result'],
      registers,
    });
    this.leader = new Gauge({
      name: 'placer_leader_election_master_status',
      help: 'Scheduler mode: whether this replica leads (1) or stands by (0), per lease name',
      labelNames: ['name'],
      registers,
    });
  }

  /**
   * The pods waiting for their Node and (when given) the pods whose reads are kept, as the watch
   * leaves them after an event: set only when they changed (a gauge's set hashes its labels; most events
   * change neither).
   */
  showWaiting(pendingHost: number, podReads?: number): void {
    if (pendingHost !== this.shown.pendingHost) this.pendingHost.set((this.shown.pendingHost = pendingHost));
    if (podReads !== undefined && podReads !== this.shown.podReads) this.podReads.set((this.shown.podReads = podReads));
  }
}
