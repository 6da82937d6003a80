// Prometheus metrics (prom-client), named like kube-scheduler's so that its dashboards port:
// the `placer_` prefix with kube-scheduler's suffixes, labels and label values.
//
//   placer_schedule_attempts_total{result, profile}               result: scheduled | unschedulable | error
//   placer_scheduling_attempt_duration_seconds{result, profile}    profile: extender | native
//   placer_extender_request_duration_seconds{verb, result}        verb: filter | prioritize | preempt | bind
//   placer_extender_choices_total{by}                             by: placer | kube-scheduler (who picked
//                                                                 among several passing nodes: extender-choice.ts)
//   placer_resourcequota{namespace, resourcequota, resource, type}  type: hard | used (kube-state-metrics' shape)
//   placer_namespace_usage{namespace, resource}, placer_namespace_reservation{namespace, resource}
//   placer_hosts, placer_placements, plus the process metrics (placer_process_*, placer_nodejs_*)
//   placer_pending_workloads{namespace, reason}                  reason: Quota | Preempted | Gang | a grade
//   placer_pending_retry_backlog, placer_pending_retries_total, placer_pending_retry_placements_total,
//   placer_pending_retry_evictions_total
//   placer_engine_classes, placer_engine_interned_names{table}, placer_cache_entries{cache},
//   placer_wasm_memory_bytes: what placer keeps, each bounded by the live cluster, not its history
//
// An attempt is one workload instance of POST /v1/apply (profile native), or one extender filter
// call (profile extender: scheduled when at least one node passed) and one bind.
// CPU amounts are exported in cores, everything else in its base unit (bytes, counts).

import { Counter, Gauge, Registry, collectDefaultMetrics, exponentialBuckets } from 'prom-client';
import type { PlacerState, RetryReport } from '../state/state.js';
import { HotCounter, HotHistogram } from '../metrics/hot.js';

export type AttemptResult = 'scheduled' | 'unschedulable' | 'error';
export type Profile = 'extender' | 'native';

const cpuLike = (resource: string): boolean => resource === 'cpu' || resource.endsWith('.cpu');
const toUnits = (resource: string, v: bigint): number => (cpuLike(resource) ? Number(v) / 1000 : Number(v));

export class Metrics {
  readonly registry = new Registry();
  /** Counted and observed on every extender call: kept as plain numbers (service/metrics/hot.ts). */
  readonly attempts: HotCounter<'result' | 'profile'>;
  readonly attemptDuration: HotHistogram<'result' | 'profile'>;
  readonly extenderDuration: HotHistogram<'verb' | 'result'>;
  readonly extenderChoices: HotCounter<'by'>;
  readonly retries: Counter;
  readonly retryPlacements: Counter;
  readonly retryEvictions: Counter;

