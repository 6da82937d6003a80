// Plans of moves over any Backend, in slots and class ids: drains and namespace moves (release a
// set of workloads, place them again as one batch) and rebalancing (bounded greedy moves that
// lower the imbalance of the scarcest resource). The engine front names hosts and workloads; the
// hot loops — the batch, and the per-host evaluation of candidate moves — run in the backend.
//
// A move is a release followed by a fresh admission and placement, exactly what happens when a
// controller re-creates an evicted pod: quota, the reservation rule, every filter and score apply,
// and nobody is preempted to make room. Planning changes nothing: the ledgers are shifted (not
// preemption's unit lists) and restored, so a dry run leaves the backend exactly as it found it.

import type { Backend, BatchItem, BatchResult, Failure, GangSpec } from './contract.js';

/** `count` workloads of class `cls` on host `slot`, to be placed again as class `planCls` (default `cls`). */
export interface MovingEntry {
  cls: number;
  /** The class to plan with: `cls` plus added constraints (a namespace move's host selector). */
  planCls?: number;
  slot: number;
  count: number;
  /** All-or-nothing group (index into MoveRequest.groups): a gang, or a whole namespace. */
  group?: number;
}

export interface MoveRequest {
  moving: readonly MovingEntry[];
  groups?: readonly GangSpec[];
  /**
   * Hosts nothing may move to (the drained ones). They are cordoned, but a workload that tolerates
   * node.kubernetes.io/unschedulable could still land there: such a workload stays where it is.
   */
  avoid?: ReadonlySet<number>;
  /**
   * Failover admission of a round every workload of which found a host (failover-moves.ts): round
   * entry k is `entries[k]`, its instances go to targets[k]. It may send refused ones elsewhere in
   * `targets` or set −1 (they stay, and the others are planned again); per round entry, why.
   */
  admit?: (entries: readonly number[], targets: Int32Array[]) => (Failure | null)[];
}

export interface MovePlan {
  /** Per moving entry, the new host of each instance (−1: it cannot move; those come last). */
  targets: Int32Array[];
  /** Per moving entry, how many of its −1 instances stay because they tolerate the cordon (the first ones). */
  stays: number[];
  /** Per moving entry, why its other instances that cannot move cannot (null when none). */
  failures: (Failure | null)[];
  /** How many instances move / cannot. */
  moved: number;
  stuck: number;
  /** The final round as a batch: what moves, and the batch that placed it (for checkers). */
  final: { items: BatchItem[]; groups: GangSpec[]; result: BatchResult };
}

/**
 * Plan where every moving workload would go, without changing anything. Callers cordon first.
 *
 * The plan is a fixpoint: a workload that cannot move stays where it is, so the others are planned
 * again with it in place (a zone anti-affinity or a spread that ignored it could break otherwise).
 * Rounds repeat until every workload still moving finds a host; the moving set only shrinks.
 */
export function planMoves(b: Backend, req: MoveRequest): MovePlan {
  const active = req.moving.map((m) => m.count);
  const failures: (Failure | null)[] = req.moving.map(() => null);
  const stays = req.moving.map(() => 0);
  for (;;) {
    const round = planRound(b, req, active);
    const found = round.targets.every((t) => t.every((to) => to >= 0 && !req.avoid?.has(to)));
    const refusals = req.admit && found && round.entries.length > 0 ? req.admit(round.entries, round.targets) : null;
    if (refusals) writeBack(round);
    let stuck = 0;
    round.entries.forEach((e, k) => {
      const failed = round.targets[k].filter((t) => t < 0).length;
      const back = req.avoid ? round.targets[k].filter((t) => req.avoid!.has(t)).length : 0;
      if (failed + back === 0) return;
      stuck += failed + back;
      active[e] -= failed + back;
      stays[e] += back;
      if (failed > 0) failures[e] ??= refusals?.[k] ?? round.result.failures[k];
    });
    if (stuck === 0) {
      const targets = req.moving.map((m) => new Int32Array(m.count).fill(-1));
      round.entries.forEach((e, k) => targets[e].set(round.targets[k]));
      const moved = active.reduce((a, n) => a + n, 0);
      const total = req.moving.reduce((a, m) => a + m.count, 0);
      return {
        targets,
        stays,
        failures,
        moved,
        stuck: total - moved,
        final: { items: round.items, groups: round.groups, result: round.result },
      };
    }
  }
}

/** The plan in which nothing moves: every instance stays, for `failure`. */
export function refuseAll(req: MoveRequest, failure: Failure): MovePlan {
  const total = req.moving.reduce((a, m) => a + m.count, 0);
  return {
    targets: req.moving.map((m) => new Int32Array(m.count).fill(-1)),
    stays: req.moving.map(() => 0),
    failures: req.moving.map(() => failure),
    moved: 0,
    stuck: total,
    final: { items: [], groups: [], result: { hostOf: new Int32Array(0), failures: [], sequence: new Int32Array(0), evictions: [] } },
  };
}

