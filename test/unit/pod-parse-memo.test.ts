// The extender's parse per pod content (service/state/pod-parse-memo.ts): a pod whose content
// apart from its identity equals a parsed pod's gets exactly the template a parse of it gives, and
// a pod that differs in anything else is parsed anew.

import { describe, expect, it } from 'vitest';
import type { WorkloadTemplate } from '../../model/types.js';
import { parseManifests } from '../../service/manifests/index.js';
import { PodParseMemo, podContentKey } from '../../service/state/pod-parse-memo.js';
import { PlacerState } from '../../service/state/state.js';
import { MEMORY } from '../../service/state/store.js';

type Obj = Record<string, unknown>;

const parse = (pod: Obj): WorkloadTemplate =>
  parseManifests([
    {
      apiVersion: 'v1',
      kind: 'Pod',
      obj: { ...pod, apiVersion: 'v1', kind: 'Pod' },
      source: { file: 'request body', doc: 0, path: 'Pod' },
    },
  ]).workloads[0];

/** Pod `name` of a controller's shape `spec`, as kube-scheduler sends it. */
function pod(name: string, spec: Obj, extra: { labels?: Record<string, string>; uid?: string | null; owner?: boolean } = {}): Obj {
  return {
    metadata: {
      name,
      namespace: 'team-a',
      ...(extra.uid !== null && { uid: extra.uid ?? `uid-${name}` }),
      resourceVersion: String(name.length * 7 + 11),
      creationTimestamp: `2026-12-06T10:00:${String(name.length).padStart(2, '0')}Z`,
      managedFields: [{ manager: 'kube-controller-manager', operation: 'Update', time: '2026-12-06T10:00:00Z' }],
      labels: extra.labels ?? { app: 'web', 'pod-template-hash': '7d9f8' },
      ...(extra.owner !== false && {
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d9f8', uid: 'rs-uid', controller: true }],
      }),
    },
    spec,
    status: { phase: 'Pending' },
  };
}

const SPECS: Record<string, Obj> = {
  plain: { containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1' } } }] },
  'init containers, overhead, priority class': {
    priorityClassName: 'batch-low',
    overhead: { cpu: '100m' },
    initContainers: [{ name: 'i', image: 'busybox', resources: { requests: { cpu: '2' } } }],
    containers: [{ name: 'c', image: 'nginx' }],
  },
  'affinity, anti-affinity, spread, tolerations, node selector': {
    nodeSelector: { 'topology.kubernetes.io/zone': 'zone-a' },
    tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'web', effect: 'NoSchedule' }],
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] }] }],
        },
      },
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          { labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' },
        ],
      },
    },
    topologySpreadConstraints: [
      {
        maxSkew: 1,
        topologyKey: 'topology.kubernetes.io/zone',
        whenUnsatisfiable: 'DoNotSchedule',
        labelSelector: { matchLabels: { app: 'web' } },
      },
    ],
    containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu: '1', memory: '1Gi' } } }],
  },
  'bound already (spec.nodeName)': {
    nodeName: 'esx-01',
    containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu: '1' } } }],
  },
};

describe('pods parsed once per content', () => {
  for (const [what, spec] of Object.entries(SPECS)) {
    it(`${what}: the kept parse with another pod's identity equals that pod's own parse`, () => {
      const memo = new PodParseMemo(8);
      const first = pod('web-7d9f8-abcde', spec);
      const key = podContentKey(first, 'Pod')!;
      memo.keep(key, parse(first));
      for (const other of [pod('web-7d9f8-x2k4q', spec), pod('web-7d9f8-zz9', spec, { uid: null })]) {
        expect(podContentKey(other, 'Pod')).toBe(key);
        const t = memo.template(key, other)!;
        expect(t).toEqual(parse(other));
        expect(t.instances).toEqual([
          {
            name: (other.metadata as Obj).name,
            ...((other.metadata as Obj).uid ? { uid: (other.metadata as Obj).uid } : {}),
            ...(spec.nodeName ? { boundHost: spec.nodeName } : {}),
          },
        ]);
      }
    });
  }

  it('a pod that differs in anything but its identity has another key', () => {
    const spec = SPECS.plain;
    const key = podContentKey(pod('a', spec), 'Pod');
    const variants = [
      pod('b', spec, { labels: { app: 'api' } }),
      pod('b', spec, { owner: false }),
      pod('b', { ...spec, priorityClassName: 'x' }),
      { ...pod('b', spec), status: { phase: 'Succeeded' } },
    ];
    for (const v of variants) expect(podContentKey(v, 'Pod')).not.toBe(key);
    expect(podContentKey(pod('a', spec), 'Pod.spec')).not.toBe(key); // the field path is in error messages
  });

  it('a pod without a name, or with a uid that is not a string, is never shared', () => {
    const p = pod('a', SPECS.plain);
    expect(podContentKey({ ...p, metadata: { ...(p.metadata as Obj), name: undefined, generateName: 'web-' } }, 'Pod')).toBeUndefined();
    expect(podContentKey({ ...p, metadata: { ...(p.metadata as Obj), uid: 7 } }, 'Pod')).toBeUndefined();
  });

  it('the state: each pod keeps its own identity and priority, the LRU stays bounded', async () => {
    const s = await PlacerState.open({ dataDir: MEMORY });
    try {
      // batch-low is unknown: the first template's priority is settled to 0 on that template only
      const spec = SPECS['init containers, overhead, priority class'];
      const a = s.podTemplate(pod('web-1', spec), 'Pod');
      const b = s.podTemplate(pod('web-2', spec), 'Pod');
      expect(a).not.toBe(b);
      expect([a.instances[0].name, b.instances[0].name]).toEqual(['web-1', 'web-2']);
      expect([a.priority, b.priority]).toEqual([0, 0]);
      a.priority = 5; // a caller's change stays on its template
      expect(s.podTemplate(pod('web-3', spec), 'Pod').priority).toBe(0);
      expect(s.retained().cacheEntries.extender_pod_contents).toBe(1);
      for (let i = 0; i < 300; i++)
        s.podTemplate(pod(`p-${i}`, { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: `${i + 1}m` } } }] }), 'Pod');
      expect(s.retained().cacheEntries.extender_pod_contents).toBe(256);
    } finally {
      s.close();
    }
  });
});
