// v1 Node → HostObj. Allocatable is what the scheduler fits against; a key missing from
// status.allocatable falls back to status.capacity (the API server defaults a missing
// allocatable to capacity; we do it key by key so a hand-written node may give either).

import type { HostObj, ResourceMap } from '../../model/types.js';
import type { ObjectReader } from './meta.js';
import { quantitiesToAmounts, readAnyResourceList } from './resources.js';
import { readTaints } from './tolerations.js';

export function readNode(r: ObjectReader): HostObj {
  const status = r.root.at('status');
  const capacity = quantitiesToAmounts(readAnyResourceList(status.at('capacity')));
  const allocatable: ResourceMap = quantitiesToAmounts(readAnyResourceList(status.at('allocatable')));
  for (const [k, v] of capacity) if (!allocatable.has(k)) allocatable.set(k, v);
  const spec = r.root.at('spec');
  return {
    name: r.meta.name,
    allocatable,
    labels: r.meta.labels,
    taints: readTaints(spec.at('taints')),
    unschedulable: spec.at('unschedulable').bool(false),
    source: r.source,
  };
}
