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
import type { HostVerdict } from '../contract.js';

// Local copies: the plan's loops read them per host and dimension, and a re-exported binding
// can be a getter under some loaders.
const MAX_DIMS = abi.MAX_DIMS;
const R_ABSENT = abi.R_ABSENT;
const R_POD_ANTI_AFFINITY = abi.R_POD_ANTI_AFFINITY;
const insufficientBit = abi.insufficientBit;

/** The filter bits a restart ignores: resources (the plan tracks its own room) and spread. */
export const RESTART_IGNORED = abi.R_INSUFFICIENT_MASK | abi.R_UNRESOLVABLE_FIT | abi.R_SPREAD | abi.R_SPREAD_LABEL;

/** One workload to restart. */
export interface RestartItem {
  /** Requests by dimension (MAX_DIMS entries; `pods` is 1). */
  req: ArrayLike<number>;
  /** The engine's filter reasons for the workload's class, by host slot (RESTART_IGNORED bits are ignored). */
  reasons: ArrayLike<number>;
  /** Label columns of its required anti-affinity terms and of those it meets (held), or null when it has none. */
  antiCols: readonly number[] | null;
  /** Its gang, or null. */
  gang: string | null;
}

export interface RestartHosts {
  /** Host slots. */
  n: number;
  /** Dimensions in use (the rest are 0). */
  dims: number;
  /** Free room by slot and dimension, slot × MAX_DIMS + d: allocatable − used (not less than 0). */
  free: Float64Array;
  /** Slots that cannot take restarts: failed, absent. */
  out: Uint8Array;
  /** A host's label value in a column (undefined: absent), for anti-affinity domains. */
  label(slot: number, col: number): string | undefined;
}

export interface RestartPlan {
  /** Per item, the slot it restarts on, or −1. */
  target: Int32Array;
  /** Per unplaced item: the reasons of every slot (R_ABSENT for slots out of the plan), or the gang that fell short. */
  why: (Uint32Array | { gang: string } | null)[];
  /** The first slot of the plan's scan order (slots are scanned cyclically from it). */
  start: number;
  /** What the plan puts on each slot it targets, by dimension (MAX_DIMS entries); other slots: nothing. */
  use: Map<number, Float64Array>;
  /** Slots the plan puts something on, ascending. */
  targets: number[];
  /** Slots the plan put something on at some point (gang members taken back out included), ascending. */
  touched: number[];
  /** Gang members were taken back out: `use` is less than the use the scan ended with. */
  gangsOut: boolean;
}

/** Dense per-slot use while a plan is computed, zeroed again on the slots it touched. */
let scratch = new Float64Array(0);

/** Position of slot `s` in the scan order of a plan over `n` slots starting at `start`. */
export function scanPos(start: number, s: number, n: number): number {
  return (s - start + n) % n;
}

/**
 * restartPlan: the first-fit restart of `items`, in their order, over `hosts` scanned cyclically
 * from slot `start`. Gang members that were restarted while another member of their gang was not
 * are taken back out.
 */
export function restartPlan(items: readonly RestartItem[], hosts: RestartHosts, start = 0): RestartPlan {
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
      if (restartReasons(it, s, hosts, use, items, target, antiPlaced) === 0) slot = s;
    if (slot < 0) {
      const masks = new Uint32Array(n);
      for (let s = 0; s < n; s++) masks[s] = restartReasons(it, s, hosts, use, items, target, antiPlaced);
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
  use: Float64Array,
  items: readonly RestartItem[],
  target: Int32Array,
  antiPlaced: readonly number[],
): number {
  if (hosts.out[s]) return R_ABSENT;
  let r = (it.reasons[s] ?? R_ABSENT) & ~RESTART_IGNORED;
  const base = s * MAX_DIMS;
  for (let d = 0; d < hosts.dims; d++) if (it.req[d] > 0 && use[base + d] + it.req[d] > hosts.free[base + d]) r |= insufficientBit(d);
  if (it.antiCols && antiConflict(it, s, hosts, items, target, antiPlaced)) r |= R_POD_ANTI_AFFINITY;
  return r;
}

/** A restarted anti-affinity workload already shares a domain with slot `s` under a key of either's terms. */
function antiConflict(
  it: RestartItem,
  s: number,
  hosts: RestartHosts,
  items: readonly RestartItem[],
  target: Int32Array,
  antiPlaced: readonly number[],
): boolean {
  for (const j of antiPlaced) {
    const t = target[j];
    if (t < 0) continue;
    if (t === s) return true;
    for (const col of [...it.antiCols!, ...items[j].antiCols!]) {
      const v = hosts.label(s, col);
      if (v !== undefined && v === hosts.label(t, col)) return true;
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
