// One retry slice: pending workloads tried again through the engine's batch path (the Wasm
// engine, every rule: admission and quota, filters, scores, reservations, gangs all or nothing,
// preemption), committed like an apply — the new placements (origin "retry"), the placed ones out
// of the pending table, the others with their new reason and attempt count, and what preemption
// evicted moved from placements to pending — in one store transaction, then the tables.

import type { WorkloadTemplate } from '../../model/types.js';
import type { StateCore } from './core.js';
import { heldOf, type Held } from './held.js';
import { pendingKey, storedPending, type PendingWorkload } from './pending.js';
import type { ObjectKey } from './store.js';

export interface RetryReport {
  /** Workload instances tried. */
  tried: number;
  /** Placed by this slice. */
  placed: number;
  /** Held workloads its preemption evicted (pending now). */
  evicted: number;
}

/**
 * The instances of `batch` that share a template, as one template each (in the order of `batch`).
 * An instance is placed afresh: a workload that ran on a host when it was applied and was then
 * evicted keeps that host in its template's instance, which would bind it there unchecked.
 */
function byTemplate(batch: readonly PendingWorkload[]): { t: WorkloadTemplate; members: PendingWorkload[] }[] {
  const groups = new Map<WorkloadTemplate, PendingWorkload[]>();
  for (const p of batch) {
    const g = groups.get(p.template);
    if (g) g.push(p);
    else groups.set(p.template, [p]);
  }
  return [...groups].map(([t, members]) => ({
    t: { ...t, instances: members.map((p) => ({ name: p.name, ...(p.uid !== null && { uid: p.uid }) })) },
    members,
  }));
}

/** Try `batch` again (a gang's pending members all in it); nothing changes if the store write fails. */
export function retrySlice(core: StateCore, batch: readonly PendingWorkload[]): RetryReport {
  if (batch.length === 0) return { tried: 0, placed: 0, evicted: 0 };
  const groups = byTemplate(batch);
  const inBatch = new Set(batch.map((p) => pendingKey(p.kind, p.namespace, p.name)));
  return core.transact((undo) => {
    const e = core.engine;
    const { outcomes, evictions } = e.place(groups.map((g) => g.t));
    for (const ev of evictions) undo.push(() => e.bind(ev.template, ev.instance, ev.host));
    const now = new Date().toISOString();
    const newHeld: Held[] = [];
    const placedKeys: ObjectKey[] = [];
    const failed: PendingWorkload[] = [];
    groups.forEach((g, k) => {
      const o = outcomes[k];
      g.members.forEach((p, n) => {
        const host = o.hosts[n];
        if (host !== null) {
          undo.push(() => e.release(p.kind, p.namespace, p.name));
          newHeld.push(heldOf(g.t, p.name, p.uid, host, 'retry', p.shape));
          placedKeys.push({ kind: p.kind, namespace: p.namespace, name: p.name });
          return;
        }
        const by = o.preemptedBy[n];
        failed.push({
          ...p,
          reason: by ? `preempted by ${by}` : (o.failure?.message ?? 'not placed'),
          grade: by ? 'Unschedulable' : (o.failure?.grade ?? 'Unschedulable'),
          lastAttempt: now,
          attempts: p.attempts + 1,
        });
      });
    });
    // held workloads this slice's preemption evicted: pending from now on, with the preemptor as the reason
    const evicted: { held: Held; pending: PendingWorkload }[] = [];
    for (const ev of evictions) {
      const t = ev.template;
      const name = t.instances[ev.instance].name;
      if (inBatch.has(pendingKey(t.kind, t.namespace, name))) continue;
      const held = core.held.get(t.kind, t.namespace, name);
      if (!held) throw new Error(`placer state: a retry evicted ${t.kind} ${t.namespace}/${name}, which the service does not hold`);
      const priority = e.compile(t).priority;
      evicted.push({
        held,
        pending: {
          namespace: t.namespace,
          kind: t.kind,
          name,
          owner: held.owner,
          uid: held.uid,
          reason: `preempted by ${ev.by}`,
          grade: 'Unschedulable',
          since: now,
          lastAttempt: now,
          attempts: 1,
          template: t,
          instance: ev.instance,
          shape: held.shape,
          priority,
        },
      });
    }
    core.store.commit({
      putPlacements: newHeld.map((h) => ({ ...h })),
      deletePlacements: evicted.map(({ held: h }) => ({ kind: h.kind, namespace: h.namespace, name: h.name })),
      deletePending: placedKeys,
      putPending: [...failed, ...evicted.map((v) => v.pending)].map(storedPending),
    });

    // committed: the tables follow
    for (const { held: h } of evicted) core.untrack(h);
    for (const h of newHeld) core.track(h);
    for (const k of placedKeys) core.pending.forget(k.kind, k.namespace, k.name);
    for (const p of failed) core.pending.record(p);
    for (const { pending: p } of evicted) core.pending.record(p);
    return { tried: batch.length, placed: newHeld.length, evicted: evicted.length };
  });
}
