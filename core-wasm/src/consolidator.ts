// Consolidation by name (consolidation.ts plans it in slots): which workloads may move, which
// stay and why, the moves named and paced under the PodDisruptionBudgets, the hosts that go empty
// split into standby candidates and the spares each zone keeps, and execution or restore.
//
// Who stays: a workload that tolerates the cordon (node.kubernetes.io/unschedulable, like a
// DaemonSet pod) pins its host — a drain leaves it where it is for the same reason — and is named
// with that reason; the workloads of excluded namespaces, and of bin-packing namespaces (strategy
// MostAllocated: packed on purpose) unless they are included, stay too; so does a pod whose
// PodDisruptionBudget allows no disruption now (a drain would wait on it: its host cannot empty),
// named with the budget. A host holding any of them stays in use. Only present, schedulable hosts
// take part: a cordoned host is neither emptied nor a target.

import type { ConsolidateOptions, ConsolidateReport, MoveReport, StuckReport } from './api.js';
import { cmp, type Catalog } from './catalog.js';
import type { ClassCompiler } from './compiler.js';
import { type Backend, MAX_DIMS, Strategy } from './contract.js';
import { ZONE_KEY } from './capacity.js';
import { type ConsolidationRequest, executeConsolidation, planConsolidation, revertConsolidation } from './consolidation.js';
import { paceMoves } from './planner.js';
import { allowedDisruptions, pdbCovers } from './rules/disruption.js';
import type { Reports } from './reports.js';
import { type Resident, type Residents, unpack } from './residents.js';
import { tolerated } from './rules/taints.js';
import type { FailoverMoves } from './failover-moves.js';

/** Moves at most by default. */
export const DEFAULT_CONSOLIDATE_MAX_MOVES = 1_000;
/** Placements evaluated at most by default: a hundred per host of a 1,000-host cluster. */
export const DEFAULT_CONSOLIDATE_EFFORT = 100_000;
/** Plans made again at most when the restart plans need hosts the plan empties (namespace HA). */
export const MAX_FAILOVER_ROUNDS = 8;

const PINS =
  'it tolerates the cordon (node.kubernetes.io/unschedulable), like a DaemonSet pod: it stays where it is, and its host stays in use';

const refusedReason = (refusal: string) => `${refusal}: it stays where it is, and its host stays in use`;

const blockedReason = (budget: string) =>
  `its PodDisruptionBudget ${budget} allows no disruption now: it stays where it is, and its host stays in use`;

export class Consolidator {
  constructor(
    private readonly catalog: Catalog,
    private readonly compiler: ClassCompiler,
    private readonly residents: Residents,
    private readonly reports: Reports,
    private readonly backend: Backend,
    private readonly failover: FailoverMoves,
  ) {}

