// Scheduler mode (`placer serve --kubeconfig … --scheduler-name placer`): placer schedules, on its
// own, every pending pod whose spec.schedulerName is one of its names; kube-scheduler keeps the
// others. Both see each other's bindings through the pod watch, so capacity is shared.
//
//   collect   pending pods enter the queue (queue.ts) from the pod watch; a batch starts
//             `batchWindowMs` after the first pod arrives, or at once when `batchSize` are waiting;
//   place     the batch goes through the engine a slice at a time (SLICE_PODS pods, a gang never
//             split; state/schedule.ts: quota, reservations, policy, filters, affinity, spread,
//             priorities, gangs all or nothing), the event loop free between slices: the first
//             Bindings leave while the rest of the batch is placed, and the answers of those in
//             flight are taken as they come. The placed pods are held — assumed, as kube-scheduler
//             says — so the next slice, the next batch and the extender see them while their
//             Bindings are in flight;
//   bind      POST pods/binding, the pod's UID as a precondition, at most `bindConcurrency` at
//             once. 201: bound (a Scheduled Event). A refusal — the pod deleted (404), bound
//             elsewhere or being deleted (409) — releases the placement; the pod leaves the queue,
//             and the watch tells the rest. No answer, or another error: released and tried again
//             after a backoff — unless the watch shows the pod bound there (a Binding taken whose
//             answer was lost);
//   preempt   a pod the batch left unplaced may preempt (state/schedule.ts, nominate.ts): with
//             preemptionPolicy PreemptLowerPriority, not a gang member (a gang never preempts),
//             where an eviction can help, as the engine chooses victims (lower priority only, the
//             fewest PDB violations) among pods the API server shows bound — never a pod whose
//             Binding is in flight, a preemptor waiting, a victim already being evicted, or a
//             VirtualMachine. It is held on its nominated node on top of its victims, so that no
//             batch and no extender call takes their room; preemptor.ts evicts them (Eviction API,
//             the API server enforcing PDBs), sets nominatedNodeName, and binds it once the watch
//             shows them gone. A refused eviction releases the hold: backoff, Unschedulable;
//   report    an unplaced pod gets PodScheduled False/Unschedulable with placer's message and a
//             FailedScheduling Event (report.ts), and waits, parked, for a change that may help:
//             a Node added or changed, a pod or VM gone, a quota, policy, class or PodGroup changed.

import type { Logger } from 'pino';
import { InputError } from '../../model/errors.js';
import type { WorkloadTemplate } from '../../model/types.js';
import type { Evictee, PlacerState } from '../state/state.js';
import { boundThere } from './binder.js';
import type { KubeClient, Obj } from './client.js';
import { byDeadline } from './deadline.js';
import type { KubeMetrics } from './metrics.js';
import { SchedulingQueue, type QueuedPod } from './queue.js';
import { Preemptions } from './preemptor.js';
import { PodReporter } from './report.js';
import { podBindingJson, podBindingPath } from './resources.js';
import type { KubeSync, SyncListener } from './sync.js';

export interface SchedulerModeOptions {
  /** The spec.schedulerName values placer schedules. */
  names: readonly string[];
  /** How long pending pods are collected before a batch (ms). */
  batchWindowMs: number;
  /** A batch starts at once when this many pods wait, and holds at most this many. */
  batchSize: number;
  /** Binding POSTs in flight at most. */
  bindConcurrency: number;
  /** Only the holder of this Lease schedules (leader.ts); absent: this replica always schedules. */
  leaderElection?: {
    leaseDurationMs: number;
    renewDeadlineMs: number;
    retryPeriodMs: number;
    name: string;
    /** Default: the kubeconfig context's namespace (in a pod: its own). */
    namespace?: string;
  };
}

const POD_COLLECTION = '/api/v1/pods';
/**
 * Pods placed in one engine call before the event loop runs again (a gang is never split): a
 * slice takes a few milliseconds, less than the Bindings in flight take to come back.
 */
