// podReads keeps its string per uid and resourceVersion: a new version of the pod is read again.
// sameReads says two versions read the same only when their podReads strings are equal: for the
// bind's echo (spec.nodeName and the metadata podReads leaves out changed) it says so without
// writing the string; for any change podReads sees it says no.

import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { podReads, sameReads } from '../../service/state/pod-reads.js';

const pod = (uid: string, rv: string | undefined, app: string, nodeName?: string) => ({
  metadata: { name: 'web-0', namespace: 'shop', uid, ...(rv !== undefined && { resourceVersion: rv }), labels: { app } },
  spec: { ...(nodeName !== undefined && { nodeName }), containers: [{ name: 'c', resources: { requests: { cpu: '1' } } }] },
  status: { phase: 'Pending' },
});

describe('podReads', () => {
  it('reads one version once, a changed version again, and leaves the host out', () => {
    const a = podReads(pod('u-reads-1', '10', 'web'));
    expect(JSON.parse(a)[3]).toEqual({ app: 'web' });
    expect(podReads(pod('u-reads-1', '10', 'web'))).toBe(a);
    // the next version changed a label: read again, not the kept string
    const b = podReads(pod('u-reads-1', '11', 'api'));
    expect(JSON.parse(b)[3]).toEqual({ app: 'api' });
    // the bound echo of an unchanged pod reads the same
    expect(podReads(pod('u-reads-1', '12', 'api', 'node-1'))).toBe(b);
    // another incarnation (uid) at the same resourceVersion is its own
    expect(JSON.parse(podReads(pod('u-reads-2', '11', 'db')))[3]).toEqual({ app: 'db' });
  });

  it('reads a pod without a resourceVersion every time', () => {
    expect(JSON.parse(podReads(pod('u-reads-3', undefined, 'web')))[3]).toEqual({ app: 'web' });
    expect(JSON.parse(podReads(pod('u-reads-3', undefined, 'api')))[3]).toEqual({ app: 'api' });
  });
});

/** A JSON value as the API server's JSON reads: objects, arrays, strings, numbers, booleans, null. */
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(null, true, false, 0, 1, -1, 2.5, '', 'a', 'b'),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('a', 'b', 'c', 'nodeName', '0', '1'), tie('value'), { maxKeys: 3 }),
  ),
})).value;

/** A pod's JSON without a resourceVersion (podReads keeps nothing of it), built from parts. */
const podOf = (parts: Record<string, unknown>) => JSON.parse(JSON.stringify(parts)) as Record<string, unknown>;

const parts = fc.record({
  metadata: fc.record(
    {
      name: fc.constantFrom('web-0', 'web-1'),
      namespace: fc.constantFrom('shop', ''),
      uid: fc.constantFrom('u1', 'u2'),
      labels: json,
      ownerReferences: json,
      creationTimestamp: json,
    },
    { requiredKeys: ['name'] },
  ),
  spec: fc.oneof(json, fc.record({ nodeName: fc.constantFrom('n1', 'n2'), containers: json, priority: json }, { requiredKeys: [] })),
  status: fc.record({ phase: fc.constantFrom('Pending', 'Running'), conditions: json }, { requiredKeys: [] }),
});

describe('sameReads', () => {
  test.prop([parts, parts])('true only when podReads writes the same string', (a, b) => {
    const x = podOf(a);
    const y = podOf(b);
    if (sameReads(x, y)) expect(podReads(y)).toBe(podReads(x));
    expect(sameReads(x, podOf(a))).toBe(true);
  });

  test.prop([parts, fc.constantFrom('n1', 'n2', 'n3'), fc.string({ maxLength: 4 })])(
    "the bind's echo reads the same: another nodeName, resourceVersion, managedFields",
    (a, node, rv) => {
      const pending = podOf(a);
      const echo = podOf(a);
      const md = echo.metadata as Record<string, unknown>;
      md.resourceVersion = `9${rv}`;
      md.managedFields = [{ manager: 'kube-scheduler' }];
      if (typeof echo.spec === 'object' && echo.spec !== null && !Array.isArray(echo.spec))
        (echo.spec as Record<string, unknown>).nodeName = node;
      expect(sameReads(pending, echo)).toBe(true);
      // a label changed: not the same
      md.labels = { changed: rv };
      const before = (pending.metadata as Record<string, unknown>).labels;
      if (JSON.stringify(before) !== JSON.stringify(md.labels)) expect(sameReads(pending, echo)).toBe(false);
    },
  );
});
