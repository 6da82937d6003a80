// Move plans as documents: what `placer drain|rebalance|move-namespace -o json|yaml` prints and
// what the native API answers. The engine reports moves by template and instance; here they get
// the names a user knows.

import type { PlanReport, RebalanceReport } from '../core-wasm/src/engine.js';

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
  dryRun: boolean;
  executed: boolean;
  moves: MoveDoc[];
  unmovable: StuckDoc[];
  /** Cluster utilization per resource in percent, over schedulable hosts. */
  utilization: { before: Record<string, number>; after: Record<string, number> };
  summary: { moves: number; unmovable: number };
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
