// Scheduler mode's queue: the pending pods whose spec.schedulerName is one of placer's names, as
// kube-scheduler's scheduling queue keeps its own —
//
//   active    ready to be tried: taken by the next batch, highest priority first, then the oldest;
//             a gang's members always together (every member placer knows that is not in flight);
//   parked    tried and unschedulable: they wait for a change that may help (a Node added or
//             changed, a pod or VM gone, a quota, policy, class or PodGroup changed); a change
//             moves them to backoff;
//   backoff   marked by a change, active once their backoff has passed — kube-scheduler's
//             podInitialBackoffSeconds (1 s) doubled per attempt up to podMaxBackoffSeconds (10 s);
//   flight    in a batch or a Binding POST: neither taken nor marked until its outcome is known.
//
// A pod that arrives in a gang wakes its parked members at once: they waited for it. A pod bound,
// deleted or finished leaves the queue (the watch says so); the caller releases what it held.

import type { Obj } from './client.js';

export type QueueState = 'active' | 'parked' | 'backoff' | 'flight';

export interface QueuedPod {
  key: string;
  namespace: string;
  uid: string;
  /** The pod as the API has it (the latest version seen). */
  obj: Obj;
  priority: number;
  /** PodGroup `namespace/name`, when it is in one. */
  gang: string | undefined;
  /** Order of arrival: oldest first within a priority. */
  seq: number;
  state: QueueState;
  /** Failed attempts so far. */
  attempts: number;
  /** When the last attempt ended (ms since the epoch). */
  lastAttempt: number;
  /** Backoff: when it becomes active. */
  dueAt: number;
}

export interface Backoff {
  initialMs: number;
  maxMs: number;
}

export const SCHEDULER_BACKOFF: Backoff = { initialMs: 1000, maxMs: 10_000 };

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const GANG_LABEL = 'scheduling.x-k8s.io/pod-group';

export class SchedulingQueue {
  private readonly pods = new Map<string, QueuedPod>();
  private readonly active = new Set<string>();
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  /** Called when a pod becomes active. */
  onActive: () => void = () => {};

  constructor(
    private readonly names: ReadonlySet<string>,
    private readonly backoff: Backoff = SCHEDULER_BACKOFF,
  ) {}

  /** Whether placer schedules this pod: one of its schedulerNames, not bound, not finished, not being deleted. */
  owns(o: Obj): boolean {
    const spec = isObj(o.spec) ? o.spec : {};
    const md = isObj(o.metadata) ? o.metadata : {};
    const st = isObj(o.status) ? o.status : {};
    if (!this.names.has(typeof spec.schedulerName === 'string' ? spec.schedulerName : 'default-scheduler')) return false;
    if (typeof spec.nodeName === 'string' && spec.nodeName !== '') return false;
    if (st.phase === 'Succeeded' || st.phase === 'Failed') return false;
    if (md.deletionTimestamp !== undefined && md.deletionTimestamp !== null) return false;
    return !(Array.isArray(spec.schedulingGates) && spec.schedulingGates.length > 0);
  }

  /** A pod as the API has it now: queued, updated, or — no longer placer's to schedule — removed (returned). */
  observe(o: Obj): QueuedPod | undefined {
    const md = isObj(o.metadata) ? o.metadata : {};
    const namespace = typeof md.namespace === 'string' && md.namespace !== '' ? md.namespace : 'default';
    const key = `${namespace}/${String(md.name ?? '')}`;
    const uid = typeof md.uid === 'string' ? md.uid : '';
    const current = this.pods.get(key);
    if (!this.owns(o)) return current && (current.uid === uid || uid === '') ? this.remove(key) : undefined;
    if (current && current.uid === uid) {
      current.obj = o;
      return undefined;
    }
    // new, or re-created under the same name: the old incarnation goes
    const old = current ? this.remove(key) : undefined;
    const spec = isObj(o.spec) ? o.spec : {};
    const labels = isObj(md.labels) ? md.labels : {};
    const group = labels[GANG_LABEL];
    const gang = typeof group === 'string' && group !== '' ? `${namespace}/${group}` : undefined;
    const p: QueuedPod = {
      key,
      namespace,
      uid,
      obj: o,
      priority: typeof spec.priority === 'number' ? spec.priority : 0,
      gang,
      seq: this.seq++,
      state: 'active',
      attempts: 0,
      lastAttempt: 0,
      dueAt: 0,
    };
    this.pods.set(key, p);
    this.activate(p);
    // its gang's parked members waited for it
    if (gang !== undefined) for (const q of this.pods.values()) if (q.gang === gang && q.state === 'parked') this.activate(q);
    return old;
  }

