// Namespace HA: the restart plan of failed hosts. The workloads that ran on the failed hosts are
// restarted over the surviving hosts by first-fit decreasing in the plan's own fixed scan order:
// the slots cyclically from `start` (the caller's choice: after the failed host, after a zone's
// highest slot, after the first of a set of hosts). Each workload, in the caller's order
// (protected first, larger first, then by name), goes to the first surviving host in that order
// where it fits. Plans that start at different slots spread over the cluster instead of piling
// onto slot 0 (where every plan would be a user of the first hosts). It keeps the hard rules:
//   - resources, every dimension incl. `pods`, against the host's free room less what the plan
//     already put there;
//   - the rules a host decides alone — cordon, taints, node selector and required node affinity,
//     required (anti-)affinity with the workloads placed now — as the engine's filter reports
//     them (`reasons`, resource and spread bits masked off: spread is not required for restarts);
//   - required anti-affinity among the restarted workloads themselves, conservatively: two
//     restarted workloads that carry or meet a required anti-affinity term never share a domain of
//     any of their terms' topology keys (as if every term matched every such workload);
//   - gangs: when one member of a gang is not restarted, none is (its room is given back).
// Quota is not charged again (a restart replaces the failed workload, whose usage stays counted)
// and reservations are not consulted (the restarted workloads keep their namespace's usage).
// First fit in a fixed order per plan makes a plan change only when a host it scans up to its
// targets changes: a placement on host X can only break the plans that restart something onto X
// (or X's own plan); see failover-insert.ts for the exact test of one more workload.

import * as abi from '../contract.js';
import type { HostVerdict, RestartHosts, RestartItem, RestartPlan } from '../contract.js';

export type { RestartHosts, RestartItem, RestartPlan };

// Local copies: the plan's loops read them per host and dimension, and a re-exported binding
// can be a getter under some loaders.
const MAX_DIMS = abi.MAX_DIMS;
const R_ABSENT = abi.R_ABSENT;
const R_POD_ANTI_AFFINITY = abi.R_POD_ANTI_AFFINITY;
const insufficientBit = abi.insufficientBit;

/** The filter bits a restart ignores: resources (the plan tracks its own room) and spread. */
export const RESTART_IGNORED = abi.R_INSUFFICIENT_MASK | abi.R_UNRESOLVABLE_FIT | abi.R_SPREAD | abi.R_SPREAD_LABEL;

/** A host's label value id in a label column, 0 when it has none. */
export type HostLabel = (slot: number, col: number) => number;

/** Dense per-slot use while a plan is computed, zeroed again on the slots it touched. */
let scratch = new Float64Array(0);

/** Position of slot `s` in the scan order of a plan over `n` slots starting at `start`. */
export function scanPos(start: number, s: number, n: number): number {
  return (s - start + n) % n;
}

/**
 * restartPlan: the first-fit restart of `items`, in their order, over `hosts` scanned cyclically
 * from slot `start`. Gang members that were restarted while another member of their gang was not
 * are taken back out. `label` gives a host's label value id in a column (0: absent), for
 * anti-affinity domains.
 */
