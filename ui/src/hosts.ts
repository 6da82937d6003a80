// Derived views of the columnar host list: zones as heatmap groups, the resources worth a
// colour (any allocatable), per-host utilization, and per-zone totals.

import { type HostColumns, ZONE_LABEL } from './api';
import type { Group } from './heatmap';

export const NO_ZONE = '(no zone)';

/** Hosts grouped by zone label, zones and hosts in name order; hosts without the label last. */
export function zoneGroups(h: HostColumns): Group[] {
  const zl = h.labels[ZONE_LABEL];
  const by = new Map<string, number[]>();
  h.names.forEach((_, i) => {
    const z = zl && zl.index[i] >= 0 ? zl.values[zl.index[i]] : NO_ZONE;
    let g = by.get(z);
    if (!g) by.set(z, (g = []));
    g.push(i);
  });
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return [...by.entries()]
    .sort(([a], [b]) => (a === NO_ZONE ? 1 : b === NO_ZONE ? -1 : cmp(a, b)))
    .map(([label, hosts]) => ({ label, hosts: hosts.sort((a, b) => cmp(h.names[a], h.names[b])) }));
}

const FIRST = ['cpu', 'memory', 'pods', 'ephemeral-storage'];

/** Resources some host has allocatable of: the well-known ones first, then extended ones by name. */
export function colourableResources(h: HostColumns): string[] {
  const has = h.resources.filter((r) => (h.allocatable[r] ?? []).some((v) => v > 0));
  return [...FIRST.filter((r) => has.includes(r)), ...has.filter((r) => !FIRST.includes(r)).sort()];
}

/** used / allocatable in percent, or NaN where the host has none of the resource. */
export function utilization(h: HostColumns, resource: string, i: number): number {
  const a = h.allocatable[resource]?.[i] ?? 0;
  return a > 0 ? ((h.used[resource]?.[i] ?? 0) / a) * 100 : NaN;
}

export interface ZoneTotals {
  zone: string;
  hosts: number;
  cordoned: number;
  tainted: number;
  workloads: number;
  used: number;
  allocatable: number;
}

/** Totals per zone for one resource, every host of the zone counted (cordoned ones too). */
export function zoneTotals(h: HostColumns, groups: readonly Group[], resource: string): ZoneTotals[] {
  return groups.map((g) => {
    const t: ZoneTotals = { zone: g.label, hosts: g.hosts.length, cordoned: 0, tainted: 0, workloads: 0, used: 0, allocatable: 0 };
    for (const i of g.hosts) {
      t.cordoned += h.unschedulable[i];
      if (h.taints[i] > 0) t.tainted++;
      t.workloads += h.workloads[i];
      t.used += h.used[resource]?.[i] ?? 0;
      t.allocatable += h.allocatable[resource]?.[i] ?? 0;
    }
    return t;
  });
}
