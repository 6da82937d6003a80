// What users see of scheduler mode, as kube-scheduler shows it:
//
//   an unschedulable pod   the PodScheduled condition False, reason Unschedulable, with placer's
//                          message (a strategic merge patch of pods/status: the other conditions
//                          stay), and a FailedScheduling Event (Warning);
//   a bound pod            a Scheduled Event (Normal): "Successfully assigned NS/NAME to NODE"
//                          (the API server itself sets PodScheduled True when it takes the Binding);
//   a preemptor            status.nominatedNodeName (a patch of pods/status), and on each victim
//                          a Preempted Event (Normal): "Preempted by pod UID on node NODE", its
//                          related object the preemptor — kube-scheduler's wording.
//
// Events are events.k8s.io/v1 with reportingController "placer". They go out in the background,
// after the Bindings (the backlog keeps what happened and when; each body is written as it is
// sent): while Bindings wait or are in flight (`busy`) an Event waits too — an Event is one more
// write for the API server and etcd, as a Binding is, and the Binding is what the pod waits for —
// unless it has waited EVENT_HOLD_MS already: then one at a time, so that none starves under a
// steady stream of pods; once the Bindings are done, a few at a time. EVENT_HOLD_MS is longer than
// the Bindings of a big batch take (5,000 pods: about 4 s on two cores): with a hold of 2 s, one
// Event in twenty still went out among the Bindings (the kube suite's account). The backlog is
// bounded (EVENT_BACKLOG, more than the Bindings of several full batches): past it, as client-go's
// event broadcaster, placer drops events rather than let them hold back scheduling
// (placer_kube_events_total{result="dropped"}). At shutdown the backlog is sent before placer exits
// (DRAIN_CONCURRENCY at a time: no Binding waits any more) until the shutdown's deadline
// (--shutdown-grace-period); what is still waiting then is dropped and counted. The
// condition is written once per message: a pod tried again for the same reason is not patched
// again, and its Event is repeated at most once a minute.

import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { KubeClient } from './client.js';
import { byDeadline } from './deadline.js';
import type { KubeMetrics } from './metrics.js';

/** events.k8s.io/v1 limits `note` to 1 kB. */
const NOTE_LIMIT = 1024;
const EVENT_BACKLOG = 20_000;
const EVENT_CONCURRENCY = 4;
/** At shutdown no Binding is sent any more: the backlog goes this many at a time. */
const DRAIN_CONCURRENCY = 16;
/** While Bindings wait or are in flight, an Event waits this long before it goes (one at a time). */
const EVENT_HOLD_MS = 10_000;
const REPEAT_MS = 60_000;

export interface PodRef {
  namespace: string;
  name: string;
  uid: string;
}

/** A micro-time as the API server writes one: RFC 3339 with six fraction digits. */
const microTime = (d: Date): string => d.toISOString().replace(/Z$/, '000Z');

const truncate = (s: string): string =>
  Buffer.byteLength(s) <= NOTE_LIMIT
    ? s
    : `${Buffer.from(s)
        .subarray(0, NOTE_LIMIT - 3)
        .toString()}...`;

/** An Event waiting in the backlog: its body is written when it is sent (not while the Bindings run). */
interface PendingEvent {
  pod: PodRef;
  type: 'Normal' | 'Warning';
  reason: string;
  action: string;
  note: string;
  related: PodRef | undefined;
  /** When it happened (ms since the epoch): its eventTime. */
  time: number;
  /** When it entered the backlog (performance.now()). */
  at: number;
}

export class PodReporter {
  private readonly backlog: PendingEvent[] = [];
  private running = 0;
  /** Wakes pump() when the oldest Event held back has waited EVENT_HOLD_MS. */
  private hold: NodeJS.Timeout | undefined;
  /** Resolves close() once the backlog is sent. */
  private drained: (() => void) | undefined;
  /** What each pod was last told: uid → message and when its Event went out. */
  private readonly told = new Map<string, { message: string; at: number }>();
  private readonly instance = `placer-${hostname()}`;
  private closed = false;

  constructor(
    private readonly client: KubeClient,
    private readonly log: Logger,
    private readonly metrics: KubeMetrics | undefined,
    /** Bindings are waiting or in flight: Events yield to them. */
    private readonly busy: () => boolean = () => false,
  ) {}

  /** An unschedulable pod: its condition (once per message) and a FailedScheduling Event. */
  unschedulable(pod: PodRef, message: string): void {
    const last = this.told.get(pod.uid);
    const now = Date.now();
    if (last?.message === message && now - last.at < REPEAT_MS) return;
    this.told.set(pod.uid, { message, at: now });
    if (last?.message !== message) void this.condition(pod, message);
    this.event(pod, 'Warning', 'FailedScheduling', 'Scheduling', message);
  }

  /** A bound pod: a Scheduled Event. */
  scheduled(pod: PodRef, node: string): void {
    this.told.delete(pod.uid);
    this.event(pod, 'Normal', 'Scheduled', 'Binding', `Successfully assigned ${pod.namespace}/${pod.name} to ${node}`);
  }

  /** A victim evicted for `by`: a Preempted Event. */
  preempted(victim: PodRef, by: PodRef, node: string): void {
    this.event(victim, 'Normal', 'Preempted', 'Preempting', `Preempted by pod ${by.uid} on node ${node}`, by);
  }