export function restartPlan(items: readonly RestartItem[], hosts: RestartHosts, start: number, label: HostLabel): RestartPlan {
  const { n, out } = hosts;
  if (scratch.length < n * MAX_DIMS) scratch = new Float64Array(n * MAX_DIMS);
  const use = scratch;
  const first = n === 0 ? 0 : ((start % n) + n) % n;
  const target = new Int32Array(items.length).fill(-1);
  const why: RestartPlan['why'] = new Array(items.length).fill(null);
  const antiPlaced: number[] = [];
  const touched = new Set<number>();
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    let slot = -1;
    for (let k = 0, s = first; k < n && slot < 0; k++, s = s + 1 === n ? 0 : s + 1)
      if (restartReasons(it, s, hosts, label, use, items, target, antiPlaced) === 0) slot = s;
    if (slot < 0) {
      const masks = new Uint32Array(n);
      for (let s = 0; s < n; s++) masks[s] = restartReasons(it, s, hosts, label, use, items, target, antiPlaced);
      why[i] = masks;
      continue;
    }
    target[i] = slot;
    touched.add(slot);
    for (let d = 0; d < MAX_DIMS; d++) use[slot * MAX_DIMS + d] += it.req[d];
    if (it.antiCols) antiPlaced.push(i);
  }
  // Gangs restart together or not at all.
  const short = new Set<string>();
  items.forEach((it, i) => it.gang !== null && target[i] < 0 && short.add(it.gang));
  let gangsOut = false;
  items.forEach((it, i) => {
    if (it.gang === null || !short.has(it.gang)) return;
    const slot = target[i];
    if (slot >= 0) {
      for (let d = 0; d < MAX_DIMS; d++) use[slot * MAX_DIMS + d] -= it.req[d];
      gangsOut = true;
    }
    target[i] = -1;
    if (why[i] === null) why[i] = { gang: it.gang };
  });
  const touchedSlots = [...touched].sort((a, b) => a - b);
  const targets = touchedSlots.filter((s) => !out[s] && usesSlot(use, s));
  const rows = new Map<number, Float64Array>();
  for (const s of targets) rows.set(s, use.slice(s * MAX_DIMS, (s + 1) * MAX_DIMS));
  for (const s of touchedSlots) use.fill(0, s * MAX_DIMS, (s + 1) * MAX_DIMS);
  return { target, why, start: first, use: rows, targets, touched: touchedSlots, gangsOut };
}

/** Why item `it` cannot restart on slot `s` now (0: it can): the filter's bits, insufficient room, anti-affinity. */
function restartReasons(
  it: RestartItem,
  s: number,
  hosts: RestartHosts,
  label: HostLabel,
  use: Float64Array,
  items: readonly RestartItem[],
  target: Int32Array,
  antiPlaced: readonly number[],
): number {
  if (hosts.out[s]) return R_ABSENT;
  let r = (it.reasons[s] ?? R_ABSENT) & ~RESTART_IGNORED;
  const base = s * MAX_DIMS;
  for (let d = 0; d < hosts.dims; d++) if (it.req[d] > 0 && use[base + d] + it.req[d] > hosts.free[base + d]) r |= insufficientBit(d);
  if (it.antiCols && antiConflict(it, s, label, items, target, antiPlaced)) r |= R_POD_ANTI_AFFINITY;
  return r;
}

/** A restarted anti-affinity workload already shares a domain with slot `s` under a key of either's terms. */
function antiConflict(
  it: RestartItem,
  s: number,
  label: HostLabel,
  items: readonly RestartItem[],
  target: Int32Array,
  antiPlaced: readonly number[],
): boolean {
  for (const j of antiPlaced) {
    const t = target[j];
    if (t < 0) continue;
    if (t === s) return true;
    for (const col of [...it.antiCols!, ...items[j].antiCols!]) {
      const v = label(s, col);
      if (v !== 0 && v === label(t, col)) return true;
    }
  }
  return false;
}

function usesSlot(use: Float64Array, s: number): boolean {
  for (let d = 0; d < MAX_DIMS; d++) if (use[s * MAX_DIMS + d] !== 0) return true;
  return false;
}

/** Unplaced reasons as verdicts for the filter histogram (rules/filter-stages.ts filterHistogram). */
export function restartVerdicts(masks: Uint32Array): Pick<HostVerdict, 'reasons'>[] {
  return Array.from(masks, (reasons) => ({ reasons }));
}

/**
 * vSphere HA's percentage admission control for the same cluster: it reserves, of the total cpu
 * and memory of the hosts, the percentage ⌈100 × N / hosts⌉ (N host failures to tolerate, hosts
 * the schedulable hosts; the "cluster resource percentage" vSphere computes by default from N),
 * whatever the workloads. The amount held is ⌈total × pct / 100⌉ per dimension.
 */
export function vspherePercentage(failures: number, hosts: number): number {
  return hosts === 0 ? 0 : Math.min(100, Math.ceil((100 * failures) / hosts));
}
