// PodDisruptionBudget (policy/v1): stored as infrastructure and used by the extender's preempt to
// count the victims whose eviction would break a budget (NumPDBViolations), as kube-scheduler's
// DefaultPreemption does: a victim matching a budget in its namespace (a nil or empty selector
// matches nothing there) and not already in status.disruptedPods uses one allowed disruption;
// once none is left it is a violation.
//
// Allowed disruptions: `status.disruptionsAllowed` when the object carries a status (the
// disruption controller's own count); otherwise from the spec against the workloads placer holds
// that match the selector, as the controller computes it (matching − desired healthy; percentages
// round up). Selection and allowances are core-wasm/src/disruption.ts's, shared with the engine.

import { Field } from '../manifests/fields.js';
import type { Manifest } from '../manifests/load.js';
import type { PodDisruptionBudgetObj } from '../../model/types.js';

/** The model's PodDisruptionBudget plus the disruption controller's count, when the object carries a status. */
export interface PdbObj extends PodDisruptionBudgetObj {
  disruptionsAllowed?: number;
}

export const isPdb = (m: { apiVersion: string; kind: string }): boolean => m.kind === 'PodDisruptionBudget' && m.apiVersion === 'policy/v1';

function intOrPercent(f: Field): number | string | undefined {
  if (!f.isSet) return undefined;
  if (typeof f.value === 'string') {
    if (!/^\d+%$/.test(f.value)) f.invalid("a valid percent string must be a numeric string followed by an ending '%'");
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
    disruptedPods: root
      .get('status.disruptedPods')
      .entries()
      .map(([k]) => k),
    ...(allowed.isSet && { disruptionsAllowed: allowed.optInt(0)! }),
    source: m.source,
  };
}
