// Usage as callers read it, by name: per host (allocatable and used per resource), per namespace
// (usage, reservation, quota usage), and the cluster's utilization over the schedulable hosts
// that plans report before and after. Everything is read from the backend's ledgers.

import type { Catalog } from './catalog.js';
import { type Backend, DIM_CPU, DIM_MEMORY, type Ledger, MAX_DIMS } from './contract.js';

export interface HostUsage {
  name: string;
  unschedulable: boolean;
  allocatable: Map<string, bigint>;
  used: Map<string, bigint>;
}

export interface NamespaceUsage {
  namespace: string;
  used: Map<string, bigint>;
  reservation: Map<string, bigint>;
  quotas: { name: string; hard: Map<string, bigint>; used: Map<string, bigint> }[];
}

export class Reports {
  constructor(
    private readonly catalog: Catalog,
    private readonly backend: Backend,
  ) {}

  ledger(): Ledger {
    return this.backend.ledger(this.catalog.namespaces.extent);
  }

  /** Hosts with allocatable and used per resource. */
  hostUsage(): HostUsage[] {
    const { catalog } = this;
    const ledger = this.ledger();
    const out: HostUsage[] = [];
    catalog.hosts.forEach((h, slot) => {
      if (!h.present) return;
      const allocatable = new Map<string, bigint>();
      const used = new Map<string, bigint>();
      catalog.dims.names.forEach((name, d) => {
        allocatable.set(name, catalog.allocatableOf(slot, d));
        used.set(name, ledger.hosts[slot].used[d]);
      });
      out.push({ name: h.obj.name, unschedulable: h.obj.unschedulable, allocatable, used });
    });
    return out;
  }

  /** Namespace usage, reservations and quota usage. */
  namespaceUsage(): NamespaceUsage[] {
    const { catalog } = this;
    const ledger = this.ledger();
    return catalog.namespaces.entries().map(([id, ns]) => {
      const used = new Map<string, bigint>();
      catalog.dims.names.forEach((name, d) => used.set(name, ledger.nsUsed[id]?.[d] ?? 0n));
      const quotas = catalog.quotas
        .filter((q) => q.obj.namespace === ns)
        .map((q) => ({
          name: q.obj.name,
          hard: new Map(q.entries.map((e) => [catalog.entryKeys[e], catalog.entries[e].hard])),
          used: new Map(q.entries.map((e) => [catalog.entryKeys[e], ledger.quotaUsed[e]])),
        }));
      return { namespace: ns, used, reservation: new Map(catalog.policies.get(ns)?.reservation ?? []), quotas };
    });
  }

  /** Used per slot and dimension, as a copy a plan can shift. */
  usedBySlot(ledger: Ledger): bigint[][] {
    return this.catalog.hosts.map((_, slot) => [...(ledger.hosts[slot]?.used ?? new Array<bigint>(MAX_DIMS).fill(0n))]);
  }

  /** Cluster utilization per resource, in percent (two decimals), over present hosts not cordoned or excluded. */
  clusterUtilization(used: bigint[][], excluded: ReadonlySet<number>): Record<string, number> {
    const { catalog } = this;
    const out: Record<string, number> = {};
    catalog.dims.names.forEach((name, d) => {
      let u = 0n;
      let a = 0n;
      catalog.hosts.forEach((h, slot) => {
        if (!h.present || h.obj.unschedulable || excluded.has(slot)) return;
        u += used[slot][d];
        a += catalog.allocatableOf(slot, d);
      });
      if (a > 0n) out[name] = Math.round(Number((u * 100_000n) / a) / 10) / 100;
    });
    return out;
  }

  /**
   * cpu or memory, whichever has the higher cluster utilization over schedulable hosts (ties: cpu).
   * Like DRS, balance what every workload consumes; other resources only when asked by name.
   */
  scarcestDimension(ledger: Ledger): number {
    const { catalog } = this;
    let best = DIM_CPU;
    let bestU = -1;
    for (const d of [DIM_CPU, DIM_MEMORY]) {
      let used = 0n;
      let alloc = 0n;
      catalog.hosts.forEach((h, slot) => {
        if (!h.present || h.obj.unschedulable) return;
        used += ledger.hosts[slot].used[d];
        alloc += catalog.allocatableOf(slot, d);
      });
      if (alloc === 0n) continue;
      const u = Number((used * 1_000_000n) / alloc);
      if (u > bestU) {
        best = d;
        bestU = u;
      }
    }
    return best;
  }
}
