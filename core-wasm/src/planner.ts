// Plans of moves, by name: drains (maintenance mode), namespace moves and rebalancing. The
// slot-level algorithms are moves.ts's (a release and a fresh batch placement with every rule;
// greedy variance-lowering moves); this picks who moves, names the moves, reports utilization
// before and after, paces evictions under the PodDisruptionBudgets, and executes or restores.

import { InputError } from '../../model/errors.js';
import { requirementMatches } from '../../model/selectors.js';
import type { NodeSelectorRequirement, WorkloadTemplate } from '../../model/types.js';
import type { MoveReport, PlanOptions, PlanReport, RebalanceOptions, RebalanceReport, StuckReport } from './api.js';
import type { Catalog } from './catalog.js';
import type { ClassCompiler } from './compiler.js';
import { type Backend, type Failure, type GangSpec, MAX_DIMS, Strategy } from './contract.js';
import {
  type MovePlan,
  type MoveRequest,
  type MovingEntry,
  executeMoves,
  executeRebalance,
  planMoves,
  planRebalance,
  refuseAll,
  revertMoves,
} from './moves.js';
import type { FailoverMoves } from './failover-moves.js';
import type { Reports } from './reports.js';
import { type Resident, type Residents, unpack } from './residents.js';
import { allowedDisruptions, paceWaves, pdbCovers } from './rules/disruption.js';
import { GangIndex } from './rules/gangs.js';
import { andTerms } from './rules/node-affinity.js';
import type { Wording } from './wording.js';

/** What moves: the backend's request, and who each entry's instances are. */
interface Moving {
  req: MoveRequest;
  who: Resident[][];
}

const STAYS_CORDONED =
  'it tolerates the cordon (node.kubernetes.io/unschedulable), so it would stay on a drained host, like a DaemonSet pod';

export class Planner {
  constructor(
    private readonly catalog: Catalog,
    private readonly compiler: ClassCompiler,
    private readonly residents: Residents,
    private readonly wording: Wording,
    private readonly reports: Reports,
    private readonly backend: Backend,
    private readonly failover: FailoverMoves,
  ) {}

  /**
   * Drain hosts (maintenance mode): cordon them and plan a new host for every workload on them, as
   * one batch honouring every rule (moves.ts). Members of a gang move together or not at all.
   * Executes when `execute` and everything can move (or `allowPartial`); the hosts stay cordoned.
   */
  drain(hostNames: readonly string[], opts: PlanOptions = {}): PlanReport {
    const slots = [...new Set(hostNames.map((n) => this.catalog.presentSlot(n)))];
    const drained = new Set(slots);
    const gangs = new GangIndex();
    const moving = this.collectMoving(
      this.residents.keys(slots),
      (_cls, slot) => drained.has(slot),
      (t) => (t.gang ? gangs.idOf(t.gang.name) : undefined),
    );
    return this.runPlan(moving, slots, opts, gangs.names());
  }

  /**
   * Move a namespace onto the hosts matching `requirements` (a label selector, ANDed): every
   * workload of the namespace on another host is placed again with the selector added to its
   * required node affinity, all or nothing. Workloads already on matching hosts stay.
   */
  moveNamespace(namespace: string, requirements: readonly NodeSelectorRequirement[], opts: PlanOptions = {}): PlanReport {
    const onTarget = (slot: number) => requirements.every((r) => requirementMatches(r, this.catalog.hosts[slot].obj.labels));
    const augmented = new Map<WorkloadTemplate, WorkloadTemplate>();
    const planTemplate = (t: WorkloadTemplate) => {
      let a = augmented.get(t);
      if (!a) augmented.set(t, (a = { ...t, requiredAffinity: andTerms(t.requiredAffinity, requirements) }));
      return a;
    };
    const moving = this.collectMoving(
      this.residents.keys(),
      (_cls, slot, t) => t.namespace === namespace && !onTarget(slot),
      () => 0,
      (t) => {
        const c = this.compiler.compile(planTemplate(t));
        if (c.rejected) throw new InputError(t.source, 'spec', c.rejected, `${t.kind} ${t.namespace}`);
        return c.cls;
      },
    );
    return this.runPlan(moving, [], { ...opts, allowPartial: false }, [namespace], (f, cls) =>
      f.kind === 'gang' && f.cause
        ? `namespace ${namespace} moves all or nothing: only ${f.placed} of its ${f.needed} workloads to move found a host, so none moves: ${this.wording.failureMessage(cls, f.cause)}`
        : this.wording.failureMessage(cls, f),
    );
  }