  /** The plan that frees the most hosts; executed when `execute` (the standby hosts are then cordoned). */
  consolidate(opts: ConsolidateOptions = {}): ConsolidateReport {
    const { catalog, compiler, residents } = this;
    const excluded = new Set(opts.excludeNamespaces ?? []);
    const unschedulable = catalog.taintSpecs[0];
    const pins = (cls: number) => tolerated(compiler.constraints[compiler.classes[cls].spec.constraint].tolerations, unschedulable);
    const binPacks = (cls: number) => compiler.classes[cls].spec.strategy === Strategy.MostAllocated;
    // the budget that allows no disruption of the class's pods now, if any
    const pdbs = catalog.pdbs;
    const allowed = pdbs.length > 0 ? allowedDisruptions(pdbs, residents.all()) : [];
    const blockedBy = (cls: number): string | undefined => {
      const t = compiler.classes[cls].template;
      const i = pdbs.findIndex((pdb, k) => allowed[k] <= 0 && pdbCovers(pdb, t));
      return i < 0 ? undefined : pdbs[i].name;
    };
    const staysMemo = new Map<number, boolean>();
    const stays = (cls: number) => {
      let v = staysMemo.get(cls);
      if (v === undefined) {
        const ns = compiler.classes[cls].template.namespace;
        staysMemo.set(
          cls,
          (v = pins(cls) || excluded.has(ns) || (!opts.includeBinPacking && binPacks(cls)) || blockedBy(cls) !== undefined),
        );
      }
      return v;
    };
    const active = (slot: number) => catalog.hosts[slot].present && !catalog.hosts[slot].obj.unschedulable;
    const dims = catalog.dims.count;
    const alloc = catalog.hosts.map((_, slot) =>
      active(slot) ? Array.from({ length: MAX_DIMS }, (_, d) => (d < dims ? Number(catalog.allocatableOf(slot, d)) : 0)) : null,
    );
    const movable = (slot: number) => {
      const m = new Map<number, number>();
      for (const cls of [...residents.classesAt(slot)].sort((a, z) => a - z)) if (!stays(cls)) m.set(cls, residents.at(cls, slot).length);
      return m;
    };
    const staying = (slot: number) => {
      let n = 0;
      for (const cls of residents.classesAt(slot)) if (stays(cls)) n += residents.at(cls, slot).length;
      return n;
    };
    const failover = this.failover.active() ? this.failover : null;
    const kept = failover?.violations();
    const ledger = this.reports.ledger();
    const before = this.reports.usedBySlot(ledger);
    const slots = catalog.hosts.map((_, slot) => slot).filter(active);
    const request: ConsolidationRequest = {
      alloc,
      movable,
      staying,
      req: (cls) => compiler.classes[cls].spec.req,
      maxMoves: opts.maxMoves ?? DEFAULT_CONSOLIDATE_MAX_MOVES,
      effort: opts.effort ?? DEFAULT_CONSOLIDATE_EFFORT,
    };
    // Namespace HA: a host the plan empties only for the restart plans to need it on stays as it is.
    const needed = new Set<number>();
    let planned = this.planOnce(request, failover, kept, before, slots, opts.sparePerZone ?? 0);
    for (let round = 1; round <= MAX_FAILOVER_ROUNDS; round++) {
      const churn = planned.keptOn.filter((s) => planned.plan.emptied.includes(s));
      if (churn.length === 0) break;
      for (const s of churn) needed.add(s);
      const req = { ...request, staying: (slot: number) => staying(slot) + (needed.has(slot) ? 1 : 0) };
      planned = this.planOnce(req, failover, kept, before, slots, opts.sparePerZone ?? 0);
    }
    const { plan, named, refused, after, spares, standby, keptOn } = planned;
    const moves: MoveReport[] = named.map((m) => ({
      template: m.who.t,
      instance: m.who.j,
      from: catalog.hostName(m.from),
      to: catalog.hostName(m.to),
      wave: 1,
    }));
    paceMoves(catalog, residents, moves, true);

    // Who stays and why: pinned and budget-blocked workloads by name; excluded and bin-packing namespaces by name.
    const unmovable: StuckReport[] = [...refused];
    const binPacking = new Set<string>();
    const namespacesExcluded = new Set<string>();
    for (const key of residents.keys()) {
      const { cls, slot } = unpack(key);
      if (!active(slot)) continue;
      const ns = compiler.classes[cls].template.namespace;
      if (pins(cls))
        for (const r of residents.at(cls, slot))
          unmovable.push({ template: r.t, instance: r.j, from: catalog.hostName(slot), reason: PINS });
      else if (excluded.has(ns)) namespacesExcluded.add(ns);
      else if (!opts.includeBinPacking && binPacks(cls)) binPacking.add(ns);
      else {
        const budget = blockedBy(cls);
        if (budget !== undefined)
          for (const r of residents.at(cls, slot))
            unmovable.push({ template: r.t, instance: r.j, from: catalog.hostName(slot), reason: blockedReason(budget) });
      }
    }

    const inUse = (used: bigint[][]) => slots.filter((s) => used[s].some((x) => x > 0n)).length;
    const names = (list: number[]) => list.map((s) => catalog.hostName(s)).sort(cmp);
    const report: ConsolidateReport = {
      moves,
      unmovable,
      utilization: {
        before: this.reports.clusterUtilization(before, new Set()),
        after: this.reports.clusterUtilization(after, new Set(standby)),
      },
      executed: false,
      emptied: names(plan.emptied),
      standby: names(standby),
      spares: names(spares),
      hostsInUse: { before: inUse(before), after: inUse(after), lowerBound: lowerBound(catalog, slots, before) },
      binPacking: [...binPacking].sort(cmp),
      excluded: [...namespacesExcluded].sort(cmp),
      effort: { tried: plan.tried, limited: plan.limited },
    };
    if (keptOn.length > 0) report.keptForFailover = names(keptOn);
    if (opts.execute) {
      executeConsolidation(this.backend, plan.moves);
      for (const m of named) residents.relocate(m.cls, m.from, m.to, m.who);
      for (const s of standby) catalog.setCordon(s, true);
      compiler.sync();
      report.executed = true;
      report.undo = () => {
        for (const s of standby) catalog.setCordon(s, false);
        compiler.sync();
        revertConsolidation(this.backend, plan.moves);
        for (const m of [...named].reverse()) residents.relocate(m.cls, m.to, m.from, m.who);
      };
    }
    return report;
  }

