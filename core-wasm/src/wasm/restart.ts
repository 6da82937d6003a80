// The restart plan on the Wasm core (core-wasm/assembly/failover.ts): the items are written into
// the core's tables per plan, but the two big inputs stay there between plans. The free room
// (slots × MAX_DIMS f64) is copied whole only for a new array or epoch (FreeLog), else only the
// rows its log lists since the last plan; a class's reasons (one row of slots) are copied once
// per reasons array (the front keeps one array per class while its reasons stand). So a report
// of a thousand plans over one free room copies it once.

import { MAX_DIMS, R_ABSENT } from '../abi.js';
import type { FreeLog, RestartHosts, RestartItem, RestartPlan } from '../contract.js';
import type { CoreExports } from './module.js';
import type { CoreMemory } from './views.js';

/** assembly/failover.ts restartTable()'s fields, in its order. */
const F = {
  free: 0,
  out: 1,
  rows: 2,
  slotCap: 3,
  req: 4,
  row: 5,
  gang: 6,
  colOff: 7,
  colLen: 8,
  cols: 9,
  target: 10,
  whyRow: 11,
  why: 12,
  touched: 13,
  touchedCount: 14,
  targets: 15,
  targetCount: 16,
  useOut: 17,
  gangsOut: 18,
  itemCap: 19,
  colCap: 20,
  whyCap: 21,
  rowCap: 22,
} as const;
const FIELDS = 23;
/** The fields that are addresses or capacities: the views hold while they and the memory stand. */
const SHAPE = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 17, 19, 20, 21, 22];
/** assembly/failover.ts WHY_GANG. */
const WHY_GANG = -2;
/** Reasons rows kept in the core at most (rows are reused from the first once it is full). */
const MAX_ROWS = 256;
const EMPTY_OUT = new Uint8Array(0);

/** Views over the core's restart tables, at their capacities. */
interface Views {
  /** Slot capacity: the stride of `rows`. */
  slots: number;
  free: Float64Array;
  out: Uint8Array;
  rows: Uint32Array;
  req: Float64Array;
  row: Int32Array;
  gang: Int32Array;
  colOff: Int32Array;
  colLen: Int32Array;
  cols: Int32Array;
  target: Int32Array;
  whyRow: Int32Array;
  why: Uint32Array;
  touched: Int32Array;
  targets: Int32Array;
  useOut: Float64Array;
}

export class WasmRestart {
  /** The free-room array the core holds, its epoch and how many of its log's rows it has applied. */
  private heldFree: Float64Array | null = null;
  private heldEpoch = -1;
  private heldRows = 0;
  private heldN = -1;
  /** Reasons arrays the core holds, by row. */
  private readonly rowOf = new Map<Uint32Array, number>();
  private rowN = -1;
  private readonly gangIds = new Map<string, number>();
  /** restartTable()'s fields, over the current memory. */
  private tableView: Int32Array | null = null;
  private views: Views | null = null;
  /** The SHAPE fields the views were made at. */
  private readonly shape = new Int32Array(SHAPE.length);

  constructor(
    private readonly x: CoreExports,
    private readonly m: CoreMemory,
  ) {}

  plan(items: readonly RestartItem[], hosts: RestartHosts, start: number): RestartPlan {
    const { n, dims } = hosts;
    const arrays = new Set<Uint32Array>();
    let nCols = 0;
    for (const it of items) {
      arrays.add(it.reasons);
      nCols += it.antiCols?.length ?? 0;
    }
    let fresh = 0;
    for (const a of arrays) if (!this.rowOf.has(a)) fresh++;
    if (this.rowN !== n || this.rowOf.size + fresh > Math.max(MAX_ROWS, arrays.size)) this.rowOf.clear();
    if (this.x.restartEnsure(n, items.length, Math.max(this.rowOf.size + fresh, 1), nCols) !== 0) {
      this.rowOf.clear();
      this.heldFree = null;
    }
    this.rowN = n;
    let v = this.current();
    this.writeFree(hosts, v);
    v.out.set(hosts.out.subarray(0, n));
    this.writeItems(items, v, n);
    const targetCount = this.x.restartPlan(n, dims, items.length, start);
    v = this.current();
    return this.read(items, v, n, start, targetCount);
  }

