// The extender's pods parsed once per content. kube-scheduler sends every pod of a controller with
// the same spec, labels and owner; only the identity differs (name, uid, resourceVersion,
// creationTimestamp, managedFields). parseManifests reads a pod's identity into its instance alone
// (metadata.name and metadata.uid; the name is also in error messages, and a pod that fails to
// parse is never kept), so a pod whose content apart from those fields equals a parsed one's gets
// that template with its own instance: the same template a parse would give, without the parse.
//
// A kept template is a copy the caller never sees: what callers change on theirs (settlePodPriority
// sets `priority`) stays theirs. The maps and arrays inside are shared, as parseManifests already
// shares them between the templates of one shape; nothing changes them after the parse.

import type { WorkloadInstance, WorkloadTemplate } from '../../model/types.js';

/** The metadata fields that differ between the pods of one controller and that a parse reads only into the instance, or not at all. */
const IDENTITY = new Set(['name', 'uid', 'resourceVersion', 'creationTimestamp', 'managedFields', 'generation']);

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The content of pod `obj` apart from its identity, read at field path `path`, as a key; undefined
 * when the pod cannot share a parse (no name: the parse generates one from generateName, or fails;
 * a uid that is not a string: the parse reports it).
 */
export function podContentKey(obj: Obj, path: string): string | undefined {
  const md = obj.metadata;
  if (!isObj(md) || typeof md.name !== 'string' || md.name === '') return undefined;
  if (md.uid !== undefined && typeof md.uid !== 'string') return undefined;
  const rest: Obj = {};
  for (const k in md) if (!IDENTITY.has(k)) rest[k] = md[k];
  return JSON.stringify([path, { ...obj, metadata: rest }]);
}

export class PodParseMemo {
  /** Parsed templates by content key, least recently used first. */
  private readonly byContent = new Map<string, WorkloadTemplate>();

  constructor(private readonly size: number) {}

  /** The template of pod `obj` (content key `key`) when a pod of the same content was parsed: that parse with `obj`'s identity. */
  template(key: string, obj: Obj): WorkloadTemplate | undefined {
    const kept = this.byContent.get(key);
    if (kept === undefined) return undefined;
    this.byContent.delete(key);
    this.byContent.set(key, kept);
    const md = obj.metadata as Obj;
    const inst: WorkloadInstance = { ...kept.instances[0], name: md.name as string };
    if (typeof md.uid === 'string' && md.uid !== '') inst.uid = md.uid;
    else delete inst.uid;
    return { ...kept, instances: [inst] };
  }

  /** Keep the template `t` parsed from a pod of content key `key` (one instance). */
  keep(key: string, t: WorkloadTemplate): void {
    if (t.instances.length !== 1) return;
    this.byContent.delete(key);
    this.byContent.set(key, { ...t, instances: [{ ...t.instances[0] }] });
    if (this.byContent.size > this.size) this.byContent.delete(this.byContent.keys().next().value!);
  }

  get entries(): number {
    return this.byContent.size;
  }
}
