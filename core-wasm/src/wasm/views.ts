// Typed views over the core's memory. The core publishes its tables' addresses and capacities in
// the layout table (LAYOUT_FIELDS); tables move when they grow and memory.grow detaches every
// ArrayBuffer, so the backend calls refresh() after every call that may allocate, and views made
// before it are not used after it.

import { LAYOUT_FIELDS, type LayoutField } from '../abi.js';
import type { CoreExports } from './module.js';

/** The layout table as numbers by field name: byte addresses of tables, capacities and lengths. */
export type Layout = Record<LayoutField, number>;

/** Views over the batch item tables (one entry per item; req is [itemDims][itemCap]). */
export interface ItemViews {
  req: Float64Array;
  nzCpu: Float64Array;
  nzMem: Float64Array;
  ns: Int32Array;
  prio: Int32Array;
  strategy: Int32Array;
  constraint: Int32Array;
  count: Int32Array;
  chargeOff: Int32Array;
  chargeLen: Int32Array;
  topoOff: Int32Array;
  pdbOff: Int32Array;
  cls: Int32Array;
  flags: Int32Array;
  gang: Int32Array;
}

export class CoreMemory {
  /** The current layout; the same object throughout, updated in place by refresh(). */
  readonly L = {} as Layout;
  buffer!: ArrayBuffer;
  private tablePtr = -1;
  private table!: Int32Array;
  private gen = -1;
  private logCap = -1;
  /** Typed views over the item tables, valid until a table moves (see refresh). */
  private cached: ItemViews | null = null;

  constructor(private readonly x: CoreExports) {
    this.refresh();
  }

  /** Re-read table addresses (tables move when they grow; memory.grow detaches old views). */
  refresh(): void {
    const ptr = this.x.layout();
    const gen = this.x.layoutGeneration();
    if (this.x.memory.buffer !== this.buffer || ptr !== this.tablePtr) {
      this.buffer = this.x.memory.buffer;
      this.tablePtr = ptr;
      this.table = new Int32Array(this.buffer, ptr, LAYOUT_FIELDS.length);
      this.cached = null;
    }
    if (gen !== this.gen) {
      this.gen = gen;
      this.cached = null;
    }
    const t = this.table;
    const L = this.L;
    for (let i = 0; i < LAYOUT_FIELDS.length; i++) L[LAYOUT_FIELDS[i]] = t[i];
    if (L.hostCap !== this.logCap) {
      // Math.log as JavaScript computes it: the reference engine calls the same function.
      const table = new Float64Array(this.buffer, L.logTable, L.hostCap + 4);
      for (let n = 0; n < table.length; n++) table[n] = Math.log(n + 2);
      this.logCap = L.hostCap;
    }
  }

  itemViews(): ItemViews {
    if (this.cached) return this.cached;
    const L = this.L;
    const n = L.itemCap;
    this.cached = {
      req: this.f64(L.itemReq, n * L.itemDims),
      nzCpu: this.f64(L.itemNzCpu, n),
      nzMem: this.f64(L.itemNzMem, n),
      ns: this.i32(L.itemNs, n),
      prio: this.i32(L.itemPrio, n),
      strategy: this.i32(L.itemStrategy, n),
      constraint: this.i32(L.itemConstraint, n),
      count: this.i32(L.itemCount, n),
      chargeOff: this.i32(L.itemChargeOff, n),
      chargeLen: this.i32(L.itemChargeLen, n),
      topoOff: this.i32(L.itemTopoOff, n),
      pdbOff: this.i32(L.itemPdbOff, n),
      cls: this.i32(L.itemCls, n),
      flags: this.i32(L.itemFlags, n),
      gang: this.i32(L.itemGang, n),
    };
    return this.cached;
  }

  f64(ptr: number, len: number): Float64Array {
    return new Float64Array(this.buffer, ptr, len);
  }
  i64(ptr: number, len: number): BigInt64Array {
    return new BigInt64Array(this.buffer, ptr, len);
  }
  i32(ptr: number, len: number): Int32Array {
    return new Int32Array(this.buffer, ptr, len);
  }
  u32(ptr: number, len: number): Uint32Array {
    return new Uint32Array(this.buffer, ptr, len);
  }
}
