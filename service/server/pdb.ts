// PodDisruptionBudget (policy/v1): stored as infrastructure and used by the extender's preempt to
// count the victims whose eviction would break a budget (NumPDBViolations), as kube-scheduler's
// DefaultPreemption does: a victim matching a budget in its namespace (a nil or empty selector
// matches nothing there) and not already in status.disruptedPods uses one allowed disruption;
// once none is left it is a violation.
//
// Allowed disruptions: `status.disruptionsAllowed` when the object carries a status (the
// disruption controller's own count); otherwise from the spec against the workloads placer holds
// that match the selector: maxUnavailable, or (matching − minAvailable). Percentages round up, as
// the disruption controller rounds them.

import { Field } from '../k8s/fields.js';
import type { Manifest } from '../k8s/load.js';
import type { PodDisruptionBudgetObj } from '../model/types.js';

/** The model's PodDisruptionBudget plus the disruption controller's count, when the object carries a status. */
export interface PdbObj extends PodDisruptionBudgetObj {
  disruptionsAllowed?: number;
}

export const isPdb = (m: { apiVersion: string; kind: string }): boolean => m.kind === 'PodDisruptionBudget' && m.apiVersion === 'policy/v1';

function intOrPercent(f: Field): number | string | undefined {
  if (!f.isSet) return undefined;
  if (typeof f.value === 'string') {
    if (!/^\d+%$/.test(f.value)) f.invalid('a valid percent string must be a numeric string followed by an ending \'%\'');
    return f.value;
  }
  return f.optInt(0);
}

export function readPdb(m: Manifest): PdbObj {
  const root = Field.root({ source: m.source, object: 'PodDisruptionBudget' }, m.obj);
  const md = root.at('metadata');
  const name = md.at('name').string();
  const namespace = md.at('namespace').stringOr('default');
  root.ctx.object = `PodDisruptionBudget ${namespace}/${name}`;
  const spec = root.at('spec');
  const sel = spec.at('selector');
  const minAvailable = intOrPercent(spec.at('minAvailable'));
  const maxUnavailable = intOrPercent(spec.at('maxUnavailable'));
  if (minAvailable !== undefined && maxUnavailable !== undefined) spec.fail('minAvailable and maxUnavailable cannot be both set');
  const allowed = root.get('status.disruptionsAllowed');
  return {
    namespace,
    name,
    selector: sel.isSet
      ? {
          matchLabels: sel.at('matchLabels').stringMap(),
          matchExpressions: sel
            .at('matchExpressions')
            .items()
            .map((e) => ({
              key: e.at('key').string(),
              operator: e.at('operator').optEnum(['In', 'NotIn', 'Exists', 'DoesNotExist'] as const) ?? e.at('operator').required(),
              values: e.at('values').stringList(),
            })),
        }
      : null,
    ...(minAvailable !== undefined && { minAvailable }),
    ...(maxUnavailable !== undefined && { maxUnavailable }),
    disruptedPods: root.get('status.disruptedPods').entries().map(([k]) => k),
    ...(allowed.isSet && { disruptionsAllowed: allowed.optInt(0)! }),
    source: m.source,
  };
}

/** kube-scheduler's preemption: a nil or empty selector matches nothing; otherwise LabelSelector semantics. */
export function pdbMatches(p: PodDisruptionBudgetObj, labels: ReadonlyMap<string, string>): boolean {
  const sel = p.selector;
  if (!sel || (sel.matchLabels.size === 0 && sel.matchExpressions.length === 0)) return false;
  for (const [k, v] of sel.matchLabels) if (labels.get(k) !== v) return false;
  for (const r of sel.matchExpressions) {
    const has = labels.has(r.key);
    const v = labels.get(r.key);
    const ok =
      r.operator === 'In' ? has && r.values.includes(v!)
      : r.operator === 'NotIn' ? !has || !r.values.includes(v!)
      : r.operator === 'Exists' ? has
      : !has;
    if (!ok) return false;
  }
  return true;
}

const percentOf = (p: string, n: number): number => Math.ceil((Number(p.slice(0, -1)) * n) / 100);

/** Disruptions the budget allows now, given how many held workloads match it. */
export function allowedDisruptions(p: PdbObj, matching: number): number {
  if (p.disruptionsAllowed !== undefined) return p.disruptionsAllowed;
  if (p.maxUnavailable !== undefined) return typeof p.maxUnavailable === 'number' ? p.maxUnavailable : percentOf(p.maxUnavailable, matching);
  if (p.minAvailable !== undefined) {
    const min = typeof p.minAvailable === 'number' ? p.minAvailable : percentOf(p.minAvailable, matching);
    return Math.max(0, matching - min);
  }
  return matching; // neither set: the API server rejects that; treat it as no budget
}
