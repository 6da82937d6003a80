// The failover report and simulated failures (namespace HA): per protected namespace the failures
// it tolerates now, per host placer's own restart plan of its protected workloads and the room
// held on it, zone failures, the room held in total against vSphere HA's percentage rule; and the
// restart plan of exactly the failures asked for. Plans are failover-plans.ts's.
//
// Host failures are checked up to the policy's count (a namespace tolerating 1 is not planned for
// 2): one host, every host planned (exact w.r.t. placer's own plan); 2 and 3 hosts,
// every set of that many hosts holding a workload of the namespace is planned when the sets are
// at most MAX_FAILURE_SETS — beyond, the tolerance is not claimed (the report says fewer host
// failures than asked, and why). Zones: one plan per zone.

import type { FailoverPolicy } from '../../model/types.js';
import { DIM_CPU, DIM_MEMORY, MAX_DIMS } from './contract.js';
import type { FailoverReport, HostFailover, NamespaceFailover, RestartPlanReport, ZoneFailover } from './failover-api.js';
import type { Planned, RestartPlanner, Tentative } from './failover-plans.js';
import { vspherePercentage } from './rules/failover.js';

/** Sets of 2 or 3 failed hosts planned one by one at most; beyond, such tolerance is not claimed. */
export const MAX_FAILURE_SETS = 5000;

export class Failover {
  constructor(private readonly plans: RestartPlanner) {}

  /** The failover report: see FailoverReport. */
  report(): FailoverReport {
    const { plans } = this;
    const catalog = plans.catalog;
    const policies = plans.policies();
    const hosts = plans.presentSlots();
    const free = plans.freeRoom();
    const held = new Float64Array(catalog.hosts.length * MAX_DIMS);
    const singles = hosts.map((slot) => {
      const p = plans.plan([slot], true, free);
      holdMax(held, p);
      return p;
    });
    const zonePlans = [...policies.values()].some((p) => p.zoneFailuresToTolerate > 0) ? this.zonePlans(free) : [];
    for (const { planned } of zonePlans) holdMax(held, planned);
    const namespaces = [...policies.keys()].sort().map((ns) => this.namespaceFailover(ns, policies.get(ns)!, singles, zonePlans, free));
    const hostRows: HostFailover[] = singles.map((p) => {
      const slot = p.failed[0];
      const { moves, unplaced } = plans.describe(p);
      return {
        host: catalog.hostName(slot),
        zone: plans.zoneOf(slot),
        protectedWorkloads: p.victims.length,
        absorbed: unplaced.length === 0,
        plan: moves,
        unplaced,
        held: plans.amounts((d) => held[slot * MAX_DIMS + d]),
      };
    });
    const zones: ZoneFailover[] = zonePlans.map(({ zone, planned }) => {
      const { moves, unplaced } = plans.describe(planned);
      return { zone, hosts: planned.failed.length, absorbed: unplaced.length === 0, plan: moves, unplaced };
    });
    const schedulable = hosts.filter((s) => !catalog.hosts[s].obj.unschedulable);
    const capacity = plans.amounts((d) => schedulable.reduce((sum, s) => sum + Number(catalog.allocatableOf(s, d)), 0));
    const failures = Math.max(0, ...[...policies.values()].map((p) => p.hostFailuresToTolerate));
    const percent = vspherePercentage(failures, schedulable.length);
    const vsHeld: Record<string, number> = {};
    for (const d of [DIM_CPU, DIM_MEMORY]) {
      const name = catalog.dims.names[d];
      if (capacity[name]) vsHeld[name] = Math.ceil((capacity[name] * percent) / 100);
    }
    return {
      apiVersion: 'placer.dev/v1alpha1',
      kind: 'FailoverReport',
      namespaces,
      hosts: hostRows,
      zones,
      held: plans.amounts((d) => hosts.reduce((sum, s) => sum + held[s * MAX_DIMS + d], 0)),
      capacity,
      vsphere: { failures, percent, held: vsHeld },
    };
  }

