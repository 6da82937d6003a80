// The restart plans failover admission keeps (failover-guard.ts): the plan of every single host
// failure and of every zone, indexed by the slots each plan touches (`users`), with the room held
// on each slot — the most any of those plans puts there — kept up to date as plans are replaced,
// so that the question "does a placement on X leave every plan as it is" costs O(dims) per host
// and a plan's change costs the slots it touches (not a maximum over every plan per question).

import * as abi from './contract.js';
import type { Planned } from './failover-plans.js';
import { SlotEpochs } from './failover-verdicts.js';

// Local copies: hot loops read them, and a re-exported binding can be a getter under some loaders.
const MAX_DIMS = abi.MAX_DIMS;

export class PlanCache {
  /** Single host failures' plans, by slot. */
  readonly singles = new Map<number, Planned>();
  readonly zones = new Map<string, Planned>();
  /** Slot → the single plans that touched it. */
  private readonly users = new Map<number, Set<number>>();
  /** Slot → the zone plans that touched it. */
  private readonly zoneUsers = new Map<number, Set<string>>();
  /** The room held per slot and dimension: the most a plan puts there (slot × MAX_DIMS + d). */
  private heldRows = new Float64Array(0);
  /** Per slot, the plans touching it that took gang members back out (their use is not the use their scan saw). */
  private gangUsers = new Int32Array(0);
  /** Per slot, when a plan's use of it or its own plan last changed (failover-verdicts.ts); free room changes are the guard's to mark. */
  readonly epochs = new SlotEpochs();

  /** Forget every plan; `n` slots. */
  clear(n: number): void {
    this.singles.clear();
    this.zones.clear();
    this.users.clear();
    this.zoneUsers.clear();
    this.heldRows = new Float64Array(n * MAX_DIMS);
    this.gangUsers = new Int32Array(n);
    this.epochs.reset(n);
  }

  /** The single plans that touched `slot`. */
  usersOf(slot: number): ReadonlySet<number> {
    return this.users.get(slot) ?? EMPTY;
  }

  held(slot: number, d: number): number {
    return this.heldRows[slot * MAX_DIMS + d] ?? 0;
  }

  /** Some plan touching `slot` took gang members back out. */
  gangTouched(slot: number): boolean {
    return (this.gangUsers[slot] ?? 0) > 0;
  }

  setSingle(h: number, p: Planned): void {
    this.replace(this.singles, this.users, h, p);
    this.epochs.changed(h);
  }

  setZone(zone: string, p: Planned): void {
    this.replace(this.zones, this.zoneUsers, zone, p);
  }

  /**
   * Single plan `h` was changed in place (one more workload, failover-insert.ts): it touched
   * `oldTouched` before, and took no gang members out before or after.
   */
  grew(h: number, oldTouched: readonly number[]): void {
    const p = this.singles.get(h)!;
    this.unindex(oldTouched, false, this.users, h);
    this.index(p, this.users, h);
    for (const s of p.plan.touched) this.refresh(s);
    this.epochs.changed(h);
  }

  /** Zone plan `zone` was changed in place: see grew. */
  zoneGrew(zone: string, oldTouched: readonly number[]): void {
    const p = this.zones.get(zone)!;
    this.unindex(oldTouched, false, this.zoneUsers, zone);
    this.index(p, this.zoneUsers, zone);
    for (const s of p.plan.touched) this.refresh(s);
  }

  private replace<K>(store: Map<K, Planned>, users: Map<number, Set<K>>, key: K, p: Planned): void {
    const old = store.get(key);
    if (old) this.unindex(old.plan.touched, old.plan.gangsOut, users, key);
    this.index(p, users, key);
    store.set(key, p);
    for (const s of old ? new Set([...old.plan.touched, ...p.plan.touched]) : p.plan.touched) this.refresh(s);
  }

  private unindex<K>(touched: readonly number[], gangsOut: boolean, users: Map<number, Set<K>>, key: K): void {
    for (const s of touched) {
      users.get(s)?.delete(key);
      if (gangsOut) this.gangUsers[s]--;
    }
  }

  private index<K>(p: Planned, users: Map<number, Set<K>>, key: K): void {
    for (const s of p.plan.touched) {
      let u = users.get(s);
      if (!u) users.set(s, (u = new Set()));
      u.add(key);
      if (p.plan.gangsOut) this.gangUsers[s]++;
    }
  }

  /** Slot `s`'s held room anew from the plans touching it. */
  private refresh(s: number): void {
    this.epochs.changed(s);
    const row = this.heldRows.subarray(s * MAX_DIMS, (s + 1) * MAX_DIMS);
    row.fill(0);
    const take = (p: Planned | undefined) => {
      const use = p?.plan.use.get(s);
      if (use) for (let d = 0; d < MAX_DIMS; d++) if (use[d] > row[d]) row[d] = use[d];
    };
    for (const h of this.users.get(s) ?? []) take(this.singles.get(h));
    for (const z of this.zoneUsers.get(s) ?? []) take(this.zones.get(z));
  }
}

const EMPTY: ReadonlySet<number> = new Set();