/** One round: release the `active` instances of every entry, place them as one batch, undo. */
function planRound(b: Backend, req: MoveRequest, active: readonly number[]) {
  const entries = active.flatMap((n, e) => (n > 0 ? [e] : []));
  // Groups renumbered over the entries still moving; minMember = every member still moving.
  const groupOf = new Map<number, number>();
  const groups: GangSpec[] = [];
  for (const e of entries) {
    const g = req.moving[e].group;
    if (g === undefined) continue;
    let k = groupOf.get(g);
    if (k === undefined) {
      groupOf.set(g, (k = groups.length));
      groups.push({ minMember: 0 });
    }
    groups[k].minMember += active[e];
  }
  const items: BatchItem[] = entries.map((e) => {
    const m = req.moving[e];
    const item: BatchItem = { cls: m.planCls ?? m.cls, count: active[e] };
    if (m.group !== undefined) item.gang = groupOf.get(m.group)!;
    return item;
  });
  if (items.length === 0)
    return {
      entries,
      items,
      groups,
      result: { hostOf: new Int32Array(0), failures: [], sequence: new Int32Array(0), evictions: [] },
      targets: [],
    };
  for (const e of entries) b.shiftLedgers(req.moving[e].cls, req.moving[e].slot, -active[e]);
  let placed: BatchResult | undefined;
  try {
    placed = b.placeBatch(items, groups, { preempt: false });
  } finally {
    // Undo the batch's commits first: a release takes the newest units of the class on the host,
    // which are exactly the batch's (nothing was committed after them).
    if (placed) {
      const result = placed;
      let p = 0;
      for (const it of items) {
        for (let k = 0; k < it.count; k++) if (result.hostOf[p + k] >= 0) b.release(it.cls, result.hostOf[p + k]);
        p += it.count;
      }
    }
    for (const e of entries) b.shiftLedgers(req.moving[e].cls, req.moving[e].slot, active[e]);
  }
  const result = placed;
  const targets: Int32Array[] = [];
  let p = 0;
  for (const it of items) {
    targets.push(result.hostOf.slice(p, p + it.count));
    p += it.count;
  }
  return { entries, items, groups, result, targets };
}

/** The round's targets, as failover admission left them, in its batch result (the plan's record of the final round). */
function writeBack(round: ReturnType<typeof planRound>): void {
  let p = 0;
  round.targets.forEach((t) => {
    round.result.hostOf.set(t, p);
    p += t.length;
  });
}

/** Apply a plan's moves for real (releases first, then commits: the plan as one atomic change). */
export function executeMoves(b: Backend, req: MoveRequest, plan: MovePlan): void {
  req.moving.forEach((m, e) => plan.targets[e].forEach((to) => to >= 0 && b.release(m.cls, m.slot)));
  req.moving.forEach((m, e) => plan.targets[e].forEach((to) => to >= 0 && b.commit(m.cls, to)));
}

/** Undo executeMoves (a store that failed to record the plan). */
export function revertMoves(b: Backend, req: MoveRequest, plan: MovePlan): void {
  req.moving.forEach((m, e) => plan.targets[e].forEach((to) => to >= 0 && b.release(m.cls, to)));
  req.moving.forEach((m, e) => plan.targets[e].forEach((to) => to >= 0 && b.commit(m.cls, m.slot)));
}

// ---------------------------------------------------------------- rebalancing

export interface RebalanceRequest {
  /** The dimension whose imbalance to lower (the scarcest resource). */
  dim: number;
  maxMoves: number;
  /** Per slot: allocatable in `dim` (0 = not counted) and whether the host is schedulable and present. */
  hosts: readonly { alloc: number; schedulable: boolean }[];
  /** The workloads on a host that may move: class → count (as before the plan). */
  residentsOn(slot: number): ReadonlyMap<number, number>;
  /** A class's request in `dim`. */
  size(cls: number): number;
  /** Whether the class may move at all (a namespace that bin-packs on purpose stays where it is). */
  movable?(cls: number): boolean;
  /** Source hosts tried per move, hottest first (bounds the work of one step). */
  sourcesPerMove?: number;
  /** Classes evaluated per source host, spread evenly over the size order (bounds the work of one step). */
  candidatesPerHost?: number;
}

export interface RebalanceMove {
  cls: number;
  from: number;
  to: number;
  /** The variance of utilization once this move (and the ones before it) is done. */
  variance: number;
}

