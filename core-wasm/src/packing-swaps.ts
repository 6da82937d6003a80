// The packing phase's third step (packing.ts): pairwise swaps, the local search of the vector
// packing literature (in the spirit of Buljubašić & Vasquez's consistent neighbourhood search,
// 2016: swap packed items with smaller ones until what is left to place fits). After
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
//      step 1 for the workloads that came in, and for those still here that now fit the other
//      host's changed room.
//
// The attempt is kept only when the host ends up empty; otherwise every move is undone in
// reverse. Every evaluation through the backend spends one unit of the effort, and the arithmetic
// that picks swap candidates is bounded by a fixed work limit: never by time.

import type { Backend, BatchResult } from './contract.js';
import { MAX_DIMS } from './contract.js';
import { load, roomElsewhere, roomInUse, target } from './packing-room.js';
import { packable, type PackingReport, type PackingRequest } from './packing-types.js';

/** Candidate swaps the whole step may weigh by arithmetic (one unit per workload class pair). */
export const SWAPS_MAX_WORK = 1 << 20;
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
  itemOf: Int32Array;
  /**
   * Per slot, class → the movable batch instances of that class on it; built on first use from
   * `first`/`inSlot` (the instances by slot as the step started), since a million-workload batch
   * visits few hosts.
   */
  byCls: (Map<number, number[]> | undefined)[];
  first: Int32Array;
  inSlot: Int32Array;
  /** Per slot, how many movable batch instances it holds. */
  movable: Int32Array;
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
  const hostOf = result.hostOf;
  const itemOf = new Int32Array(hostOf.length);
  let q = 0;
  items.forEach((it, i) => itemOf.fill(i, q, (q += it.count)));
  const isMovable = items.map((it) => packable(req.spec(it.cls)));
  // The movable instances by slot (a counting sort): first[h] .. first[h + 1] in inSlot.
  const movable = new Int32Array(slots);
  for (let idx = 0; idx < hostOf.length; idx++) if (hostOf[idx] >= 0 && isMovable[itemOf[idx]]) movable[hostOf[idx]]++;
  const first = new Int32Array(slots + 1);
  for (let h = 0; h < slots; h++) first[h + 1] = first[h] + movable[h];
  const inSlot = new Int32Array(first[slots]);
  const next = first.slice(0, slots);
  for (let idx = 0; idx < hostOf.length; idx++) if (hostOf[idx] >= 0 && isMovable[itemOf[idx]]) inSlot[next[hostOf[idx]]++] = idx;
  const ledger = b.ledger(0);
  const used = Array.from({ length: slots }, (_, h) => {
    const row = new Array<number>(MAX_DIMS).fill(0);
    ledger.hosts[h]?.used.forEach((x, d) => (row[d] = Number(x)));
    return row;
  });
  const byCls = new Array<Map<number, number[]> | undefined>(slots).fill(undefined);
  const s: Swapper = { b, req, hostOf, occ, itemOf, byCls, first, inSlot, movable, used, report, budget, work: 0, log: [] };
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
      // Every workload on the host is placed again at least once: with less effort left, the
      // attempt cannot succeed.
      if (occ[from] === 0 || occ[from] > s.budget || !roomElsewhere(s, from, room)) continue;
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

/** The movable instances of slot `h` by class (see Swapper.byCls). */
function classesOn(s: Swapper, h: number): Map<number, number[]> {
  let m = s.byCls[h];
  if (m) return m;
  m = new Map();
  for (let k = s.first[h]; k < s.first[h + 1]; k++) {
    const idx = s.inSlot[k];
    const cls = clsOf(s, idx);
    const list = m.get(cls);
    if (list) list.push(idx);
    else m.set(cls, [idx]);
  }
  s.byCls[h] = m;
  return m;
}

