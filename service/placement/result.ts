// PlacementResult (placer.dev/v1alpha1): what `placer place -o json` prints and `POST /v1/apply`
// answers. Field names are a contract: fields may be added, none renamed.

import type { Engine, Outcome } from '../../core-wasm/src/engine.js';
import { formatAmount } from '../../model/quantity.js';

export interface PlacementEntry {
  namespace: string;
  kind: string;
  name: string;
  host: string;
  /** The controller that made it (`Deployment/web`), when there is one. */
  owner?: string;
  /** It already ran there (pod spec.nodeName / VM status.nodeName); placer did not choose it. */
  existing?: true;
}

export interface UnplacedEntry {
  namespace: string;
  kind: string;
  name: string;
  reason: string;
  /** kube-scheduler's grading: can preemption help? */
  grade: 'Unschedulable' | 'UnschedulableAndUnresolvable';
  owner?: string;
}

export interface ResourceUtilization {
  allocatable: string;
  requested: string;
  /** requested / allocatable over schedulable hosts, in percent (one decimal). */
  percent: number;
}

export interface ReservationReport {
  namespace: string;
  reserved: Record<string, string>;
  used: Record<string, string>;
  /** Capacity still held for the namespace (reserved − used, floored at 0). */
  unused: Record<string, string>;
  /**
   * Reservations are aggregate, not per host: the largest free amount on any single schedulable
   * host shows whether the unused reservation is fragmented across hosts.
   */
  largestFreeOnOneHost: Record<string, string>;
}

/** An all-or-nothing group (PodGroup, guest cluster): one line, then its members. */
export interface GangReport {
  name: string;
  minMember: number;
  placed: number;
  members: { namespace: string; kind: string; name: string; host: string | null }[];
  /** Why nothing was placed, when the gang failed. */
  reason?: string;
}

export interface PlacementSummary {
  placed: number;
  unplaced: number;
  hostsUsed: number;
  /** max over resources of the fewest hosts whose capacities can hold all requests. */
  lowerBound: number;
  /** Workloads that already ran (counted in `placed`). */
  existing: number;
  hosts: number;
  utilization: Record<string, ResourceUtilization>;
  reservations: ReservationReport[];
  gangs: GangReport[];
}

export interface PlacementResult {
  apiVersion: 'placer.dev/v1alpha1';
  kind: 'PlacementResult';
  strategy: string;
  placements: PlacementEntry[];
  unplaced: UnplacedEntry[];
  summary: PlacementSummary;
  /**
   * What was read and not used, and fields that were not applied (service/manifests/warnings.ts);
   * absent when there is nothing to say. The API also sends each as a `Warning: 299` header.
   */
  warnings?: string[];
}

/** Visits one placement entry (fields of PlacementEntry, in its key order). */
export type PlacementVisitor = (
  namespace: string,
  kind: string,
  name: string,
  host: string,
  owner: string | undefined,
  existing: boolean,
) => void;
/** Visits one unplaced entry (fields of UnplacedEntry, in its key order). */
export type UnplacedVisitor = (
  namespace: string,
  kind: string,
  name: string,
  reason: string,
  grade: UnplacedEntry['grade'],
  owner: string | undefined,
) => void;

/**
 * A PlacementResult that may not have its entry lists built: a million placements stream from
 * the outcomes to the output without an object each. `viewOf` adapts a built result.
 */
export interface ResultView {
  strategy: string;
  summary: PlacementSummary;
  warnings?: string[];
  placements(visit: PlacementVisitor): void;
  unplaced(visit: UnplacedVisitor): void;
}

export function viewOf(r: PlacementResult): ResultView {
  return {
    strategy: r.strategy,
    summary: r.summary,
    ...(r.warnings && { warnings: r.warnings }),
    placements(visit) {
      for (const p of r.placements) visit(p.namespace, p.kind, p.name, p.host, p.owner, p.existing === true);
    },
    unplaced(visit) {
      for (const u of r.unplaced) visit(u.namespace, u.kind, u.name, u.reason, u.grade, u.owner);
    },
  };
}

/** The result of placing `outcomes`, as a view over them (entries in outcome, then instance order). */
export function outcomesView(engine: Engine, outcomes: readonly Outcome[], strategy: string): ResultView {
  let placed = 0;
  let unplacedCount = 0;
  let existing = 0;
  for (const o of outcomes) {
    const { instances } = o.template;
    for (let j = 0; j < instances.length; j++) {
      if (o.hosts[j] === null) unplacedCount++;
      else {
        placed++;
        if (instances[j].boundHost !== undefined) existing++;
      }
    }
  }
  const summary = summarize(engine, placed, unplacedCount, existing);
  summary.gangs = gangReports(outcomes);
  return {
    strategy,
    summary,
    placements(visit) {
      for (const o of outcomes) {
        const t = o.template;
        const { instances } = t;
        for (let j = 0; j < instances.length; j++) {
          const host = o.hosts[j];
          if (host !== null)
            visit(t.namespace, t.kind, instances[j].name, host, t.owner || undefined, instances[j].boundHost !== undefined);
        }
      }
    },
    unplaced(visit) {
      for (const o of outcomes) {
        const t = o.template;
        const { instances } = t;
        for (let j = 0; j < instances.length; j++) {
          if (o.hosts[j] !== null) continue;
          const by = o.preemptedBy?.[j];
          if (by) visit(t.namespace, t.kind, instances[j].name, `preempted by ${by}`, 'Unschedulable', t.owner || undefined);
          else
            visit(
              t.namespace,
              t.kind,
              instances[j].name,
              o.failure?.message ?? 'not placed',
              o.failure?.grade ?? 'Unschedulable',
              t.owner || undefined,
            );
        }
      }
    },
  };
}

