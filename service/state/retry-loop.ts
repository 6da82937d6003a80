// The retry loop of standalone mode: it converges the pending workloads on their own, as
// kube-scheduler's queue does with Pending pods and Nomad with blocked evaluations. A change that
// may help marks pending workloads (pending.ts); the loop takes the marked ones whose backoff has
// passed, in priority order, and tries them in slices of at most `slice` instances (a gang's
// pending members always together). Each slice runs synchronously from check to commit, as every
// request does, and the loop yields to the event loop between slices: extender and API requests
// go in between, so a flood of pending work never holds them back for more than one slice.

import type { StateCore } from './core.js';
import { pendingKey, type PendingWorkload } from './pending.js';
import { retrySlice, type RetryReport } from './retry.js';

export interface RetryLoopOptions {
  /** Instances per slice (default 256). */
  slice?: number;
  /** After each slice (metrics). */
  onSlice?: (r: RetryReport) => void;
  /** A slice that failed (its workloads stay pending, tried again on the next change). */
  onError?: (err: unknown) => void;
}

export class RetryLoop {
  private queue: PendingWorkload[] = [];
  private head = 0;
  private scheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private stopped = false;
  private readonly slice: number;

  constructor(
    private readonly core: StateCore,
    private readonly opts: RetryLoopOptions = {},
  ) {
    this.slice = Math.max(1, opts.slice ?? 256);
  }

  /**
   * Start: from now on a change that may help wakes the loop. A restart changes nothing (the
   * store holds the state as it was), so what was pending stays as it was until a change comes.
   */
  start(): void {
    this.core.pending.onMark = () => this.kick();
    if (this.core.pending.markedCount > 0) this.kick();
  }

  stop(): void {
    this.stopped = true;
    this.core.pending.onMark = () => {};
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Pending workloads marked for another try or queued for one: 0 once every change is tried. */
  get backlog(): number {
    return this.core.pending.markedCount + (this.queue.length - this.head);
  }

  /** Whether a slice is queued or due now (tests and benchmarks wait for quiet). */
  get busy(): boolean {
    return this.scheduled || this.head < this.queue.length;
  }

  private kick(): void {
    if (this.stopped || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.run());
  }

  private wakeAt(at: number): void {
    if (at === Infinity || at >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Infinity;
        this.kick();
      },
      Math.max(0, at - Date.now()),
    );
  }

  private run(): void {
    this.scheduled = false;
    if (this.stopped) return;
    if (this.head >= this.queue.length) {
      const { due, next } = this.core.pending.takeDue(Date.now());
      this.queue = due;
      this.head = 0;
      this.wakeAt(next);
      if (due.length === 0) return;
    }
    const batch = this.nextSlice();
    try {
      const r = retrySlice(this.core, batch);
      this.opts.onSlice?.(r);
    } catch (err) {
      this.opts.onError?.(err);
    }
    // the next slice after whatever requests arrived meanwhile
    if (this.head < this.queue.length || this.core.pending.markedCount > 0) this.kick();
  }

  /** The next slice of the queue: still pending as queued, a gang's pending members all together. */
  private nextSlice(): PendingWorkload[] {
    const pending = this.core.pending;
    const batch: PendingWorkload[] = [];
    const taken = new Set<string>();
    const take = (p: PendingWorkload) => {
      const k = pendingKey(p.kind, p.namespace, p.name);
      if (taken.has(k)) return;
      taken.add(k);
      batch.push(p);
    };
    let gangs: Map<string, PendingWorkload[]> | undefined;
    while (this.head < this.queue.length && batch.length < this.slice) {
      const p = this.queue[this.head++];
      // withdrawn, placed or recorded again by a request since it was queued
      if (pending.get(p.kind, p.namespace, p.name) !== p) continue;
      const g = p.template.gang;
      if (!g) {
        take(p);
        continue;
      }
      gangs ??= gangsOf(pending.all());
      for (const m of gangs.get(`${p.namespace}/${g.name}`) ?? [p]) take(m);
    }
    return batch;
  }
}

function gangsOf(all: Iterable<PendingWorkload>): Map<string, PendingWorkload[]> {
  const out = new Map<string, PendingWorkload[]>();
  for (const p of all) {
    const g = p.template.gang;
    if (!g) continue;
    const k = `${p.namespace}/${g.name}`;
    const list = out.get(k);
    if (list) list.push(p);
    else out.set(k, [p]);
  }
  return out;
}
