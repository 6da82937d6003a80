// A placement's shape (service/state/shapes.ts): the memo of recent shapes gives what encoding the
// template gives — the same shape for a copy differing in instance, owner or source only, another
// for any shape field or priority that differs — and a shape reads back as its template.

import { describe, expect, it } from 'vitest';
import { shapeOf, templateOf } from '../../service/state/shapes.js';
import type { WorkloadTemplate } from '../../model/types.js';
import { pod } from '../fixtures/model.js';

/** The template's shape encoded afresh: a deep copy shares no map with anything the memo holds. */
const encoded = (t: WorkloadTemplate, priority: number): string => shapeOf(structuredClone(t), priority);

describe('shapeOf', () => {
  const t = pod('a').ns('team').req({ cpu: '500m', memory: '1Gi' }).label('app', 'web').selector('zone', 'z0').obj();

  it('a copy that differs in instance, owner or source has the same shape', () => {
    const s = shapeOf(t, 0);
    expect(s).toBe(encoded(t, 0));
    const copy: WorkloadTemplate = {
      ...t,
      instances: [{ name: 'b', uid: 'u-b' }],
      owner: 'ReplicaSet/web',
      source: { file: 'x', doc: 1, path: '' },
    };
    expect(shapeOf(copy, 0)).toBe(s);
    expect(shapeOf(copy, 0)).toBe(encoded(copy, 0));
  });

  it('any shape field or priority that differs gives its own shape', () => {
    const s = shapeOf(t, 0);
    const variants: [WorkloadTemplate, number][] = [
      [t, 100],
      [{ ...t, preemptionPolicy: 'Never' }, 0],
      [{ ...t, labels: new Map([['app', 'db']]) }, 0],
      [{ ...t, nodeSelector: new Map() }, 0],
      [{ ...t, bestEffort: true }, 0],
    ];
    for (const [v, p] of variants) {
      const shape = shapeOf(v, p);
      expect(shape).not.toBe(s);
      expect(shape).toBe(encoded(v, p));
    }
    // and the first is still what it was
    expect(shapeOf({ ...t, instances: [{ name: 'c' }] }, 0)).toBe(s);
  });

  it('a shape reads back as the template', () => {
    const back = templateOf(shapeOf(t, 0), t.instances);
    expect({ ...back, source: t.source }).toEqual({ ...t, priority: 0 });
  });
});
