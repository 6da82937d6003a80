// Scheduler mode (service/apiserver/scheduler.ts): a batch of pending pods placed together through
// the engine's batch path — admission and quota, reservations, every filter, scores, priorities,
// gangs all or nothing — and held from then on as placer's own binds (origin "bind"), so that the
// next batch and the extender see them while their Bindings are in flight. A Binding the API
// server refuses gives its placement back (Mirror.gone); the pod watch confirms the others.
//
// The batch itself is placed with preemptionPolicy Never, so that it evicts nothing the API server
// still runs. Then each pod it left unplaced that may preempt — preemptionPolicy
// PreemptLowerPriority, not a gang member, failing only where an eviction can help — is tried
// alone with preemption, highest priority first (nominate.ts): held on its nominated host, with
// the victims to evict before it binds.

import type { WorkloadTemplate } from '../../model/types.js';
import type { StateCore } from './core.js';
import { settlePodPriority } from './extender.js';
import { heldOf, type Held } from './held.js';
import { nominate, type Victim } from './nominate.js';
import { shapeOf } from './shapes.js';

/** One pod of a batch: where it goes, or why it does not. */
export interface Scheduled {
  namespace: string;
  name: string;
  uid: string | null;
  host: string | null;
  /** Why it was not placed (kube-scheduler's wording, the quota or the gang message). */
  failure?: string;
  /** Placed by preemption: these must be gone before it binds (`host` is its nominated node). */
  victims?: Victim[];
}

/**
 * Place `pods` (one single-instance template each, a gang's pending members all among them) in one
 * engine batch and hold the placed ones. In input order, one answer per pod. Nothing changes if
 * the batch throws. With `mayEvict`, the pods left unplaced may preempt the victims it allows.
 */
export function scheduleBatch(core: StateCore, pods: readonly WorkloadTemplate[], mayEvict?: (v: Victim) => boolean): Scheduled[] {
  if (pods.length === 0) return [];
  const policies = pods.map((t) => t.preemptionPolicy);
  for (const t of pods) {
    core.dropIgnored(t);
    settlePodPriority(core.infra, t);
    t.preemptionPolicy = 'Never';
  }
  const grades: (string | undefined)[] = [];
  const out = placeBatch(core, pods, policies, grades);
  if (!mayEvict) return out;
  const candidates = out
    .flatMap((_, k) => [k])
    .filter((k) => out[k].host === null && grades[k] === 'Unschedulable' && pods[k].gang === undefined && policies[k] !== 'Never')
    // a PriorityClass's preemptionPolicy Never still holds (the engine reads it when the pod names none)
    .map((k) => ({ k, t: { ...pods[k], preemptionPolicy: policies[k] }, priority: core.engine.compile(pods[k]).priority }))
    .sort((a, b) => b.priority - a.priority || a.k - b.k);
  if (candidates.length === 0) return out;
  // only a lower priority is ever evicted: with none held (every pod at the default priority,
  // say), no pod of the batch is tried again
  const lowest = lowestHeldPriority(core);
  for (const { k, t, priority } of candidates) {
    if (priority <= lowest) continue;
    const n = nominate(core, t, mayEvict);
    if (n) out[k] = { ...out[k], host: n.host, failure: undefined, ...(n.victims.length > 0 && { victims: n.victims }) };
  }
  return out;
}

/** Priority by shape (a cache: emptied once it holds well more than the shapes held now). */
const shapePriority = new Map<string, number>();

/** The lowest priority among the placements held (frozen in their shapes); +∞ when none. */
function lowestHeldPriority(core: StateCore): number {
  if (shapePriority.size >= Math.max(1024, 2 * core.held.distinct.shapes)) shapePriority.clear();
  let lowest = Infinity;
  for (const shape of core.held.shapeNames()) {
    let p = shapePriority.get(shape);
    if (p === undefined) shapePriority.set(shape, (p = Number((JSON.parse(shape) as { priority?: number }).priority ?? 0)));
    if (p < lowest) lowest = p;
  }
  return lowest;
}

/**
 * The batch without preemption; `grades[k]` says whether an eviction could help pod k. The
 * placements are held with each pod's own preemptionPolicy (`policies`), as the watch reads the
 * bound pod: its shape is the one the pod watch then confirms.
 */
function placeBatch(
  core: StateCore,
  pods: readonly WorkloadTemplate[],
  policies: readonly WorkloadTemplate['preemptionPolicy'][],
  grades: (string | undefined)[],
): Scheduled[] {
  return core.transact((undo) => {
    const e = core.engine;
    const { outcomes, evictions } = e.place(pods);
    if (evictions.length > 0) throw new Error('placer state: a scheduling batch evicted a workload; batches are placed without preemption');
    const held: Held[] = [];
    const out = outcomes.map((o, k): Scheduled => {
      const t = pods[k];
      const inst = t.instances[0];
      const uid = inst.uid ?? null;
      const host = o.hosts[0];
      if (host === null) {
        grades[k] = o.failure?.grade;
        return { namespace: t.namespace, name: inst.name, uid, host: null, failure: o.failure?.message ?? 'not placed' };
      }
      undo.push(() => e.release(t.kind, t.namespace, inst.name));
      held.push(heldOf(t, inst.name, uid, host, 'bind', shapeOf({ ...t, preemptionPolicy: policies[k] }, e.compile(t).priority)));
      return { namespace: t.namespace, name: inst.name, uid, host };
    });
    core.store.commit({ putPlacements: held.map((h) => ({ ...h })) });
    for (const h of held) core.track(h);
    return out;
  });
}
