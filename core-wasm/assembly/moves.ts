// Moves: the hot loop of rebalancing. The imbalance of one resource is the variance of per-host
// utilization (used / allocatable) over the schedulable hosts that have some of it; a candidate
// move is scored by the variance the cluster would have once the workload lands on a host. Both
// are computed here, over the structure-of-arrays columns, for every feasible host at once.
//
// The arithmetic is plain f64 in a fixed order (hosts ascending, the same expressions as the
// reference engine), so the two engines choose the same host bit for bit.

import { FAIL_NONE, R_ABSENT, R_UNSCHEDULABLE } from './abi';
import { allocF, at32, base, colF, freeF, hostEnd, reasons } from './layout';
import { admit } from './admit';
import { prepareItem, reqOf } from './item';
import { scan } from './scan';

/** The variance a moveTarget() choice leaves, and the hosts the last imbalance counted. */
export let moveVariance: f64 = 0;
export let imbalanceHosts: i32 = 0;
let s1: f64 = 0;
let s2: f64 = 0;

// @ts-ignore: decorator
@inline function counted(h: i32, d: i32): bool {
  return (load<u32>(at32(base, h)) & (R_ABSENT | R_UNSCHEDULABLE)) == 0 && load<f64>(colF(allocF, d, h)) > 0;
}

// @ts-ignore: decorator
@inline function utilization(h: i32, d: i32, extra: f64): f64 {
  const c = load<f64>(colF(allocF, d, h));
  return (c - load<f64>(colF(freeF, d, h)) + extra) / c;
}

function sums(d: i32): void {
  let n = 0;
  s1 = 0;
  s2 = 0;
  for (let h = 0; h < hostEnd; h++) {
    if (!counted(h, d)) continue;
    const u = utilization(h, d, 0);
    n++;
    s1 += u;
    s2 += u * u;
  }
  imbalanceHosts = n;
}

/** Variance of per-host utilization of dimension d over the counted hosts (0 when none). */
export function imbalance(d: i32): f64 {
  sums(d);
  const n = <f64>imbalanceHosts;
  if (imbalanceHosts == 0) return 0;
  const mean = s1 / n;
  return s2 / n - mean * mean;
}

/**
 * The feasible host, other than `exclude`, where one workload of item i leaves the lowest variance
 * of dimension d (ties: the lowest slot); −1 when none, −2 when admission refuses the workload.
 * The workload must already be released from its host (so that Filter sees the cluster without it).
 */
export function moveTarget(i: i32, d: i32, exclude: i32): i32 {
  prepareItem(i);
  if (admit(false) != FAIL_NONE) return -2;
  scan();
  sums(d);
  const n = <f64>imbalanceHosts;
  const r = reqOf(d);
  let best = -1;
  let bestVar = Infinity;
  for (let h = 0; h < hostEnd; h++) {
    if (h == exclude || load<u32>(at32(reasons, h)) != 0 || !counted(h, d)) continue;
    const u = utilization(h, d, 0);
    const v = utilization(h, d, r);
    const m = (s1 - u + v) / n;
    const variance = (s2 - u * u + v * v) / n - m * m;
    if (variance < bestVar) {
      best = h;
      bestVar = variance;
    }
  }
  moveVariance = bestVar;
  return best;
}
