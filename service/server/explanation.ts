// The answer of the explain endpoints: the engine's per-host Explanation grouped the way
// `placer place --explain` prints it — rejected hosts grouped by their full list of reasons
// (largest group first), feasible hosts by score — so that 5,000 hosts are a few groups.

import type { Explanation } from '../../core-wasm/src/engine.js';
import type { FeasibleHost, RejectedGroup, WorkloadExplanation } from '../placement/api-types.js';
import type { WorkloadTemplate } from '../../model/types.js';

export type { FeasibleHost, RejectedGroup, WorkloadExplanation };

export function explanationOf(t: WorkloadTemplate, name: string, e: Explanation): WorkloadExplanation {
  const groups = new Map<string, RejectedGroup>();
  const feasible: FeasibleHost[] = [];
  for (const h of e.hosts) {
    if (h.feasible) {
      feasible.push({ host: h.host, score: h.score, fit: h.fit, affinity: h.affinity, taints: h.taints });
      continue;
    }
    const key = h.allReasons.join('\n');
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { reasons: h.allReasons, grade: h.grade, hosts: [] }));
    g.hosts.push(h.host);
  }
  feasible.sort((a, b) => b.score - a.score || (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
  const rejected = [...groups.values()].sort((a, b) => b.hosts.length - a.hosts.length || (a.reasons.join() < b.reasons.join() ? -1 : 1));
  return {
    namespace: t.namespace,
    kind: t.kind,
    name,
    ...(t.owner !== undefined && { owner: t.owner }),
    replicas: t.instances.length,
    admission: e.admission,
    selected: e.selected,
    message: e.message,
    hosts: e.hosts.length,
    feasible,
    rejected,
  };
}
