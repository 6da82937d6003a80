// What the packing phase's steps (packing-empty.ts, packing-swaps.ts) ask of the hosts in use:
// how full one is, the room they hold together, and which of them a workload goes to. Over the
// step's own usage table, kept as its moves apply and undo.

import type { Backend } from './contract.js';
import { MAX_DIMS } from './contract.js';
import type { PackingRequest } from './packing-types.js';

/** A step's view of the cluster: its backend, the hosts' allocatable, usage and occupancy. */
export interface InUse {
  b: Backend;
  req: PackingRequest;
  /** Per slot, by dimension: what is used. */
  used: number[][];
  /** Per slot: how many workloads it holds (0: not in use). */
  occ: Int32Array;
}

/** Σ_d used / allocatable: how full a host is. */
export function load(v: InUse, h: number): number {
  let sum = 0;
  const al = v.req.alloc[h]!;
  for (let d = 0; d < MAX_DIMS; d++) if (al[d] > 0) sum += v.used[h][d] / al[d];
  return sum;
}

/** Per dimension, the free room of the hosts in use. */
export function roomInUse(v: InUse): number[] {
  const room = new Array<number>(MAX_DIMS).fill(0);
  v.req.alloc.forEach((al, h) => {
    if (!al || v.occ[h] === 0) return;
    for (let d = 0; d < MAX_DIMS; d++) room[d] += al[d] - v.used[h][d];
  });
  return room;
}

/** Whether the other hosts in use have, in sum, room for everything on `from` (a cheap necessary condition). */
export function roomElsewhere(v: InUse, from: number, room: readonly number[]): boolean {
  const al = v.req.alloc[from]!;
  for (let d = 0; d < MAX_DIMS; d++) {
    const need = v.used[from][d];
    if (need > 0 && room[d] - (al[d] - need) < need) return false;
  }
  return true;
}

/** The feasible host in use, other than `from`, with the highest total score (ties: lowest slot); −1 when none. */
export function target(v: InUse, cls: number, from: number): number {
  const cols = v.b.evaluateColumns(cls);
  let best = -1;
  let bestTotal = -1;
  const n = Math.min(cols.n, v.occ.length);
  for (let h = 0; h < n; h++) {
    if (h === from || v.occ[h] === 0 || cols.reasons[h] !== 0) continue;
    if (cols.total[h] > bestTotal) {
      best = h;
      bestTotal = cols.total[h];
    }
  }
  return best;
}
