// The order a batch is attempted in (contract.ts OrderPolicy): priority levels, highest first;
// within a level the gangs as units, then the other instances — each item's instances spread
// evenly over the level (interleave), or items contiguous by FFD size or input order. Rule twin:
// core-wasm/assembly/batch.ts (ranking and the interleaving heap).

import { type BatchItem, type ClassSpec, DIM_PODS, type GangSpec, MAX_DIMS, OrderPolicy } from '../contract.js';
import type { RefState } from './state.js';

export interface Step {
  /** One instance: [item, k]. */
  instance?: [number, number];
  /** A whole gang and its member items in rank order. */
  gang?: number;
  members?: number[];
}

/** The batch as steps: per priority level (highest first), its gangs (ranked by their first member), then the other instances. */
export function batchSteps(s: RefState, items: readonly BatchItem[], gangs: readonly GangSpec[]): Step[] {
  const prio = items.map((it) => s.classes[it.cls].priority);
  const order = instanceOrder(
    s,
    items.map((it) => (it.gang === undefined ? it : { ...it, count: 0 })),
  );
  // A gang is one unit at the priority of its most important member, its members in rank order.
  const members = new Map<number, number[]>();
  for (const i of itemRank(s, items)) {
    const g = items[i].gang;
    if (g !== undefined && g < gangs.length) members.set(g, [...(members.get(g) ?? []), i]);
  }
  const levels = [...new Set(prio)].sort((a, b) => b - a);
  const steps: Step[] = [];
  for (const level of levels) {
    for (const [gang, m] of members) if (prio[m[0]] === level) steps.push({ gang, members: m });
    for (const [i, k] of order) if (prio[i] === level) steps.push({ instance: [i, k] });
  }
  return steps;
}

/** Items by priority (desc), then size (desc, FFD; not under OrderPolicy.Input), then input order. */
export function itemRank(s: RefState, items: readonly BatchItem[]): number[] {
  const prio = items.map((it) => s.classes[it.cls].priority);
  const sizes = items.map((it) => (s.config.order === OrderPolicy.Input ? 0 : sizeKey(s, s.classes[it.cls])));
  return items.map((_, i) => i).sort((a, b) => prio[b] - prio[a] || sizes[b] - sizes[a] || a - b);
}

/**
 * The order instances are attempted in: by priority, then either each item's instances spread
 * evenly over the batch — instance k of n at (k + ½)/n — or items contiguous. Ties follow the rank.
 */
function instanceOrder(s: RefState, items: readonly BatchItem[]): [number, number][] {
  const prio = items.map((it) => s.classes[it.cls].priority);
  const rank = itemRank(s, items);
  const rankOf = new Array<number>(items.length);
  rank.forEach((item, r) => (rankOf[item] = r));
  const out: [number, number][] = [];
  for (const i of rank) for (let k = 0; k < items[i].count; k++) out.push([i, k]);
  if (s.config.order !== OrderPolicy.Interleave) return out;
  // (2k_a + 1)/n_a vs (2k_b + 1)/n_b, exactly, by cross-multiplication.
  return out.sort(
    ([a, ka], [b, kb]) => prio[b] - prio[a] || (2 * ka + 1) * items[b].count - (2 * kb + 1) * items[a].count || rankOf[a] - rankOf[b],
  );
}

/** Σ_d req[d] / (largest host's allocatable in d): a workload's size relative to a host, for FFD. */
function sizeKey(s: RefState, c: ClassSpec): number {
  let size = 0;
  for (let d = 0; d < MAX_DIMS; d++) {
    if (d === DIM_PODS) continue;
    const ref = s.maxAlloc(d);
    if (ref > 0 && c.req[d] > 0) size += c.req[d] / ref;
  }
  return size;
}
