// Move plans as documents: what `placer drain|rebalance|move-namespace|consolidate -o json|yaml` prints and
// what the native API answers. The engine reports moves by template and instance; here they get
// the names a user knows.

import type { ConsolidateReport, Engine, PlanReport, RebalanceReport } from '../../core-wasm/src/engine.js';
import { type MoveDoc, type NamespaceUsageDoc, PLAN_API_VERSION, type PlanDoc, type PlanKind } from './api-types.js';
import { formatAmounts } from '../../model/quantity.js';

// The document types live in api-types.ts (shared with the web console).
export { PLAN_API_VERSION };
export type { MoveDoc, NamespaceUsageDoc, PlanDoc, PlanKind, StuckDoc } from './api-types.js';

/** A namespace's usage for a NamespaceMovePlan. */
export function namespaceUsageDoc(engine: Engine, namespace: string, report: PlanReport): NamespaceUsageDoc {
  const u = engine.namespaceUsage().find((n) => n.namespace === namespace);
  const before = new Map<string, number>();
  for (const p of engine.placementsIn(namespace)) before.set(p.host, (before.get(p.host) ?? 0) + 1);
  const after = new Map(before);
  if (!report.executed) {
    for (const m of report.moves) {
      after.set(m.from, after.get(m.from)! - 1);
      after.set(m.to, (after.get(m.to) ?? 0) + 1);
    }
  } else {
    // The engine already holds the moved placements: undo them for "before".
    for (const m of report.moves) {
      before.set(m.to, before.get(m.to)! - 1);
      before.set(m.from, (before.get(m.from) ?? 0) + 1);
    }
  }
  const count = (m: Map<string, number>) => [...m.values()].filter((n) => n > 0).length;
  return {
    used: u ? formatAmounts(u.used, true) : {},
    reservation: u ? formatAmounts(u.reservation) : {},
    quotas: (u?.quotas ?? []).map((q) => ({ name: q.name, hard: formatAmounts(q.hard), used: formatAmounts(q.used) })),
    hosts: { before: count(before), after: count(after) },
  };
}

const byName = <T extends { namespace: string; kind: string; name: string }>(a: T, b: T): number =>
  a.namespace < b.namespace
    ? -1
    : a.namespace > b.namespace
      ? 1
      : a.kind < b.kind
        ? -1
        : a.kind > b.kind
          ? 1
          : a.name < b.name
            ? -1
            : a.name > b.name
              ? 1
              : 0;

export function planDoc(
  kind: PlanKind,
  report: PlanReport | RebalanceReport | ConsolidateReport,
  dryRun: boolean,
  extra: Partial<PlanDoc> = {},
): PlanDoc {
  const consolidation = 'standby' in report;
  const moves: MoveDoc[] = report.moves.map((m) => ({
    kind: m.template.kind,
    namespace: m.template.namespace,
    name: m.template.instances[m.instance].name,
    from: m.from,
    to: m.to,
    wave: m.wave,
    ...(m.blockedBy !== undefined ? { blockedBy: m.blockedBy } : {}),
    ...(consolidation ? { live: m.template.kind === 'VirtualMachine' } : {}),
  }));
  const unmovable = report.unmovable.map((m) => ({
    kind: m.template.kind,
    namespace: m.template.namespace,
    name: m.template.instances[m.instance].name,
    from: m.from,
    reason: m.reason,
  }));
  // Rebalancing and consolidation moves are a sequence (each legal after the ones before it): keep
  // their order. Others: by wave (the blocked last), then by name.
  const waveOrder = (w: number) => (w === 0 ? Infinity : w);
  if (kind !== 'RebalancePlan' && kind !== 'ConsolidatePlan') moves.sort((a, b) => waveOrder(a.wave) - waveOrder(b.wave) || byName(a, b));
  const blocked = moves.filter((m) => m.wave === 0).length;
  const waves = moves.reduce((w, m) => Math.max(w, m.wave), 0);
  unmovable.sort(byName);
  const doc: PlanDoc = {
    apiVersion: PLAN_API_VERSION,
    kind,
    ...extra,
    dryRun,
    executed: report.executed,
    moves,
    unmovable,
    utilization: report.utilization,
    waves,
    paced: waves > 1 || blocked > 0,
    summary: { moves: moves.length, unmovable: unmovable.length, blocked },
  };
  if ('standby' in report) {
    doc.emptied = report.emptied;
    doc.standby = report.standby;
    doc.spares = report.spares;
    if (report.keptForFailover) doc.keptForFailover = report.keptForFailover;
    doc.hostsInUse = report.hostsInUse;
    doc.binPacking = report.binPacking;
    doc.excluded = report.excluded;
    doc.effort = report.effort;
  }
  if ('resource' in report) {
    doc.resource = report.resource;
    doc.imbalance = report.imbalance;
    doc.binPacking = report.binPacking;
  }
  return doc;
}
