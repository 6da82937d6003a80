// The workload class being evaluated ("PreFilter" state, computed once per class, read by every
// per-host check). Requests are copied from the batch scratch into small fixed tables.

import { FIXED_DIMS, MAX_DIMS } from './abi';
import { CHECKS } from './checks';
import {
  at32, at64, itemCap, itemConstraint, itemDims, itemNs, itemNzCpu, itemNzMem, itemStrategy, itemTopoOff, reqAt, scoringCount,
  scoringDim, scoringWeight,
} from './layout';
import { prepareTopology } from './topology';
import { prepareConstraint } from './constraints';

export let curItem: i32 = -1;
export let curNs: i32 = 0;
export let curStrategy: i32 = 0;
export let nzCpu: f64 = 0;
export let nzMem: f64 = 0;
/** Request per dimension (f64, exact). */
export const req: usize = memory.data(MAX_DIMS * 8);
/** Dimensions with a non-zero request, ascending: the only ones the fit filter checks. */
export const reqDims: usize = memory.data(MAX_DIMS * 4);
export let reqDimCount: i32 = 0;
/** Scored dimensions for this class (extended resources it does not request are skipped). */
export const scoreDims: usize = memory.data(MAX_DIMS * 4);
export const scoreWeights: usize = memory.data(MAX_DIMS * 4);
export let scoreDimCount: i32 = 0;

// @ts-ignore: decorator
@inline export function reqOf(d: i32): f64 {
  return load<f64>(req + (<usize>d << 3));
}

export function prepareItem(i: i32): void {
  if (CHECKS) assert(<u32>i < <u32>itemCap, 'item outside the item tables');
  curItem = i;
  curNs = load<i32>(at32(itemNs, i));
  curStrategy = load<i32>(at32(itemStrategy, i));
  nzCpu = load<f64>(at64(itemNzCpu, i));
  nzMem = load<f64>(at64(itemNzMem, i));
  reqDimCount = 0;
  for (let d = 0; d < MAX_DIMS; d++) {
    const q: f64 = d < itemDims ? load<f64>(reqAt(d, i)) : 0;
    store<f64>(req + (<usize>d << 3), q);
    if (q != 0) {
      store<i32>(reqDims + (<usize>reqDimCount << 2), d);
      reqDimCount++;
    }
  }
  scoreDimCount = 0;
  for (let s = 0; s < scoringCount; s++) {
    const d = load<i32>(at32(scoringDim, s));
    // resource_allocation.go: an extended resource the pod does not request scores as (0, 0): skipped.
    if (d >= FIXED_DIMS && reqOf(d) == 0) continue;
    store<i32>(scoreDims + (<usize>scoreDimCount << 2), d);
    store<i32>(scoreWeights + (<usize>scoreDimCount << 2), load<i32>(at32(scoringWeight, s)));
    scoreDimCount++;
  }
  prepareConstraint(load<i32>(at32(itemConstraint, i)));
  prepareTopology(load<i32>(at32(itemTopoOff, i)));
}
