// vm-operator VirtualMachine `spec.affinity` (vmoperator.vmware.com v1alpha2..v1alpha6; v1alpha1
// has no such field) → the model's inter-workload affinity terms.
//
//   spec:
//     affinity:
//       vmAffinity | vmAntiAffinity:
//         requiredDuringSchedulingPreferredDuringExecution:  [{labelSelector, topologyKey}]
//         preferredDuringSchedulingPreferredDuringExecution: [{labelSelector, topologyKey}]
//         requiredDuringSchedulingRequiredDuringExecution:   [{labelSelector, topologyKey}]
//
// Mapping: vmAffinity → podAffinity, vmAntiAffinity → podAntiAffinity; both `requiredDuring…`
// lists → required terms; `preferredDuring…` → preferred terms with weight 1 (VMAffinityTerm has no
// weight). A term selects workloads in the VM's own namespace (no namespaces, no
// namespaceSelector), as vm-operator does.
//
// Validation, in the order the API server applies it:
// - the CRD schema: unknown fields are rejected ("field not declared in schema"; this catches the
//   pre-release `zoneAffinity` / `zoneAntiAffinity` and `…IgnoredDuringExecution` spellings that
//   some tools still generate), `topologyKey` is required;
// - vm-operator's validating webhook (validateVMAffinity), as for a privileged account, which
//   placer cannot tell apart: matchExpressions may only use `In`; selectors may not name
//   `vmoperator.vmware.com` labels; vmAffinity terms take `topology.kubernetes.io/zone` only;
//   vmAntiAffinity terms take `topology.kubernetes.io/zone` or `kubernetes.io/hostname`;
//   `requiredDuringSchedulingRequiredDuringExecution` is not restricted by the webhook;
// - the selector as a metav1.LabelSelector (values present for `In`, valid keys and values),
//   which vm-operator leaves to the point where it converts the selector.
// Not checked: the webhook's `spec.groupName` requirement (placer places the VM itself and does
// not read VirtualMachineGroups).
// VM zone placement and node affinity are not part of this API, so nothing maps to nodeSelector.

import type { InterPodAffinity, PodAffinityTerm } from '../../model/types.js';
import type { Field } from './fields.js';
import { readLabelSelector } from './labels.js';

const ZONE = 'topology.kubernetes.io/zone';
const HOSTNAME = 'kubernetes.io/hostname';
const VMOP_LABEL_DOMAIN = 'vmoperator.vmware.com';
const VMOP_LABELS_FORBIDDEN = 'Forbidden: label selector can not contain VM Operator managed labels (vmoperator.vmware.com)';

const RS_PE = 'requiredDuringSchedulingPreferredDuringExecution';
const PS_PE = 'preferredDuringSchedulingPreferredDuringExecution';
const RS_RE = 'requiredDuringSchedulingRequiredDuringExecution';

function readTerm(f: Field, topologyKeys: readonly string[] | undefined): PodAffinityTerm {
  f.onlyKeys(['labelSelector', 'topologyKey']);
  const tkField = f.at('topologyKey');
  const topologyKey = tkField.string();
  const sel = f.at('labelSelector');
  if (sel.isSet) {
    sel.onlyKeys(['matchLabels', 'matchExpressions']);
    const ml = sel.at('matchLabels');
    if (ml.entries().some(([k]) => k.includes(VMOP_LABEL_DOMAIN))) ml.fail(VMOP_LABELS_FORBIDDEN);
    for (const e of sel.at('matchExpressions').items()) {
      e.onlyKeys(['key', 'operator', 'values']);
      const op = e.at('operator');
      if (op.optString() !== 'In') op.unsupported(['In']);
      if ((e.at('key').optString() ?? '').includes(VMOP_LABEL_DOMAIN)) e.at('key').fail(VMOP_LABELS_FORBIDDEN);
    }
  }
  if (topologyKeys && !topologyKeys.includes(topologyKey)) tkField.unsupported(topologyKeys);
  return { labelSelector: readLabelSelector(sel), namespaces: [], namespaceSelector: null, topologyKey };
}

function readSpec(f: Field, keys: { [RS_PE]: readonly string[]; [PS_PE]: readonly string[] }): InterPodAffinity {
  f.onlyKeys([RS_PE, PS_PE, RS_RE]);
  return {
    required: [
      ...f
        .at(RS_PE)
        .items()
        .map((t) => readTerm(t, keys[RS_PE])),
      ...f
        .at(RS_RE)
        .items()
        .map((t) => readTerm(t, undefined)),
    ],
    preferred: f
      .at(PS_PE)
      .items()
      .map((t) => ({ weight: 1, term: readTerm(t, keys[PS_PE]) })),
  };
}

/** `spec.affinity` of a VirtualMachine; undefined when absent. `served` is false for v1alpha1. */
export function readVMAffinity(
  f: Field,
  served: boolean,
): { podAffinity: InterPodAffinity; podAntiAffinity: InterPodAffinity } | undefined {
  if (!f.isSet) return undefined;
  if (!served) f.fail('field not declared in schema (spec.affinity is served from vmoperator.vmware.com/v1alpha2)');
  f.onlyKeys(['vmAffinity', 'vmAntiAffinity']);
  return {
    podAffinity: readSpec(f.at('vmAffinity'), { [RS_PE]: [ZONE], [PS_PE]: [ZONE] }),
    podAntiAffinity: readSpec(f.at('vmAntiAffinity'), { [RS_PE]: [ZONE, HOSTNAME], [PS_PE]: [ZONE, HOSTNAME] }),
  };
}
