// Failover admission for plans of moves (namespace HA): drains, namespace moves, rebalancing and
// consolidation keep the guarantee as placements do. A move is a release from its source and a
// placement on its target, so a plan is tried for real — the backend, the residents and the
// failover guard (failover-guard.ts) see each move made in turn — and every placement asks
// FailoverGuard.check; the trial is undone before returning, the residents' order included.
//
//   - A drain's or namespace move's round (moves.ts planMoves): every moving workload is released
//     first, as the plan executes; each goes to the host the batch chose or, when failover
//     admission refuses it there, to the next host in the backend's score order that admits it.
//     One that no host admits stays, with the refusal's words (a group with one loses all);
//     planMoves plans the others again around it.
//   - A sequence (rebalancing, consolidation): each move in order; a refused move is undone, with
//     the moves of its group (a consolidated host empties whole or not at all), and the moves after
//     it pass every filter again: the cluster is no longer what the plan saw.
//   - Cordons: a drained or standby host is no restart target, so taking it out can leave a
//     protected namespace short although nothing moves: the failover report before and after says
//     which namespace kept before would no longer be.

import type { Catalog } from './catalog.js';
import type { ClassCompiler } from './compiler.js';
import type { Backend, Failure } from './contract.js';
import type { Failover } from './failover.js';
import type { FailoverGuard } from './failover-guard.js';
import type { MoveRequest } from './moves.js';
import type { Resident, Residents } from './residents.js';
import { filterHistogram } from './rules/filter-stages.js';
import type { Wording } from './wording.js';

/** Hosts tried at most, in score order, for a workload failover admission refuses on its planned host. */
export const MAX_ALTERNATIVES = 16;

/** One workload moving from one host to another. */
export interface TrialMove {
  cls: number;
  from: number;
  to: number;
  who: Resident;
}

export interface SequenceVerdict<T> {
  /** Per move: kept — admitted, and legal after the moves refused before it. */
  kept: boolean[];
  /** Per move: failover admission's refusal on its target, naming the host, or null. */
  refusals: (string | null)[];
  /** What `during` saw with the kept moves made. */
  seen: T;
}

export class FailoverMoves {
  constructor(
    private readonly catalog: Catalog,
    private readonly compiler: ClassCompiler,
    private readonly residents: Residents,
    private readonly wording: Wording,
    private readonly backend: Backend,
    private readonly guard: FailoverGuard,
    private readonly failover: Failover,
  ) {}

  /** Some namespace is protected: plans consult failover admission. */
  active(): boolean {
    return this.guard.active();
  }

  /** The protected namespaces whose policy is not kept now, each with the failure it cannot absorb (the report's words). */
  violations(): Map<string, string> {
    if (!this.active()) return new Map();
    return new Map(this.failover.report().namespaces.flatMap((n) => (n.violation === null ? [] : [[n.namespace, n.violation] as const])));
  }

  /** The words of the first namespace kept in `before` (violations()) that the cluster as it is now does not keep, or null. */
  newViolation(before: ReadonlyMap<string, string>): string | null {
    for (const [ns, text] of this.violations()) if (!before.has(ns)) return text;
    return null;
  }

