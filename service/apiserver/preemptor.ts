// Scheduler mode's preemption: a pod the batch nominated to a host (state/nominate.ts — held there
// on top of its victims, so that no one else takes their room) has its victims evicted through the
// Eviction API and binds once the watch shows them gone.
//
//   evict      POST pods/{name}/eviction (policy/v1, the victim's UID a precondition) for each
//              victim, at once; the API server enforces the PodDisruptionBudgets (429). Each victim
//              evicted gets a Preempted Event.
//   nominate   once every eviction is taken, status.nominatedNodeName on the preemptor, as
//              kube-scheduler sets it.
//   bind       when the last victim is DELETED (or has finished) in the watch — a terminating pod
//              still holds its resources, as in kube — the preemptor goes to the Binding queue.
//   refused    an eviction refused (429 PDB, 404 gone, anything else) or not answered: the
//              preemptor's hold is released, it goes back to the queue with a backoff and is
//              reported Unschedulable with the reason. The victims evicted already terminate; those
//              still running stay accounted, as the mirror has them.
//
// A preemptor deleted meanwhile, or a leader that stops leading, gives its hold back; another
// leader starts over from the pod as the API has it.

import type { Logger } from 'pino';
import type { Evictee } from '../state/state.js';
import type { KubeClient } from './client.js';
import type { KubeMetrics } from './metrics.js';
import type { QueuedPod } from './queue.js';
import type { PodReporter, PodRef } from './report.js';

/** What the scheduler does for a preemption (scheduler.ts). */
export interface PreemptionHooks {
  /** The victims are gone: bind the preemptor to `node`. */
  bind(p: QueuedPod, node: string): void;
  /** The preemption failed: release the hold, back to the queue with a backoff, reported with `message`. */
  failed(p: QueuedPod, message: string): void;
}

interface Preemption {
  p: QueuedPod;
  ref: PodRef;
  node: string;
  /** Victims (uid) not gone yet. */
  waiting: Set<string>;
  /** Every eviction taken. */
  evicted: boolean;
}

const victimKey = (v: { namespace: string; name: string }): string => `${v.namespace}/${v.name}`;

export class Preemptions {
  /** By preemptor key. */
  private readonly running = new Map<string, Preemption>();
  /** Victim uid → its preemption. */
  private readonly byVictim = new Map<string, Preemption>();

  constructor(
    private readonly client: KubeClient,
    private readonly reporter: PodReporter,
    private readonly log: Logger,
    private readonly metrics: KubeMetrics | undefined,
    private readonly hooks: PreemptionHooks,
  ) {}

  /** A victim of a preemption under way (it is not offered again). */
  isVictim(uid: string | null): boolean {
    return uid !== null && this.byVictim.has(uid);
  }

  /** Preemptors waiting for their victims. */
  get size(): number {
    return this.running.size;
  }

  /** Evict `victims` for `p`, held on `node`; it binds once they are gone. */
  start(p: QueuedPod, ref: PodRef, node: string, victims: readonly Evictee[]): void {
    const pr: Preemption = { p, ref, node, waiting: new Set(), evicted: false };
    for (const v of victims) {
      pr.waiting.add(v.uid!);
      this.byVictim.set(v.uid!, pr);
    }
    this.running.set(p.key, pr);
    this.log.info({ pod: p.key, node, victims: victims.map(victimKey) }, 'preempting');
    void this.evictAll(pr, victims).catch((err: unknown) => this.fail(pr, `preemption on node ${node} failed: ${String(err)}`));
  }

  private async evictAll(pr: Preemption, victims: readonly Evictee[]): Promise<void> {
    const refusals = (await Promise.all(victims.map((v) => this.evict(pr, v)))).filter((r): r is string => r !== null);
    if (this.running.get(pr.p.key) !== pr) return; // given up meanwhile
    if (refusals.length > 0) return this.fail(pr, `preemption on node ${pr.node} failed: ${refusals.join('; ')}`);
    pr.evicted = true;
    await this.reporter.nominated(pr.ref, pr.node);
    if (this.running.get(pr.p.key) === pr && pr.waiting.size === 0) this.done(pr);
  }

  /** One Eviction; null when the API server took it, else why not. */
  private async evict(pr: Preemption, v: Evictee): Promise<string | null> {
    const path = `/api/v1/namespaces/${encodeURIComponent(v.namespace)}/pods/${encodeURIComponent(v.name)}/eviction`;
    let refusal: string;
    try {
      const r = await this.client.request('POST', path, {
        body: {
          apiVersion: 'policy/v1',
          kind: 'Eviction',
          metadata: { name: v.name, namespace: v.namespace },
          deleteOptions: { preconditions: { uid: v.uid } },
        },
        timeoutMs: 10_000,
      });
      if (r.code === 201 || r.code === 200) {
        this.metrics?.scheduleEvictions.inc({ result: 'evicted' });
        this.reporter.preempted({ namespace: v.namespace, name: v.name, uid: v.uid! }, pr.ref, pr.node);
        return null;
      }
      refusal = `the API server refused to evict pod ${victimKey(v)}: ${r.code} ${String(r.body?.reason ?? '')}: ${String(r.body?.message ?? '')}`;
    } catch (err) {
      refusal = `evicting pod ${victimKey(v)} failed: ${err instanceof Error ? err.message : String(err)}`;
    }
    this.metrics?.scheduleEvictions.inc({ result: 'refused' });
    this.log.info({ pod: pr.p.key, victim: victimKey(v), err: refusal }, 'an eviction was refused');
    return refusal;
  }

  /** A pod gone (DELETED, or finished): a victim no longer holds its room. */
  gone(uid: string): void {
    const pr = this.byVictim.get(uid);
    if (!pr) return;
    this.byVictim.delete(uid);
    pr.waiting.delete(uid);
    if (pr.evicted && pr.waiting.size === 0 && this.running.get(pr.p.key) === pr) this.done(pr);
  }

  /** The preemptor itself gone, or leadership lost: its preemption ends here; true when it had one. */
  drop(key: string): QueuedPod | undefined {
    const pr = this.running.get(key);
    if (!pr) return undefined;
    this.forget(pr);
    return pr.p;
  }

  /** Every preemption (of the preemptors `which` selects) ends — leadership lost, stop: the preemptors, for the caller to release. */
  dropAll(which: (key: string) => boolean = () => true): QueuedPod[] {
    return [...this.running.keys()].filter(which).map((k) => this.drop(k)!);
  }

  /** The pods were listed again: victims not among `running` (uids) are gone. */
  relisted(running: ReadonlySet<string>): void {
    for (const uid of [...this.byVictim.keys()]) if (!running.has(uid)) this.gone(uid);
  }

  private done(pr: Preemption): void {
    this.forget(pr);
    this.hooks.bind(pr.p, pr.node);
  }

  private fail(pr: Preemption, message: string): void {
    if (this.running.get(pr.p.key) !== pr) return;
    this.forget(pr);
    this.hooks.failed(pr.p, message);
  }

  private forget(pr: Preemption): void {
    this.running.delete(pr.p.key);
    for (const uid of pr.waiting) if (this.byVictim.get(uid) === pr) this.byVictim.delete(uid);
  }
}
