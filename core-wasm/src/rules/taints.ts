// TaintToleration: which of a host's taints a workload tolerates (v1.Toleration.ToleratesTaint),
// over interned ids — the front asks it for messages, the reference engine for every filter and
// score. Rule twin: core-wasm/assembly/constraints.ts (toleration sets as 128-bit masks).

import { Effect, type TolerationSpec, TolerationOp } from '../contract.js';

/** A taint as the engines see it: interned key and value, and its effect. */
export interface TaintSpec {
  key: number;
  value: number;
  effect: Effect;
}

/**
 * ToleratesTaint: the effect matches (an empty effect matches every effect), the key matches (an
 * empty key, −1, matches every key) and, for operator Equal, the value matches.
 */
export function tolerates(tol: TolerationSpec, taint: TaintSpec): boolean {
  if (tol.effect !== Effect.Any && tol.effect !== taint.effect) return false;
  if (tol.key !== -1 && tol.key !== taint.key) return false;
  return tol.op === TolerationOp.Exists || tol.value === taint.value;
}

/** Whether any toleration of the list tolerates the taint. */
export function tolerated(tolerations: readonly TolerationSpec[], taint: TaintSpec): boolean {
  return tolerations.some((tol) => tolerates(tol, taint));
}

/** The filter's rule: an untolerated NoSchedule or NoExecute taint rejects the host (PreferNoSchedule only scores). */
export function blocks(tolerations: readonly TolerationSpec[], taint: TaintSpec): boolean {
  return taint.effect !== Effect.PreferNoSchedule && !tolerated(tolerations, taint);
}

/** The score's rule: TaintToleration counts the untolerated PreferNoSchedule taints of a host (fewer is better). */
export function repels(tolerations: readonly TolerationSpec[], taint: TaintSpec): boolean {
  return taint.effect === Effect.PreferNoSchedule && !tolerated(tolerations, taint);
}