  /** Forget a pod; returns it as it was. */
  remove(key: string): QueuedPod | undefined {
    const p = this.pods.get(key);
    if (!p) return undefined;
    this.pods.delete(key);
    this.active.delete(key);
    return p;
  }

  get(key: string): QueuedPod | undefined {
    return this.pods.get(key);
  }

  /** Every queued pod (tests of the listing: the complete set after a relist). */
  keys(): IterableIterator<string> {
    return this.pods.keys();
  }

  get activeCount(): number {
    return this.active.size;
  }

  /** The queued pods by state, in one pass (the metrics read it at scrape time, not per batch). */
  counts(): Record<QueueState, number> {
    const n: Record<QueueState, number> = { active: 0, parked: 0, backoff: 0, flight: 0 };
    for (const p of this.pods.values()) n[p.state]++;
    return n;
  }

  private activate(p: QueuedPod): void {
    p.state = 'active';
    this.active.add(p.key);
    this.onActive();
  }

  /**
   * The next batch: up to `max` active pods, highest priority first, then the oldest, each with
   * every member of its gang that is not in flight. They are in flight from now on.
   */
  take(max: number): QueuedPod[] {
    const ready = [...this.active].map((k) => this.pods.get(k)!);
    ready.sort((a, b) => b.priority - a.priority || a.seq - b.seq);
    const out: QueuedPod[] = [];
    const gangs = new Set<string>();
    for (const p of ready) {
      if (out.length >= max) break;
      if (p.state !== 'active') continue; // taken with its gang
      if (p.gang !== undefined) {
        if (gangs.has(p.gang)) continue;
        gangs.add(p.gang);
        for (const q of this.pods.values()) if (q.gang === p.gang && q.state !== 'flight') this.fly(q, out);
      } else this.fly(p, out);
    }
    return out;
  }

  private fly(p: QueuedPod, out: QueuedPod[]): void {
    this.active.delete(p.key);
    p.state = 'flight';
    out.push(p);
  }

  /** A pod that could not be placed (or bound): parked until a change; with `retry`, due again after its backoff. */
  failed(p: QueuedPod, retry = false): void {
    if (this.pods.get(p.key) !== p) return;
    p.attempts++;
    p.lastAttempt = Date.now();
    if (retry) this.toBackoff(p);
    else p.state = 'parked';
  }

  /** A pod taken but not tried (leadership lost): active again, its attempts unchanged. */
  requeue(p: QueuedPod): void {
    if (this.pods.get(p.key) === p && p.state === 'flight') this.activate(p);
  }

  /** A pod bound: it leaves the queue. */
  bound(p: QueuedPod): void {
    if (this.pods.get(p.key) === p) this.remove(p.key);
  }

  /** A change that may help the parked pods (of `namespace`, or all): each is due after its backoff. */
  mark(namespace?: string): void {
    for (const p of this.pods.values())
      if (p.state === 'parked' && (namespace === undefined || p.namespace === namespace)) this.toBackoff(p);
  }

  private toBackoff(p: QueuedPod): void {
    const wait = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** Math.min(30, Math.max(0, p.attempts - 1)));
    p.dueAt = p.lastAttempt + wait;
    if (p.dueAt <= Date.now()) return this.activate(p);
    p.state = 'backoff';
    this.wakeAt(p.dueAt);
  }

  private wakeAt(at: number): void {
    if (at >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => this.due(), Math.max(0, at - Date.now()));
  }

  private due(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = Date.now();
    let next = Infinity;
    for (const p of this.pods.values()) {
      if (p.state !== 'backoff') continue;
      if (p.dueAt <= now) this.activate(p);
      else next = Math.min(next, p.dueAt);
    }
    if (next !== Infinity) this.wakeAt(next);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.onActive = () => {};
  }
}
