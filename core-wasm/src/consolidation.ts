// Consolidation over any Backend, in slots and class ids: the plan that frees the most hosts
// (consolidator.ts names it). The hosts in use, emptiest first, each in turn: every workload on it
// is released and placed again — admission (quota, the reservation rule), then the backend's full
// Filter — on the fullest other host in use that takes it (best fit: the highest load once it is
// there; ties to the highest score total, then the lowest slot). The host's moves are kept only
// when it ends up empty; otherwise every one of them is undone.
//
// A move is a release followed by a fresh admission and placement, as in moves.ts; nothing is
// preempted. Each kept move is legal on the cluster as the moves before it left it, so the plan is
// a sequence. A workload moves at most once: a host that received a move is not emptied later.
// Planning changes nothing: it shifts the ledgers (not preemption's unit lists) and restores them.
// Bounded by `effort` — placements evaluated — and `maxMoves`, never by time: the same input gives
// the same plan on every backend.

import { type Backend, DIM_PODS, MAX_DIMS } from './contract.js';

export interface ConsolidationRequest {
  /** Per slot: allocatable by dimension of a host that takes part (present, schedulable); null otherwise. */
  alloc: readonly (readonly number[] | null)[];
  /** Per slot: the workloads on it that may move, class → count. */
  movable(slot: number): ReadonlyMap<number, number>;
  /** Per slot: how many workloads on it stay whatever happens (pinned, excluded): such a host stays in use. */
  staying(slot: number): number;
  /** A class's requests by dimension. */
  req(cls: number): readonly number[];
  /** Moves at most. */
  maxMoves: number;
  /** Placements evaluated at most (one per workload tried on another host). */
  effort: number;
}

export interface ConsolidationMove {
  cls: number;
  from: number;
  to: number;
}

export interface ConsolidationPlan {
  /** The hosts the plan empties, in the order it empties them. */
  emptied: number[];
  /** The moves, in execution order (each host's moves together, largest workload first). */
  moves: ConsolidationMove[];
  /** Placements evaluated (the effort spent). */
  tried: number;
  /** Whether the effort or the move limit stopped the plan before every host in use was tried. */
  limited: boolean;
}

interface State {
  b: Backend;
  req: ConsolidationRequest;
  used: number[][];
  occ: number[];
  /** Per host taking part: Σ_d used / allocatable (how full it is), recomputed whenever it changes. */
  load: number[];
  /** Per dimension: the free room of the hosts in use, summed; kept as moves apply and undo. */
  room: number[];
  budget: number;
  tried: number;
}

/** Plan the consolidation, without changing anything. */
export function planConsolidation(b: Backend, req: ConsolidationRequest): ConsolidationPlan {
  const slots = req.alloc.length;
  const ledger = b.ledger(0);
  const used = Array.from({ length: slots }, (_, h) => {
    const row = new Array<number>(MAX_DIMS).fill(0);
    ledger.hosts[h]?.used.forEach((x, d) => (row[d] = Number(x)));
    return row;
  });
  const occ = used.map((row, h) => (req.alloc[h] ? row[DIM_PODS] : 0));
  const s: State = { b, req, used, occ, load: [], room: new Array<number>(MAX_DIMS).fill(0), budget: req.effort, tried: 0 };
  for (let h = 0; h < slots; h++) {
    s.load.push(req.alloc[h] ? loadOf(s, h) : 0);
    book(s, h, 1);
  }
  const candidates: number[] = [];
  // A candidate holds only workloads that may move, and the caller knows every one of them.
  const movableCount = (h: number) => [...req.movable(h).values()].reduce((a, n) => a + n, 0);
  for (let h = 0; h < slots; h++) if (req.alloc[h] && occ[h] > 0 && req.staying(h) === 0 && movableCount(h) === occ[h]) candidates.push(h);
  const loads = candidates.map((h) => s.load[h]);
  const order = candidates.map((_, i) => i).sort((x, y) => loads[x] - loads[y] || candidates[x] - candidates[y]);
  const received = new Set<number>();
  const emptied: number[] = [];
  const moves: ConsolidationMove[] = [];
  let limited = false;
  try {
    for (const i of order) {
      const from = candidates[i];
      if (received.has(from)) continue;
      if (s.budget <= 0) {
        limited = true;
        break;
      }
      const count = s.occ[from];
      if (count > req.maxMoves - moves.length) {
        limited = true;
        continue;
      }
      if (!roomElsewhere(s, from)) continue;
      const done = attempt(s, from);
      if (done === 'budget') {
        limited = true;
        break;
      }
      if (!done) continue;
      for (const m of done) received.add(m.to);
      moves.push(...done);
      emptied.push(from);
    }
  } finally {
    for (const m of [...moves].reverse()) shift(s, m, -1);
  }
  return { emptied, moves, tried: s.tried, limited };
}

