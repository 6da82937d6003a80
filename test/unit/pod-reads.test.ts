// podReads keeps its string per uid and resourceVersion: a new version of the pod is read again.

import { describe, expect, it } from 'vitest';
import { podReads } from '../../service/state/pod-reads.js';

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