  /**
   * The free room and a class's `reasons` into the core for an insertion over `n` slots
   * (wasm/kept.ts); returns the reasons' row. Nothing is copied or asked of the core when it
   * holds both already (the filter asks this per host).
   */
  insertInputs(n: number, free: Float64Array, freeLog: FreeLog | undefined, reasons: Uint32Array): number {
    const r = this.rowOf.get(reasons);
    if (r !== undefined && this.rowN === n && this.holdsFree(n, free, freeLog)) return r;
    const fresh = r === undefined ? 1 : 0;
    if (this.rowN !== n || this.rowOf.size + fresh > MAX_ROWS) this.rowOf.clear();
    if (this.x.restartEnsure(n, 0, Math.max(this.rowOf.size + 1, 1), 0) !== 0) {
      this.rowOf.clear();
      this.heldFree = null;
    }
    this.rowN = n;
    const v = this.current();
    this.writeFree({ n, dims: 0, free, out: EMPTY_OUT, freeLog }, v);
    return this.rowFor(reasons, v, n);
  }

  /** The free room into the core over `n` slots (for the held room's questions, wasm/kept.ts). */
  freeInputs(n: number, free: Float64Array, freeLog: FreeLog | undefined): void {
    if (this.holdsFree(n, free, freeLog)) return;
    if (this.x.restartEnsure(n, 0, Math.max(this.rowOf.size, 1), 0) !== 0) {
      this.rowOf.clear();
      this.heldFree = null;
    }
    this.writeFree({ n, dims: 0, free, out: EMPTY_OUT, freeLog }, this.current());
  }

  /** The core holds `free` over `n` slots as it is now (its log lists nothing new). */
  private holdsFree(n: number, free: Float64Array, freeLog: FreeLog | undefined): boolean {
    return (
      freeLog !== undefined &&
      this.heldFree === free &&
      this.heldN === n &&
      this.heldEpoch === freeLog.epoch &&
      this.heldRows === freeLog.rows.length
    );
  }

  /** The views over the core's tables as they are now (the memory may have grown, a table moved). */
  private current(): Views {
    const ptr = this.x.restartTable();
    const buffer = this.x.memory.buffer;
    // the backend's own views go stale with the memory as well
    if (buffer !== this.m.buffer) this.m.refresh();
    if (this.tableView?.buffer !== buffer) this.tableView = new Int32Array(buffer, ptr, FIELDS);
    const t = this.tableView;
    let same = this.views !== null;
    for (let k = 0; k < SHAPE.length && same; k++) same = this.shape[k] === t[SHAPE[k]];
    if (same && this.views!.free.buffer === buffer) return this.views!;
    for (let k = 0; k < SHAPE.length; k++) this.shape[k] = t[SHAPE[k]];
    const slots = t[F.slotCap];
    const items = t[F.itemCap];
    this.views = {
      slots,
      free: new Float64Array(buffer, t[F.free], slots * MAX_DIMS),
      out: new Uint8Array(buffer, t[F.out], slots),
      rows: new Uint32Array(buffer, t[F.rows], t[F.rowCap] * slots),
      req: new Float64Array(buffer, t[F.req], items * MAX_DIMS),
      row: new Int32Array(buffer, t[F.row], items),
      gang: new Int32Array(buffer, t[F.gang], items),
      colOff: new Int32Array(buffer, t[F.colOff], items),
      colLen: new Int32Array(buffer, t[F.colLen], items),
      cols: new Int32Array(buffer, t[F.cols], t[F.colCap]),
      target: new Int32Array(buffer, t[F.target], items),
      whyRow: new Int32Array(buffer, t[F.whyRow], items),
      why: new Uint32Array(buffer, t[F.why], t[F.whyCap]),
      touched: new Int32Array(buffer, t[F.touched], slots),
      targets: new Int32Array(buffer, t[F.targets], slots),
      useOut: new Float64Array(buffer, t[F.useOut], slots * MAX_DIMS),
    };
    return this.views;
  }
  /** The free room into the core: whole when the core does not hold this array's epoch, else the rows logged since. */
  private writeFree(hosts: RestartHosts, v: Views): void {
    const { free, n, freeLog } = hosts;
    if (!freeLog || this.heldFree !== free || this.heldEpoch !== freeLog.epoch || this.heldN !== n) {
      v.free.set(free.subarray(0, n * MAX_DIMS));
    } else {
      const rows = freeLog.rows;
      for (let k = this.heldRows; k < rows.length; k++) {
        const s = rows[k];
        if (s < n) v.free.set(free.subarray(s * MAX_DIMS, (s + 1) * MAX_DIMS), s * MAX_DIMS);
      }
    }
    this.heldFree = freeLog ? free : null;
    this.heldEpoch = freeLog?.epoch ?? -1;
    this.heldRows = freeLog?.rows.length ?? 0;
    this.heldN = n;
  }

