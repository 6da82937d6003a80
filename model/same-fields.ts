// Two templates compared field by field, for the memos that share work between the pods of one
// controller (the class compiler's, the store's shapes): a template's maps and arrays are not
// changed once parsed, so the same value is the same object.

import type { WorkloadTemplate } from './types.js';

/** `a` and `b` have the same own fields, `skip` aside, each holding the same value (===). */
export function sameFieldsBut(a: WorkloadTemplate, b: WorkloadTemplate, skip: ReadonlySet<string>): boolean {
  const x = a as unknown as Record<string, unknown>;
  const y = b as unknown as Record<string, unknown>;
  let n = 0;
  for (const k in x) {
    if (skip.has(k)) continue;
    if (x[k] !== y[k] || !Object.hasOwn(y, k)) return false;
    n++;
  }
  for (const k in y) if (!skip.has(k)) n--;
  return n === 0;
}
