// The packing phase's third step (packing.ts): pairwise swaps, the local search of the vector
// packing literature (as in Buljubašić & Vasquez's consistent neighbourhood search). After
// emptying (packing-empty.ts) every workload left on a host it could not empty fits nowhere else
// as things stand. Here the emptiest hosts are tried again, each in one attempt:
//
//   1. every workload on the host is placed again on another host in use, as emptying does
//      (admission, the backend's full Filter and Score, the highest total, ties to the lowest
//      slot); the ones that fit nowhere stay;
//   2. while some stay, one of them (largest first) swaps places with one or two smaller
//      workloads of another host in use: it takes their place there, they take its place here —
//      both sides through admission and the backend's Filter — so the other host gets fuller and
//      what is left here gets smaller (strictly, by the sum of the normalized requests); then
//      step 1 for the workloads that came in.
//
// The attempt is kept only when the host ends up empty; otherwise every move is undone in
// reverse. Every evaluation through the backend spends one unit of the effort, and the arithmetic
// that picks swap candidates is bounded by a fixed work limit: never by time.

import type { Backend, BatchResult } from './contract.js';
import { MAX_DIMS } from './contract.js';
import { packable, type PackingReport, type PackingRequest } from './packing-types.js';

/** Candidate swaps the whole step may weigh by arithmetic (one unit per workload class pair). */
export const SWAPS_MAX_WORK = 1 << 21;
/** Swaps verified through the backend per workload that fits nowhere, best candidates first. */
export const SWAP_TRIES = 4;

/** A move within one attempt: instance, from, to. */
type Move = [number, number, number];

/** A swap candidate: the workloads of host `host` (one or two instances) that would change place. */
interface Candidate {
  host: number;
  out: number[];
  gain: number;
}

interface Swapper {
  b: Backend;
  req: PackingRequest;
  hostOf: Int32Array;
  occ: Int32Array;
  itemOf: number[];
  /** Per slot, class → the movable batch instances of that class on it. */
  byCls: Map<number, number[]>[];
  /** Per slot, how many movable batch instances it holds. */
  movable: number[];
  used: number[][];
  report: PackingReport;
  budget: number;
  work: number;
  /** Moves of the current attempt, in order. */
  log: Move[];
}

/** Try to empty the emptiest hosts with pairwise swaps, spending what is left of `req.effort`. */
export function swapHosts(b: Backend, req: PackingRequest, result: BatchResult, occ: Int32Array, report: PackingReport): void {
  report.swaps ??= 0;
  const budget = req.effort - report.tried;
  if (budget <= 0) return;
  const { items, alloc } = req;
  const slots = alloc.length;
  const itemOf: number[] = [];
  items.forEach((it, i) => {
    for (let k = 0; k < it.count; k++) itemOf.push(i);
  });
  const isMovable = items.map((it) => packable(req.spec(it.cls)));
  const byCls: Map<number, number[]>[] = Array.from({ length: slots }, () => new Map());
  const movable = new Array<number>(slots).fill(0);
  result.hostOf.forEach((h, idx) => {
    if (h < 0 || !isMovable[itemOf[idx]]) return;
    const cls = items[itemOf[idx]].cls;
    const list = byCls[h].get(cls);
    if (list) list.push(idx);
    else byCls[h].set(cls, [idx]);
    movable[h]++;
  });
  const ledger = b.ledger(0);
  const used = Array.from({ length: slots }, (_, h) => {
    const row = new Array<number>(MAX_DIMS).fill(0);
    ledger.hosts[h]?.used.forEach((x, d) => (row[d] = Number(x)));
    return row;
  });
  const s: Swapper = { b, req, hostOf: result.hostOf, occ, itemOf, byCls, movable, used, report, budget, work: 0, log: [] };
  let progress = true;
  while (progress && s.budget > 0 && s.work < SWAPS_MAX_WORK) {
    progress = false;
    const candidates: number[] = [];
    for (let h = 0; h < slots; h++) if (alloc[h] && occ[h] > 0 && movable[h] === occ[h]) candidates.push(h);
    const loads = candidates.map((h) => load(s, h));
    const order = candidates.map((_, i) => i).sort((x, y) => loads[x] - loads[y] || candidates[x] - candidates[y]);
    let room = roomInUse(s);
    for (const c of order) {
      if (s.budget <= 0 || s.work >= SWAPS_MAX_WORK) break;
      const from = candidates[c];
      if (occ[from] === 0 || !roomElsewhere(s, from, room)) continue;
      const swaps = attempt(s, from);
      if (swaps < 0) continue;
      room = roomInUse(s);
      report.emptied++;
      report.moves += s.log.length;
      report.swaps += swaps;
      progress = true;
    }
  }
}

const clsOf = (s: Swapper, idx: number) => s.req.items[s.itemOf[idx]].cls;
const reqOf = (s: Swapper, idx: number) => s.req.spec(clsOf(s, idx)).req;