  /**
   * Rebalance (DRS-like): at most `maxMoves` moves that lower the imbalance — the standard
   * deviation of per-host utilization — of `resource` (default: the scarcest one, by cluster
   * utilization), each legal on its own and in sequence (moves.ts planRebalance).
   */
  rebalance(opts: RebalanceOptions = {}): RebalanceReport {
    const { catalog, compiler } = this;
    const ledger = this.reports.ledger();
    const names = catalog.dims.names;
    const dim = opts.resource === undefined ? this.reports.scarcestDimension(ledger) : names.indexOf(opts.resource);
    if (dim < 0) throw new Error(`unknown resource ${JSON.stringify(opts.resource)}: the cluster has ${names.join(', ')}`);
    const residentsOn = (slot: number) => {
      const m = new Map<number, number>();
      for (const cls of this.residents.classesAt(slot)) m.set(cls, this.residents.at(cls, slot).length);
      return m;
    };
    const hosts = catalog.hosts.map((h, slot) => ({
      alloc: h.present ? Number(catalog.allocatableOf(slot, dim)) : 0,
      schedulable: h.present && !h.obj.unschedulable,
    }));
    // Bin-packing namespaces (MostAllocated) packed their hosts on purpose: spreading them would
    // undo their policy, so only the others move.
    const movable = (cls: number) => compiler.classes[cls].spec.strategy !== Strategy.MostAllocated;
    const plan = planRebalance(this.backend, {
      dim,
      maxMoves: opts.maxMoves ?? 10,
      hosts,
      residentsOn: memo(residentsOn),
      size: (cls) => compiler.classes[cls].spec.req[dim],
      movable,
    });
    // Name the moves: the youngest resident of the class on the host (the engines release the
    // most recent first); a workload moves once.
    const lists = new Map<string, Resident[]>();
    let named = plan.moves.map((m) => {
      const key = `${m.cls}/${m.from}`;
      let list = lists.get(key);
      if (!list) lists.set(key, (list = [...this.residents.at(m.cls, m.from)]));
      return { ...m, who: list.pop()! };
    });
    // Namespace HA: each move consults failover admission in turn; a refused one stays, named.
    const unmovable: StuckReport[] = [];
    if (this.failover.active() && named.length > 0) {
      const v = this.failover.admitSequence(
        named,
        () => undefined,
        () => this.backend.imbalance(dim).variance,
      );
      named.forEach((m, i) => {
        const reason = v.refusals[i];
        if (reason !== null) unmovable.push({ template: m.who.t, instance: m.who.j, from: catalog.hostName(m.from), reason });
      });
      if (v.kept.some((k) => !k)) {
        named = named.filter((_, i) => v.kept[i]);
        plan.moves = plan.moves.filter((_, i) => v.kept[i]);
        plan.after = v.seen;
      }
    }
    const before = this.reports.usedBySlot(ledger);
    const after = before.map((row) => [...row]);
    for (const m of plan.moves) this.shiftUsage(after, m.cls, m.from, m.to);
    const stddev = (v: number) => Math.round(Math.sqrt(Math.max(0, v)) * 1e6) / 1e4;
    const binPacking = [...this.residents.classesPlaced()].filter((c) => !movable(c)).map((c) => compiler.classes[c].template.namespace);
    const report: RebalanceReport = {
      resource: names[dim],
      imbalance: { before: stddev(plan.before), after: stddev(plan.after) },
      binPacking: [...new Set(binPacking)].sort(),
      moves: this.pace(
        named.map((m) => ({ template: m.who.t, instance: m.who.j, from: catalog.hostName(m.from), to: catalog.hostName(m.to), wave: 1 })),
        true,
      ),
      unmovable,
      utilization: {
        before: this.reports.clusterUtilization(before, new Set()),
        after: this.reports.clusterUtilization(after, new Set()),
      },
      executed: false,
    };
    if (opts.execute && plan.moves.length > 0) {
      executeRebalance(this.backend, plan.moves);
      for (const m of named) this.residents.relocate(m.cls, m.from, m.to, m.who);
      report.executed = true;
      report.undo = () => {
        for (const m of [...named].reverse()) {
          this.backend.release(m.cls, m.to);
          this.backend.commit(m.cls, m.from);
          this.residents.relocate(m.cls, m.to, m.from, m.who);
        }
      };
    }
    return report;
  }

