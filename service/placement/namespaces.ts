// `-n/--namespace` on the CLI's outputs, as kubectl filters what it lists: only the entries of one
// namespace are shown. Placement itself is not filtered — the cluster is placed whole, as the
// namespace's workloads compete with everyone's — so cluster-wide figures (hosts used, the lower
// bound, utilization) stay those of the cluster; counts of entries are the namespace's.

import type { PlanDoc } from './api-types.js';
import type { ResultView } from './result.js';

/** The result with only `namespace`'s placements, unplaced workloads, reservation and gangs. */
export function resultInNamespace(view: ResultView, namespace: string): ResultView {
  let placed = 0;
  let unplaced = 0;
  let existing = 0;
  view.placements((ns, _kind, _name, _host, _owner, ex) => {
    if (ns !== namespace) return;
    placed++;
    if (ex) existing++;
  });
  view.unplaced((ns) => {
    if (ns === namespace) unplaced++;
  });
  const s = view.summary;
  return {
    ...view,
    summary: {
      ...s,
      placed,
      unplaced,
      existing,
      reservations: s.reservations.filter((r) => r.namespace === namespace),
      gangs: s.gangs.filter((g) => g.members.some((m) => m.namespace === namespace)),
    },
    placements(visit) {
      view.placements((ns, kind, name, host, owner, ex) => ns === namespace && visit(ns, kind, name, host, owner, ex));
    },
    unplaced(visit) {
      view.unplaced((ns, kind, name, reason, grade, owner) => ns === namespace && visit(ns, kind, name, reason, grade, owner));
    },
  };
}

/** The plan with only `namespace`'s moves and workloads that cannot move; utilization stays the cluster's. */
export function planInNamespace(doc: PlanDoc, namespace: string): PlanDoc {
  const moves = doc.moves.filter((m) => m.namespace === namespace);
  const unmovable = doc.unmovable.filter((u) => u.namespace === namespace);
  return {
    ...doc,
    moves,
    unmovable,
    summary: { moves: moves.length, unmovable: unmovable.length, blocked: moves.filter((m) => m.wave === 0).length },
  };
}