/** Σ_d used / allocatable: how full a host is. */
function load(s: Swapper, h: number): number {
  let sum = 0;
  const al = s.req.alloc[h]!;
  for (let d = 0; d < MAX_DIMS; d++) if (al[d] > 0) sum += s.used[h][d] / al[d];
  return sum;
}

/** Per dimension, the free room of the hosts in use. */
function roomInUse(s: Swapper): number[] {
  const room = new Array<number>(MAX_DIMS).fill(0);
  s.req.alloc.forEach((al, h) => {
    if (!al || s.occ[h] === 0) return;
    for (let d = 0; d < MAX_DIMS; d++) room[d] += al[d] - s.used[h][d];
  });
  return room;
}

/** Whether the other hosts in use have, in sum, room for everything on `from` (a cheap necessary condition). */
function roomElsewhere(s: Swapper, from: number, room: readonly number[]): boolean {
  const al = s.req.alloc[from]!;
  for (let d = 0; d < MAX_DIMS; d++) {
    const need = s.used[from][d];
    if (need > 0 && room[d] - (al[d] - need) < need) return false;
  }
  return true;
}

/** Empty `from` with moves and swaps: the number of swaps when it empties (moves in s.log), else −1 with everything undone. */
function attempt(s: Swapper, from: number): number {
  s.log = [];
  const al = s.req.alloc[from]!;
  // Sizes relative to this host: the sum of the normalized requests.
  const size = (idx: number) => reqOf(s, idx).reduce((sum, x, d) => sum + (al[d] > 0 ? x / al[d] : 0), 0);
  const bySize = (list: number[]) => list.sort((x, y) => size(y) - size(x) || x - y);
  let fresh = bySize([...s.byCls[from].values()].flat());
  let stuck: number[] = [];
  let swaps = 0;
  for (;;) {
    for (const idx of fresh) {
      if (s.budget <= 0) return undo(s);
      if (!place(s, idx, from)) stuck.push(idx);
    }
    if (s.occ[from] === 0) return swaps;
    bySize(stuck);
    let done: { came: number[]; host: number } | null = null;
    for (let k = 0; k < stuck.length && !done; k++) {
      done = swap(s, from, stuck[k], size);
      if (done) stuck.splice(k, 1);
    }
    if (!done) return undo(s);
    swaps++;
    // The swap changed the other host's room in every dimension: the workloads still here that
    // now fit there by arithmetic are tried again, with the ones that came.
    const host = done.host;
    const again = stuck.filter((q) => fitsOn(s, host, q));
    stuck = stuck.filter((q) => !again.includes(q));
    fresh = bySize([...done.came, ...again]);
  }
}

/** Place `idx` (on `from`) again on another host in use; false (nothing changed) when none takes it. */
function place(s: Swapper, idx: number, from: number): boolean {
  s.budget--;
  s.report.tried++;
  const cls = clsOf(s, idx);
  s.b.release(cls, from);
  const to = s.b.admit(cls) === null ? target(s, cls, from) : -1;
  s.b.commit(cls, to < 0 ? from : to);
  if (to >= 0) record(s, idx, from, to);
  return to >= 0;
}

/** The feasible host in use, other than `from`, with the highest total score (ties: lowest slot); −1 when none. */
function target(s: Swapper, cls: number, from: number): number {
  const cols = s.b.evaluateColumns(cls);
  let best = -1;
  let bestTotal = -1;
  const n = Math.min(cols.n, s.occ.length);
  for (let h = 0; h < n; h++) {
    if (h === from || s.occ[h] === 0 || cols.reasons[h] !== 0) continue;
    if (cols.total[h] > bestTotal) {
      best = h;
      bestTotal = cols.total[h];
    }
  }
  return best;
}

/**
 * Swap `p` (on `from`) with one or two smaller workloads of another host in use: the workloads
 * that came to `from` and that host, or null when no candidate passes the backend's checks.
 */
function swap(s: Swapper, from: number, p: number, size: (idx: number) => number): { came: number[]; host: number } | null {
  const found = candidates(s, from, p, size);
  for (const c of found.slice(0, SWAP_TRIES)) {
    if (s.budget < 1 + c.out.length) return null;
    if (exchange(s, from, p, c)) return { came: c.out, host: c.host };
  }
  return null;
}

/** Whether `idx` fits in the free room of `h` by arithmetic (every dimension). */
function fitsOn(s: Swapper, h: number, idx: number): boolean {
  const r = reqOf(s, idx);
  const al = s.req.alloc[h]!;
  for (let d = 0; d < MAX_DIMS; d++) if (s.used[h][d] + r[d] > al[d]) return false;
  return true;
}

/**
 * Swap candidates for `p` by arithmetic (a necessary condition of the backend's checks): one or
 * two movable workloads on another host in use whose place `p` fits in and that fit in `p`'s,
 * smaller than `p` in sum. Largest gain first (the other host fullest), then slot, then classes.
 */