  /** Placed workloads selected by `select`, grouped into moving entries by (class, host, group, plan class). */
  private collectMoving(
    keys: readonly number[],
    select: (cls: number, slot: number, t: WorkloadTemplate) => boolean,
    group: (t: WorkloadTemplate) => number | undefined,
    planCls?: (t: WorkloadTemplate) => number,
  ): Moving {
    const entries = new Map<string, { entry: MovingEntry; who: Resident[] }>();
    for (const key of keys) {
      const { cls, slot } = unpack(key);
      for (const r of this.residents.at(cls, slot)) {
        if (!select(cls, slot, r.t)) continue;
        const g = group(r.t);
        const p = planCls ? planCls(r.t) : cls;
        const k = `${cls}/${slot}/${g ?? ''}/${p}`;
        let e = entries.get(k);
        if (!e) {
          const entry: MovingEntry = {
            cls,
            slot,
            count: 0,
            ...(p === cls ? {} : { planCls: p }),
            ...(g === undefined ? {} : { group: g }),
          };
          entries.set(k, (e = { entry, who: [] }));
        }
        e.entry.count++;
        e.who.push(r);
      }
    }
    const list = [...entries.values()];
    // All-or-nothing groups need every moving member: minMember = the group's size.
    const groups: GangSpec[] = [];
    for (const { entry } of list) {
      if (entry.group !== undefined) groups[entry.group] = { minMember: (groups[entry.group]?.minMember ?? 0) + entry.count };
    }
    for (let g = 0; g < groups.length; g++) groups[g] ??= { minMember: 0 };
    return { req: { moving: list.map((e) => e.entry), groups }, who: list.map((e) => e.who) };
  }

