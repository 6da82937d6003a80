// The extender's preempt checks: would the pod fit on a node once its victims are gone (placer's
// own rules: quota, reservation, capacity, every filter), and how many of the victims' evictions
// would break a PodDisruptionBudget placer holds (pdb.ts says how a budget counts).

import { disruptionsAllowed, pdbSelects } from '../../core-wasm/src/rules/disruption.js';
import type { WorkloadTemplate } from '../../model/types.js';
import type { StateCore } from './core.js';
import type { PdbObj } from './pdb.js';
import { templateOf } from './shapes.js';

export interface Victim {
  uid: string;
  /** `kind/namespace/name` of a placement placer holds, when it holds one. */
  key?: string;
  namespace?: string;
  name?: string;
  labels?: ReadonlyMap<string, string>;
}

export class PreemptChecks {
  /** Labels of the shapes of held placements, by shape (a cache, see labelsOf). */
  private readonly shapeTemplates = new Map<string, WorkloadTemplate>();

  constructor(private readonly core: StateCore) {}

  /**
   * Would the pod fit on `host` — quota, reservation, capacity, every filter — with the victims
   * gone? null when it would, else why not.
   */
  fitsAfterEvicting(t: WorkloadTemplate, host: string, victims: readonly Victim[]): string | null {
    return this.core.engine.fitsAfterEvicting(
      t,
      host,
      victims.flatMap((v) => (v.key ? [v.key] : [])),
    );
  }

  /** Victims whose eviction breaks a PodDisruptionBudget placer holds, for one node's victim set. */
  pdbViolations(victims: readonly Victim[]): number {
    const pdbs = this.core.infra.models<PdbObj>('PodDisruptionBudget');
    if (pdbs.length === 0) return 0;
    const allowed = new Map<PdbObj, number>();
    let violations = 0;
    for (const v of victims) {
      const h = v.key ? this.core.held.getByKey(v.key) : undefined;
      const ns = h?.namespace ?? v.namespace;
      const labels = v.labels ?? (h ? this.labelsOf(h.shape) : undefined);
      const name = h?.name ?? v.name;
      if (ns === undefined || labels === undefined) continue;
      let violates = false;
      for (const p of pdbs) {
        if (p.namespace !== ns || !pdbSelects(p, labels)) continue;
        if (name !== undefined && p.disruptedPods.includes(name)) continue; // already being disrupted: not counted again
        if (!allowed.has(p)) allowed.set(p, disruptionsAllowed(p, this.matchingHeld(p)));
        const left = allowed.get(p)! - 1;
        allowed.set(p, left);
        if (left < 0) violates = true;
      }
      if (violates) violations++;
    }
    return violations;
  }

  private labelsOf(shape: string): ReadonlyMap<string, string> {
    let t = this.shapeTemplates.get(shape);
    if (!t) {
      // a cache: emptied once it holds well more than the shapes held now (old ones go with their placements)
      if (this.shapeTemplates.size >= Math.max(1024, 2 * this.core.held.distinct.shapes)) this.shapeTemplates.clear();
      this.shapeTemplates.set(shape, (t = templateOf(shape)));
    }
    return t.labels;
  }

  /** Held placements in the budget's namespace that it selects. */
  private matchingHeld(p: PdbObj): number {
    let n = 0;
    for (const shape of this.core.held.shapesIn(p.namespace)) if (pdbSelects(p, this.labelsOf(shape))) n++;
    return n;
  }
}
