// Failure records the batch writes to the failure log (formats: core-wasm/abi.mjs, "Failure log"):
// the "0/N hosts are available" histogram of a scan, and a gang's shortfall. Admission writes its
// own records (admit.ts). Rule twin of the histogram: core-wasm/src/rules/filter-stages.ts.

import {
  FAIL_FILTER, FAIL_GANG, MAX_DIMS, MAX_TAINTS, R_ABSENT, R_AFFINITY, R_EXISTING_ANTI_AFFINITY, R_INSUFFICIENT_MASK,
  R_INSUFFICIENT_SHIFT, R_POD_AFFINITY, R_POD_ANTI_AFFINITY, R_SPREAD, R_SPREAD_LABEL, R_TAINT, R_UNSCHEDULABLE,
} from './abi';
import { firstBlockingTaint } from './constraints';
import { at32, ensureLog, hostEnd, logPush, reasons } from './layout';

const counts: usize = memory.data(32 * 4);
const taintCounts: usize = memory.data(MAX_TAINTS * 4);

/** Record the "0/N hosts are available" histogram of the current scan for item i. */
export function recordFilterFailure(i: i32): void {
  memory.fill(counts, 0, 32 * 4);
  memory.fill(taintCounts, 0, MAX_TAINTS * 4);
  let hosts = 0;
  for (let h = 0; h < hostEnd; h++) {
    const r = load<u32>(at32(reasons, h));
    if (r & R_ABSENT) continue;
    hosts++;
    // Like kube-scheduler, a host reports only its first failing filter stage.
    if (r & R_UNSCHEDULABLE) bump(counts, 0);
    else if (r & R_TAINT) bump(taintCounts, firstBlockingTaint(h));
    else if (r & R_AFFINITY) bump(counts, 2);
    else if (r & R_INSUFFICIENT_MASK) {
      for (let d = 0; d < MAX_DIMS; d++) if (r & ((<u32>1) << (R_INSUFFICIENT_SHIFT + <u32>d))) bump(counts, <i32>R_INSUFFICIENT_SHIFT + d);
    } else if (r & R_SPREAD_LABEL) bump(counts, 21);
    else if (r & R_SPREAD) bump(counts, 22);
    else if (r & R_POD_AFFINITY) bump(counts, 23);
    else if (r & R_POD_ANTI_AFFINITY) bump(counts, 24);
    else if (r & R_EXISTING_ANTI_AFFINITY) bump(counts, 25);
  }
  let k = 0;
  for (let t = 0; t < MAX_TAINTS; t++) if (load<i32>(at32(taintCounts, t)) > 0) k++;
  for (let b = 0; b < 32; b++) if (load<i32>(at32(counts, b)) > 0) k++;
  ensureLog(4 + k * 3);
  logPush(i);
  logPush(FAIL_FILTER);
  logPush(hosts);
  logPush(k);
  for (let t = 0; t < MAX_TAINTS; t++) {
    const c = load<i32>(at32(taintCounts, t));
    if (c == 0) continue;
    logPush(0);
    logPush(t);
    logPush(c);
  }
  for (let b = 0; b < 32; b++) {
    const c = load<i32>(at32(counts, b));
    if (c == 0) continue;
    logPush(1 << b);
    logPush(0);
    logPush(c);
  }
}

// @ts-ignore: decorator
@inline function bump(p: usize, i: i32): void {
  store<i32>(at32(p, i), load<i32>(at32(p, i)) + 1);
}

/** Gang g placed `placed` of the `needed` members; `cause` is the member item that failed first (−1: none). */
export function logGangFailure(g: i32, placed: i32, needed: i32, cause: i32): void {
  ensureLog(5);
  logPush(g);
  logPush(FAIL_GANG);
  logPush(placed);
  logPush(needed);
  logPush(cause);
}