const SLICE_PODS = 64;
/** Kinds whose change may let a parked pod fit (a Node, a VM gone, a quota, policy, class, PodGroup). */
const HELPFUL = new Set([
  'Node',
  'Namespace',
  'ResourceQuota',
  'NamespacePolicy',
  'PriorityClass',
  'PodGroup',
  'VirtualMachine',
  'VirtualMachineClass',
]);

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export class KubeScheduler implements SyncListener {
  readonly queue: SchedulingQueue;
  private readonly reporter: PodReporter;
  private readonly preemptions: Preemptions;
  private window: NodeJS.Timeout | undefined;
  private cycleQueued = false;
  /** The rest of the batch being placed, slice by slice (in flight in the queue, not placed yet). */
  private slices: QueuedPod[][] = [];
  private readonly binds: { p: QueuedPod; node: string }[] = [];
  private binding = 0;
  /** At stop: called once no Binding is in flight. */
  private bindsDone: (() => void) | undefined;
  private leading = false;
  private stopped = false;

  constructor(
    private readonly client: KubeClient,
    private readonly state: () => PlacerState,
    private readonly sync: KubeSync,
    private readonly log: Logger,
    private readonly metrics: KubeMetrics | undefined,
    private readonly opts: SchedulerModeOptions,
  ) {
    this.queue = new SchedulingQueue(new Set(opts.names));
    this.queue.onActive = () => this.kick();
    if (metrics) metrics.queueCounts = () => this.queue.counts();
    this.reporter = new PodReporter(client, log, metrics, () => this.backlog > 0);
    this.preemptions = new Preemptions(client, this.reporter, log, metrics, {
      bind: (p, node) => {
        this.sync.assume(p.namespace, nameOf(p), p.uid);
        this.binds.push({ p, node });
        this.pump();
      },
      failed: (p, message) => {
        this.release(p);
        this.unschedulable(p, message, true);
        // what it held is free again
        this.queue.mark();
      },
    });
    metrics?.queue.reset();
  }

  /**
   * Start (or stop) scheduling: only a leader schedules (HA); the queue is kept either way. A
   * replica that stops leading sends no Binding it has not sent yet and waits for no victims:
   * those placements are released and their pods wait in the queue for whoever leads.
   */
  lead(on: boolean): void {
    this.leading = on;
    if (on) return this.kick();
    if (this.window) clearTimeout(this.window);
    this.window = undefined;
    for (const p of [...this.binds.splice(0).map((b) => b.p), ...this.preemptions.dropAll()]) {
      this.release(p);
      this.queue.requeue(p);
    }
    // taken, not placed: nothing to give back
    for (const p of this.slices.splice(0).flat()) this.queue.requeue(p);
  }

  // ------------------------------------------------------------------ the mirror's events

  pod(type: 'ADDED' | 'MODIFIED' | 'DELETED', o: Obj): void {
    const md = isObj(o.metadata) ? o.metadata : {};
    const spec = isObj(o.spec) ? o.spec : {};
    const st = isObj(o.status) ? o.status : {};
    const bound = typeof spec.nodeName === 'string' && spec.nodeName !== '';
    if (type === 'DELETED') {
      const namespace = typeof md.namespace === 'string' && md.namespace !== '' ? md.namespace : 'default';
      const p = this.queue.get(`${namespace}/${String(md.name ?? '')}`);
      if (p && p.uid === md.uid) {
        // a preemptor deleted while its victims terminate gives its hold back
        const preemptor = this.preemptions.drop(p.key);
        if (preemptor) this.release(preemptor);
        this.queue.remove(p.key);
      }
      if (typeof md.uid === 'string') {
        this.reporter.forget(md.uid);
        this.preemptions.gone(md.uid);
      }
      // a bound pod gone frees its host
      if (bound) this.queue.mark();
      return;
    }
    if (bound && (st.phase === 'Succeeded' || st.phase === 'Failed')) {
      if (typeof md.uid === 'string') this.preemptions.gone(md.uid);
      this.queue.mark();
    }
    this.observe(o);
  }

  pods(items: readonly Obj[]): void {
    const seen = new Set<string>();
    const running = new Set<string>();
    for (const o of items) {
      const md = isObj(o.metadata) ? o.metadata : {};
      const namespace = typeof md.namespace === 'string' && md.namespace !== '' ? md.namespace : 'default';
      seen.add(`${namespace}/${String(md.name ?? '')}`);
      const phase = isObj(o.status) ? o.status.phase : undefined;
      if (typeof md.uid === 'string' && phase !== 'Succeeded' && phase !== 'Failed') running.add(md.uid);
      this.observe(o);
    }
    // victims gone, and preemptors deleted, while the watch was down
    for (const p of this.preemptions.dropAll((key) => !seen.has(key))) {
      this.release(p);
      this.queue.remove(p.key);
    }
    this.preemptions.relisted(running);
    // gone while the watch was down; those in flight learn it from their Binding
    for (const k of [...this.queue.keys()]) if (!seen.has(k) && this.queue.get(k)!.state !== 'flight') this.queue.remove(k);
    this.queue.mark();
  }

  changed(kind: string, namespace?: string): void {
    if (!HELPFUL.has(kind)) return;
    // a quota is its namespace's own; a policy's reservation and failover room are held against
    // every other namespace, so its change, like everything else, may help anyone
    this.queue.mark(kind === 'ResourceQuota' ? namespace : undefined);
  }

  /** A pod the watch shows: queued unless placer holds this incarnation already (its Binding in flight or just taken). */
  private observe(o: Obj): void {
    const md = isObj(o.metadata) ? o.metadata : {};
    const namespace = typeof md.namespace === 'string' && md.namespace !== '' ? md.namespace : 'default';
    const held = this.state().heldPod(namespace, String(md.name ?? ''));
    if (held && held.uid === md.uid) return;
    const old = this.queue.observe(o);
    if (old) this.reporter.forget(old.uid);
  }

  // ------------------------------------------------------------------ batches

  private kick(): void {
    if (!this.leading || this.stopped || this.cycleQueued) return;
    if (this.queue.activeCount >= this.opts.batchSize) {
      if (this.window) clearTimeout(this.window);
      this.window = undefined;
      this.cycleQueued = true;
      setImmediate(() => this.cycle());
    } else if (!this.window && this.queue.activeCount > 0) {
      this.window = setTimeout(() => {
        this.window = undefined;
        this.cycleQueued = true;
        this.cycle();
      }, this.opts.batchWindowMs);
    }
  }

  private cycle(): void {
    if (!this.leading || this.stopped) {
      this.cycleQueued = false;
      return;
    }
    if (this.slices.length === 0) this.slices = slicesOf(this.queue.take(this.opts.batchSize));
    const slice = this.slices.shift();
    // pods deleted or re-created since the batch was taken are not placed
    const batch = (slice ?? []).filter((p) => this.queue.get(p.key) === p);
    if (batch.length > 0) {
      try {
        this.place(batch);
      } catch (err) {
        // the state is as before: every pod of the slice is tried again after its backoff
        this.log.error({ err, pods: batch.length }, 'placing a batch failed; its pods are tried again');
        for (const p of batch) this.queue.failed(p, true);
      }
    }
    // the next slice after the I/O waiting (Bindings answered, watch events), as kube-scheduler's
    // binding cycle runs beside its scheduling cycle
    if (this.slices.length > 0) return void setImmediate(() => this.cycle());
    this.cycleQueued = false;
    this.kick();
  }

  private place(batch: QueuedPod[]): void {
    const t0 = performance.now();
    const state = this.state();
    const templates: WorkloadTemplate[] = [];
    const pods: QueuedPod[] = [];
    for (const p of batch) {
      const held = state.heldPod(p.namespace, nameOf(p));
      if (held) {
        // an earlier incarnation placer still holds (its deletion has not reached the watch yet)
        this.queue.failed(p, true);
        continue;
      }
      let t: WorkloadTemplate | undefined;
      try {
        t = this.sync.parsePod(p.obj, POD_COLLECTION);
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        this.unschedulable(p, `placer cannot read this pod: ${err.message}`);
        continue;
      }
      if (!t) {
        this.queue.remove(p.key);
        continue;
      }
      templates.push(t);
      pods.push(p);
    }
    const results = state.schedule(templates, (v) => this.mayEvict(v));
    this.metrics?.batchSeconds.observe((performance.now() - t0) / 1000);
    let placed = 0;
    results.forEach((r, k) => {
      const p = pods[k];
      if (r.host === null) return this.unschedulable(p, r.failure ?? 'not placed');
      this.metrics?.scheduleAttempts.inc({ result: 'scheduled' });
      this.sync.heldFrom(p.obj);
      if (r.victims) {
        // held on its nominated node until the victims are gone (preemptor.ts)
        this.sync.assume(p.namespace, r.name, p.uid, true);
        this.preemptions.start(p, { namespace: p.namespace, name: r.name, uid: p.uid }, r.host, r.victims);
        return;
      }
      this.sync.assume(p.namespace, r.name, p.uid);
      this.binds.push({ p, node: r.host });
      placed++;
    });
    this.log.debug({ pods: batch.length, placed, ms: Math.round(performance.now() - t0) }, 'batch placed');
    this.pump();
  }

  /**
   * A victim the batch may preempt: a pod the API server shows bound there (not one whose Binding
   * is in flight, not a preemptor waiting), and not one being evicted already. VirtualMachines are
   * vm-operator's: never evicted.
   */
  private mayEvict(v: Evictee): boolean {
    if (v.kind !== 'Pod' || v.uid === null || this.preemptions.isVictim(v.uid)) return false;
    const api = this.sync.apiPlacement(v.namespace, v.name);
    return api !== undefined && api.uid === v.uid && api.node === v.host;
  }

  /** Not placed: parked until a change (with `retry`, due again after its backoff), and reported. */
  private unschedulable(p: QueuedPod, message: string, retry = false): void {
    this.metrics?.scheduleAttempts.inc({ result: 'unschedulable' });
    this.queue.failed(p, retry);
    this.reporter.unschedulable({ namespace: p.namespace, name: nameOf(p), uid: p.uid }, message);
  }

  // ------------------------------------------------------------------ bindings

  private pump(): void {
    while (this.binding < this.opts.bindConcurrency && this.binds.length > 0) {
      const { p, node } = this.binds.shift()!;
      this.binding++;
      void this.bind(p, node)
        .catch((err: unknown) => this.log.error({ err, pod: p.key }, 'binding failed unexpectedly'))
        .finally(() => {
          this.binding--;
          this.pump();
          if (this.binding === 0) {
            this.bindsDone?.();
            // the Bindings are done: the Events they left go out at full speed
            this.reporter.pump();
          }
        });
    }
  }

  private async bind(p: QueuedPod, node: string): Promise<void> {
    const name = nameOf(p);
    const ref = { namespace: p.namespace, name, uid: p.uid };
    if (this.stopped) return;
    if (!this.leading) {
      // leadership lost while it waited: the next leader binds it
      this.release(p);
      this.queue.requeue(p);
      return;
    }
    if (this.queue.get(p.key) !== p) {
      // deleted or re-created while it waited for its turn
      this.release(p);
      this.metrics?.scheduleBindings.inc({ result: 'refused' });
      return;
    }
    let failure: string;
    let retry = true;
    try {
      const r = await this.client.post(podBindingPath(p.namespace, name), podBindingJson(p.namespace, name, p.uid, node), 10_000);
      if (r.code === 201 || r.code === 200) return this.bound(p, ref, node);
      const message = String(r.body?.message ?? '');
      failure = `${r.code} ${String(r.body?.reason ?? '')}: ${message}`;
      const assigned = /is already assigned to node "(.*)"$/.exec(message);
      if (r.code === 409 && assigned?.[1] === node && (await boundThere(this.sync, p.namespace, name, p.uid, node, 1500)))
        return this.bound(p, ref, node);
      // gone, bound elsewhere, being deleted, a stale UID: final; the watch tells the rest
      retry = r.code !== 404 && r.code !== 409;
    } catch (err) {
      failure = err instanceof Error ? err.message : String(err);
      if (await boundThere(this.sync, p.namespace, name, p.uid, node, 1500)) return this.bound(p, ref, node);
    }
    this.release(p);
    this.metrics?.scheduleBindings.inc({ result: retry ? 'error' : 'refused' });
    this.log.info(
      { pod: p.key, node, err: failure },
      retry ? 'binding failed; the pod is tried again' : 'the API server refused the Binding; its placement is released',
    );
    if (retry) this.queue.failed(p, true);
    else this.queue.remove(p.key);
    // what it held is free again
    this.queue.mark();
  }

  private bound(p: QueuedPod, ref: { namespace: string; name: string; uid: string }, node: string): void {
    this.metrics?.scheduleBindings.inc({ result: 'bound' });
    this.queue.bound(p);
    this.reporter.scheduled(ref, node);
    this.log.debug({ pod: p.key, node }, 'bound');
  }

  /** Give a pod's placement back, unless the API shows this incarnation bound meanwhile (the watch holds it then). */
  private release(p: QueuedPod): void {
    const name = nameOf(p);
    this.sync.forget(p.namespace, name);
    const api = this.sync.apiPlacement(p.namespace, name);
    if (!(api && api.uid === p.uid)) this.state().mirrorGone('Pod', p.namespace, name, p.uid || undefined);
  }

  /** Binding POSTs waiting or in flight (tests wait for quiet). */
  get backlog(): number {
    return this.binds.length + this.binding;
  }

  /**
   * Stop scheduling; resolves once the Bindings in flight have their answer and the Events
   * waiting are sent (report.ts), or at `until` (performance.now() time: the shutdown's deadline).
   * A Binding not sent yet is not sent: its pod waits for whoever leads next.
   */
  async stop(until: number): Promise<void> {
    this.lead(false);
    this.stopped = true;
    this.preemptions.dropAll();
    if (this.window) clearTimeout(this.window);
    this.queue.stop();
    if (this.binding > 0) await byDeadline(new Promise<void>((r) => (this.bindsDone = r)), until);
    await this.reporter.close(until);
  }
}

/** A batch in slices of about SLICE_PODS, in its order; a gang's members (taken together) stay in one slice. */
function slicesOf(batch: QueuedPod[]): QueuedPod[][] {
  const out: QueuedPod[][] = [];
  let cur: QueuedPod[] = [];
  for (let i = 0; i < batch.length;) {
    const gang = batch[i].gang;
    let j = i + 1;
    if (gang !== undefined) while (j < batch.length && batch[j].gang === gang) j++;
    if (cur.length > 0 && cur.length + (j - i) > SLICE_PODS) {
      out.push(cur);
      cur = [];
    }
    for (let k = i; k < j; k++) cur.push(batch[k]);
    i = j;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

function nameOf(p: QueuedPod): string {
  return p.key.slice(p.namespace.length + 1);
}