/** Execute a plan's moves for real, in order. */
export function executeConsolidation(b: Backend, moves: readonly ConsolidationMove[]): void {
  for (const m of moves) {
    b.release(m.cls, m.from);
    b.commit(m.cls, m.to);
  }
}

/** Undo executeConsolidation (a store that failed to record the plan). */
export function revertConsolidation(b: Backend, moves: readonly ConsolidationMove[]): void {
  for (const m of [...moves].reverse()) {
    b.release(m.cls, m.to);
    b.commit(m.cls, m.from);
  }
}

/** Apply (sign 1) or undo (−1) one move in the ledgers and the plan's own books. */
function shift(s: State, m: ConsolidationMove, sign: 1 | -1): void {
  s.b.shiftLedgers(m.cls, m.from, -sign);
  s.b.shiftLedgers(m.cls, m.to, sign);
  book(s, m.from, -1);
  book(s, m.to, -1);
  const r = s.req.req(m.cls);
  for (let d = 0; d < MAX_DIMS; d++) {
    s.used[m.from][d] -= sign * r[d];
    s.used[m.to][d] += sign * r[d];
  }
  s.occ[m.from] -= sign;
  s.occ[m.to] += sign;
  s.load[m.from] = loadOf(s, m.from);
  s.load[m.to] = loadOf(s, m.to);
  book(s, m.from, 1);
  book(s, m.to, 1);
}

/** Add (1) or take out (−1) a host's free room from the room in use, when it is in use. */
function book(s: State, h: number, sign: 1 | -1): void {
  const al = s.req.alloc[h];
  if (!al || s.occ[h] === 0) return;
  for (let d = 0; d < MAX_DIMS; d++) s.room[d] += sign * Math.max(0, al[d] - s.used[h][d]);
}

/** Σ_d used / allocatable over the dimensions the host has: how full it is. */
function loadOf(s: State, h: number): number {
  const al = s.req.alloc[h]!;
  let sum = 0;
  for (let d = 0; d < MAX_DIMS; d++) if (al[d] > 0) sum += s.used[h][d] / al[d];
  return sum;
}

/** Whether the other hosts in use have, in sum, room for everything on `from` (a cheap necessary condition). */
function roomElsewhere(s: State, from: number): boolean {
  const al = s.req.alloc[from]!;
  for (let d = 0; d < MAX_DIMS; d++) {
    const need = s.used[from][d];
    if (need > 0 && s.room[d] - Math.max(0, al[d] - need) < need) return false;
  }
  return true;
}

/** Move every workload off `from`: the moves when it empties; null (everything undone) or 'budget' when not. */
function attempt(s: State, from: number): ConsolidationMove[] | null | 'budget' {
  const al = s.req.alloc[from]!;
  const size = (cls: number) => s.req.req(cls).reduce((sum, x, d) => sum + (al[d] > 0 ? x / al[d] : 0), 0);
  // Largest first: the workload most likely not to fit anywhere is tried before the others move.
  const classes = [...s.req.movable(from)]
    .map(([cls, count]) => ({ cls, count, size: size(cls) }))
    .sort((x, y) => y.size - x.size || x.cls - y.cls);
  const done: ConsolidationMove[] = [];
  const undo = () => {
    for (const m of done.reverse()) shift(s, m, -1);
  };
  for (const { cls, count } of classes) {
    for (let k = 0; k < count; k++) {
      if (s.budget <= 0) {
        undo();
        return 'budget';
      }
      s.budget--;
      s.tried++;
      const to = target(s, cls, from);
      if (to < 0) {
        undo();
        return null;
      }
      const m = { cls, from, to };
      shift(s, m, 1);
      done.push(m);
    }
  }
  return done;
}

/** The fullest host in use, other than `from`, that admits and passes every filter for one more of `cls`; −1 when none. */
function target(s: State, cls: number, from: number): number {
  const { b } = s;
  b.shiftLedgers(cls, from, -1);
  try {
    if (b.admit(cls) !== null) return -1;
    const cols = b.evaluateColumns(cls);
    const r = s.req.req(cls);
    const dims: number[] = [];
    for (let d = 0; d < MAX_DIMS; d++) if (r[d] > 0) dims.push(d);
    let best = -1;
    let bestLoad = -1;
    let bestTotal = -1;
    const n = Math.min(cols.n, s.req.alloc.length);
    for (let h = 0; h < n; h++) {
      if (h === from || s.occ[h] === 0 || cols.reasons[h] !== 0) continue;
      const al = s.req.alloc[h];
      if (!al) continue;
      // the host's load once the workload is there
      let l = s.load[h];
      for (const d of dims) if (al[d] > 0) l += r[d] / al[d];
      if (l > bestLoad || (l === bestLoad && cols.total[h] > bestTotal)) {
        best = h;
        bestLoad = l;
        bestTotal = cols.total[h];
      }
    }
    return best;
  } finally {
    b.shiftLedgers(cls, from, 1);
  }
}
