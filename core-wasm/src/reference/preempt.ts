// DefaultPreemption for a workload that fits nowhere (rules/preemption.ts): on every host whose
// failure preemption could resolve, remove all lower-priority workloads; if it then fits (quota,
// reservation and every filter re-checked), reprieve them greedily — PDB-violating first, most
// important first — keeping as victims only those it cannot fit beside. Pick the host by the
// tie-breakers; evict.

import type { Eviction, HostVerdict } from '../contract.js';
import { allowedBy } from '../rules/disruption.js';
import { evictable, moreImportant, pickPreemptionHost, preemptionMayHelp } from '../rules/preemption.js';
import { admit, keepsHeldReservations, reservationsHeld } from './admit.js';
import { evaluate } from './evaluate.js';
import type { RefState, Unit } from './state.js';

export interface PreemptionContext {
  /** The preempting batch instance. */
  by: number;
  hostOf: Int32Array;
  sequence: number[];
  evictions: Eviction[];
  /** Units of this batch that may not be evicted (gang members placed earlier in it). */
  protectedRef: (ref: number) => boolean;
}

/** Evicts the victims of the chosen host and returns it, or −1 when preemption cannot help. */
export function preempt(s: RefState, cls: number, verdicts: readonly HostVerdict[], ctx: PreemptionContext): number {
  const c = s.classes[cls];
  // Victims on an over-committed host return more unused reservation than capacity: the
  // invariant F ≥ Σ U is re-checked after them wherever it held before.
  const held = reservationsHeld(s);
  const fits = (slot: number) =>
    admit(s, cls) === null && keepsHeldReservations(s, cls, slot, held) && evaluate(s, cls)[slot].reasons === 0;
  const important = (a: Unit, b: Unit) =>
    moreImportant({ priority: s.classes[a.cls].priority, stamp: a.stamp }, { priority: s.classes[b.cls].priority, stamp: b.stamp });
  const plans: { slot: number; victims: Unit[]; violations: number }[] = [];
  verdicts.forEach((v, slot) => {
    if (!preemptionMayHelp(v.reasons)) return;
    const victim = (u: Unit) =>
      evictable(s.classes[u.cls].priority, c.priority, s.classes[u.cls].gangMember ?? false) && !ctx.protectedRef(s.refOf(u));
    const lower = (s.units[slot] ?? []).filter(victim).sort(important);
    if (lower.length === 0) return;
    const allowed = pdbAllowed(s);
    for (const u of lower) s.removeUnit(slot, u);
    if (!fits(slot)) {
      for (const u of lower) s.restoreUnit(slot, u);
      return;
    }
    const violating: Unit[] = [];
    const nonViolating: Unit[] = [];
    for (const u of lower) {
      let violates = false;
      for (const p of s.classes[u.cls].pdbs ?? []) if (--allowed[p] < 0) violates = true;
      (violates ? violating : nonViolating).push(u);
    }
    const victims: Unit[] = [];
    let violations = 0;
    for (const group of [violating, nonViolating]) {
      for (const u of group) {
        s.restoreUnit(slot, u);
        if (!fits(slot)) {
          s.removeUnit(slot, u);
          victims.push(u);
          if (group === violating) violations++;
        }
      }
    }
    for (const u of victims) s.restoreUnit(slot, u);
    plans.push({ slot, victims: victims.sort(important), violations });
  });
  if (plans.length === 0) return -1;
  const best = pickPreemptionHost(plans, (u) => s.classes[u.cls].priority);
  for (const u of best.victims) {
    s.removeUnit(best.slot, u);
    const ref = s.refOf(u);
    if (ref >= 0) ctx.hostOf[ref] = -1;
    ctx.sequence.push(-1 - ctx.evictions.length);
    ctx.evictions.push({ instance: ref, cls: u.cls, slot: best.slot, by: ctx.by });
  }
  return best.slot;
}

/** disruptionsAllowed per PodDisruptionBudget, counting the placed workloads each covers as healthy. */
function pdbAllowed(s: RefState): number[] {
  const healthy = s.pdbDesired.map(() => 0);
  for (const units of s.units) for (const u of units ?? []) for (const p of s.classes[u.cls].pdbs ?? []) healthy[p]++;
  return s.pdbDesired.map((d, p) => allowedBy(healthy[p], d));
}
