// GET /v1/hosts?format=columns: every host in columns (one array per field, hosts in the same
// order in each) rather than one object per host. 5,000 hosts with six resources are ~300 KB of
// JSON instead of ~2 MB, and a client (the console's heatmap) reads them into typed arrays without
// allocating an object per host. Amounts are numbers in the engine's units: cpu in millicores,
// every other resource in its base unit (bytes, pods, devices).

import type { HostColumns } from '../placement/api-types.js';
import type { PlacerState } from '../state/state.js';

export type { HostColumns };

/** The taint a cordon adds (the cordon is its own column). */
const CORDON_TAINT = 'node.kubernetes.io/unschedulable';

/** `?labels=a,b` → the label keys to return as columns (none when absent). */
export function labelKeys(param: string | undefined): string[] {
  return (param ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
}

export function hostColumns(state: PlacerState, apiVersion: string, labelKeys: readonly string[]): HostColumns {
  const usage = state.engine.hostUsage();
  // The engine tracks the resources some workload requested; a host's other extended resources
  // (GPUs nobody asked for yet) are shown too, unused.
  const dims = state.engine.dimensionNames();
  const extra = new Set<string>();
  for (const h of usage) for (const k of state.engine.hostObj(h.name)?.allocatable.keys() ?? []) if (!dims.includes(k)) extra.add(k);
  const resources = [...dims, ...[...extra].sort()];
  const allocatable: Record<string, number[]> = Object.fromEntries(resources.map((r) => [r, new Array<number>(usage.length)]));
  const used: Record<string, number[]> = Object.fromEntries(resources.map((r) => [r, new Array<number>(usage.length)]));
  const labels: HostColumns['labels'] = Object.fromEntries(
    labelKeys.map((k) => [k, { values: [], index: new Array<number>(usage.length) }]),
  );
  const valueIds = new Map(labelKeys.map((k) => [k, new Map<string, number>()]));
  const out: HostColumns = {
    apiVersion,
    kind: 'HostColumns',
    resources,
    names: new Array<string>(usage.length),
    unschedulable: new Array<number>(usage.length),
    taints: new Array<number>(usage.length),
    workloads: new Array<number>(usage.length),
    allocatable,
    used,
    labels,
  };
  usage.forEach((h, i) => {
    out.names[i] = h.name;
    out.unschedulable[i] = h.unschedulable ? 1 : 0;
    const obj = state.engine.hostObj(h.name);
    out.taints[i] = obj ? obj.taints.filter((t) => t.key !== CORDON_TAINT).length : 0;
    out.workloads[i] = state.heldOn(h.name);
    for (const r of resources) {
      allocatable[r][i] = Number(h.allocatable.get(r) ?? obj?.allocatable.get(r) ?? 0n);
      used[r][i] = Number(h.used.get(r) ?? 0n);
    }
    for (const k of labelKeys) {
      const v = obj?.labels.get(k);
      if (v === undefined) {
        labels[k].index[i] = -1;
        continue;
      }
      const ids = valueIds.get(k)!;
      let id = ids.get(v);
      if (id === undefined) {
        ids.set(v, (id = labels[k].values.length));
        labels[k].values.push(v);
      }
      labels[k].index[i] = id;
    }
  });
  return out;
}
