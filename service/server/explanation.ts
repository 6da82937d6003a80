// The answer of the explain endpoints: the engine's per-host Explanation grouped the way
// `placer place --explain` prints it — rejected hosts grouped by their full list of reasons
// (largest group first), feasible hosts by score — so that 5,000 hosts are a few groups.

import type { Explanation } from '../../core-wasm/src/engine.js';
import type { WorkloadTemplate } from '../model/types.js';

export interface RejectedGroup {
  /** Every failing check of these hosts, all stages (the CLI's --explain wording). */
  reasons: string[];
  /** kube-scheduler's grade of the first failing stage. */
  grade: string | null;
  hosts: string[];
}

export interface FeasibleHost {
  host: string;
  /** Combined score (fit + 2×preferred affinity + 3×PreferNoSchedule taints, normalized), as the CLI prints it. */
  score: number;
  fit: number;
  affinity: number;
  taints: number;
}

export interface WorkloadExplanation {
  namespace: string;
  kind: string;
  /** The instance explained: the first one placer does not hold. */
  name: string;
  owner?: string;
  /** Instances of the template (replicas); the explanation is for one of them. */
  replicas: number;
  /** The admission failure (quota, reservation, policy): no host was tried. */
  admission: string | null;
  /** The host a placement would pick now. */
  selected: string | null;
  /** kube-scheduler's message when nothing fits (or the admission message). */
  message: string | null;
  hosts: number;
  feasible: FeasibleHost[];
  rejected: RejectedGroup[];
}

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
