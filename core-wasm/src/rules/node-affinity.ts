// NodeAffinity: a host passes when every nodeSelector requirement holds and some required
// affinity term holds (terms are ORed, a term's requirements ANDed; an empty term matches
// nothing); preferred terms add their weight when they hold. The requirement itself is
// model/selectors.ts's. Rule twin: core-wasm/assembly/constraints.ts (the compiled program).

import type { NodeSelectorRequirement, NodeSelectorTerm } from '../../../model/types.js';

/** A term holds when every requirement holds; an empty term matches nothing (Kubernetes). */
export function termHolds<R>(reqs: readonly R[], holds: (r: R) => boolean): boolean {
  return reqs.length > 0 && reqs.every(holds);
}

/** nodeSelector (all of `selector`) and required node affinity (some term; null = none required). */
export function nodeAffinityHolds<R>(
  selector: readonly R[],
  required: readonly (readonly R[])[] | null,
  holds: (r: R) => boolean,
): boolean {
  return selector.every(holds) && (required === null || required.some((term) => termHolds(term, holds)));
}

/** The preferred-affinity raw score: the weights of the terms that hold, summed. */
export function preferredWeight<R>(preferred: readonly { weight: number; reqs: readonly R[] }[], holds: (r: R) => boolean): number {
  let raw = 0;
  for (const p of preferred) if (termHolds(p.reqs, holds)) raw += p.weight;
  return raw;
}

/** Required node affinity with `extra` ANDed into every term (one term when there was none). */
export function andTerms(terms: NodeSelectorTerm[] | null, extra: readonly NodeSelectorRequirement[]): NodeSelectorTerm[] {
  if (terms === null) return [{ matchExpressions: [...extra], matchFields: [] }];
  return terms.map((t) => ({ ...t, matchExpressions: [...t.matchExpressions, ...extra] }));
}
