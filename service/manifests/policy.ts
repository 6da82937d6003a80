// placer.dev/v1alpha1 NamespacePolicy, our own kind, decoded strictly (an unknown field is an
// error, so `spec.reservations` is caught rather than silently ignored).
//
//   apiVersion: placer.dev/v1alpha1
//   kind: NamespacePolicy
//   metadata: {name: default, namespace: team-a}
//   spec:
//     reservation: {cpu: "20", memory: 64Gi}        # capacity held for the namespace (aggregate)
//     placement:
//       strategy: MostAllocated                      # LeastAllocated | MostAllocated | BalancedAllocation | RequestedToCapacityRatio
//       nodeSelector: {zone: a}
//       tolerations: [{key: dedicated, operator: Equal, value: team-a, effect: NoSchedule}]
//       priorityClassName: team-a-default
//       spreadAcrossHosts: true

import { InputError } from '../../model/errors.js';
import type { NamespacePolicyObj, Strategy } from '../../model/types.js';
import { describeSource, type ObjectReader } from './meta.js';
import { quantitiesToAmounts, readAnyResourceList } from './resources.js';
import { readTolerations } from './tolerations.js';

export const STRATEGIES: readonly Strategy[] = ['LeastAllocated', 'MostAllocated', 'BalancedAllocation', 'RequestedToCapacityRatio'];

export function readNamespacePolicy(r: ObjectReader): NamespacePolicyObj {
  r.root.onlyKeys(['apiVersion', 'kind', 'metadata', 'spec', 'status']);
  const spec = r.root.at('spec').onlyKeys(['reservation', 'placement']);
  const pl = spec.at('placement').onlyKeys(['strategy', 'nodeSelector', 'tolerations', 'priorityClassName', 'spreadAcrossHosts']);
  // a toleration's fields too: the policy is ours to read strictly (a pod's come typed from the API server)
  for (const t of pl.at('tolerations').items()) t.onlyKeys(['key', 'operator', 'value', 'effect', 'tolerationSeconds']);
  const strategy = pl.at('strategy').optEnum(STRATEGIES);
  const priorityClassName = pl.at('priorityClassName').optString() || undefined;
  return {
    name: r.meta.name,
    namespace: r.meta.namespace!,
    reservation: quantitiesToAmounts(readAnyResourceList(spec.at('reservation'))),
    placement: {
      ...(strategy !== undefined && { strategy }),
      nodeSelector: pl.at('nodeSelector').stringMap(),
      tolerations: readTolerations(pl.at('tolerations')),
      ...(priorityClassName !== undefined && { priorityClassName }),
      spreadAcrossHosts: pl.at('spreadAcrossHosts').bool(false),
    },
    source: r.source,
  };
}

/** At most one NamespacePolicy per namespace: the second one is an error naming the first. */
export function checkOnePolicyPerNamespace(policies: readonly NamespacePolicyObj[]): void {
  const seen = new Map<string, NamespacePolicyObj>();
  for (const p of policies) {
    const first = seen.get(p.namespace);
    if (first) {
      throw new InputError(
        p.source,
        '',
        `namespace ${p.namespace} already has NamespacePolicy ${first.name} (${describeSource(first.source)}); at most one NamespacePolicy per namespace`,
        `NamespacePolicy ${p.namespace}/${p.name}`,
      );
    }
    seen.set(p.namespace, p);
  }
}