  /**
   * Failover admission of one round of a drain or namespace move (moves.ts MoveRequest.admit):
   * entry `entries[k]` of `req` sends its first targets[k].length instances (`who`) to targets[k].
   * Refused instances are sent elsewhere in `targets`, or get −1 when no host admits them; the
   * result says per round entry why (null: every instance moves).
   */
  admitRound(
    req: MoveRequest,
    who: readonly (readonly Resident[])[],
    entries: readonly number[],
    targets: Int32Array[],
  ): (Failure | null)[] {
    const avoid = req.avoid ?? new Set<number>();
    const failures: (Failure | null)[] = entries.map(() => null);
    const refusedGroups = new Map<number, Failure>();
    /** Per group, its members placed in this trial: taken out again when another is refused. */
    const placed = new Map<number, { cls: number; slot: number; who: Resident }[]>();
    const trial = new Trial(this.backend, this.residents, this.guard);
    try {
      // Releases first, as executeMoves does; the guard reads the cluster anew once.
      entries.forEach((e, k) => {
        const m = req.moving[e];
        for (let n = 0; n < targets[k].length; n++) trial.lift(m.cls, m.slot, who[e][n], false);
      });
      this.guard.invalidate();
      let diverged = false;
      entries.forEach((e, k) => {
        const m = req.moving[e];
        const planCls = m.planCls ?? m.cls;
        for (let n = 0; n < targets[k].length; n++) {
          const r = who[e][n];
          if (m.group !== undefined && refusedGroups.has(m.group)) {
            targets[k][n] = -1;
            continue;
          }
          const planned = targets[k][n];
          let refusal: string | null = null;
          let to = -1;
          if (planned >= 0 && (!diverged || this.feasible(planCls, planned, avoid))) {
            refusal = this.refusal(r, m.cls, planned);
            if (refusal === null) to = planned;
          }
          if (to < 0) {
            // the plan no longer holds from here on: later targets pass the filter again
            diverged = true;
            const alt = this.alternative(r, m.cls, planCls, planned, avoid);
            to = alt.slot;
            refusal ??= alt.refusal;
          }
          targets[k][n] = to;
          if (to >= 0) {
            trial.drop(m.cls, to, r);
            if (m.group !== undefined) placed.set(m.group, [...(placed.get(m.group) ?? []), { cls: m.cls, slot: to, who: r }]);
            continue;
          }
          const f: Failure = refusal !== null ? { kind: 'failover', text: refusal } : this.histogram(planCls);
          failures[k] ??= f;
          if (m.group === undefined) continue;
          refusedGroups.set(m.group, f);
          // the group moves none: its members placed so far leave again, not to weigh on the others
          for (const p of (placed.get(m.group) ?? []).reverse()) trial.lift(p.cls, p.slot, p.who);
        }
      });
    } finally {
      trial.undo();
    }
    // A group with a refused member moves none.
    entries.forEach((e, k) => {
      const g = req.moving[e].group;
      const cause = g === undefined ? undefined : refusedGroups.get(g);
      if (g === undefined || !cause) return;
      const found = entries.reduce((sum, x, i) => sum + (req.moving[x].group === g ? targets[i].filter((t) => t >= 0).length : 0), 0);
      failures[k] = { kind: 'gang', gang: g, placed: found, needed: req.groups?.[g]?.minMember ?? 0, cause };
    });
    for (const [k, e] of entries.entries()) if (refusedGroups.has(req.moving[e].group ?? -1)) targets[k].fill(-1);
    return failures;
  }

  /**
   * Failover admission of a sequence of moves, in order (rebalancing, consolidation): see the file
   * comment. `group(i)` ties move i to the other moves of its group (undefined: alone); `during`
   * sees the cluster with the kept moves made, before everything is undone.
   */
  admitSequence<T>(
    moves: readonly TrialMove[],
    group: (i: number) => number | undefined,
    during: (kept: readonly boolean[]) => T,
  ): SequenceVerdict<T> {
    const kept = moves.map(() => false);
    const refusals: (string | null)[] = moves.map(() => null);
    const refused = new Set<number>();
    const made = new Map<number, number[]>();
    const trial = new Trial(this.backend, this.residents, this.guard);
    const none = new Set<number>();
    let diverged = false;
    try {
      moves.forEach((m, i) => {
        const g = group(i);
        if (g !== undefined && refused.has(g)) return;
        trial.lift(m.cls, m.from, m.who);
        const legal = !diverged || this.feasible(m.cls, m.to, none);
        const text = legal ? this.refusal(m.who, m.cls, m.to) : null;
        if (legal && text === null) {
          trial.drop(m.cls, m.to, m.who);
          kept[i] = true;
          if (g !== undefined) made.set(g, [...(made.get(g) ?? []), i]);
          return;
        }
        trial.drop(m.cls, m.from, m.who);
        diverged = true;
        refusals[i] = text;
        if (g === undefined) return;
        refused.add(g);
        for (const k of (made.get(g) ?? []).reverse()) {
          trial.lift(moves[k].cls, moves[k].to, moves[k].who);
          trial.drop(moves[k].cls, moves[k].from, moves[k].who);
          kept[k] = false;
        }
      });
      return { kept, refusals, seen: during(kept) };
    } finally {
      trial.undo();
    }
  }

  /**
   * The hosts of `standby` to keep on (not cordoned) so that, with `moves` made and the others
   * cordoned, every protected namespace kept in `before` (violations()) still is: the last of
   * `standby` are kept first, one at a time, until the report shows no namespace newly short.
   */
  keepForFailover(moves: readonly TrialMove[], standby: readonly number[], before: ReadonlyMap<string, string>): number[] {
    if (!this.active() || standby.length === 0) return [];
    const trial = new Trial(this.backend, this.residents, this.guard);
    const cordoned = standby.filter((s) => !this.catalog.hosts[s].obj.unschedulable);
    const kept: number[] = [];
    try {
      for (const m of moves) {
        trial.lift(m.cls, m.from, m.who, false);
        trial.drop(m.cls, m.to, m.who, false);
      }
      for (const s of cordoned) this.catalog.setCordon(s, true);
      this.compiler.sync();
      const left = [...standby];
      while (left.length > 0 && this.newViolation(before) !== null) {
        const s = left.pop()!;
        this.catalog.setCordon(s, false);
        this.compiler.sync();
        kept.push(s);
      }
    } finally {
      for (const s of cordoned) this.catalog.setCordon(s, false);
      this.compiler.sync();
      trial.undo();
    }
    return kept;
  }

