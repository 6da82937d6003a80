// A batch, one instance at a time in order.ts's order: Admit, Filter/Score, Select (highest
// total, lowest slot), Commit — or preempt when nothing fits; gangs all or nothing
// (rules/gangs.ts). The oracle of the Wasm batch, which reaches the same result incrementally.

import type { BatchItem, BatchOptions, BatchResult, ClassSpec, Eviction, Failure, GangSpec, HostVerdict } from '../contract.js';
import { filterHistogram } from '../rules/filter-stages.js';
import { gangFailure, gangHolds } from '../rules/gangs.js';
import { admit } from './admit.js';
import { evaluate } from './evaluate.js';
import { tolerated } from './filter.js';
import { batchSteps } from './order.js';
import { preempt } from './preempt.js';
import type { RefState } from './state.js';

export function placeBatch(s: RefState, items: readonly BatchItem[], gangs: readonly GangSpec[], options: BatchOptions): BatchResult {
  const preemption = options.preempt ?? true;
  s.beginBatch();
  const starts: number[] = [];
  let total = 0;
  for (const it of items) {
    starts.push(total);
    total += it.count;
  }
  const hostOf = new Int32Array(total).fill(-1);
  const failures: (Failure | null)[] = items.map(() => null);
  const sequence: number[] = [];
  const evictions: Eviction[] = [];
  /** Place one instance: Admit, Filter/Score/Select, Commit — or preempt when nothing fits. */
  const attempt = (i: number, k: number, mayPreempt: boolean): void => {
    const cls = items[i].cls;
    let failure = admit(s, cls);
    if (!failure) {
      const verdicts = evaluate(s, cls);
      let best = selectBest(verdicts);
      if (best < 0 && mayPreempt && preemption) {
        const protectedRef = (ref: number) => ref >= 0 && items[itemOfInstance(starts, ref)].gang !== undefined;
        best = preempt(s, cls, verdicts, { by: starts[i] + k, hostOf, sequence, evictions, protectedRef });
      }
      if (best < 0) failure = histogram(s, s.classes[cls], verdicts);
      else {
        s.commit(cls, best, 1, starts[i] + k);
        hostOf[starts[i] + k] = best;
        sequence.push(starts[i] + k);
      }
    }
    if (failure) failures[i] = failure;
  };
  for (const step of batchSteps(s, items, gangs)) {
    if (step.gang === undefined) {
      const [i, k] = step.instance!;
      // Capacity, quota usage and free capacity only shrink between preemptions, so an item
      // that failed would fail again: its remaining instances share the first failure.
      if (failures[i]) continue;
      attempt(i, k, !s.classes[items[i].cls].preemptNever);
      continue;
    }
    // A gang: every member instance in turn, no preemption; short of minMember, undo it all.
    const mark = sequence.length;
    let cause: Failure | null = null;
    for (const i of step.members!) {
      for (let k = 0; k < items[i].count && !failures[i]; k++) attempt(i, k, false);
      cause ??= failures[i];
    }
    const placed = sequence.length - mark;
    const needed = gangs[step.gang].minMember;
    if (!gangHolds(placed, needed)) {
      for (const idx of sequence.splice(mark).reverse()) {
        const i = itemOfInstance(starts, idx);
        s.release(items[i].cls, hostOf[idx]);
        hostOf[idx] = -1;
      }
      const failure = gangFailure(step.gang, placed, needed, cause);
      for (const i of step.members!) failures[i] = failure;
    }
  }
  return { hostOf, failures, sequence: Int32Array.from(sequence), evictions };
}

/** Highest total score; ties go to the lowest slot (stable host order). */
export function selectBest(verdicts: readonly HostVerdict[]): number {
  let best = -1;
  let bestScore = -1;
  verdicts.forEach((v, slot) => {
    if (v.reasons === 0 && v.total > bestScore) {
      best = slot;
      bestScore = v.total;
    }
  });
  return best;
}

function itemOfInstance(starts: readonly number[], idx: number): number {
  let i = 0;
  while (i + 1 < starts.length && starts[i + 1] <= idx) i++;
  return i;
}

/** The "0/N hosts are available" histogram of a failed placement. */
function histogram(s: RefState, c: ClassSpec, verdicts: readonly HostVerdict[]): Failure {
  const tol = tolerated(s, c);
  return filterHistogram(verdicts, (slot) => s.hosts[slot].taints.find((t) => tol.hard.has(t))!);
}
