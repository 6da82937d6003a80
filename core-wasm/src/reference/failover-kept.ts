// Namespace HA in the reference engine: the restart plans failover admission keeps, by handle, and
// the incremental questions over them, answered by the readable rules of
// ../rules/failover-insert.ts (the Wasm core's twin is assembly/failover-kept.ts and
// assembly/failover-insert.ts). Each kept plan is the backend's own copy: the caller's plan object
// is its to word and change.

import type { InsertHosts, InsertScan, KeepPlan, KeptPlan, KeptPlans, RestartItem, RestartPlan } from '../contract.js';
import * as abi from '../contract.js';
import { applyInsertion, insertTarget, keepsPlan, keepsPlanOnRelease } from '../rules/failover-insert.js';

const MAX_DIMS = abi.MAX_DIMS;

interface Kept {
  plan: RestartPlan;
  req: Float64Array[];
  failed: number[];
}

export class ReferenceKept implements KeptPlans {
  private n = 0;
  private readonly plans = new Map<number, Kept>();
  /** Slot → the handles of the kept plans that touched it. */
  private users: Set<number>[] = [];
  /** keepsHeld's held room row (reused: the filter asks it for every host). */
  private readonly scratch = new Float64Array(MAX_DIMS);
  /** The held room by slot and dimension (slot × MAX_DIMS + d), kept as plans come and grow: the filter asks it for every host. */
  private held = new Float64Array(0);
  /** Per slot, the kept plans touching it that took gang members out. */
  private gangUsers = new Int32Array(0);

  clear(n: number): void {
    this.n = n;
    this.plans.clear();
    this.users = Array.from({ length: n }, () => new Set<number>());
    this.held = new Float64Array(n * MAX_DIMS);
    this.gangUsers = new Int32Array(n);
  }

  /** Keep a copy of `plan` (of `items`) under `keep.handle`, replacing the plan kept there. */
  keep(keep: KeepPlan, plan: RestartPlan, items: readonly RestartItem[]): void {
    const old = this.plans.get(keep.handle);
    if (old) for (const s of old.plan.touched) this.unuse(s, keep.handle, old.plan.gangsOut);
    const copy: RestartPlan = {
      target: plan.target.slice(),
      why: [...plan.why],
      start: plan.start,
      use: new Map([...plan.use].map(([s, u]) => [s, u.slice()])),
      targets: [...plan.targets],
      touched: [...plan.touched],
      gangsOut: plan.gangsOut,
    };
    const req = items.map((it) => Float64Array.from({ length: MAX_DIMS }, (_, d) => it.req[d] ?? 0));
    this.plans.set(keep.handle, { plan: copy, req, failed: [...keep.failed] });
    for (const s of copy.touched) this.use(s, keep.handle, copy.gangsOut);
    for (const s of new Set([...(old?.plan.touched ?? []), ...copy.touched])) this.refresh(s);
  }

  private use(s: number, handle: number, gangsOut: boolean): void {
    const u = this.users[s];
    if (!u || u.has(handle)) return;
    u.add(handle);
    if (gangsOut) this.gangUsers[s]++;
  }

  private unuse(s: number, handle: number, gangsOut: boolean): void {
    if (this.users[s]?.delete(handle) && gangsOut) this.gangUsers[s]--;
  }

  /** Slot `s`'s held room anew: per dimension the most a kept plan touching it puts there. */
  private refresh(s: number): void {
    if (!this.users[s]) return;
    const row = this.held.subarray(s * MAX_DIMS, (s + 1) * MAX_DIMS);
    row.fill(0);
    for (const h of this.users[s]) {
      const use = this.plans.get(h)!.plan.use.get(s);
      if (use) for (let d = 0; d < MAX_DIMS; d++) if (use[d] > row[d]) row[d] = use[d];
    }
  }

  affected(slot: number, req: ArrayLike<number>, free: ArrayLike<number>, dims: number): number[] {
    const out: number[] = [];
    for (const h of this.users[slot] ?? []) if (!keepsPlan(this.plans.get(h)!.plan, slot, req, free, dims)) out.push(h);
    return out.sort((a, b) => a - b);
  }

