// The kept restart plans on the Wasm core (assembly/failover-kept.ts, assembly/failover-insert.ts):
// a plan restartPlan computed is kept where it was computed, and each of failover admission's
// incremental questions is one call — its requests and free room row written into the core's
// query area, the handles it answers read back. An insertion's free room and class reasons are
// the restart plan's own inputs, kept in the core between calls (wasm/restart.ts).

import { MAX_DIMS } from '../abi.js';
import type { InsertHosts, InsertScan, KeepPlan, KeptPlan, KeptPlans } from '../contract.js';
import type { CoreExports } from './module.js';
import type { WasmRestart } from './restart.js';
import type { CoreMemory } from './views.js';

/** assembly/failover-kept.ts's block header: start, items, touched, targets, gangsOut, failed (i32 words). */
const H = { start: 0, items: 1, touched: 2, targets: 3, gangsOut: 4, failed: 5 } as const;
const EMPTY: readonly number[] = Object.freeze([]);

export class WasmKept implements KeptPlans {
  /** The query area (f64 [2][MAX_DIMS]: requests, free room row), over the current memory. */
  private q: Float64Array | null = null;
  /** The absent array the core holds a copy of, and for how many slots. */
  private heldAbsent: Uint8Array | null = null;
  private slots = 0;

  constructor(
    private readonly x: CoreExports,
    private readonly m: CoreMemory,
    private readonly restart: WasmRestart,
  ) {}

  clear(n: number): void {
    this.x.keptClear(n);
    this.slots = n;
    this.heldAbsent = null;
    this.grew();
  }

  /** Keep the plan the core has just computed, of `items` items, under `keep.handle`. */
  keep(keep: KeepPlan, items: number): void {
    const at = this.x.keptFailedRoom(keep.failed.length);
    this.grew();
    new Int32Array(this.x.memory.buffer, at, keep.failed.length).set(keep.failed);
    this.x.keptKeep(keep.handle, items, keep.failed.length);
    this.grew();
  }

  affected(slot: number, req: ArrayLike<number>, free: ArrayLike<number>, dims: number): readonly number[] {
    this.query(req, free, dims);
    const k = this.x.keptAffected(slot, dims);
    return k === 0 ? EMPTY : this.answers(k);
  }

  affectedOnRelease(slot: number): readonly number[] {
    const k = this.x.keptAffectedOnRelease(slot);
    return k === 0 ? EMPTY : this.answers(k);
  }

  insertTarget(handle: number, req: ArrayLike<number>, reasons: Uint32Array, pos: number, hosts: InsertHosts, scan?: InsertScan): number {
    const { n, dims } = hosts;
    const row = this.restart.insertInputs(n, hosts.free, hosts.freeLog, reasons);
    this.absent(hosts);
    this.query(req, null, dims);
    const r = this.x.keptInsertTarget(handle, row, pos, n, dims);
    if (scan) scan.prefixRead = (r & 1) !== 0;
    return (r >> 1) - 1;
  }

  applyInsertion(handle: number, pos: number, slot: number, req: ArrayLike<number>): void {
    this.query(req, null, MAX_DIMS);
    this.x.keptApplyInsertion(handle, pos, slot);
    this.grew();
  }

  heldRoom(slot: number, out: Float64Array): boolean {
    const at = this.x.keptHeld(slot);
    if (at === 0) out.fill(0, 0, MAX_DIMS);
    else out.set(new Float64Array(this.x.memory.buffer, at, MAX_DIMS));
    return this.x.keptGangTouched(slot) !== 0;
  }

  keepsHeld(slot: number, req: ArrayLike<number>, free: ArrayLike<number>, dims: number): boolean {
    this.query(req, free, dims);
    return this.x.keptKeepsHeld(slot, dims) !== 0;
  }

  heldShort(req: ArrayLike<number>, hosts: InsertHosts): readonly number[] {
    this.restart.freeInputs(hosts.n, hosts.free, hosts.freeLog);
    this.query(req, null, hosts.dims);
    const k = this.x.keptHeldShort(hosts.n, hosts.dims);
    return k === 0 ? EMPTY : this.answers(k);
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
    if (count === 0) return;
    const { n, dims } = hosts;
    const row = this.restart.insertInputs(n, hosts.free, hosts.freeLog, reasons);
    this.absent(hosts);
    this.query(req, null, dims);
    const at = this.x.keptEachRoom(count);
    this.grew();
    const cap = this.x.keptEachCapacity();
    const io = new Int32Array(this.x.memory.buffer, at, 3 * cap);
    io.set(slots.subarray(0, count));
    io.set(handles.subarray(0, count), cap);
    io.set(pos.subarray(0, count), 2 * cap);
    this.x.keptInsertEach(count, row, n, dims);
    for (let i = 0; i < count; i++) out[i] = (io[i] >> 1) - 1 < 0 ? -1 : (((io[i] >> 1) - 1) << 1) | (io[i] & 1);
  }

  plan(handle: number): KeptPlan | null {
    const p = this.x.keptBlock(handle);
    if (p === 0) return null;
    const buffer = this.x.memory.buffer;
    const head = new Int32Array(buffer, p, 6);
    const items = head[H.items];
    const nTargets = head[H.targets];
    const part = (k: number) => this.x.keptPart(p, k);
    const reqs = new Float64Array(buffer, part(1), items * MAX_DIMS);
    const targets = [...new Int32Array(buffer, part(3), nTargets)];
    const use = new Float64Array(buffer, part(4), nTargets * MAX_DIMS);
    return {
      start: head[H.start],
      target: new Int32Array(buffer, part(0), items).slice(),
      req: Array.from({ length: items }, (_, i) => reqs.slice(i * MAX_DIMS, (i + 1) * MAX_DIMS)),
      use: new Map(targets.map((s, k) => [s, use.slice(k * MAX_DIMS, (k + 1) * MAX_DIMS)])),
      targets,
      touched: [...new Int32Array(buffer, part(2), head[H.touched])],
      gangsOut: head[H.gangsOut] !== 0,
      failed: [...new Int32Array(buffer, part(5), head[H.failed])],
    };
  }

  /** The absent slots into the core, when it holds another array's. */
  private absent(hosts: InsertHosts): void {
    if (this.heldAbsent === hosts.absent) return;
    const k = Math.min(hosts.n, this.slots, hosts.absent.length);
    const a = new Uint8Array(this.x.memory.buffer, this.x.keptAbsent(), this.slots);
    a.fill(0);
    a.set(hosts.absent.subarray(0, k));
    this.heldAbsent = hosts.absent;
  }

  /**
   * The requests (and the free room row, when given) into the query area, their first `count`
   * dimensions: the questions read the dimensions in use, an insertion applied reads them all.
   */
  private query(req: ArrayLike<number>, free: ArrayLike<number> | null, count: number): void {
    let q = this.q;
    if (q === null || q.buffer !== this.x.memory.buffer)
      q = this.q = new Float64Array(this.x.memory.buffer, this.x.keptQuery(), 2 * MAX_DIMS);
    for (let d = 0; d < count; d++) q[d] = req[d] ?? 0;
    if (free) for (let d = 0; d < count; d++) q[MAX_DIMS + d] = free[d] ?? 0;
  }

  private answers(k: number): number[] {
    this.grew();
    return [...new Int32Array(this.x.memory.buffer, this.x.keptAnswers(), k)];
  }

  /** The core may have grown its memory: the backend's views follow. */
  private grew(): void {
    if (this.x.memory.buffer !== this.m.buffer) this.m.refresh();
  }
}
