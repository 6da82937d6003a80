// policy/v1 PodDisruptionBudget, validated as the API server does (ValidatePodDisruptionBudgetSpec):
//
//   spec.minAvailable / spec.maxUnavailable   at most one; each an integer ≥ 0 or a percentage
//                                              "0%".."100%" (IsValidPercent, then not above 100%)
//   spec.selector                              a metav1.LabelSelector; absent or empty selects nothing
//   spec.unhealthyPodEvictionPolicy            IfHealthyBudget | AlwaysAllow
//   status.disruptedPods                       names of pods being evicted, which preemption does not
//                                              count again
//
// Neither minAvailable nor maxUnavailable is valid too (the budget then protects nothing). Values
// are shown as the API server shows an IntOrString: unquoted. Where Kubernetes prints the whole
// spec struct for "cannot be both set", the message shows `object`. policy/v1beta1 is not served.

import type { PodDisruptionBudgetObj } from '../../model/types.js';
import type { Field } from './fields.js';
import { NumberLiteral } from './fields.js';
import { readLabelSelector } from './labels.js';
import type { ObjectReader } from './meta.js';

const PERCENT_MSG =
  "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";
const EVICTION_POLICIES = ['AlwaysAllow', 'IfHealthyBudget'] as const;

/** An intstr.IntOrString field: ValidatePositiveIntOrPercent, then IsNotMoreThan100Percent. */
function intOrPercent(f: Field): number | string | undefined {
  if (!f.isSet) return undefined;
  const raw = f.value instanceof NumberLiteral ? f.value.value : f.value;
  if (typeof raw === 'string') {
    if (!/^[0-9]+%$/.test(raw)) f.fail(`Invalid value: ${raw}: ${PERCENT_MSG}`);
    if (Number(raw.slice(0, -1)) > 100) f.fail(`Invalid value: ${raw}: must not be greater than 100%`);
    return raw;
  }
  if ((typeof raw === 'number' && Number.isInteger(raw)) || typeof raw === 'bigint') {
    const n = f.optInt()!;
    if (n < 0) f.fail(`Invalid value: ${n}: must be greater than or equal to 0`);
    return n;
  }
  return f.invalid("must be an integer or percentage (e.g '5%')");
}

export function readPodDisruptionBudget(r: ObjectReader): PodDisruptionBudgetObj {
  const spec = r.root.at('spec');
  const minField = spec.at('minAvailable');
  const maxField = spec.at('maxUnavailable');
  if (minField.isSet && maxField.isSet) spec.fail('Invalid value: object: minAvailable and maxUnavailable cannot be both set');
  const minAvailable = intOrPercent(minField);
  const maxUnavailable = intOrPercent(maxField);
  const selector = readLabelSelector(spec.at('selector'));
  const upe = spec.at('unhealthyPodEvictionPolicy');
  if (upe.isSet && !(EVICTION_POLICIES as readonly string[]).includes(upe.optString()!)) upe.unsupported(EVICTION_POLICIES);
  return {
    name: r.meta.name,
    namespace: r.meta.namespace!,
    selector,
    ...(minAvailable !== undefined && { minAvailable }),
    ...(maxUnavailable !== undefined && { maxUnavailable }),
    disruptedPods: r.root
      .get('status.disruptedPods')
      .entries()
      .map(([name]) => name),
    source: r.source,
  };
}
