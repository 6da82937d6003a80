// What the store keeps of a manifest: JSON text that re-reads to the same objects (numbers keep
// every digit they were written with), and for a Node only what placement reads, so that an
// unchanged host is recognised by its text.

import { NumberLiteral } from '../manifests/fields.js';
import { parseText } from '../manifests/index.js';

const MARK = '\u0000placer-number\u0000';
const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/**
 * A manifest as JSON text that re-reads to the same objects: numbers read from YAML (kept as
 * NumberLiteral, big integers included) stay JSON numbers with every digit they were written with.
 */
export function manifestJson(obj: unknown): string {
  return JSON.stringify(obj, function (this: Record<string, unknown>, key, v) {
    const orig = this[key];
    if (orig instanceof NumberLiteral) {
      const raw = JSON_NUMBER.test(orig.source)
        ? orig.source
        : typeof orig.value === 'bigint'
          ? orig.value.toString()
          : Number.isFinite(orig.value)
            ? String(orig.value)
            : undefined;
      if (raw !== undefined) return `${MARK}${raw}${MARK}`;
    }
    return v;
  }).replace(/"\\u0000placer-number\\u0000(-?[0-9.eE+]+)\\u0000placer-number\\u0000"/g, '$1');
}

/**
 * A Node reduced to what placement reads — name, labels, taints, unschedulable, capacity,
 * allocatable — so that heartbeats and image lists do not rewrite the store, and an unchanged
 * host is recognised by its text.
 */
export function nodeManifest(obj: Record<string, unknown>, name: string): string {
  const o = (v: unknown): Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  const md = o(obj.metadata);
  const spec = o(obj.spec);
  const status = o(obj.status);
  const taints = Array.isArray(spec.taints)
    ? spec.taints.map((t) => ({ key: o(t).key, value: o(t).value, effect: o(t).effect }))
    : undefined;
  return manifestJson({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, ...(md.labels != null && { labels: md.labels }) },
    spec: { ...(taints && { taints }), ...(spec.unschedulable != null && { unschedulable: spec.unschedulable }) },
    status: {
      ...(status.capacity != null && { capacity: status.capacity }),
      ...(status.allocatable != null && { allocatable: status.allocatable }),
    },
  });
}

/** A stored Node's manifest with spec.unschedulable set to `on` (a cordon, or its undoing). */
export function withUnschedulable(manifest: string, name: string, on: boolean): string {
  const obj = parseText(manifest, 'store')[0].obj;
  obj.spec = { ...((obj.spec ?? {}) as Record<string, unknown>), unschedulable: on };
  return nodeManifest(obj, name);
}
