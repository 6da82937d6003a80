// Scheduler mode's preemption (service/apiserver/preemptor.ts): a pending pod that a batch could not
// place, placed alone with preemption on, as the engine chooses victims (lower priority only, the
// fewest PodDisruptionBudget violations, kube-scheduler's DefaultPreemption order). The API server
// still runs the victims until the watch shows them gone, so they stay accounted: the engine's
// evictions are taken back at once, and the preemptor is held on its nominated host on top of them
// — that host looks full to the next batch and to the extender until the victims are gone, as
// kube-scheduler counts nominated pods on their node. The host is over its allocatable meanwhile
// by exactly what the victims hold.

import type { WorkloadTemplate } from '../../model/types.js';
import type { StateCore } from './core.js';
import { heldOf } from './held.js';
import { shapeOf } from './shapes.js';

/** A running workload the engine would evict. */
export interface Victim {
  kind: string;
  namespace: string;
  name: string;
  uid: string | null;
  host: string;
}

/** Where a preemptor is held, and whom it needs gone first (none: it fits as it is). */
export interface Nomination {
  host: string;
  victims: Victim[];
}

/**
 * Place `t` (one pending pod, its preemptionPolicy as the pod has it) with preemption, and hold it
 * on the chosen host beside its victims. null, with nothing changed, when it does not fit even
 * with evictions, or when a victim is one `mayEvict` refuses (not a bound pod of the API server,
 * or one being evicted already).
 */
export function nominate(core: StateCore, t: WorkloadTemplate, mayEvict: (v: Victim) => boolean): Nomination | null {
  const inst = t.instances[0];
  return core.transact((undo) => {
    const e = core.engine;
    const shape = shapeOf(t, e.compile(t).priority);
    const { outcomes, evictions } = e.place([t]);
    // the victims run until the API server says they are gone: back where they are
    for (const ev of evictions) e.bind(ev.template, ev.instance, ev.host);
    const host = outcomes[0].hosts[0];
    if (host === null) return null;
    undo.push(() => e.release(t.kind, t.namespace, inst.name));
    const victims = evictions.map((ev): Victim => ({
      kind: ev.template.kind,
      namespace: ev.template.namespace,
      name: ev.template.instances[ev.instance].name,
      uid: ev.template.instances[ev.instance].uid ?? null,
      host: ev.host,
    }));
    if (!victims.every(mayEvict)) {
      e.release(t.kind, t.namespace, inst.name);
      return null;
    }
    const rec = heldOf(t, inst.name, inst.uid ?? null, host, 'bind', shape);
    core.store.commit({ putPlacements: [{ ...rec }] });
    core.track(rec);
    return { host, victims };
  });
}
