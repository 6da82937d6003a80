// Namespace HA in the reference engine: the restart plan of failed hosts is the readable rule of
// ../rules/failover.ts, with anti-affinity domains read from this engine's own host labels (the
// label value ids the front set, 0 when absent) as the Wasm core reads its own.

import type { RestartHosts, RestartItem, RestartPlan } from '../contract.js';
import { restartPlan as firstFit } from '../rules/failover.js';
import type { RefState } from './state.js';

export function restartPlan(s: RefState, items: readonly RestartItem[], hosts: RestartHosts, start: number): RestartPlan {
  return firstFit(items, hosts, start, (slot, col) => s.hosts[slot]?.labels[col] ?? 0);
}