  private writeItems(items: readonly RestartItem[], v: Views, n: number): void {
    const { req, row, gang, colOff, colLen, cols } = v;
    const gangIds = this.gangIds;
    gangIds.clear();
    let c = 0;
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      const r = it.req;
      for (let d = 0; d < MAX_DIMS; d++) req[i * MAX_DIMS + d] = r[d];
      row[i] = this.rowFor(it.reasons, v, n);
      if (it.gang === null) gang[i] = -1;
      else {
        let g = gangIds.get(it.gang);
        if (g === undefined) gangIds.set(it.gang, (g = gangIds.size));
        gang[i] = g;
      }
      const anti = it.antiCols;
      colOff[i] = c;
      colLen[i] = anti?.length ?? 0;
      if (anti) for (const col of anti) cols[c++] = col;
    }
  }

  /** The core's row holding `reasons` (copied there, padded with R_ABSENT, when it does not yet). */
  private rowFor(reasons: Uint32Array, v: Views, n: number): number {
    let r = this.rowOf.get(reasons);
    if (r !== undefined) return r;
    r = this.rowOf.size;
    const at = r * v.slots;
    const k = Math.min(n, reasons.length);
    v.rows.set(reasons.subarray(0, k), at);
    if (k < n) v.rows.fill(R_ABSENT, at + k, at + n);
    this.rowOf.set(reasons, r);
    return r;
  }

  private read(items: readonly RestartItem[], v: Views, n: number, start: number, targetCount: number): RestartPlan {
    const t = this.tableView!;
    const count = items.length;
    const target = v.target.slice(0, count);
    const why: RestartPlan['why'] = new Array<RestartPlan['why'][number]>(count).fill(null);
    for (let i = 0; i < count; i++) {
      const w = v.whyRow[i];
      if (w === WHY_GANG) why[i] = { gang: items[i].gang! };
      else if (w >= 0) why[i] = v.why.slice(w * n, (w + 1) * n);
    }
    const touched: number[] = [];
    for (let k = 0; k < t[F.touchedCount]; k++) touched.push(v.touched[k]);
    const targets: number[] = [];
    const use = new Map<number, Float64Array>();
    for (let k = 0; k < targetCount; k++) {
      targets.push(v.targets[k]);
      use.set(v.targets[k], v.useOut.slice(k * MAX_DIMS, (k + 1) * MAX_DIMS));
    }
    return { target, why, start: n === 0 ? 0 : ((start % n) + n) % n, use, targets, touched, gangsOut: t[F.gangsOut] !== 0 };
  }
}
