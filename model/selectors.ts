// Label selectors and node-selector requirements: when a set of labels matches. One home for the
// rule, used by the manifest adapters, the engine front (selector groups, budgets, namespace
// moves) and the reference engine (over interned ids). Its AssemblyScript twin is
// core-wasm/assembly/constraints.ts.

import type { LabelSelector, NodeSelectorRequirement } from './types.js';

export type SetOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

/**
 * labels.Requirement.Matches for the set operators, over any label representation: `value` is the
 * label's value (undefined when the key is absent), `values` the requirement's.
 */
export function setRequirementHolds<V>(op: SetOperator, value: V | undefined, values: readonly V[]): boolean {
  switch (op) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
  }
}

/** Gt / Lt: the label must parse as an int64 (`n`, null when it does not) and compare with the bound. */
export function numericRequirementHolds(op: 'Gt' | 'Lt', n: bigint | null, bound: bigint | null): boolean {
  if (n === null || bound === null) return false;
  return op === 'Gt' ? n > bound : n < bound;
}

/** strconv.ParseInt(s, 10, 64): optional sign, decimal digits, within int64; null otherwise. */
export function parseInt64(s: string): bigint | null {
  if (!/^[+-]?\d+$/.test(s)) return null;
  const v = BigInt(s);
  return v >= -(1n << 63n) && v < 1n << 63n ? v : null;
}

/** One node-selector requirement against a host's labels: In, NotIn, Exists, DoesNotExist, Gt, Lt. */
export function requirementMatches(r: NodeSelectorRequirement, labels: ReadonlyMap<string, string>): boolean {
  const v = labels.get(r.key);
  if (r.operator === 'Gt' || r.operator === 'Lt') {
    return numericRequirementHolds(r.operator, v === undefined ? null : parseInt64(v), parseInt64(r.values[0] ?? ''));
  }
  return setRequirementHolds(r.operator, v, r.values);
}

/**
 * metav1.LabelSelector (LabelSelectorAsSelector().Matches): every matchLabels pair and every
 * requirement must hold. `null` matches nothing; an empty selector matches everything.
 */
export function selectorMatches(sel: LabelSelector | null, labels: ReadonlyMap<string, string>): boolean {
  if (sel === null) return false;
  for (const [k, v] of sel.matchLabels) if (labels.get(k) !== v) return false;
  return sel.matchExpressions.every((e) => setRequirementHolds(e.operator, labels.get(e.key), e.values));
}

export const isEmptySelector = (sel: LabelSelector): boolean => sel.matchLabels.size === 0 && sel.matchExpressions.length === 0;
