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
//     failover:                                      # the namespace is protected (docs/failover.md)
//       hostFailuresToTolerate: 1                    # 0..3 hosts may fail at once (default 0)
//       zoneFailuresToTolerate: 1                    # 0..1: a whole zone may fail (default 0)

import { InputError } from '../../model/errors.js';
import type { FailoverPolicy, NamespacePolicyObj, Strategy } from '../../model/types.js';
import type { Field } from './fields.js';
import { describeSource, type ObjectReader } from './meta.js';
import { quantitiesToAmounts, readAnyResourceList } from './resources.js';
import { readTolerations } from './tolerations.js';

/** The most host failures a namespace may ask to tolerate, and zone failures. */
export const MAX_HOST_FAILURES = 3;
export const MAX_ZONE_FAILURES = 1;

export const STRATEGIES: readonly Strategy[] = ['LeastAllocated', 'MostAllocated', 'BalancedAllocation', 'RequestedToCapacityRatio'];

export function readNamespacePolicy(r: ObjectReader): NamespacePolicyObj {
  r.root.onlyKeys(['apiVersion', 'kind', 'metadata', 'spec', 'status']);
  const spec = r.root.at('spec').onlyKeys(['reservation', 'placement', 'failover']);
  const pl = spec.at('placement').onlyKeys(['strategy', 'nodeSelector', 'tolerations', 'priorityClassName', 'spreadAcrossHosts']);
  // a toleration's fields too: the policy is ours to read strictly (a pod's come typed from the API server)
  for (const t of pl.at('tolerations').items()) t.onlyKeys(['key', 'operator', 'value', 'effect', 'tolerationSeconds']);
  const strategy = pl.at('strategy').optEnum(STRATEGIES);
  const priorityClassName = pl.at('priorityClassName').optString() || undefined;
  const failover = readFailover(spec.at('failover'));
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
    ...(failover !== undefined && { failover }),
    source: r.source,
  };
}

/**
 * spec.failover, when set: the failures the namespace's workloads must survive. Both counts are
 * optional (0 when absent), integers within their bounds; no other field.
 */
function readFailover(f: Field): FailoverPolicy | undefined {
  if (!f.isSet) return undefined;
  f.onlyKeys(['hostFailuresToTolerate', 'zoneFailuresToTolerate']); // and an object
  return {
    hostFailuresToTolerate: f.at('hostFailuresToTolerate').int(0, 0, MAX_HOST_FAILURES),
    zoneFailuresToTolerate: f.at('zoneFailuresToTolerate').int(0, 0, MAX_ZONE_FAILURES),
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