  /**
   * One consolidation plan, failover admission consulted (failover-moves.ts): each host's moves in
   * turn, a host with a refused move not emptied and its refused workload named; then the standby
   * hosts the restart plans need kept on, the already empty ones first.
   */
  private planOnce(
    req: ConsolidationRequest,
    failover: FailoverMoves | null,
    kept: ReadonlyMap<string, string> | undefined,
    before: bigint[][],
    slots: readonly number[],
    spareCount: number,
  ) {
    const { catalog, compiler, residents } = this;
    const plan = planConsolidation(this.backend, req);
    // Name the moves: the youngest resident of the class on the host first (as the engines release).
    const lists = new Map<string, Resident[]>();
    let named = plan.moves.map((m) => {
      const key = `${m.cls}/${m.from}`;
      let list = lists.get(key);
      if (!list) lists.set(key, (list = [...residents.at(m.cls, m.from)]));
      return { ...m, who: list.pop()! };
    });
    const refused: StuckReport[] = [];
    if (failover && named.length > 0) {
      const v = failover.admitSequence(
        named,
        (i) => named[i].from,
        () => null,
      );
      named.forEach((m, i) => {
        const reason = v.refusals[i];
        if (reason !== null)
          refused.push({ template: m.who.t, instance: m.who.j, from: catalog.hostName(m.from), reason: refusedReason(reason) });
      });
      const full = new Set(plan.emptied);
      named.forEach((m, i) => !v.kept[i] && full.delete(m.from));
      plan.emptied = plan.emptied.filter((s) => full.has(s));
      plan.moves = plan.moves.filter((m) => full.has(m.from));
      named = named.filter((m) => full.has(m.from));
    }
    const after = before.map((row) => [...row]);
    for (const m of plan.moves) {
      const r = compiler.classes[m.cls].spec.req;
      for (let d = 0; d < MAX_DIMS; d++) {
        after[m.from][d] -= BigInt(r[d]);
        after[m.to][d] += BigInt(r[d]);
      }
    }
    const emptied = new Set(plan.emptied);
    const { spares, standby } = splitEmpty(catalog, slots, after, emptied, spareCount);
    // Standby hosts are cordoned: no restart target. Those the restart plans need stay on.
    let keptOn: number[] = [];
    if (failover && kept) {
      const order = [...standby.filter((s) => emptied.has(s)), ...standby.filter((s) => !emptied.has(s))];
      keptOn = failover.keepForFailover(named, order, kept);
      for (const s of keptOn) standby.splice(standby.indexOf(s), 1);
    }
    return { plan, named, refused, after, spares, standby, keptOn };
  }
}

/** The active hosts empty after the plan: spareCount per zone kept on, the already empty first, then by name; the others standby. */
function splitEmpty(
  catalog: Catalog,
  slots: readonly number[],
  after: bigint[][],
  emptied: ReadonlySet<number>,
  spareCount: number,
): { spares: number[]; standby: number[] } {
  const zones = new Map<string, number[]>();
  for (const s of slots) {
    if (after[s].some((x) => x > 0n)) continue;
    const zone = catalog.hosts[s].obj.labels.get(ZONE_KEY) ?? '';
    zones.set(zone, [...(zones.get(zone) ?? []), s]);
  }
  const spares: number[] = [];
  const standby: number[] = [];
  for (const list of zones.values()) {
    const ordered = list.sort((a, z) => Number(emptied.has(a)) - Number(emptied.has(z)) || cmp(catalog.hostName(a), catalog.hostName(z)));
    spares.push(...ordered.slice(0, spareCount));
    standby.push(...ordered.slice(spareCount));
  }
  return { spares, standby };
}

/** max_d of the fewest hosts (largest first) whose allocatable holds Σ used in d: no plan uses fewer. */
function lowerBound(catalog: Catalog, slots: readonly number[], used: bigint[][]): number {
  let bound = 0;
  for (let d = 0; d < catalog.dims.count; d++) {
    let total = 0n;
    for (const s of slots) total += used[s][d];
    if (total <= 0n) continue;
    const caps = slots.map((s) => catalog.allocatableOf(s, d)).sort((a, z) => (a > z ? -1 : a < z ? 1 : 0));
    let sum = 0n;
    let n = 0;
    while (n < caps.length && sum < total) sum += caps[n++];
    bound = Math.max(bound, n);
  }
  return bound;
}
