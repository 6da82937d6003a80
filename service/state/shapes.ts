// A placement's shape: everything of a WorkloadTemplate that decides admission, filtering and
// scoring (requests, limits, quota facts, priority, selectors, tolerations, affinity, labels),
// without its instances, owner and source. Stored once per distinct shape; a restart turns each
// shape back into one template whose instances are the placements that reference it.
//
// The encoding is generic — every template field, Maps and bigints included — so that fields the
// model gains later survive a restart without a change here.
//
// The priority is frozen at placement time (Kubernetes resolves a pod's priority once, when it is
// admitted): a later change of a PriorityClass does not move what already runs, and a pod bound
// through the extender does not need its PriorityClass to exist in placer.

import { sameFieldsBut } from '../../model/same-fields.js';
import type { SourceRef, WorkloadInstance, WorkloadTemplate } from '../../model/types.js';

export const STORE_SOURCE: SourceRef = { file: 'store', doc: 0, path: '' };

const byKey = (a: [unknown, unknown], b: [unknown, unknown]): number =>
  String(a[0]) < String(b[0]) ? -1 : String(a[0]) > String(b[0]) ? 1 : 0;

function encode(_key: string, v: unknown): unknown {
  if (v instanceof Map) return { $map: [...v].sort(byKey) };
  if (typeof v === 'bigint') return { $big: v.toString() };
  return v;
}

function decode(_key: string, v: unknown): unknown {
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    if (Array.isArray(o.$map) && Object.keys(o).length === 1) return new Map(o.$map as [unknown, unknown][]);
    if (typeof o.$big === 'string' && Object.keys(o).length === 1) return BigInt(o.$big);
  }
  return v;
}

/** Fields of a template that are not part of its shape. */
const NOT_SHAPE: ReadonlySet<string> = new Set(['instances', 'owner', 'source']);

/**
 * Shapes written lately, per requests map (most recent first): the pods of one controller, read
 * through the extender's pod parse memo, are distinct templates sharing every field but their
 * instance, and bind after bind would encode the same shape. Maps and arrays of a template are
 * not changed once parsed (what PodParseMemo relies on already).
 */
const recent = new WeakMap<object, { t: WorkloadTemplate; priority: number; shape: string }[]>();
const RECENT_SHAPES = 4;

/** The canonical JSON of a template's shape, with its resolved priority. */
export function shapeOf(t: WorkloadTemplate, priority: number): string {
  const list = recent.get(t.requests);
  if (list) for (const e of list) if (e.priority === priority && sameFieldsBut(e.t, t, NOT_SHAPE)) return e.shape;
  const { instances: _i, owner: _o, source: _s, ...fields } = t;
  const shape = JSON.stringify({ ...fields, priority }, encode);
  if (!list) recent.set(t.requests, [{ t, priority, shape }]);
  else {
    if (list.length >= RECENT_SHAPES) list.pop();
    list.unshift({ t, priority, shape });
  }
  return shape;
}

/** A template with the shape's fields and the given instances. */
export function templateOf(body: string, instances: WorkloadInstance[] = [], owner?: string): WorkloadTemplate {
  const shape = JSON.parse(body, decode) as Omit<WorkloadTemplate, 'instances' | 'owner' | 'source'>;
  return { ...shape, ...(owner !== undefined && { owner }), instances, source: STORE_SOURCE };
}
