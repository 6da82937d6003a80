// Scheduler mode (service/apiserver/scheduler.ts): a batch of pending pods placed together through
// the engine's batch path — admission and quota, reservations, every filter, scores, priorities,
// gangs all or nothing — and held from then on as placer's own binds (origin "bind"), so that the
// next batch and the extender see them while their Bindings are in flight. A Binding the API
// server refuses gives its placement back (Mirror.gone); the pod watch confirms the others.
//
// Preemption is not part of a batch: every template is placed with preemptionPolicy Never, so the
// engine evicts nothing that the API server still runs.

import type { WorkloadTemplate } from '../../model/types.js';
import type { StateCore } from './core.js';
import { settlePodPriority } from './extender.js';
import { heldOf, type Held } from './held.js';
import { shapeOf } from './shapes.js';

/** One pod of a batch: where it goes, or why it does not. */
export interface Scheduled {
  namespace: string;
  name: string;
  uid: string | null;
  host: string | null;
  /** Why it was not placed (kube-scheduler's wording, the quota or the gang message). */
  failure?: string;
}

/**
 * Place `pods` (one single-instance template each, a gang's pending members all among them) in one
 * engine batch and hold the placed ones. In input order, one answer per pod. Nothing changes if
 * anything throws.
 */
export function scheduleBatch(core: StateCore, pods: readonly WorkloadTemplate[]): Scheduled[] {
  if (pods.length === 0) return [];
  for (const t of pods) {
    core.dropIgnored(t);
    settlePodPriority(core.infra, t);
    t.preemptionPolicy = 'Never';
  }
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
      if (host === null) return { namespace: t.namespace, name: inst.name, uid, host: null, failure: o.failure?.message ?? 'not placed' };
      undo.push(() => e.release(t.kind, t.namespace, inst.name));
      held.push(heldOf(t, inst.name, uid, host, 'bind', shapeOf(t, e.compile(t).priority)));
      return { namespace: t.namespace, name: inst.name, uid, host };
    });
    core.store.commit({ putPlacements: held.map((h) => ({ ...h })) });
    for (const h of held) core.track(h);
    return out;
  });
}