/** Empty `from` with moves and swaps: the number of swaps when it empties (moves in s.log), else −1 with everything undone. */
function attempt(s: Swapper, from: number): number {
  s.log = [];
  const al = s.req.alloc[from]!;
  // Sizes relative to this host: the sum of the normalized requests.
  const sizes = new Map<number, number>();
  const size = (idx: number) => {
    let v = sizes.get(idx);
    if (v === undefined) sizes.set(idx, (v = reqOf(s, idx).reduce((sum, x, d) => sum + (al[d] > 0 ? x / al[d] : 0), 0)));
    return v;
  };
  const bySize = (list: number[]) => list.sort((x, y) => size(y) - size(x) || x - y);
  let fresh = bySize([...classesOn(s, from).values()].flat());
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

/**
 * Swap `p` (on `from`) with one or two smaller workloads of another host in use: the workloads
 * that came to `from` and that host, or null when no candidate passes the backend's checks.
 */
function swap(s: Swapper, from: number, p: number, size: (idx: number) => number): { came: number[]; host: number } | null {
  const found = candidates(s, from, p, size);
  for (const c of found) {
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
 * smaller than `p` in sum. The best SWAP_TRIES of them: largest gain first (the other host
 * fullest), then slot, then instance.
 */
function candidates(s: Swapper, from: number, p: number, size: (idx: number) => number): Candidate[] {
  const rp = reqOf(s, p);
  const sp = size(p);
  const alFrom = s.req.alloc[from]!;
  const usedFrom = s.used[from];
  const none = ZERO;
  // `p` takes the place of rx (+ ry) on h, and they take p's on `from`.
  const fits = (h: number, al: readonly number[], rx: readonly number[], ry: readonly number[]) => {
    const u = s.used[h];
    for (let d = 0; d < MAX_DIMS; d++) {
      if (u[d] + rp[d] - rx[d] - ry[d] > al[d]) return false;
      if (usedFrom[d] - rp[d] + rx[d] + ry[d] > alFrom[d]) return false;
    }
    return true;
  };
  // The best SWAP_TRIES, kept in order as they are found (no list of every candidate).
  const best: Candidate[] = [];
  const offer = (c: Candidate) => {
    let k = best.length;
    while (k > 0 && before(c, best[k - 1])) k--;
    if (k >= SWAP_TRIES) return;
    best.splice(k, 0, c);
    if (best.length > SWAP_TRIES) best.pop();
  };
  for (let h = 0; h < s.occ.length && s.work < SWAPS_MAX_WORK; h++) {
    const al = s.req.alloc[h];
    if (!al || h === from || s.occ[h] === 0 || s.movable[h] === 0) continue;
    const classes = [...classesOn(s, h).entries()].filter(([, list]) => list.length > 0).sort((x, y) => x[0] - y[0]);
    s.work += classes.length;
    for (let i = 0; i < classes.length && s.work < SWAPS_MAX_WORK; i++) {
      const xi = classes[i][1];
      const x = xi[xi.length - 1];
      const rx = reqOf(s, x);
      const gx = sp - size(x);
      s.work++;
      if (gx <= 0) continue;
      if (fits(h, al, rx, none)) offer({ host: h, out: [x], gain: gx });
      for (let j = i; j < classes.length && s.work < SWAPS_MAX_WORK; j++) {
        const yj = classes[j][1];
        if (j === i && yj.length < 2) continue;
        const y = j === i ? yj[yj.length - 2] : yj[yj.length - 1];
        const g = gx - size(y);
        s.work++;
        if (g > 0 && fits(h, al, rx, reqOf(s, y))) offer({ host: h, out: [x, y], gain: g });
      }
    }
  }
  return best;
}

const ZERO: readonly number[] = new Array<number>(MAX_DIMS).fill(0);

/** Candidate order: largest gain first, then slot, then the instances. */
function before(a: Candidate, z: Candidate): boolean {
  return (z.gain - a.gain || a.host - z.host || a.out[0] - z.out[0] || (a.out[1] ?? -1) - (z.out[1] ?? -1)) < 0;
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
  const src = classesOn(s, from).get(cls)!;
  src.splice(src.indexOf(idx), 1);
  const onTo = classesOn(s, to);
  const dst = onTo.get(cls);
  if (dst) dst.push(idx);
  else onTo.set(cls, [idx]);
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
