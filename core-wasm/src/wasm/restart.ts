// The restart plan on the Wasm core (core-wasm/assembly/failover.ts): the items are written into
// the core's tables per plan, but the two big inputs stay there between plans. The free room
// (slots × MAX_DIMS f64) is copied whole only for a new array or epoch (FreeLog), else only the
// rows its log lists since the last plan; a class's reasons (one row of slots) are copied once
// per reasons array (the front keeps one array per class while its reasons stand). So a report
// of a thousand plans over one free room copies it once.

import { MAX_DIMS, R_ABSENT } from '../abi.js';
import type { RestartHosts, RestartItem, RestartPlan } from '../contract.js';
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
} as const;
const FIELDS = 19;
/** assembly/failover.ts WHY_GANG. */
const WHY_GANG = -2;
/** Reasons rows kept in the core at most (rows are reused from the first once it is full). */
const MAX_ROWS = 256;

export class WasmRestart {
  /** The free-room array the core holds, its epoch and how many of its log's rows it has applied. */
  private heldFree: Float64Array | null = null;
  private heldEpoch = -1;
  private heldRows = 0;
  private heldN = -1;
  /** Reasons arrays the core holds, by row. */
  private readonly rowOf = new Map<Uint32Array, number>();
  private rowN = -1;

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
    if (this.rowN !== n || this.rowOf.size + fresh > Math.max(MAX_ROWS, arrays.size)) this.forgetRows();
    if (this.x.restartEnsure(n, items.length, Math.max(this.rowOf.size + fresh, 1), nCols) !== 0) {
      this.forgetRows();
      this.heldFree = null;
    }
    this.rowN = n;
    const t = this.table();
    this.writeFree(hosts, t);
    new Uint8Array(this.m.buffer, t[F.out], n).set(hosts.out.subarray(0, n));
    this.writeItems(items, t, n);
    const targetCount = this.x.restartPlan(n, dims, items.length, start);
    return this.read(items, n, start, targetCount);
  }

  private table(): Int32Array {
    this.m.refresh();
    return this.m.i32(this.x.restartTable(), FIELDS);
  }

  private forgetRows(): void {
    this.rowOf.clear();
  }

  /** The free room into the core: whole when the core does not hold this array's epoch, else the rows logged since. */
  private writeFree(hosts: RestartHosts, t: Int32Array): void {
    const { free, n, freeLog } = hosts;
    const core = this.m.f64(t[F.free], n * MAX_DIMS);
    if (!freeLog || this.heldFree !== free || this.heldEpoch !== freeLog.epoch || this.heldN !== n) {
      core.set(free.subarray(0, n * MAX_DIMS));
    } else {
      const rows = freeLog.rows;
      for (let k = this.heldRows; k < rows.length; k++) {
        const s = rows[k];
        if (s < n) core.set(free.subarray(s * MAX_DIMS, (s + 1) * MAX_DIMS), s * MAX_DIMS);
      }
    }
    this.heldFree = freeLog ? free : null;
    this.heldEpoch = freeLog?.epoch ?? -1;
    this.heldRows = freeLog?.rows.length ?? 0;
    this.heldN = n;
  }

  private writeItems(items: readonly RestartItem[], t: Int32Array, n: number): void {
    const m = this.m;
    const count = items.length;
    const req = m.f64(t[F.req], count * MAX_DIMS);
    const row = m.i32(t[F.row], count);
    const gang = m.i32(t[F.gang], count);
    const colOff = m.i32(t[F.colOff], count);
    const colLen = m.i32(t[F.colLen], count);
    const gangIds = new Map<string, number>();
    let c = 0;
    for (let i = 0; i < count; i++) {
      const it = items[i];
      for (let d = 0; d < MAX_DIMS; d++) req[i * MAX_DIMS + d] = it.req[d];
      row[i] = this.rowFor(it.reasons, t, n);
      if (it.gang === null) gang[i] = -1;
      else {
        let g = gangIds.get(it.gang);
        if (g === undefined) gangIds.set(it.gang, (g = gangIds.size));
        gang[i] = g;
      }
      const cols = it.antiCols ?? [];
      colOff[i] = c;
      colLen[i] = cols.length;
      if (cols.length > 0) m.i32(t[F.cols] + c * 4, cols.length).set(cols);
      c += cols.length;
    }
  }

  /** The core's row holding `reasons` (copied there, padded with R_ABSENT, when it does not yet). */
  private rowFor(reasons: Uint32Array, t: Int32Array, n: number): number {
    let r = this.rowOf.get(reasons);
    if (r !== undefined) return r;
    r = this.rowOf.size;
    const dst = this.m.u32(t[F.rows] + r * t[F.slotCap] * 4, n);
    const k = Math.min(n, reasons.length);
    dst.set(reasons.subarray(0, k));
    if (k < n) dst.fill(R_ABSENT, k);
    this.rowOf.set(reasons, r);
    return r;
  }

  private read(items: readonly RestartItem[], n: number, start: number, targetCount: number): RestartPlan {
    const t = this.table();
    const m = this.m;
    const count = items.length;
    const target = m.i32(t[F.target], count).slice();
    const whyRow = m.i32(t[F.whyRow], count);
    const whyAll = m.u32(t[F.why], 0);
    const why: RestartPlan['why'] = new Array(count).fill(null);
    for (let i = 0; i < count; i++) {
      const w = whyRow[i];
      if (w === WHY_GANG) why[i] = { gang: items[i].gang! };
      else if (w >= 0) why[i] = new Uint32Array(whyAll.buffer, whyAll.byteOffset + w * n * 4, n).slice();
    }
    const touched = Array.from(m.i32(t[F.touched], t[F.touchedCount]));
    const targets = Array.from(m.i32(t[F.targets], targetCount));
    const useOut = m.f64(t[F.useOut], targetCount * MAX_DIMS);
    const use = new Map<number, Float64Array>();
    targets.forEach((s, k) => use.set(s, useOut.slice(k * MAX_DIMS, (k + 1) * MAX_DIMS)));
    return { target, why, start: n === 0 ? 0 : ((start % n) + n) % n, use, targets, touched, gangsOut: t[F.gangsOut] !== 0 };
  }
}