  /**
   * The restart plan of exactly these failures: every workload of the failed hosts, protected
   * first. A zone alone is scanned as the zone's plan is (from after its highest slot).
   */
  simulate(hostNames: readonly string[], zone?: string): RestartPlanReport {
    const { plans } = this;
    const slots = new Set(hostNames.map((n) => plans.catalog.presentSlot(n)));
    if (zone !== undefined) for (const s of plans.zones().get(zone) ?? []) slots.add(s);
    const failed = [...slots].sort((a, b) => a - b);
    const start = hostNames.length === 0 ? zoneStart(failed) : undefined;
    const p = plans.plan(failed, false, plans.freeRoom(), undefined, false, start);
    const { moves, unplaced } = plans.describe(p);
    return { failed: p.failed.map((s) => plans.catalog.hostName(s)), moves, unplaced, absorbed: !unplaced.some((u) => u.protected) };
  }

  /**
   * One plan per zone: its hosts fail, their protected workloads restart outside it; `keep` names
   * the handle the backend keeps each zone's plan under.
   */
  zonePlans(free: Float64Array, extra?: Tentative, fresh = false, keep?: (zone: string) => number): { zone: string; planned: Planned }[] {
    return [...this.plans.zones()].map(([zone, slots]) => ({
      zone,
      planned: this.plans.plan(slots, true, free, extra, fresh, zoneStart(slots), keep?.(zone)),
    }));
  }

  /**
   * The first set of `k` hosts (in host order) whose plan leaves a workload of `ns` unplaced. Only
   * sets holding a workload of `ns` can fail it; when there are more than MAX_FAILURE_SETS sets,
   * none is planned and the answer is an `unchecked` plan (the tolerance is not claimed).
   */
  failingSet(ns: string, k: number, free: Float64Array, extra?: Tentative, fresh = false): Planned | null {
    const { plans } = this;
    const hosts = plans.presentSlots();
    const holders = new Set(hosts.filter((s) => plans.holds(ns, s, extra)));
    if (holders.size === 0) return null;
    if (binomial(hosts.length, k) > MAX_FAILURE_SETS) return { ...plans.plan(hosts.slice(0, k), true, free, extra, fresh), unchecked: k };
    for (const set of combinations(hosts, k)) {
      if (!set.some((s) => holders.has(s))) continue;
      const p = plans.plan(set, true, free, extra, fresh);
      if (plans.firstFailing(ns, [p])) return p;
    }
    return null;
  }

  private namespaceFailover(
    ns: string,
    policy: FailoverPolicy,
    singles: Planned[],
    zonePlans: { zone: string; planned: Planned }[],
    free: Float64Array,
  ): NamespaceFailover {
    const { plans } = this;
    let toleratesHosts = 0;
    let violation: string | null = null;
    for (let k = 1; k <= Math.max(1, policy.hostFailuresToTolerate); k++) {
      const failing = k === 1 ? plans.firstFailing(ns, singles) : this.failingSet(ns, k, free);
      if (failing) {
        if (k <= policy.hostFailuresToTolerate) violation ??= plans.violationText(ns, failing);
        break;
      }
      toleratesHosts = k;
    }
    let toleratesZone: boolean | null = null;
    if (zonePlans.length > 0) {
      const failing = plans.firstFailing(
        ns,
        zonePlans.map((z) => z.planned),
      );
      toleratesZone = failing === null;
      if (failing && policy.zoneFailuresToTolerate > 0) violation ??= plans.violationText(ns, failing, plans.zoneOf(failing.failed[0]));
    }
    return { namespace: ns, policy, toleratesHosts, toleratesZone, kept: violation === null, violation };
  }
}

/** `held` keeps, per slot and dimension, the most any plan puts there: `p`'s use counts. */
function holdMax(held: Float64Array, p: Planned): void {
  for (const [s, row] of p.plan.use) for (let d = 0; d < MAX_DIMS; d++) held[s * MAX_DIMS + d] = Math.max(held[s * MAX_DIMS + d], row[d]);
}

/** A zone's plan scans the slots from after its highest slot (`slots` ascending). */
export function zoneStart(slots: readonly number[]): number {
  return slots.length === 0 ? 0 : slots[slots.length - 1] + 1;
}

export function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 0; i < k; i++) r = (r * (n - i)) / (i + 1);
  return r;
}

/** Every k-subset of `xs`, in lexicographic order of positions. */
function* combinations(xs: readonly number[], k: number): IterableIterator<number[]> {
  const idx = Array.from({ length: k }, (_, i) => i);
  while (true) {
    yield idx.map((i) => xs[i]);
    let i = k - 1;
    while (i >= 0 && idx[i] === xs.length - k + i) i--;
    if (i < 0) return;
    idx[i]++;
    for (let m = i + 1; m < k; m++) idx[m] = idx[m - 1] + 1;
  }
}
