// scheduling.x-k8s.io/v1alpha1 PodGroup (the coscheduling plugin of kubernetes-sigs/scheduler-plugins)
// and the gangs it makes:
//
//   apiVersion: scheduling.x-k8s.io/v1alpha1
//   kind: PodGroup
//   metadata: {name: trainer, namespace: ml}
//   spec: {minMember: 4}
//
// Pods (and pod templates of controllers) labelled `scheduling.x-k8s.io/pod-group: trainer` in
// namespace `ml` get `gang: {name: "PodGroup ml/trainer", minMember: 4}`: placed with at least 4
// members, or not at all. `spec.minMember` has the CRD's `minimum: 1`; an absent minMember (the
// Go zero value, which the plugin treats as no constraint) is recorded as 1. A label naming a
// PodGroup that is not in the input is an error at the label; an empty label value means no group.

import { InputError } from '../../model/errors.js';
import type { WorkloadTemplate } from '../../model/types.js';
import type { ObjectReader } from './meta.js';
import { originOf } from './origin.js';
import { POD_GROUP_LABEL } from './pod.js';

export interface PodGroupRecord {
  namespace: string;
  name: string;
  minMember: number;
}

export function readPodGroup(r: ObjectReader): PodGroupRecord {
  const f = r.root.get('spec.minMember');
  const minMember = f.optInt();
  if (minMember !== undefined && minMember < 1) f.invalid('spec.minMember in body should be greater than or equal to 1', minMember);
  return { namespace: r.meta.namespace!, name: r.meta.name, minMember: minMember ?? 1 };
}

/** Sets `gang` on every pod template carrying the PodGroup label. */
export function assignPodGroups(workloads: readonly WorkloadTemplate[], groups: readonly PodGroupRecord[]): void {
  const byKey = new Map(groups.map((g) => [`${g.namespace}\u0000${g.name}`, g]));
  for (const t of workloads) {
    if (t.kind !== 'Pod') continue;
    const name = t.labels.get(POD_GROUP_LABEL);
    if (!name) continue;
    const g = byKey.get(`${t.namespace}\u0000${name}`);
    if (!g) {
      const origin = originOf(t);
      throw new InputError(
        t.source,
        origin?.fields.podGroupLabel ?? `metadata.labels[${POD_GROUP_LABEL}]`,
        `no PodGroup with name ${name} was found in namespace ${t.namespace}`,
        origin?.object,
      );
    }
    t.gang = { name: `PodGroup ${g.namespace}/${g.name}`, minMember: g.minMember };
  }
}
