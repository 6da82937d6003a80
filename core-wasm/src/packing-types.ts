// The packing phase's request, report and the classes it may move (packing.ts, packing-empty.ts).

import { type BatchItem, type ClassSpec, Strategy } from './contract.js';

export interface PackingRequest {
  items: readonly BatchItem[];
  /** The class specs by id (strategy, topology, requests). */
  spec(cls: number): ClassSpec;
  /** Allocatable by dimension per slot; null for a slot that holds no present host. */
  alloc: readonly (readonly number[] | null)[];
  /** Workloads placed again in phases 2 and 3 at most (0: no packing phase). */
  effort: number;
  /** Phase 3, pairwise swaps (packing-swaps.ts); default true. */
  swaps?: boolean;
}

export type PackingOrder = 'batch' | 'ffd-sum' | 'ffd-max' | 'dot-product' | 'l2-norm';

export interface PackingReport {
  /** The order whose placement phase 2 started from. */
  order: PackingOrder;
  /** Hosts holding anything after the greedy batch, and after the packing phase. */
  hostsBefore: number;
  hostsAfter: number;
  /** Hosts phases 2 and 3 left empty, and the moves they made to do so (a swap is two or three). */
  emptied: number;
  moves: number;
  /** Workloads phases 2 and 3 tried to place again (the effort spent). */
  tried: number;
  /** Swaps phase 3 kept (its emptied hosts and moves are counted above); set once it ran. */
  swaps?: number;
}

/** A class the packing phase may move: MostAllocated, no inter-workload terms. */
export function packable(c: ClassSpec): boolean {
  return c.strategy === Strategy.MostAllocated && c.topology === undefined;
}