  /** Failover admission's refusal of `r` (class `cls`) on `slot`, naming the host; null when admitted. */
  private refusal(r: Resident, cls: number, slot: number): string | null {
    const text = this.guard.check(r.t, r.j, cls, slot);
    return text === null ? null : `host ${this.catalog.hostName(slot)} does not fit: ${text}`;
  }

  /** Class `cls` passes every filter on `slot` now, and the slot is not avoided. */
  private feasible(cls: number, slot: number, avoid: ReadonlySet<number>): boolean {
    if (avoid.has(slot)) return false;
    const cols = this.backend.evaluateColumns(cls);
    return slot < cols.n && cols.reasons[slot] === 0;
  }

  /** The first host in score order (then slot order), `exclude` and `avoid` aside, that failover admission lets `r` have. */
  private alternative(
    r: Resident,
    cls: number,
    planCls: number,
    exclude: number,
    avoid: ReadonlySet<number>,
  ): { slot: number; refusal: string | null } {
    const cols = this.backend.evaluateColumns(planCls);
    // copied: the guard calls into the backend, and Wasm views last until the next call
    const total = cols.total.slice(0, cols.n);
    const reasons = cols.reasons.slice(0, cols.n);
    const order: number[] = [];
    for (let s = 0; s < reasons.length; s++) if (s !== exclude && reasons[s] === 0 && !avoid.has(s)) order.push(s);
    order.sort((a, b) => total[b] - total[a] || a - b);
    let first: string | null = null;
    for (const s of order.slice(0, MAX_ALTERNATIVES)) {
      const text = this.refusal(r, cls, s);
      if (text === null) return { slot: s, refusal: null };
      first ??= text;
    }
    return { slot: -1, refusal: first };
  }

  /** Why class `cls` finds no host now, as kube-scheduler's histogram. */
  private histogram(cls: number): Failure {
    const cols = this.backend.evaluateColumns(cls);
    const verdicts = Array.from(cols.reasons.slice(0, cols.n), (reasons) => ({ reasons }));
    return filterHistogram(verdicts, (s) => this.wording.firstBlockingTaint(cls, s));
  }
}

/**
 * Moves made for real — backend, residents, and the guard when told — and undone in reverse, the
 * residents' lists put back in their order (engines and plans name the youngest resident first).
 */
class Trial {
  private readonly log: { lift: boolean; cls: number; slot: number; who: Resident }[] = [];
  private readonly orders = new Map<string, { cls: number; slot: number; list: Resident[] }>();

  constructor(
    private readonly backend: Backend,
    private readonly residents: Residents,
    private readonly guard: FailoverGuard,
  ) {}

  /** `who` (class `cls`) leaves `slot`; the guard is told when `tell`. */
  lift(cls: number, slot: number, who: Resident, tell = true): void {
    this.remember(cls, slot);
    this.backend.release(cls, slot);
    this.residents.remove(cls, slot, (r) => r.t === who.t && r.j === who.j);
    if (tell) this.guard.released(cls, slot);
    this.log.push({ lift: true, cls, slot, who });
  }

  /** `who` (class `cls`) runs on `slot`; the guard is told when `tell`. */
  drop(cls: number, slot: number, who: Resident, tell = true): void {
    this.remember(cls, slot);
    this.backend.commit(cls, slot);
    this.residents.add(cls, slot, who.t, who.j);
    if (tell) this.guard.committed(who.t, cls, slot);
    this.log.push({ lift: false, cls, slot, who });
  }

  undo(): void {
    for (const op of this.log.reverse()) {
      if (op.lift) {
        this.backend.commit(op.cls, op.slot);
        this.residents.add(op.cls, op.slot, op.who.t, op.who.j);
      } else {
        this.backend.release(op.cls, op.slot);
        this.residents.remove(op.cls, op.slot, (r) => r.t === op.who.t && r.j === op.who.j);
      }
    }
    this.log.length = 0;
    for (const { cls, slot, list } of this.orders.values()) this.residents.reorder(cls, slot, list);
    this.guard.invalidate();
  }

  private remember(cls: number, slot: number): void {
    const key = `${cls}/${slot}`;
    if (!this.orders.has(key)) this.orders.set(key, { cls, slot, list: [...this.residents.at(cls, slot)] });
  }
}
