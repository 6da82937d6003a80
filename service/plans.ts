// Move plans as documents: what `placer drain|rebalance|move-namespace -o json|yaml` prints and
// what the native API answers. The engine reports moves by template and instance; here they get
// the names a user knows.

import type { Engine, PlanReport, RebalanceReport } from '../core-wasm/src/engine.js';
import { formatAmount } from './k8s/quantity.js';

export const PLAN_API_VERSION = 'placer.dev/v1alpha1';

export interface MoveDoc {
  kind: string;
  namespace: string;
  name: string;
  from: string;
  to: string;
}

export interface StuckDoc {
  kind: string;
  namespace: string;
  name: string;
  from: string;
  reason: string;
}

export type PlanKind = 'DrainPlan' | 'RebalancePlan' | 'NamespaceMovePlan';

export interface PlanDoc {
  apiVersion: typeof PLAN_API_VERSION;
  kind: PlanKind;
  /** DrainPlan: the hosts drained. */
  hosts?: string[];
  /** NamespaceMovePlan: the namespace and the selector of its new hosts. */
  namespace?: string;
  selector?: string;
  /** RebalancePlan: the balanced resource and the standard deviation of its per-host utilization (percentage points). */
  resource?: string;
  imbalance?: { before: number; after: number };
  /** NamespaceMovePlan: the namespace's usage, reservation and quotas (unchanged by a move), and the hosts it occupies. */
  usage?: NamespaceUsageDoc;
  dryRun: boolean;
  executed: boolean;
  moves: MoveDoc[];
  unmovable: StuckDoc[];
  /** Cluster utilization per resource in percent, over schedulable hosts. */
  utilization: { before: Record<string, number>; after: Record<string, number> };
  summary: { moves: number; unmovable: number };
}

export interface NamespaceUsageDoc {
  used: Record<string, string>;
  reservation: Record<string, string>;
  quotas: { name: string; hard: Record<string, string>; used: Record<string, string> }[];
  /** Hosts holding the namespace's workloads before and after the plan. */
  hosts: { before: number; after: number };
}

/** A namespace's usage for a NamespaceMovePlan. */
export function namespaceUsageDoc(engine: Engine, namespace: string, report: PlanReport): NamespaceUsageDoc {
  const amounts = (m: ReadonlyMap<string, bigint>, skipZero = false): Record<string, string> =>
    Object.fromEntries([...m].filter(([, v]) => !skipZero || v !== 0n).map(([k, v]) => [k, formatAmount(k, v)]));
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
    used: u ? amounts(u.used, true) : {},
    reservation: u ? amounts(u.reservation) : {},
    quotas: (u?.quotas ?? []).map((q) => ({ name: q.name, hard: amounts(q.hard), used: amounts(q.used) })),
    hosts: { before: count(before), after: count(after) },
  };
}

const byName = <T extends { namespace: string; kind: string; name: string }>(a: T, b: T): number =>
  a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

export function planDoc(kind: PlanKind, report: PlanReport | RebalanceReport, dryRun: boolean, extra: Partial<PlanDoc> = {}): PlanDoc {
  const moves = report.moves.map((m) => ({ kind: m.template.kind, namespace: m.template.namespace, name: m.template.instances[m.instance].name, from: m.from, to: m.to }));
  const unmovable = report.unmovable.map((m) => ({ kind: m.template.kind, namespace: m.template.namespace, name: m.template.instances[m.instance].name, from: m.from, reason: m.reason }));
  // Rebalancing moves are a sequence (each legal after the ones before it): keep their order.
  if (kind !== 'RebalancePlan') moves.sort(byName);
  unmovable.sort(byName);
  const doc: PlanDoc = { apiVersion: PLAN_API_VERSION, kind, ...extra, dryRun, executed: report.executed, moves, unmovable, utilization: report.utilization, summary: { moves: moves.length, unmovable: unmovable.length } };
  if ('resource' in report) {
    doc.resource = report.resource;
    doc.imbalance = report.imbalance;
  }
  return doc;
}