export interface RebalancePlan {
  before: number;
  after: number;
  hosts: number;
  moves: RebalanceMove[];
}

/**
 * Greedy, DRS-like: each step takes the hottest hosts above the mean in turn; for every class of
 * workload on the host (smallest first) it asks the backend for the best target; among the moves
 * that lower the variance it picks the smallest workload doing at least half as much good as the
 * best one (small moves are cheap; a tiny one that barely helps is not worth a migration). Each
 * move is planned on the cluster as the moves before it left it, so the sequence is legal step by
 * step; a workload moves at most once. Nothing is changed: the plan is undone before returning.
 */
export function planRebalance(b: Backend, req: RebalanceRequest): RebalancePlan {
  const { dim } = req;
  const start = b.imbalance(dim);
  const used = new Map<number, number>();
  const ledger = b.ledger(0);
  req.hosts.forEach((h, slot) => h.alloc > 0 && h.schedulable && used.set(slot, Number(ledger.hosts[slot]?.used[dim] ?? 0n)));
  // Workloads already moved by the plan, per host and class: a workload moves at most once.
  const taken = new Map<number, Map<number, number>>();
  const left = (slot: number, cls: number) => (req.residentsOn(slot).get(cls) ?? 0) - (taken.get(slot)?.get(cls) ?? 0);
  const movable = (slot: number) =>
    [...req.residentsOn(slot).keys()].filter((cls) => left(slot, cls) > 0 && req.size(cls) > 0 && (req.movable?.(cls) ?? true));
  const perHost = req.candidatesPerHost ?? 128;
  const moves: RebalanceMove[] = [];
  const applied: { cls: number; from: number; to: number }[] = [];
  let variance = start.variance;
  const sources = req.sourcesPerMove ?? 4;
  try {
    while (moves.length < req.maxMoves) {
      const n = used.size;
      if (n < 2) break;
      let mean = 0;
      for (const [slot, u] of used) mean += u / req.hosts[slot].alloc;
      mean /= n;
      const above = [...used]
        .map(([slot, u]) => ({ slot, u: u / req.hosts[slot].alloc }))
        .filter((h) => h.u > mean)
        .sort((a, z) => z.u - a.u || a.slot - z.slot);
      const hot: { slot: number }[] = [];
      for (const h of above) {
        if (hot.length === sources) break;
        if (movable(h.slot).length > 0) hot.push(h);
      }
      let chosen: RebalanceMove | null = null;
      for (const { slot: from } of hot) {
        const sorted = movable(from).sort((a, z) => req.size(a) - req.size(z) || a - z);
        // Many classes on one host: an even sample over the size order, smallest and largest included.
        const candidates =
          sorted.length <= perHost
            ? sorted
            : Array.from({ length: perHost }, (_, i) => sorted[Math.round((i * (sorted.length - 1)) / (perHost - 1))]);
        const options: RebalanceMove[] = [];
        for (const cls of candidates) {
          b.shiftLedgers(cls, from, -1);
          const t = b.moveTarget(cls, dim, from);
          b.shiftLedgers(cls, from, 1);
          if (t.slot >= 0 && t.variance < variance) options.push({ cls, from, to: t.slot, variance: t.variance });
        }
        if (options.length === 0) continue;
        const bestGain = Math.max(...options.map((o) => variance - o.variance));
        chosen = options.find((o) => variance - o.variance >= bestGain / 2)!;
        break;
      }
      // Stop when nothing helps any more (or only by rounding noise).
      if (!chosen || variance - chosen.variance <= variance * 1e-9) break;
      b.shiftLedgers(chosen.cls, chosen.from, -1);
      b.shiftLedgers(chosen.cls, chosen.to, 1);
      applied.push(chosen);
      const size = req.size(chosen.cls);
      used.set(chosen.from, used.get(chosen.from)! - size);
      used.set(chosen.to, used.get(chosen.to)! + size);
      const t = taken.get(chosen.from) ?? new Map<number, number>();
      t.set(chosen.cls, (t.get(chosen.cls) ?? 0) + 1);
      taken.set(chosen.from, t);
      variance = chosen.variance;
      moves.push(chosen);
    }
  } finally {
    for (const m of applied.reverse()) {
      b.shiftLedgers(m.cls, m.to, -1);
      b.shiftLedgers(m.cls, m.from, 1);
    }
  }
  return { before: start.variance, after: variance, hosts: start.hosts, moves };
}

/** Apply rebalancing moves for real, in order. */
export function executeRebalance(b: Backend, moves: readonly RebalanceMove[]): void {
  for (const m of moves) {
    b.release(m.cls, m.from);
    b.commit(m.cls, m.to);
  }
}