  /** A preemptor's node, in status.nominatedNodeName; false when the API server did not take it. */
  async nominated(pod: PodRef, node: string): Promise<boolean> {
    return this.patchStatus(pod, { nominatedNodeName: node }, 'status.nominatedNodeName');
  }

  /** A pod gone or bound elsewhere: nothing to remember. */
  forget(uid: string): void {
    this.told.delete(uid);
  }

  private async condition(pod: PodRef, message: string): Promise<void> {
    const condition = {
      type: 'PodScheduled',
      status: 'False',
      reason: 'Unschedulable',
      message,
      lastProbeTime: null,
      lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    };
    await this.patchStatus(pod, { conditions: [condition] }, 'the PodScheduled condition');
  }

  /** A strategic merge patch of pods/status (the pod's UID a precondition): the rest of the status stays. */
  private async patchStatus(pod: PodRef, status: Record<string, unknown>, what: string): Promise<boolean> {
    const path = `/api/v1/namespaces/${encodeURIComponent(pod.namespace)}/pods/${encodeURIComponent(pod.name)}/status`;
    try {
      const r = await this.client.request('PATCH', path, {
        body: { metadata: { uid: pod.uid }, status },
        timeoutMs: 10_000,
        contentType: 'application/strategic-merge-patch+json',
      });
      if (r.code < 300) return true;
      this.log.debug({ pod: `${pod.namespace}/${pod.name}`, code: r.code, reason: r.body?.message }, `${what} was not written`);
    } catch (err) {
      this.log.debug({ pod: `${pod.namespace}/${pod.name}`, err: String(err) }, `${what} was not written`);
    }
    return false;
  }

  private event(pod: PodRef, type: 'Normal' | 'Warning', reason: string, action: string, note: string, related?: PodRef): void {
    if (this.closed) return;
    if (this.backlog.length >= EVENT_BACKLOG) {
      this.metrics?.events.inc({ result: 'dropped' });
      return;
    }
    this.backlog.push({ pod, type, reason, action, note, related, time: Date.now(), at: performance.now() });
    this.pump();
  }

  /** Send what the backlog holds, as many at once as the Bindings leave room for (called again when they are done). */
  pump(): void {
    const busy = this.busy() && !this.closed;
    const limit = this.closed ? DRAIN_CONCURRENCY : busy ? 1 : EVENT_CONCURRENCY;
    while (this.running < limit && this.backlog.length > 0) {
      const wait = this.backlog[0].at + EVENT_HOLD_MS - performance.now();
      if (busy && wait > 0) {
        this.hold ??= setTimeout(() => {
          this.hold = undefined;
          this.pump();
        }, wait);
        break;
      }
      const e = this.backlog.shift()!;
      this.running++;
      void this.post(e).finally(() => {
        this.running--;
        this.pump();
      });
    }
    if (this.running === 0 && this.backlog.length === 0) this.drained?.();
  }

  /** The events.k8s.io/v1 Event of `e`. */
  private body(e: PendingEvent): Record<string, unknown> {
    const { pod, related } = e;
    return {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: `${pod.name}.${e.time.toString(16)}${Math.random().toString(16).slice(2, 8)}`, namespace: pod.namespace },
      eventTime: microTime(new Date(e.time)),
      reportingController: 'placer',
      reportingInstance: this.instance.slice(0, 128),
      action: e.action,
      reason: e.reason,
      type: e.type,
      regarding: { apiVersion: 'v1', kind: 'Pod', namespace: pod.namespace, name: pod.name, uid: pod.uid },
      ...(related && { related: { apiVersion: 'v1', kind: 'Pod', namespace: related.namespace, name: related.name, uid: related.uid } }),
      note: truncate(e.note),
    };
  }

  private async post(e: PendingEvent): Promise<void> {
    try {
      // one Event per bound pod: the lean POST, as the Bindings (client.ts post())
      const r = await this.client.post(
        `/apis/events.k8s.io/v1/namespaces/${encodeURIComponent(e.pod.namespace)}/events`,
        JSON.stringify(this.body(e)),
        10_000,
      );
      this.metrics?.events.inc({ result: r.code === 201 ? 'written' : 'refused' });
      if (r.code !== 201) this.log.debug({ code: r.code, reason: r.body?.message }, 'an Event was refused');
    } catch (err) {
      this.metrics?.events.inc({ result: 'refused' });
      this.log.debug({ err: String(err) }, 'an Event was not written');
    }
  }

  /**
   * No more Events; resolves once those waiting are sent, or at `until` (performance.now() time:
   * the shutdown's deadline), the rest dropped.
   */
  async close(until: number): Promise<void> {
    this.closed = true;
    if (this.hold) clearTimeout(this.hold);
    this.hold = undefined;
    const done = new Promise<void>((r) => (this.drained = r));
    this.pump();
    await byDeadline(done, until);
    if (this.backlog.length > 0) {
      this.metrics?.events.inc({ result: 'dropped' }, this.backlog.length);
      this.log.warn({ events: this.backlog.length }, 'Events not sent by the shutdown deadline were dropped');
      this.backlog.length = 0;
    }
  }
}