  /** Plan (cordoning `cordon` first), then execute or restore. */
  private runPlan(
    moving: Moving,
    cordon: number[],
    opts: PlanOptions,
    groupNames: string[],
    message = (f: Failure, cls: number) => this.wording.failureMessage(cls, f, groupNames),
  ): PlanReport {
    const { catalog } = this;
    const ledger = this.reports.ledger();
    const before = this.reports.clusterUtilization(this.reports.usedBySlot(ledger), new Set());
    const wasCordoned = cordon.map((slot) => catalog.hosts[slot].obj.unschedulable);
    const restoreCordons = () => cordon.forEach((slot, i) => catalog.setCordon(slot, wasCordoned[i]));
    // Namespace HA: a cordoned host is no restart target, so the cordon alone may leave a
    // protected namespace short; every move consults failover admission (failover-moves.ts).
    const failover = this.failover.active() ? this.failover : null;
    const kept = failover && cordon.length > 0 ? failover.violations() : null;
    cordon.forEach((slot) => catalog.setCordon(slot, true));
    this.compiler.sync();
    let plan: MovePlan;
    let cordonBreaks: string | null = null;
    try {
      cordonBreaks = kept ? failover!.newViolation(kept) : null;
      const req: MoveRequest = { ...moving.req, avoid: new Set(cordon) };
      if (failover) req.admit = (entries, targets) => failover.admitRound(req, moving.who, entries, targets);
      plan =
        cordonBreaks === null
          ? planMoves(this.backend, req)
          : refuseAll(req, { kind: 'failover', text: `${cordonedText(cordon.map((s) => catalog.hostName(s)))}: ${cordonBreaks}` });
    } catch (e) {
      restoreCordons();
      throw e;
    }
    const moves: MoveReport[] = [];
    const unmovable: StuckReport[] = [];
    const relocations: { cls: number; from: number; to: number; who: Resident }[] = [];
    const after = this.reports.usedBySlot(ledger);
    moving.req.moving.forEach((m, e) => {
      const failure = plan.failures[e];
      const stuck = plan.targets[e].filter((t) => t < 0).length;
      plan.targets[e].forEach((to, k) => {
        const who = moving.who[e][k];
        const from = catalog.hostName(m.slot);
        if (to < 0) {
          // The instances that cannot move come last; the first `stays` of them stay by choice.
          const reason =
            k - (m.count - stuck) < plan.stays[e] ? STAYS_CORDONED : failure ? message(failure, m.planCls ?? m.cls) : 'not placed';
          unmovable.push({ template: who.t, instance: who.j, from, reason });
          return;
        }
        moves.push({ template: who.t, instance: who.j, from, to: catalog.hostName(to), wave: 1 });
        relocations.push({ cls: m.cls, from: m.slot, to, who });
        this.shiftUsage(after, m.cls, m.slot, to);
      });
    });
    this.pace(moves, false);
    const report: PlanReport = {
      moves,
      unmovable,
      utilization: { before, after: this.reports.clusterUtilization(after, new Set(cordon)) },
      executed: false,
    };
    if (opts.execute && (unmovable.length === 0 || opts.allowPartial) && cordonBreaks === null) {
      executeMoves(this.backend, moving.req, plan);
      for (const r of relocations) this.residents.relocate(r.cls, r.from, r.to, r.who);
      report.executed = true;
      report.undo = () => {
        revertMoves(this.backend, moving.req, plan);
        for (const r of relocations) this.residents.relocate(r.cls, r.to, r.from, r.who);
        restoreCordons();
      };
    } else {
      restoreCordons();
    }
    return report;
  }

  /** One workload of class cls moved from `from` to `to`, in a per-slot usage table. */
  private shiftUsage(used: bigint[][], cls: number, from: number, to: number): void {
    const req = this.compiler.classes[cls].spec.req;
    for (let d = 0; d < MAX_DIMS; d++) {
      used[from][d] -= BigInt(req[d]);
      used[to][d] += BigInt(req[d]);
    }
  }

  private pace(moves: MoveReport[], ordered: boolean): MoveReport[] {
    return paceMoves(this.catalog, this.residents, moves, ordered);
  }
}

/** Set each move's eviction wave under the PodDisruptionBudgets (rules/disruption.ts); `ordered` for a sequence. */
export function paceMoves(catalog: Catalog, residents: Residents, moves: MoveReport[], ordered: boolean): MoveReport[] {
  const { pdbs } = catalog;
  if (pdbs.length === 0 || moves.length === 0) return moves;
  const allowed = allowedDisruptions(pdbs, residents.all());
  const covers = moves.map((m) => pdbs.flatMap((pdb, i) => (pdbCovers(pdb, m.template) ? [i] : [])));
  paceWaves(
    covers,
    allowed,
    pdbs.map((p) => p.name),
    ordered,
  ).forEach((w, i) => {
    moves[i].wave = w.wave;
    if (w.blockedBy !== undefined) moves[i].blockedBy = w.blockedBy;
  });
  return moves;
}

/** Why nothing moves when cordoning the drained hosts alone breaks a failover policy. */
function cordonedText(hosts: readonly string[]): string {
  return `draining ${hosts.length === 1 ? `host ${hosts[0]}` : `hosts ${hosts.join(', ')}`} takes room the restart plans count on`;
}

/** A function of a number, computed once per argument. */
function memo<T>(f: (n: number) => T): (n: number) => T {
  const cache = new Map<number, T>();
  return (n) => {
    let v = cache.get(n);
    if (v === undefined) cache.set(n, (v = f(n)));
    return v;
  };
}
