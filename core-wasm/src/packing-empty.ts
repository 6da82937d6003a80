// The packing phase's second step (packing.ts): empty hosts. The emptiest hosts in turn, each of
// their workloads released and placed again — admission, then the backend's full Filter and
// Score, the highest total winning, ties to the lowest slot — on another host already in use.
// The moves are kept only when the host ends up empty; otherwise every one is undone in reverse.
// Every evaluation spends one unit of the effort.

import type { Backend, BatchResult } from './contract.js';
import { MAX_DIMS } from './contract.js';
import { load, roomElsewhere, roomInUse, target } from './packing-room.js';
import { packable, type PackingReport, type PackingRequest } from './packing-types.js';

/** A move within one attempt: instance, from, to. */
type Move = [number, number, number];

interface Attempt {
  b: Backend;
  req: PackingRequest;
  occ: Int32Array;
  /** Per slot, the movable batch instances on it (as of the last kept attempt). */
  on: number[][];
  used: number[][];
  itemOf: number[];
  report: PackingReport;
  budget: number;
}

export function emptyHosts(b: Backend, req: PackingRequest, result: BatchResult, occ: Int32Array, report: PackingReport): void {
  const { items, alloc } = req;
  const slots = alloc.length;
  const itemOf: number[] = [];
  items.forEach((it, i) => {
    for (let k = 0; k < it.count; k++) itemOf.push(i);
  });
  const movable = items.map((it) => packable(req.spec(it.cls)));
  // Per slot, the movable instances on it; a host is a candidate when they are all it holds.
  const on: number[][] = Array.from({ length: slots }, () => []);
  result.hostOf.forEach((h, idx) => h >= 0 && movable[itemOf[idx]] && on[h].push(idx));
  const ledger = b.ledger(0);
  const used = Array.from({ length: slots }, (_, h) => {
    const row = new Array<number>(MAX_DIMS).fill(0);
    ledger.hosts[h]?.used.forEach((x, d) => (row[d] = Number(x)));
    return row;
  });
  const a: Attempt = { b, req, occ, on, used, itemOf, report, budget: req.effort };
  let progress = true;
  while (progress && a.budget > 0) {
    progress = false;
    const candidates: number[] = [];
    for (let h = 0; h < slots; h++) if (alloc[h] && occ[h] > 0 && on[h].length === occ[h]) candidates.push(h);
    const loads = candidates.map((h) => load(a, h));
    const order = candidates.map((_, i) => i).sort((x, y) => loads[x] - loads[y] || candidates[x] - candidates[y]);
    let room = roomInUse(a);
    for (const c of order) {
      if (a.budget <= 0) break;
      const from = candidates[c];
      if (occ[from] === 0 || !roomElsewhere(a, from, room)) continue;
      const moves = attempt(a, from);
      if (!moves) continue;
      for (const [idx, src, to] of moves) {
        result.hostOf[idx] = to;
        on[src].splice(on[src].indexOf(idx), 1);
        on[to].push(idx);
        occ[src]--;
        occ[to]++;
        const r = reqOf(a, idx);
        for (let d = 0; d < MAX_DIMS; d++) {
          used[to][d] += r[d];
          used[src][d] -= r[d];
        }
      }
      room = roomInUse(a);
      report.emptied++;
      report.moves += moves.length;
      progress = true;
    }
  }
}

const reqOf = (a: Attempt, idx: number) => a.req.spec(a.req.items[a.itemOf[idx]].cls).req;
const clsOf = (a: Attempt, idx: number) => a.req.items[a.itemOf[idx]].cls;

/** Move every workload off `from`; the moves when it empties, else null with everything undone. */
function attempt(a: Attempt, from: number): Move[] | null {
  const al = a.req.alloc[from]!;
  // Largest first: the workload most likely not to fit anywhere is tried before the others move.
  // Sizes are computed once per workload, not per comparison (a host may hold a thousand).
  const sizes = new Map<number, number>();
  for (const idx of a.on[from])
    sizes.set(
      idx,
      reqOf(a, idx).reduce((s, x, d) => s + (al[d] > 0 ? x / al[d] : 0), 0),
    );
  const moving = [...a.on[from]].sort((x, y) => sizes.get(y)! - sizes.get(x)! || x - y);
  const done: Move[] = [];
  for (const idx of moving) {
    if (a.budget <= 0) return undo(a, done);
    a.budget--;
    a.report.tried++;
    const cls = clsOf(a, idx);
    a.b.release(cls, from);
    if (a.b.admit(cls) !== null) {
      a.b.commit(cls, from);
      return undo(a, done);
    }
    const to = target(a, cls, from);
    if (to < 0) {
      a.b.commit(cls, from);
      return undo(a, done);
    }
    a.b.commit(cls, to);
    done.push([idx, from, to]);
  }
  return done;
}

function undo(a: Attempt, done: Move[]): null {
  for (const [idx, src, to] of done.reverse()) {
    const cls = clsOf(a, idx);
    a.b.release(cls, to);
    a.b.commit(cls, src);
  }
  return null;
}