  /** Some kept plan touching `slot` changes (affected() is not empty). */
  private anyAffected(slot: number, req: ArrayLike<number>, free: ArrayLike<number>, dims: number): boolean {
    for (const h of this.users[slot] ?? []) if (!keepsPlan(this.plans.get(h)!.plan, slot, req, free, dims)) return true;
    return false;
  }

  affectedOnRelease(slot: number): number[] {
    const out: number[] = [];
    for (const [h, k] of this.plans) if (!keepsPlanOnRelease(k.plan, slot, this.n)) out.push(h);
    return out.sort((a, b) => a - b);
  }

  insertTarget(handle: number, req: ArrayLike<number>, reasons: Uint32Array, pos: number, hosts: InsertHosts, scan?: InsertScan): number {
    const k = this.plans.get(handle);
    if (scan) scan.prefixRead = false;
    if (!k) return -1;
    return insertTarget(k.plan, k, req, reasons, pos, hosts, scan) ?? -1;
  }

  applyInsertion(handle: number, pos: number, slot: number, req: ArrayLike<number>): void {
    const k = this.plans.get(handle);
    if (!k) return;
    applyInsertion(k.plan, pos, slot, req);
    k.req.splice(
      pos,
      0,
      Float64Array.from({ length: MAX_DIMS }, (_, d) => req[d] ?? 0),
    );
    this.use(slot, handle, k.plan.gangsOut);
    this.refresh(slot);
  }

  heldRoom(slot: number, out: Float64Array): boolean {
    if (!this.users[slot]) {
      out.fill(0, 0, MAX_DIMS);
      return false;
    }
    out.set(this.held.subarray(slot * MAX_DIMS, (slot + 1) * MAX_DIMS));
    return this.gangUsers[slot] > 0;
  }

  keepsHeld(slot: number, req: ArrayLike<number>, free: ArrayLike<number>, dims: number): boolean {
    const held = this.scratch;
    if (this.heldRoom(slot, held)) return false;
    for (let d = 0; d < dims; d++) if (req[d] > 0 && free[d] - req[d] < held[d]) return false;
    return true;
  }

  heldShort(req: ArrayLike<number>, hosts: InsertHosts): number[] {
    const out: number[] = [];
    const row = new Float64Array(MAX_DIMS);
    for (let s = 0; s < hosts.n; s++) {
      for (let d = 0; d < hosts.dims; d++) row[d] = hosts.free[s * MAX_DIMS + d];
      if (!this.keepsHeld(s, req, row, hosts.dims)) out.push(s);
    }
    return out;
  }

  insertEach(
    req: ArrayLike<number>,
    reasons: Uint32Array,
    slots: Int32Array,
    handles: Int32Array,
    pos: Int32Array,
    count: number,
    hosts: InsertHosts,
    out: Int32Array,
  ): void {
    const scan: InsertScan = { prefixRead: false };
    for (let i = 0; i < count; i++) {
      const s = slots[i];
      if (this.anyAffected(s, req, hosts.free.subarray(s * MAX_DIMS, (s + 1) * MAX_DIMS), hosts.dims)) out[i] = -1;
      else {
        const t = this.insertTarget(handles[i], req, reasons, pos[i], hosts, scan);
        out[i] = t < 0 ? -1 : (t << 1) | (scan.prefixRead ? 1 : 0);
      }
    }
  }

  plan(handle: number): KeptPlan | null {
    const k = this.plans.get(handle);
    if (!k) return null;
    const p = k.plan;
    return {
      start: p.start,
      target: p.target.slice(),
      req: k.req.map((r) => r.slice()),
      use: new Map([...p.use].map(([s, u]) => [s, u.slice()])),
      targets: [...p.targets],
      touched: [...p.touched],
      gangsOut: p.gangsOut,
      failed: [...k.failed],
    };
  }
}