  constructor(state: () => PlacerState | undefined) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'placer_' });
    this.attempts = new HotCounter({
      name: 'placer_schedule_attempts_total',
      help: 'Number of attempts to schedule workloads, by the result. "unschedulable" means a workload could not be placed, while "error" means an internal or input problem.',
      labelNames: ['result', 'profile'],
      registers,
    });
    this.attemptDuration = new HotHistogram({
      name: 'placer_scheduling_attempt_duration_seconds',
      help: 'Scheduling attempt latency in seconds (admission, filtering, scoring, commit and the durable write)',
      labelNames: ['result', 'profile'],
      buckets: exponentialBuckets(0.001, 2, 15),
      registers,
    });
    this.extenderChoices = new HotCounter({
      name: 'placer_extender_choices_total',
      help: 'Extender filter calls that passed more than one node, by who picked among them: placer (the filter answered its choice) or kube-scheduler (the filter answered every passing node for it to score)',
      labelNames: ['by'],
      registers,
    });
    this.extenderDuration = new HotHistogram({
      name: 'placer_extender_request_duration_seconds',
      help: 'Latency of the scheduler-extender verbs as served by placer',
      labelNames: ['verb', 'result'],
      // 0.1 ms doubling, and 2 ms: the extender's latency target (p99 ≤ 2 ms) is a bucket bound
      buckets: [...exponentialBuckets(0.0001, 2, 16), 0.002].sort((a, b) => a - b),
      registers,
    });
    new Gauge({
      name: 'placer_resourcequota',
      help: 'ResourceQuota hard limits and usage as placer accounts them, per namespace, quota and resource',
      labelNames: ['namespace', 'resourcequota', 'resource', 'type'],
      registers,
      collect() {
        this.reset();
        const s = state();
        if (!s) return;
        for (const ns of s.engine.namespaceUsage()) {
          for (const q of ns.quotas) {
            for (const [resource, hard] of q.hard) {
              this.set({ namespace: ns.namespace, resourcequota: q.name, resource, type: 'hard' }, toUnits(resource, hard));
              this.set(
                { namespace: ns.namespace, resourcequota: q.name, resource, type: 'used' },
                toUnits(resource, q.used.get(resource) ?? 0n),
              );
            }
          }
        }
      },
    });
    new Gauge({
      name: 'placer_namespace_usage',
      help: 'Resources held by the workloads placer placed in a namespace',
      labelNames: ['namespace', 'resource'],
      registers,
      collect() {
        this.reset();
        const s = state();
        if (!s) return;
        for (const ns of s.engine.namespaceUsage())
          for (const [resource, v] of ns.used) if (v !== 0n) this.set({ namespace: ns.namespace, resource }, toUnits(resource, v));
      },
    });
    new Gauge({
      name: 'placer_namespace_reservation',
      help: 'Capacity reserved for a namespace by its NamespacePolicy (aggregate over the cluster)',
      labelNames: ['namespace', 'resource'],
      registers,
      collect() {
        this.reset();
        const s = state();
        if (!s) return;
        for (const ns of s.engine.namespaceUsage())
          for (const [resource, v] of ns.reservation) this.set({ namespace: ns.namespace, resource }, toUnits(resource, v));
      },
    });
    new Gauge({
      name: 'placer_pending_workloads',
      help: 'Workloads placer was asked for and could not place yet, per namespace and the kind of reason of their last attempt',
      labelNames: ['namespace', 'reason'],
      registers,
      collect() {
        this.reset();
        const s = state();
        if (!s) return;
        const counts = new Map<string, { namespace: string; reason: string; n: number }>();
        for (const p of s.pending.all()) {
          const reason = reasonClass(p.reason, p.grade);
          const k = `${p.namespace}\u0000${reason}`;
          const c = counts.get(k);
          if (c) c.n++;
          else counts.set(k, { namespace: p.namespace, reason, n: 1 });
        }
        for (const c of counts.values()) this.set({ namespace: c.namespace, reason: c.reason }, c.n);
      },
    });
    new Gauge({
      name: 'placer_pending_retry_backlog',
      help: 'Pending workloads a change marked for another try, or queued for one, not tried yet (backoff included)',
      registers,
      collect() {
        this.set(state()?.retryBacklog() ?? 0);
      },
    });
    this.retries = new Counter({
      name: 'placer_pending_retries_total',
      help: 'Pending workload instances tried again by the retry loop',
      registers,
    });
    this.retryPlacements = new Counter({
      name: 'placer_pending_retry_placements_total',
      help: 'Pending workload instances the retry loop placed',
      registers,
    });
    this.retryEvictions = new Counter({
      name: 'placer_pending_retry_evictions_total',
      help: 'Placed workloads the retry loop evicted by preemption (pending from then on)',
      registers,
    });
    new Gauge({
      name: 'placer_hosts',
      help: 'Hosts placer knows',
      registers,
      collect() {
        this.set(state()?.hostCount() ?? 0);
      },
    });
    new Gauge({
      name: 'placer_engine_classes',
      help: 'Workload classes the engine holds (a class is freed once none of its workloads is placed)',
      registers,
      collect() {
        this.set(state()?.retained().classes ?? 0);
      },
    });
    new Gauge({
      name: 'placer_engine_interned_names',
      help: 'Interned names placer holds, per table: engine (labels, taints, namespaces, dimensions, constraint programs), counters (topology selector groups and term families), owners and shapes of held placements, stored_shapes',
      labelNames: ['table'],
      registers,
      collect() {
        this.reset();
        const r = state()?.retained();
        if (r) for (const [table, n] of Object.entries(r.interned)) this.set({ table }, n);
      },
    });
    new Gauge({
      name: 'placer_cache_entries',
      help: "Entries of placer's caches: extender_pods (filtered, not yet bound; LRU), extender_pod_texts (LRU, 256), pending (workloads apply could not place)",
      labelNames: ['cache'],
      registers,
      collect() {
        this.reset();
        const r = state()?.retained();
        if (r) for (const [cache, n] of Object.entries(r.cacheEntries)) this.set({ cache }, n);
      },
    });
    new Gauge({
      name: 'placer_wasm_memory_bytes',
      help: 'Linear memory of the Wasm placement core (it never shrinks; flat when its tables are reused)',
      registers,
      collect() {
        this.set(state()?.retained().wasmMemoryBytes ?? 0);
      },
    });
    new Gauge({
      name: 'placer_placements',
      help: 'Placements placer holds',
      registers,
      collect() {
        this.set(state()?.placementCount() ?? 0);
      },
    });
  }

  /** One retry slice (state/retry.ts). */
  retried(r: RetryReport): void {
    this.retries.inc(r.tried);
    this.retryPlacements.inc(r.placed);
    this.retryEvictions.inc(r.evicted);
  }

  attempt(profile: Profile, result: AttemptResult, seconds: number, count = 1): void {
    if (count <= 0) return;
    this.attempts.inc({ result, profile }, count);
    for (let i = 0; i < count; i++) this.attemptDuration.observe({ result, profile }, seconds);
  }
}

/** A pending workload's reason as a label of few values: the quota, preemption, a gang, or kube-scheduler's grade. */
export function reasonClass(reason: string, grade: string): string {
  if (reason.startsWith('exceeded quota') || reason.startsWith('failed quota')) return 'Quota';
  if (reason.startsWith('preempted by ')) return 'Preempted';
  if (reason.startsWith('gang ')) return 'Gang';
  return grade;
}