function candidates(s: Swapper, from: number, p: number, size: (idx: number) => number): Candidate[] {
  const rp = reqOf(s, p);
  const sp = size(p);
  const alFrom = s.req.alloc[from]!;
  const out: Candidate[] = [];
  const fits = (h: number, add: readonly number[], minus: readonly (readonly number[])[], al: readonly number[]) => {
    for (let d = 0; d < MAX_DIMS; d++) {
      let v = s.used[h][d] + add[d];
      for (const m of minus) v -= m[d];
      if (v > al[d]) return false;
    }
    return true;
  };
  // `p` leaves `from`, the candidates come in: from's usage without p, then plus theirs.
  const fromFits = (ins: readonly (readonly number[])[]) => {
    for (let d = 0; d < MAX_DIMS; d++) {
      let v = s.used[from][d] - rp[d];
      for (const r of ins) v += r[d];
      if (v > alFrom[d]) return false;
    }
    return true;
  };
  for (let h = 0; h < s.occ.length && s.work < SWAPS_MAX_WORK; h++) {
    const al = s.req.alloc[h];
    if (!al || h === from || s.occ[h] === 0 || s.movable[h] === 0) continue;
    const classes = [...s.byCls[h].entries()].filter(([, list]) => list.length > 0).sort((x, y) => x[0] - y[0]);
    s.work += classes.length;
    for (let i = 0; i < classes.length && s.work < SWAPS_MAX_WORK; i++) {
      const xi = classes[i][1];
      const x = xi[xi.length - 1];
      const rx = reqOf(s, x);
      const gx = sp - size(x);
      s.work++;
      if (gx <= 0) continue;
      if (fits(h, rp, [rx], al) && fromFits([rx])) out.push({ host: h, out: [x], gain: gx });
      for (let j = i; j < classes.length && s.work < SWAPS_MAX_WORK; j++) {
        const yj = classes[j][1];
        if (j === i && yj.length < 2) continue;
        const y = j === i ? yj[yj.length - 2] : yj[yj.length - 1];
        const ry = reqOf(s, y);
        const g = gx - size(y);
        s.work++;
        if (g <= 0) continue;
        if (fits(h, rp, [rx, ry], al) && fromFits([rx, ry])) out.push({ host: h, out: [x, y], gain: g });
      }
    }
  }
  return out.sort((a, z) => z.gain - a.gain || a.host - z.host || a.out[0] - z.out[0] || (a.out[1] ?? -1) - (z.out[1] ?? -1));
}

/** Carry out candidate `c` for `p` through the backend; false with nothing changed when a check fails. */
function exchange(s: Swapper, from: number, p: number, c: Candidate): boolean {
  const b = s.b;
  const pc = clsOf(s, p);
  b.release(pc, from);
  for (const x of c.out) b.release(clsOf(s, x), c.host);
  // Each arrival in turn: admission, then the backend's filter on its new host.
  const arrivals: Move[] = [[p, from, c.host], ...c.out.map((x): Move => [x, c.host, from])];
  let placed = 0;
  for (const [idx, , to] of arrivals) {
    s.budget--;
    s.report.tried++;
    const cls = clsOf(s, idx);
    if (b.admit(cls) !== null || b.evaluateColumns(cls).reasons[to] !== 0) break;
    b.commit(cls, to);
    placed++;
  }
  if (placed < arrivals.length) {
    for (let k = placed - 1; k >= 0; k--) b.release(clsOf(s, arrivals[k][0]), arrivals[k][2]);
    for (let k = arrivals.length - 1; k >= 0; k--) b.commit(clsOf(s, arrivals[k][0]), arrivals[k][1]);
    return false;
  }
  for (const [idx, src, to] of arrivals) record(s, idx, src, to);
  return true;
}

/** Apply a move the backend already made to the step's own view (hosts, per-class lists, usage). */
function record(s: Swapper, idx: number, from: number, to: number): void {
  s.log.push([idx, from, to]);
  shift(s, idx, from, to);
}

function shift(s: Swapper, idx: number, from: number, to: number): void {
  const cls = clsOf(s, idx);
  const src = s.byCls[from].get(cls)!;
  src.splice(src.indexOf(idx), 1);
  const dst = s.byCls[to].get(cls);
  if (dst) dst.push(idx);
  else s.byCls[to].set(cls, [idx]);
  s.hostOf[idx] = to;
  s.movable[from]--;
  s.movable[to]++;
  s.occ[from]--;
  s.occ[to]++;
  const r = reqOf(s, idx);
  for (let d = 0; d < MAX_DIMS; d++) {
    s.used[from][d] -= r[d];
    s.used[to][d] += r[d];
  }
}

/** Undo the attempt's moves in reverse, in the backend and in the step's view; −1. */
function undo(s: Swapper): number {
  for (const [idx, from, to] of s.log.reverse()) {
    const cls = clsOf(s, idx);
    s.b.release(cls, to);
    s.b.commit(cls, from);
    shift(s, idx, to, from);
  }
  s.log = [];
  return -1;
}
