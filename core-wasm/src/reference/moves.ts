// Rebalancing's questions: the imbalance (variance of per-host utilization of one dimension over
// the present, schedulable hosts with some of it) and the host a workload would best move to.
// Σu and Σu² are summed in slot order with the same f64 operations as the core
// (core-wasm/assembly/moves.ts), so both engines choose the same host.

import type { Imbalance, MoveTarget } from '../contract.js';
import { admit } from './admit.js';
import { evaluate } from './evaluate.js';
import type { Host, RefState } from './state.js';

/** Present, schedulable, with some of dimension d: the hosts the imbalance counts. */
function counted(h: Host | undefined, d: number): h is Host {
  return !!h && h.present && !h.unschedulable && h.alloc[d] > 0;
}

/** Σu and Σu² over the counted hosts, slots ascending. */
function sums(s: RefState, d: number): { n: number; s1: number; s2: number } {
  let n = 0;
  let s1 = 0;
  let s2 = 0;
  for (const h of s.hosts) {
    if (!counted(h, d)) continue;
    const u = h.used[d] / h.alloc[d];
    n++;
    s1 += u;
    s2 += u * u;
  }
  return { n, s1, s2 };
}

export function imbalance(s: RefState, dim: number): Imbalance {
  const { n, s1, s2 } = sums(s, dim);
  if (n === 0) return { hosts: 0, variance: 0 };
  const mean = s1 / n;
  return { hosts: n, variance: s2 / n - mean * mean };
}

/** Admission, then every feasible counted host but `exclude`: the one leaving the lowest variance. */
export function moveTarget(s: RefState, cls: number, dim: number, exclude: number): MoveTarget {
  if (admit(s, cls)) return { slot: -2, variance: Infinity };
  const verdicts = evaluate(s, cls);
  const { n, s1, s2 } = sums(s, dim);
  const r = s.classes[cls].req[dim];
  let slot = -1;
  let best = Infinity;
  verdicts.forEach((v, h) => {
    const host = s.hosts[h];
    if (h === exclude || v.reasons !== 0 || !counted(host, dim)) return;
    const u = host.used[dim] / host.alloc[dim];
    const w = (host.used[dim] + r) / host.alloc[dim];
    const m = (s1 - u + w) / n;
    const variance = (s2 - u * u + w * w) / n - m * m;
    if (variance < best) {
      slot = h;
      best = variance;
    }
  });
  return { slot, variance: best };
}