/** Every entry built: the result as an object (the native API's answer). */
export function materialize(v: ResultView): PlacementResult {
  const placements: PlacementEntry[] = [];
  const unplaced: UnplacedEntry[] = [];
  v.placements((namespace, kind, name, host, owner, existing) => {
    const e: PlacementEntry = { namespace, kind, name, host };
    if (owner) e.owner = owner;
    if (existing) e.existing = true;
    placements.push(e);
  });
  v.unplaced((namespace, kind, name, reason, grade, owner) => {
    const u: UnplacedEntry = { namespace, kind, name, reason, grade };
    if (owner) u.owner = owner;
    unplaced.push(u);
  });
  return {
    apiVersion: 'placer.dev/v1alpha1',
    kind: 'PlacementResult',
    strategy: v.strategy,
    placements,
    unplaced,
    summary: v.summary,
    ...(v.warnings && v.warnings.length > 0 && { warnings: v.warnings }),
  };
}

export function buildResult(engine: Engine, outcomes: readonly Outcome[], strategy: string): PlacementResult {
  return materialize(outcomesView(engine, outcomes, strategy));
}

function gangReports(outcomes: readonly Outcome[]): GangReport[] {
  const gangs = new Map<string, GangReport>();
  for (const o of outcomes) {
    const g = o.template.gang;
    if (!g) continue;
    const r = gangs.get(g.name) ?? { name: g.name, minMember: g.minMember, placed: 0, members: [] };
    o.template.instances.forEach((inst, j) => {
      const host = o.hosts[j];
      r.members.push({ namespace: o.template.namespace, kind: o.template.kind, name: inst.name, host });
      if (host !== null) r.placed++;
      else if (o.failure && r.reason === undefined) r.reason = o.failure.message;
    });
    gangs.set(g.name, r);
  }
  return [...gangs.values()];
}

export function summarize(engine: Engine, placed: number, unplacedCount: number, existing: number): PlacementSummary {
  const hosts = engine.hostUsage();
  const dims = engine.dimensionNames();
  const utilization: Record<string, ResourceUtilization> = {};
  const largestFree = new Map<string, bigint>();
  let lowerBound = 0;
  for (const name of dims) {
    let alloc = 0n;
    let used = 0n;
    let usedAll = 0n;
    const capacities: bigint[] = [];
    for (const h of hosts) {
      const a = h.allocatable.get(name) ?? 0n;
      const u = h.used.get(name) ?? 0n;
      usedAll += u;
      capacities.push(a);
      if (h.unschedulable) continue;
      alloc += a;
      used += u;
      const free = a - u;
      if (free > (largestFree.get(name) ?? 0n)) largestFree.set(name, free);
    }
    if (alloc === 0n && used === 0n) continue;
    utilization[name] = {
      allocatable: formatAmount(name, alloc),
      requested: formatAmount(name, used),
      percent: alloc === 0n ? 0 : Number((used * 1000n) / alloc) / 10,
    };
    lowerBound = Math.max(lowerBound, hostsNeeded(usedAll, capacities));
  }
  const reservations: ReservationReport[] = [];
  for (const ns of engine.namespaceUsage()) {
    if (ns.reservation.size === 0) continue;
    const rec = (f: (name: string, r: bigint) => bigint) =>
      Object.fromEntries([...ns.reservation].map(([name, r]) => [name, formatAmount(name, f(name, r))]));
    reservations.push({
      namespace: ns.namespace,
      reserved: rec((_, r) => r),
      used: rec((name) => ns.used.get(name) ?? 0n),
      unused: rec((name, r) => {
        const u = r - (ns.used.get(name) ?? 0n);
        return u > 0n ? u : 0n;
      }),
      largestFreeOnOneHost: rec((name) => largestFree.get(name) ?? 0n),
    });
  }
  return {
    placed,
    unplaced: unplacedCount,
    hostsUsed: hosts.filter((h) => (h.used.get('pods') ?? 0n) > 0n).length,
    lowerBound,
    existing,
    hosts: hosts.length,
    utilization,
    reservations,
    gangs: [],
  };
}

/** The fewest hosts (largest first) whose capacities sum to at least `total`. */
export function hostsNeeded(total: bigint, capacities: bigint[]): number {
  if (total <= 0n) return 0;
  const sorted = [...capacities].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
  let sum = 0n;
  for (let i = 0; i < sorted.length; i++) {
    sum += sorted[i];
    if (sum >= total) return i + 1;
  }
  return sorted.length; // more requested than the whole cluster holds (overcommitted input)
}
