// The restart plans failover admission keeps (failover-guard.ts): the plan of every single host
// failure and of every zone. The backend keeps each plan where it computed it, under a handle (a
// single host's plan: its slot; a zone's: the slots' count plus the zone's index), indexed by the
// slots the plan touches with the room held on each slot — the most any plan puts there — and
// answers the incremental questions over them in one call each (Backend.kept: affected,
// insertTarget, keepsHeld, …; rules/failover-insert.ts states the rules, assembly/failover-insert.ts
// runs them in the Wasm core). Here are the plans' words: the workloads each restarts and its plan
// object, which follows every insertion the backend applies, for the refusals.

import type { Backend } from './contract.js';
import * as abi from './contract.js';
import type { Planned } from './failover-plans.js';
import { SlotEpochs } from './failover-verdicts.js';
import { applyInsertion } from './rules/failover-insert.js';

// Local copies: hot loops read them, and a re-exported binding can be a getter under some loaders.
const MAX_DIMS = abi.MAX_DIMS;

/** The kept plans a placement changes: single host failures' plans by slot, zone plans by zone. */
export interface Affected {
  singles: number[];
  zones: ReadonlySet<string>;
}

const NONE: Affected = Object.freeze({ singles: Object.freeze([]) as unknown as number[], zones: new Set<string>() });

export class PlanCache {
  /** Single host failures' plans, by slot. */
  readonly singles = new Map<number, Planned>();
  readonly zones = new Map<string, Planned>();
  /** The slots the handles are over: a zone's handle is n + its index. */
  private n = 0;
  private readonly zoneNames: string[] = [];
  private readonly zoneHandles = new Map<string, number>();
  /** The held room of one slot, as the backend last gave it, while the epochs' tick stands. */
  private readonly heldRow = new Float64Array(MAX_DIMS);
  private heldSlot = -1;
  private heldTick = -1;
  /** Per slot, when a plan's use of it or its own plan last changed (failover-verdicts.ts); free room changes are the guard's to mark. */
  readonly epochs = new SlotEpochs();

  constructor(private readonly backend: Backend) {}

  /** Forget every plan; `n` slots. */
  clear(n: number): void {
    this.singles.clear();
    this.zones.clear();
    this.zoneNames.length = 0;
    this.zoneHandles.clear();
    this.n = n;
    this.backend.kept.clear(n);
    this.epochs.reset(n);
    this.heldSlot = -1;
  }

  /** The handle the backend keeps single host `h`'s plan under. */
  singleHandle(h: number): number {
    return h;
  }

  /** The handle the backend keeps zone `zone`'s plan under (given it on first asking). */
  zoneHandle(zone: string): number {
    let h = this.zoneHandles.get(zone);
    if (h === undefined) {
      h = this.n + this.zoneNames.length;
      this.zoneHandles.set(zone, h);
      this.zoneNames.push(zone);
    }
    return h;
  }

  /** The kept plans that a placement of `req` on `slot` changes, `free` the slot's free room before it. */
  affected(slot: number, req: ArrayLike<number>, free: ArrayLike<number>, dims: number): Affected {
    const handles = this.backend.kept.affected(slot, req, free, dims);
    return handles.length === 0 ? NONE : this.split(handles);
  }

  /** The kept plans that a release on `slot` may change. */
  affectedOnRelease(slot: number): Affected {
    return this.split(this.backend.kept.affectedOnRelease(slot));
  }

  private split(handles: readonly number[]): Affected {
    const singles: number[] = [];
    const zones = new Set<string>();
    for (const h of handles) {
      if (h < this.n) singles.push(h);
      else zones.add(this.zoneNames[h - this.n]);
    }
    return { singles, zones };
  }

  /** The room held on `slot` for dimension `d`: the most a kept plan puts there. */
  held(slot: number, d: number): number {
    this.heldOf(slot);
    return this.heldRow[d];
  }

  /** The held room of `slot` into heldRow, asked of the backend once per slot and tick. */
  private heldOf(slot: number): void {
    if (slot !== this.heldSlot || this.heldTick !== this.epochs.now()) {
      this.backend.kept.heldRoom(slot, this.heldRow);
      this.heldSlot = slot;
      this.heldTick = this.epochs.now();
    }
  }

  /** Single host `h`'s plan, kept by the backend under singleHandle(h). */
  setSingle(h: number, p: Planned): void {
    this.replaced(this.singles.get(h), p);
    this.singles.set(h, p);
    this.epochs.changed(h);
  }

  /** Zone `zone`'s plan, kept by the backend under zoneHandle(zone). */
  setZone(zone: string, p: Planned): void {
    this.replaced(this.zones.get(zone), p);
    this.zones.set(zone, p);
  }

  /** The held room of the slots either plan touches may have changed. */
  private replaced(old: Planned | undefined, p: Planned): void {
    if (old) for (const s of old.plan.touched) this.epochs.changed(s);
    for (const s of p.plan.touched) this.epochs.changed(s);
  }

  /**
   * Kept plan `p` (under `handle`; single host `h`'s, or a zone's when h is null) restarts one more
   * workload, item `pos` of requests `req`, on `slot`, every other item in place: the backend's
   * plan and the words' copy grow alike.
   */
  inserted(p: Planned, handle: number, h: number | null, pos: number, slot: number, req: ArrayLike<number>): void {
    this.backend.kept.applyInsertion(handle, pos, slot, req);
    applyInsertion(p.plan, pos, slot, req);
    this.epochs.changed(slot);
    if (h !== null) this.epochs.changed(h);
  }
}
